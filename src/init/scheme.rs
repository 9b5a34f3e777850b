//! [`Scheme`]: one `torch.nn.init` scheme with its arguments, parsed from text such as
//! `kaiming_normal(nonlinearity=relu)` or `trunc_normal(0, 0.02)`. Arguments go by name or by
//! position in torch's order; `gain=` takes a number or a nonlinearity (`tanh`, `leaky_relu:0.2`).

use super::fan::{fans, FanMode};
use super::schemes::*;
use super::structured::*;
use super::variance_scaling::*;
use super::zero::{check_zero_init, zero_init_};
use crate::error::{Error, Result};
use crate::math::special::{norm_cdf, norm_pdf};
use crate::rng::Rng;
use crate::tensor::Tensor;
use std::fmt;

/// Every scheme name the rules accept.
pub const SCHEME_NAMES: &[&str] = &[
    "uniform",
    "normal",
    "trunc_normal",
    "constant",
    "ones",
    "zeros",
    "eye",
    "dirac",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
    "sparse",
    "default",
    "lsuv",
    "lecun_normal",
    "lecun_uniform",
    "variance_scaling",
    "delta_orthogonal",
    "fixup",
    "zero_init_residual",
    "zero_init",
];

/// One init scheme and its arguments (torch's defaults where not given).
#[derive(Clone, Debug, PartialEq)]
pub enum Scheme {
    Uniform {
        a: f64,
        b: f64,
    },
    Normal {
        mean: f64,
        std: f64,
    },
    TruncNormal {
        mean: f64,
        std: f64,
        a: f64,
        b: f64,
    },
    Constant {
        val: f64,
    },
    Ones,
    Zeros,
    Eye,
    Dirac {
        groups: usize,
    },
    XavierUniform {
        gain: f64,
    },
    XavierNormal {
        gain: f64,
    },
    KaimingUniform {
        a: f64,
        mode: FanMode,
        nonlinearity: String,
    },
    KaimingNormal {
        a: f64,
        mode: FanMode,
        nonlinearity: String,
    },
    Orthogonal {
        gain: f64,
    },
    Sparse {
        sparsity: f64,
        std: f64,
    },
    /// The owning layer's torch default (`reset_parameters`), resolved per parameter by the rules.
    Default,
    /// LSUV: orthogonal pre-init here; the data-dependent rescaling is done by the rules / `lsuv_`.
    Lsuv {
        tol: f64,
        max_iters: usize,
    },
    /// JAX's `variance_scaling` (`lecun_normal` and `lecun_uniform` parse to it).
    VarianceScaling {
        scale: f64,
        mode: VsMode,
        distribution: VsDistribution,
    },
    DeltaOrthogonal {
        gain: f64,
    },
    /// Model-level: resolved per parameter by the rules (see [`super::fixup`]).
    Fixup,
    /// Model-level: the last norm weight of each Residual body zero (see [`super::fixup`]).
    ZeroInitResidual,
    /// ZerO (Zhao et al. 2022): identity / partial identity / scaled Hadamard; draws nothing.
    ZerO,
    /// `mup.init`'s variant of the scheme inside (`mup.kaiming_normal`, …): rescaled by the
    /// parameter's infshape (init/mup_init.rs).
    Mup(Box<Scheme>),
}

impl Scheme {
    /// Checks the arguments alone (not the tensor): what torch would reject on any tensor.
    pub(super) fn check_args(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::invalid(self.name(), msg));
        match *self {
            Scheme::Uniform { a, b } if a > b => bad(format!("needs a <= b, got a={a}, b={b}")),
            Scheme::Normal { std, .. } if std < 0.0 => bad(format!("needs std >= 0, got std={std}")),
            Scheme::TruncNormal { mean, std, a, b } => check_trunc_normal(mean, std, a, b),
            Scheme::Sparse { sparsity, std } => check_sparse(&[1, 1], sparsity, std),
            Scheme::Lsuv { tol, .. } if tol <= 0.0 => bad(format!("needs tol > 0, got tol={tol}")),
            Scheme::Mup(ref inner) => inner.check_args(),
            Scheme::VarianceScaling { scale, .. } if scale < 0.0 => bad(format!("needs scale >= 0, got scale={scale}")),
            _ => Ok(()),
        }
    }

    /// The scheme's name as written in rules (torch's function name without the underscore).
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Uniform { .. } => "uniform",
            Scheme::Normal { .. } => "normal",
            Scheme::TruncNormal { .. } => "trunc_normal",
            Scheme::Constant { .. } => "constant",
            Scheme::Ones => "ones",
            Scheme::Zeros => "zeros",
            Scheme::Eye => "eye",
            Scheme::Dirac { .. } => "dirac",
            Scheme::XavierUniform { .. } => "xavier_uniform",
            Scheme::XavierNormal { .. } => "xavier_normal",
            Scheme::KaimingUniform { .. } => "kaiming_uniform",
            Scheme::KaimingNormal { .. } => "kaiming_normal",
            Scheme::Orthogonal { .. } => "orthogonal",
            Scheme::Sparse { .. } => "sparse",
            Scheme::Default => "default",
            Scheme::Lsuv { .. } => "lsuv",
            Scheme::VarianceScaling { .. } => "variance_scaling",
            Scheme::DeltaOrthogonal { .. } => "delta_orthogonal",
            Scheme::Fixup => "fixup",
            Scheme::ZeroInitResidual => "zero_init_residual",
            Scheme::ZerO => "zero_init",
            Scheme::Mup(inner) => inner.mup_name(),
        }
    }

    /// Whether the scheme is decided per model (which parameters it sets and how), not per tensor.
    pub fn is_model_level(&self) -> bool {
        matches!(self, Scheme::Fixup | Scheme::ZeroInitResidual)
    }

    /// Errors (naming the shape and what would be valid) if the scheme cannot fill a tensor of
    /// `shape`; touches nothing.
    pub fn check(&self, shape: &[usize]) -> Result<()> {
        self.check_args()?;
        match self {
            Scheme::Eye => check_eye(shape),
            Scheme::Dirac { groups } => check_dirac(shape, *groups),
            Scheme::XavierUniform { .. } | Scheme::XavierNormal { .. } => fans(shape).map(|_| ()),
            Scheme::KaimingUniform { .. } | Scheme::KaimingNormal { .. } => fans(shape).map(|_| ()),
            Scheme::Orthogonal { .. } | Scheme::Lsuv { .. } => check_orthogonal(shape),
            Scheme::Sparse { sparsity, std } => check_sparse(shape, *sparsity, *std),
            Scheme::VarianceScaling { .. } => fans(shape).map(|_| ()),
            Scheme::DeltaOrthogonal { .. } => check_delta_orthogonal(shape),
            Scheme::ZerO => check_zero_init(shape),
            Scheme::Mup(inner) => inner.check(shape),
            _ => Ok(()),
        }
    }

    /// Fills `t` in place, drawing from `rng`. `Default` needs the owning layer (use
    /// [`Rules`](super::Rules)); `Lsuv` does its orthogonal pre-init only.
    pub fn apply(&self, t: &Tensor, rng: &mut Rng) -> Result<()> {
        match self {
            Scheme::Uniform { a, b } => uniform_with(t, *a, *b, rng),
            Scheme::Normal { mean, std } => normal_with(t, *mean, *std, rng),
            Scheme::TruncNormal { mean, std, a, b } => trunc_normal_with(t, *mean, *std, *a, *b, rng),
            Scheme::Constant { val } => constant_(t, *val),
            Scheme::Ones => ones_(t),
            Scheme::Zeros => zeros_(t),
            Scheme::Eye => eye_(t),
            Scheme::Dirac { groups } => dirac_(t, *groups),
            Scheme::XavierUniform { gain } => xavier_uniform_with(t, *gain, rng),
            Scheme::XavierNormal { gain } => xavier_normal_with(t, *gain, rng),
            Scheme::KaimingUniform { a, mode, nonlinearity } => {
                kaiming_uniform_with(t, *a, &mode.to_string(), nonlinearity, rng)
            }
            Scheme::KaimingNormal { a, mode, nonlinearity } => {
                kaiming_normal_with(t, *a, &mode.to_string(), nonlinearity, rng)
            }
            Scheme::Orthogonal { gain } => orthogonal_with(t, *gain, rng),
            Scheme::Sparse { sparsity, std } => sparse_with(t, *sparsity, *std, rng),
            Scheme::Lsuv { .. } => orthogonal_with(t, 1.0, rng),
            Scheme::VarianceScaling { scale, mode, distribution } => {
                variance_scaling_with(t, *scale, *mode, *distribution, rng)
            }
            Scheme::DeltaOrthogonal { gain } => delta_orthogonal_with(t, *gain, rng),
            Scheme::ZerO => zero_init_(t),
            Scheme::Mup(inner) => inner.mup_apply(t, rng),
            Scheme::Fixup | Scheme::ZeroInitResidual => Err(Error::invalid(
                self.name(),
                "a model-level scheme: which parameters it sets depends on the model; apply it through init::Rules",
            )),
            Scheme::Default => Err(Error::invalid(
                "default",
                "the torch default depends on the owning layer; apply it through init::Rules",
            )),
        }
    }

    /// The std the scheme gives a tensor of `shape` (for orthogonal and sparse, the root mean
    /// square of the values); `None` where it is structural (eye, dirac) or data-dependent.
    pub fn theoretical_std(&self, shape: &[usize]) -> Option<f64> {
        let numel: usize = shape.iter().product();
        match self {
            Scheme::Uniform { a, b } => Some((b - a) / 12f64.sqrt()),
            Scheme::Normal { std, .. } => Some(*std),
            Scheme::TruncNormal { mean, std, a, b } => {
                let (al, be) = ((a - mean) / std, (b - mean) / std);
                let z = norm_cdf(be) - norm_cdf(al);
                let (pa, pb) = (norm_pdf(al), norm_pdf(be));
                Some(std * (1.0 + (al * pa - be * pb) / z - ((pa - pb) / z).powi(2)).sqrt())
            }
            Scheme::Constant { .. } | Scheme::Ones | Scheme::Zeros => Some(0.0),
            Scheme::XavierUniform { gain } | Scheme::XavierNormal { gain } => xavier_std(shape, *gain).ok(),
            Scheme::KaimingUniform { a, mode, nonlinearity } | Scheme::KaimingNormal { a, mode, nonlinearity } => {
                kaiming_std(shape, *a, *mode, nonlinearity).ok().flatten()
            }
            Scheme::Orthogonal { gain } if shape.len() >= 2 && numel > 0 => {
                let (r, c) = (shape[0], numel / shape[0]);
                Some(gain * (r.min(c) as f64 / numel as f64).sqrt())
            }
            Scheme::VarianceScaling { scale, mode, .. } => variance_scaling_std(shape, *scale, *mode).ok(),
            Scheme::DeltaOrthogonal { gain } if shape.len() >= 3 && numel > 0 => {
                Some(gain * (shape[0].min(shape[1]) as f64 / numel as f64).sqrt())
            }
            Scheme::Sparse { sparsity, std } if shape.len() == 2 && shape[0] > 0 => {
                let zeros = (sparsity * shape[0] as f64).ceil();
                Some(std * (1.0 - zeros / shape[0] as f64).sqrt())
            }
            _ => None,
        }
    }
}

impl fmt::Display for Scheme {
    /// The canonical text, parseable back by [`Scheme::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.name();
        match self {
            Scheme::Uniform { a, b } => write!(f, "{n}(a={a}, b={b})"),
            Scheme::Normal { mean, std } => write!(f, "{n}(mean={mean}, std={std})"),
            Scheme::TruncNormal { mean, std, a, b } => write!(f, "{n}(mean={mean}, std={std}, a={a}, b={b})"),
            Scheme::Constant { val } => write!(f, "{n}(val={val})"),
            Scheme::Dirac { groups } => write!(f, "{n}(groups={groups})"),
            Scheme::XavierUniform { gain } | Scheme::XavierNormal { gain } | Scheme::Orthogonal { gain } => {
                write!(f, "{n}(gain={gain})")
            }
            Scheme::KaimingUniform { a, mode, nonlinearity } | Scheme::KaimingNormal { a, mode, nonlinearity } => {
                write!(f, "{n}(a={a}, mode={mode}, nonlinearity={nonlinearity})")
            }
            Scheme::Sparse { sparsity, std } => write!(f, "{n}(sparsity={sparsity}, std={std})"),
            Scheme::Lsuv { tol, max_iters } => write!(f, "{n}(tol={tol}, max_iters={max_iters})"),
            Scheme::VarianceScaling { scale, mode, distribution } => {
                write!(f, "{n}(scale={scale}, mode={mode}, distribution={distribution})")
            }
            Scheme::DeltaOrthogonal { gain } => write!(f, "{n}(gain={gain})"),
            Scheme::Mup(inner) => write!(f, "mup.{inner}"),
            _ => f.write_str(n),
        }
    }
}

#[cfg(test)]
#[path = "scheme_tests.rs"]
mod tests;
