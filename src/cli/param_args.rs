//! `--param sp|mup --base-width N [--output-mult M] [--readout-zero-init]`, shared by the
//! subcommands that build models (compare, probe, init); its μP flags ([`MupArgs`]) also by
//! `width`, whose `--param` takes `both`.

use crate::lab::models::param::Param;
use crate::Result;
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug, Clone)]
pub struct ParamArgs {
    /// Parametrization: sp (torch's default) or mup (the `mup` package's μP; MLPs only).
    #[arg(long, default_value = "sp")]
    pub param: String,
    #[command(flatten)]
    pub mup: MupArgs,
}

/// The flags only μP takes.
#[derive(ClapArgs, Debug, Clone)]
pub struct MupArgs {
    /// μP: the width whose μP model equals the SP one (every hidden size is a width).
    #[arg(long = "base-width")]
    pub base_width: Option<usize>,
    /// μP: MuReadout's output_mult (default 1).
    #[arg(long = "output-mult", allow_negative_numbers = true)]
    pub output_mult: Option<f64>,
    /// μP: MuReadout's readout_zero_init (a zero readout, drawing nothing).
    #[arg(long = "readout-zero-init")]
    pub readout_zero_init: bool,
}

impl ParamArgs {
    /// `None` for sp (so an SP config is what it was before μP existed).
    pub fn param(&self) -> Result<Option<Param>> {
        let p = self.mup.param(&self.param, None)?;
        Ok((p != Param::Sp).then_some(p))
    }
}

impl MupArgs {
    /// Parametrization `name` with these flags (`base_width` when --base-width is not given);
    /// the μP-only flags are an error with `sp`.
    pub fn param(&self, name: &str, base_width: Option<usize>) -> Result<Param> {
        Param::from_flags(name, self.base_width.or(base_width), self.output_mult, self.readout_zero_init)
    }
}
