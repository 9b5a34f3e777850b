//! `mup.init` (mup 1.0.0, mup/init.py): drop-in replacements of torch's schemes that read the
//! tensor's infshape (set by `set_base_shapes`, i.e. `--param mup`) and rescale so the init scales
//! with width as μP asks, and equal torch's when the model's shapes are its base shapes. Written
//! `mup.kaiming_normal(nonlinearity=relu)` etc. in the rules ([`Scheme::Mup`]).
//!
//! - `uniform`, `normal`, `trunc_normal` (mup's `constant_std_init_`): as torch's on a tensor with
//!   at most one width dimension; on a width × width one every bound, mean and std times
//!   `width_mult^-0.5`. A non-zero mean (uniform: `a != -b`) needs exactly one width dimension.
//! - `xavier_uniform`, `xavier_normal`: torch's std times √((fan_out + fan_in)/(base fan_out + base
//!   fan_in)), over √(fan-in width_mult) on a width × width tensor.
//! - `kaiming_uniform`, `kaiming_normal`: torch's std; with one width dimension times √width_mult
//!   of the fan the mode names when that fan is width; on width × width with `fan_out` times
//!   √(fan_out width_mult / fan_in width_mult).
//!
//! Each factor is computed in f64 as Python computes it (`x ** 0.5` as `powf(0.5)`, `math.sqrt`
//! as `sqrt`), then the draw is torch's, from the same generator, in the same order.

use super::fan::{calculate_gain, correct_fan, fans, FanMode};
use super::scheme::Scheme;
use super::schemes::{normal_with, trunc_normal_with, uniform_with};
use crate::error::{Error, Result};
use crate::infshape::InfShape;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// The schemes that have a `mup.` variant.
pub const MUP_SCHEMES: &[&str] =
    &["uniform", "normal", "trunc_normal", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"];

impl Scheme {
    /// `mup.<name>` of this (inner) scheme, for [`Scheme::name`].
    pub(super) fn mup_name(&self) -> &'static str {
        mup_name(self)
    }

    /// Fills `t` as `mup.init.<self>_` does, for [`Scheme::apply`].
    pub(super) fn mup_apply(&self, t: &Tensor, rng: &mut Rng) -> Result<()> {
        apply(self, t, rng)
    }
}

/// `mup.<name>` as a static string (the scheme's name in rules).
pub fn mup_name(inner: &Scheme) -> &'static str {
    match inner {
        Scheme::Uniform { .. } => "mup.uniform",
        Scheme::Normal { .. } => "mup.normal",
        Scheme::TruncNormal { .. } => "mup.trunc_normal",
        Scheme::XavierUniform { .. } => "mup.xavier_uniform",
        Scheme::XavierNormal { .. } => "mup.xavier_normal",
        Scheme::KaimingUniform { .. } => "mup.kaiming_uniform",
        Scheme::KaimingNormal { .. } => "mup.kaiming_normal",
        _ => "mup.?",
    }
}

/// `mup.<inner>`, checked to be one of [`MUP_SCHEMES`].
pub fn wrap(inner: Scheme) -> Result<Scheme> {
    if !MUP_SCHEMES.contains(&inner.name()) {
        return Err(Error::invalid(
            format!("mup.{}", inner.name()),
            format!("mup.init has no {}; valid: {}", inner.name(), mup_list()),
        ));
    }
    Ok(Scheme::Mup(Box::new(inner)))
}

pub fn mup_list() -> String {
    MUP_SCHEMES.iter().map(|s| format!("mup.{s}")).collect::<Vec<_>>().join(", ")
}

fn no_infshape(inner: &Scheme) -> Error {
    Error::invalid(
        mup_name(inner),
        "needs the parameter's base shapes: use it with --param mup --base-width N (mup asserts: 'Please call set_base_shapes(...)')",
    )
}

/// What mup asserts about the tensor (its infshape present, a zero mean on width × width, at most
/// two width dimensions), without touching it.
pub fn check_tensor(inner: &Scheme, t: &Tensor) -> Result<()> {
    let s = t.infshape().ok_or_else(|| no_infshape(inner))?;
    plan(inner, &s, &t.shape()).map(|_| ())
}

/// The scheme torch would run on a tensor of `shape` with this infshape: `inner` with mup's
/// rescaled arguments. `None`: nothing to do (kaiming on an empty tensor).
fn plan(inner: &Scheme, s: &InfShape, shape: &[usize]) -> Result<Option<Scheme>> {
    let name = mup_name(inner);
    let err = |m: String| Error::invalid(name, m);
    let ninf = s.ninf();
    let one_inf = |what: &str| -> Result<()> {
        if ninf != 1 {
            return Err(err(format!(
                "{what} needs a parameter with exactly one width dimension, this one has {ninf} ({s}); mup asserts: \
                 'Sampler for (inf, inf) tensors should have mean 0'"
            )));
        }
        Ok(())
    };
    // constant_std_init_: scale 1 up to one width dimension, width_mult^-0.5 on two.
    let constant_std = || -> Result<f64> {
        match ninf {
            0 | 1 => Ok(1.0),
            2 => Ok(s.width_mult().powf(-0.5)),
            n => Err(err(format!("mup handles at most 2 width dimensions, this parameter has {n} ({s})"))),
        }
    };
    let dims01 = || -> Result<(crate::infshape::InfDim, crate::infshape::InfDim)> {
        fans(shape)?;
        Ok((s.0[0], s.0[1]))
    };
    Ok(Some(match *inner {
        Scheme::Uniform { a, b } => {
            if a != -b {
                one_inf(&format!("a non-centred range (a={a}, b={b})"))?;
            }
            let k = constant_std()?;
            Scheme::Uniform { a: a * k, b: b * k }
        }
        Scheme::Normal { mean, std } => {
            if mean != 0.0 {
                one_inf(&format!("a non-zero mean ({mean})"))?;
            }
            let k = constant_std()?;
            Scheme::Normal { mean: mean * k, std: std * k }
        }
        Scheme::TruncNormal { mean, std, a, b } => {
            if mean != 0.0 || a != -b {
                one_inf(&format!("a non-zero mean or non-centred cut (mean={mean}, a={a}, b={b})"))?;
            }
            let k = constant_std()?;
            Scheme::TruncNormal { mean: mean * k, std: std * k, a: a * k, b: b * k }
        }
        Scheme::XavierUniform { gain } | Scheme::XavierNormal { gain } => {
            let (fan_in, fan_out) = fans(shape)?;
            let mut std = gain * (2.0 / (fan_in + fan_out) as f64).sqrt();
            let (o, i) = dims01()?;
            let (ob, ib) = (o.base.unwrap_or(o.dim), i.base.unwrap_or(i.dim));
            std *= ((o.dim + i.dim) as f64 / (ob + ib) as f64).sqrt();
            match ninf {
                0 | 1 => {}
                2 if o.is_inf() && i.is_inf() => std /= i.width_mult().sqrt(),
                n => return Err(err(format!("mup's xavier handles fan_out × fan_in width dimensions, not {n} ({s})"))),
            }
            match inner {
                Scheme::XavierUniform { .. } => {
                    let a = 3f64.sqrt() * std;
                    Scheme::Uniform { a: -a, b: a }
                }
                _ => Scheme::Normal { mean: 0.0, std },
            }
        }
        Scheme::KaimingUniform { a, mode, ref nonlinearity } | Scheme::KaimingNormal { a, mode, ref nonlinearity } => {
            if shape.contains(&0) {
                return Ok(None);
            }
            let fan = correct_fan(shape, mode)?;
            let gain = calculate_gain(nonlinearity, Some(a))?;
            let mut std = gain / (fan as f64).sqrt();
            let (o, i) = dims01()?;
            match ninf {
                0 => {}
                1 => match mode {
                    FanMode::FanIn if i.is_inf() => std *= i.width_mult().powf(0.5),
                    FanMode::FanOut if o.is_inf() => std *= o.width_mult().powf(0.5),
                    _ => {}
                },
                2 if o.is_inf() && i.is_inf() => {
                    if mode == FanMode::FanOut {
                        std *= (o.width_mult() / i.width_mult()).sqrt();
                    }
                }
                n => {
                    return Err(err(format!("mup's kaiming handles fan_out × fan_in width dimensions, not {n} ({s})")))
                }
            }
            match inner {
                Scheme::KaimingUniform { .. } => {
                    let bound = 3f64.sqrt() * std;
                    Scheme::Uniform { a: -bound, b: bound }
                }
                _ => Scheme::Normal { mean: 0.0, std },
            }
        }
        _ => return Err(err(format!("mup.init has no such scheme; valid: {}", mup_list()))),
    }))
}

/// Fills `t` as `mup.init.<inner>_(t, …)` does.
pub fn apply(inner: &Scheme, t: &Tensor, rng: &mut Rng) -> Result<()> {
    let s = t.infshape().ok_or_else(|| no_infshape(inner))?;
    match plan(inner, &s, &t.shape())? {
        None => {
            super::warn("Initializing zero-element tensors is a no-op");
            Ok(())
        }
        Some(Scheme::Uniform { a, b }) => uniform_with(t, a, b, rng),
        Some(Scheme::Normal { mean, std }) => normal_with(t, mean, std, rng),
        Some(Scheme::TruncNormal { mean, std, a, b }) => trunc_normal_with(t, mean, std, a, b, rng),
        Some(other) => Err(Error::invalid(mup_name(inner), format!("unexpected plan {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str, base: &[usize], dims: &[usize], shape: &[usize]) -> Result<Option<Scheme>> {
        let Scheme::Mup(inner) = Scheme::parse(text)? else { panic!("not a mup scheme: {text}") };
        plan(&inner, &InfShape::zip(base, dims).with_dims(shape), shape)
    }

    #[test]
    fn base_shapes_give_torchs_scheme() {
        // At the base width every factor is 1: the scheme is torch's (same std, same draws).
        let hidden = |t| plan_of(t, &[64, 64], &[128, 128], &[64, 64]).unwrap().unwrap();
        assert_eq!(
            hidden("mup.kaiming_normal(nonlinearity=relu)"),
            Scheme::Normal { mean: 0.0, std: 2f64.sqrt() / 8.0 }
        );
        assert_eq!(hidden("mup.normal(std=0.02)"), Scheme::Normal { mean: 0.0, std: 0.02 });
    }

    #[test]
    fn width_scaling() {
        // Hidden 256 at base 64 (width_mult 4): constant-std schemes over √4, kaiming fan_in as
        // torch's (1/√256), fan_out the same (ratio 1); a readout (3, 256) keeps base fan-in's std.
        let hidden = |t| plan_of(t, &[64, 64], &[128, 128], &[256, 256]).unwrap().unwrap();
        assert_eq!(hidden("mup.normal(std=1)"), Scheme::Normal { mean: 0.0, std: 0.5 });
        assert_eq!(hidden("mup.uniform(-1, 1)"), Scheme::Uniform { a: -0.5, b: 0.5 });
        assert_eq!(hidden("mup.kaiming_normal"), Scheme::Normal { mean: 0.0, std: 2f64.sqrt() / 16.0 });
        let fan_out = plan_of("mup.kaiming_normal(mode=fan_out)", &[64, 64], &[128, 128], &[256, 256]).unwrap();
        assert_eq!(fan_out, Some(Scheme::Normal { mean: 0.0, std: 2f64.sqrt() / 16.0 }));
        let readout = plan_of("mup.kaiming_normal(nonlinearity=linear)", &[3, 64], &[3, 128], &[3, 256]).unwrap();
        assert_eq!(readout, Some(Scheme::Normal { mean: 0.0, std: 1.0 / 256f64.sqrt() * 4f64.powf(0.5) }));
        // xavier on the readout: √(2/259)·√(259/67), no fan-in division (one width dimension).
        let x = plan_of("mup.xavier_normal", &[3, 64], &[3, 128], &[3, 256]).unwrap();
        assert_eq!(x, Some(Scheme::Normal { mean: 0.0, std: (2.0f64 / 259.0).sqrt() * (259.0f64 / 67.0).sqrt() }));
    }

    #[test]
    fn mups_assertions_are_errors() {
        let e = plan_of("mup.uniform", &[64, 64], &[128, 128], &[256, 256]).unwrap_err().to_string();
        assert!(e.contains("mup.uniform") && e.contains("exactly one width dimension"), "{e}");
        let e = plan_of("mup.normal(mean=1)", &[3], &[3], &[3]).unwrap_err().to_string();
        assert!(e.contains("non-zero mean"), "{e}");
        let e = plan_of("mup.kaiming_normal", &[64], &[128], &[256]).unwrap_err().to_string();
        assert!(e.contains("fewer than 2") || e.contains("dimensions"), "{e}");
        let t = Tensor::zeros(&[4, 4]);
        let Scheme::Mup(inner) = Scheme::parse("mup.kaiming_normal").unwrap() else { unreachable!() };
        let e = check_tensor(&inner, &t).unwrap_err().to_string();
        assert!(e.contains("--param mup"), "{e}");
        let e = Scheme::parse("mup.orthogonal").unwrap_err().to_string();
        assert!(e.contains("mup.init has no orthogonal") && e.contains("mup.kaiming_normal"), "{e}");
    }
}
