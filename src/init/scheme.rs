//! [`Scheme`]: one `torch.nn.init` scheme with its arguments, parsed from text such as
//! `kaiming_normal(nonlinearity=relu)` or `trunc_normal(0, 0.02)`. Arguments go by name or by
//! position in torch's order; `gain=` takes a number or a nonlinearity (`tanh`, `leaky_relu:0.2`).

use super::fan::{calculate_gain, fans, FanMode};
use super::schemes::*;
use super::special::{norm_cdf, norm_pdf};
use super::structured::*;
use super::variance_scaling::*;
use crate::error::{Error, Result};
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
}

/// (argument names in torch's order, number of required leading ones).
fn arg_names(scheme: &str) -> (&'static [&'static str], usize) {
    match scheme {
        "uniform" => (&["a", "b"], 0),
        "normal" => (&["mean", "std"], 0),
        "trunc_normal" => (&["mean", "std", "a", "b"], 0),
        "constant" => (&["val"], 1),
        "dirac" => (&["groups"], 0),
        "xavier_uniform" | "xavier_normal" | "orthogonal" => (&["gain"], 0),
        "kaiming_uniform" | "kaiming_normal" => (&["a", "mode", "nonlinearity"], 0),
        "sparse" => (&["sparsity", "std"], 1),
        "lsuv" => (&["tol", "max_iters"], 0),
        "variance_scaling" => (&["scale", "mode", "distribution"], 0),
        "delta_orthogonal" => (&["gain"], 0),
        _ => (&[], 0),
    }
}

/// A number or a nonlinearity name (optionally `name:param`) as a gain.
fn parse_gain(v: &str) -> Result<f64> {
    if let Ok(g) = v.parse::<f64>() {
        return Ok(g);
    }
    let (name, param) = match v.split_once(':') {
        Some((n, p)) => {
            let p = p.parse::<f64>().map_err(|_| {
                Error::invalid("gain", format!("'{p}' in '{v}' is not a number (write e.g. leaky_relu:0.2)"))
            })?;
            (n, Some(p))
        }
        None => (v, None),
    };
    calculate_gain(name, param)
        .map_err(|e| Error::invalid("gain", format!("'{v}' is neither a number nor a gain: {e}")))
}

impl Scheme {
    /// Parses `name` or `name(args)`.
    pub fn parse(text: &str) -> Result<Scheme> {
        let text = text.trim();
        let (name, args) = match text.find('(') {
            Some(i) => {
                let rest = &text[i + 1..];
                let inner = rest
                    .strip_suffix(')')
                    .ok_or_else(|| Error::invalid(text, "missing ')' at the end; write name(arg, key=value, ...)"))?;
                (text[..i].trim(), inner)
            }
            None => (text, ""),
        };
        if !SCHEME_NAMES.contains(&name) {
            let hint = if name.ends_with('_') { " (without the trailing underscore)" } else { "" };
            return Err(Error::invalid(
                name,
                format!("unknown scheme '{name}'; valid schemes{hint}: {}", SCHEME_NAMES.join(", ")),
            ));
        }
        let (names, required) = arg_names(name);
        let mut slots: Vec<Option<&str>> = vec![None; names.len()];
        let mut seen_keyword = false;
        let mut positional = 0;
        for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let valid = if names.is_empty() {
                format!("{name} takes no arguments")
            } else {
                format!("{name} takes {}", names.join(", "))
            };
            match part.split_once('=') {
                Some((k, v)) => {
                    let k = k.trim();
                    let i = names
                        .iter()
                        .position(|n| *n == k)
                        .ok_or_else(|| Error::invalid(name, format!("unknown argument '{k}'; {valid}")))?;
                    if slots[i].is_some() {
                        return Err(Error::invalid(name, format!("argument '{k}' given twice")));
                    }
                    slots[i] = Some(v.trim());
                    seen_keyword = true;
                }
                None => {
                    if seen_keyword {
                        return Err(Error::invalid(name, format!("positional argument '{part}' after a keyword one")));
                    }
                    if positional >= names.len() {
                        return Err(Error::invalid(name, format!("too many arguments at '{part}'; {valid}")));
                    }
                    slots[positional] = Some(part);
                    positional += 1;
                }
            }
        }
        for (i, n) in names.iter().enumerate().take(required) {
            if slots[i].is_none() {
                return Err(Error::invalid(name, format!("missing required argument '{n}'")));
            }
        }
        let num = |i: usize, default: f64| -> Result<f64> {
            match slots[i] {
                None => Ok(default),
                Some(v) => v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                    Error::invalid(name, format!("argument '{}' must be a finite number, got '{v}'", names[i]))
                }),
            }
        };
        let count = |i: usize, default: usize| -> Result<usize> {
            match slots[i] {
                None => Ok(default),
                Some(v) => v.parse::<usize>().ok().filter(|g| *g > 0).ok_or_else(|| {
                    Error::invalid(name, format!("argument '{}' must be a positive integer, got '{v}'", names[i]))
                }),
            }
        };
        let gain = |i: usize| slots[i].map_or(Ok(1.0), |v| parse_gain(v).map_err(|e| Error::invalid(name, e)));
        let s = match name {
            "uniform" => Scheme::Uniform { a: num(0, 0.0)?, b: num(1, 1.0)? },
            "normal" => Scheme::Normal { mean: num(0, 0.0)?, std: num(1, 1.0)? },
            "trunc_normal" => {
                Scheme::TruncNormal { mean: num(0, 0.0)?, std: num(1, 1.0)?, a: num(2, -2.0)?, b: num(3, 2.0)? }
            }
            "constant" => Scheme::Constant { val: num(0, 0.0)? },
            "ones" => Scheme::Ones,
            "zeros" => Scheme::Zeros,
            "eye" => Scheme::Eye,
            "dirac" => Scheme::Dirac { groups: count(0, 1)? },
            "xavier_uniform" => Scheme::XavierUniform { gain: gain(0)? },
            "xavier_normal" => Scheme::XavierNormal { gain: gain(0)? },
            "orthogonal" => Scheme::Orthogonal { gain: gain(0)? },
            "kaiming_uniform" | "kaiming_normal" => {
                let a = num(0, 0.0)?;
                let mode: FanMode = slots[1].unwrap_or("fan_in").parse().map_err(|e| Error::invalid(name, e))?;
                let nonlinearity = slots[2].unwrap_or("leaky_relu").to_string();
                calculate_gain(&nonlinearity, Some(a)).map_err(|e| Error::invalid(name, e))?;
                if name == "kaiming_uniform" {
                    Scheme::KaimingUniform { a, mode, nonlinearity }
                } else {
                    Scheme::KaimingNormal { a, mode, nonlinearity }
                }
            }
            "sparse" => Scheme::Sparse { sparsity: num(0, 0.0)?, std: num(1, 0.01)? },
            "default" => Scheme::Default,
            "lecun_normal" => Scheme::VarianceScaling {
                scale: 1.0,
                mode: VsMode::FanIn,
                distribution: VsDistribution::TruncatedNormal,
            },
            "lecun_uniform" => {
                Scheme::VarianceScaling { scale: 1.0, mode: VsMode::FanIn, distribution: VsDistribution::Uniform }
            }
            "variance_scaling" => Scheme::VarianceScaling {
                scale: num(0, 1.0)?,
                mode: slots[1].unwrap_or("fan_in").parse().map_err(|e| Error::invalid(name, e))?,
                distribution: slots[2].unwrap_or("truncated_normal").parse().map_err(|e| Error::invalid(name, e))?,
            },
            "delta_orthogonal" => Scheme::DeltaOrthogonal { gain: gain(0)? },
            "fixup" => Scheme::Fixup,
            "zero_init_residual" => Scheme::ZeroInitResidual,
            _ => Scheme::Lsuv { tol: num(0, 0.1)?, max_iters: count(1, 10)? },
        };
        s.check_args()?;
        Ok(s)
    }

    /// Checks the arguments alone (not the tensor): what torch would reject on any tensor.
    fn check_args(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::invalid(self.name(), msg));
        match *self {
            Scheme::Uniform { a, b } if a > b => bad(format!("needs a <= b, got a={a}, b={b}")),
            Scheme::Normal { std, .. } if std < 0.0 => bad(format!("needs std >= 0, got std={std}")),
            Scheme::TruncNormal { mean, std, a, b } => check_trunc_normal(mean, std, a, b),
            Scheme::Sparse { sparsity, std } => check_sparse(&[1, 1], sparsity, std),
            Scheme::Lsuv { tol, .. } if tol <= 0.0 => bad(format!("needs tol > 0, got tol={tol}")),
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
            _ => f.write_str(n),
        }
    }
}

#[cfg(test)]
#[path = "scheme_tests.rs"]
mod tests;
