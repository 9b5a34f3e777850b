//! Parsing one scheme's text: `name` or `name(arg, key=value, …)` with torch's argument names
//! and order, gains given as numbers or nonlinearity names (`tanh`, `leaky_relu:0.2`).

use super::fan::{calculate_gain, FanMode};
use super::scheme::{Scheme, SCHEME_NAMES};
use super::variance_scaling::{VsDistribution, VsMode};
use crate::error::{Error, Result};

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
        if let Some(inner) = text.strip_prefix("mup.") {
            return super::mup_init::wrap(Scheme::parse(inner)?);
        }
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
                format!(
                    "unknown scheme '{name}'; valid schemes{hint}: {}; with --param mup also {}",
                    SCHEME_NAMES.join(", "),
                    super::mup_init::mup_list()
                ),
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
            "zero_init" => Scheme::ZerO,
            _ => Scheme::Lsuv { tol: num(0, 0.1)?, max_iters: count(1, 10)? },
        };
        s.check_args()?;
        Ok(s)
    }
}
