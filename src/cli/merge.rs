//! `initlab merge DIR… --out DIR`: combine the shards of `compare --shard K/N` (or of `phase
//! --shard K/N`, `symmetry --shard K/N`, `width --lr-sweep … --shard K/N`) into the outputs of
//! one unsharded run.

use crate::error::Result;
use crate::lab::sweeps::shard::merge;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Shard directories written by `compare --shard K/N` (or phase's, symmetry's, the lr sweep's).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory for the merged outputs.
    #[arg(long)]
    pub out: PathBuf,
    /// No list of written files.
    #[arg(long)]
    pub quiet: bool,
    /// For shards of `phase`: the k of the k·ξ_c curve.
    #[arg(long, default_value_t = 6.0)]
    pub k: f64,
}

/// What a shard directory holds, from its files.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shard {
    Compare,
    Phase,
    Symmetry,
    Lr,
}

impl Shard {
    fn of(dir: &std::path::Path) -> Shard {
        use crate::lab::sweeps::{lr_records, phase_shard, symmetry_records};
        if symmetry_records::is_symmetry_shard(dir) {
            Shard::Symmetry
        } else if lr_records::is_lr_shard(dir) {
            Shard::Lr
        } else if phase_shard::is_phase_shard(dir) {
            Shard::Phase
        } else {
            Shard::Compare
        }
    }

    fn text(self) -> &'static str {
        match self {
            Shard::Compare => "a compare shard (compare --shard)",
            Shard::Phase => "a phase shard",
            Shard::Symmetry => "a symmetry shard (symmetry --shard)",
            Shard::Lr => "an lr-sweep shard (width --lr-sweep --shard)",
        }
    }
}

pub fn run(a: &Args) -> Result<()> {
    let kinds: Vec<Shard> = a.dirs.iter().map(|d| Shard::of(d)).collect();
    if let Some(i) = kinds.iter().position(|&k| k != kinds[0]) {
        return Err(crate::Error::invalid(
            "merge",
            format!(
                "{} is {} but {} is {}: merge combines the shards of one sweep",
                a.dirs[i].display(),
                kinds[i].text(),
                a.dirs[0].display(),
                kinds[0].text()
            ),
        ));
    }
    match kinds[0] {
        Shard::Symmetry => {
            let (p, runs) = crate::lab::sweeps::symmetry_records::merge(&a.dirs)?;
            let files = crate::lab::experiments::symmetry_out::write_all(&a.out, &p, &runs)?;
            super::symmetry::print_outputs(&p, &runs, &files, a.quiet);
            Ok(())
        }
        Shard::Lr => {
            let (c, runs) = crate::lab::sweeps::lr_records::merge(&a.dirs)?;
            super::width::write_lr_outputs(&a.out, &c, &runs)?;
            super::width::print_lr(&a.out, &c, &runs, a.quiet);
            Ok(())
        }
        Shard::Phase => {
            let (c, rows) = crate::lab::sweeps::phase_shard::merge(&a.dirs)?;
            crate::lab::sweeps::output::ensure_dir(&a.out)?;
            super::phase::report(&a.out, &c, &rows, a.k, a.quiet)
        }
        Shard::Compare => {
            let (p, results) = merge(&a.dirs)?;
            super::compare::report(&a.out, &p, &results, a.quiet)
        }
    }
}
