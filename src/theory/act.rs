//! Elementwise activations as the theory sees them: φ and φ′ in f64, a name the command line
//! parses, and the limit of φ(√q·z)²/q for large q that decides whether the length map has a
//! finite fixed point.

use crate::error::{Error, Result};
use crate::math::special::{erf, norm_cdf, norm_pdf};
use std::f64::consts::PI;

/// SELU's constants (Klambauer et al. 2017, as in `torch.nn.SELU`).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

/// An elementwise activation φ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Linear,
    Relu,
    /// φ(x) = x for x > 0, slope·x otherwise.
    LeakyRelu(f64),
    Tanh,
    Sigmoid,
    Selu,
    /// φ(x) = x for x > 0, α(eˣ − 1) otherwise.
    Elu(f64),
    /// x·Φ(x) (the exact, erf-based GELU).
    Gelu,
    /// x·σ(x), also called swish.
    Silu,
    /// ln(1 + eˣ).
    Softplus,
    /// erf(x).
    Erf,
}

/// The names `Act::parse` accepts, for help and error texts.
pub const ACT_NAMES: &str = "linear, relu, leaky_relu, tanh, sigmoid, selu, elu, gelu, silu, softplus, erf";

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl Act {
    /// An activation from its name and optional parameter (leaky_relu's slope, default 0.01;
    /// elu's α, default 1). Names are case-insensitive; `swish` is `silu`, `identity` is `linear`.
    pub fn parse(name: &str, param: Option<f64>) -> Result<Act> {
        let what = || format!("activation '{name}'");
        let lower = name.to_ascii_lowercase().replace('-', "_");
        let act = match lower.as_str() {
            "linear" | "identity" => Act::Linear,
            "relu" => Act::Relu,
            "leaky_relu" | "leakyrelu" => Act::LeakyRelu(param.unwrap_or(0.01)),
            "tanh" => Act::Tanh,
            "sigmoid" => Act::Sigmoid,
            "selu" => Act::Selu,
            "elu" => Act::Elu(param.unwrap_or(1.0)),
            "gelu" => Act::Gelu,
            "silu" | "swish" => Act::Silu,
            "softplus" => Act::Softplus,
            "erf" => Act::Erf,
            _ => return Err(Error::invalid(what(), format!("unknown; expected one of {ACT_NAMES}"))),
        };
        let takes_param = matches!(act, Act::LeakyRelu(_) | Act::Elu(_));
        if let Some(p) = param {
            if !takes_param {
                return Err(Error::invalid(what(), format!("takes no parameter, got --act-param {p}")));
            }
            if !p.is_finite() {
                return Err(Error::invalid(what(), format!("parameter must be finite, got {p}")));
            }
        }
        Ok(act)
    }

    /// The name with its parameter, e.g. `leaky_relu(0.2)`.
    pub fn label(&self) -> String {
        match self {
            Act::LeakyRelu(s) => format!("leaky_relu({s})"),
            Act::Elu(a) => format!("elu({a})"),
            other => other.name().to_string(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Act::Linear => "linear",
            Act::Relu => "relu",
            Act::LeakyRelu(_) => "leaky_relu",
            Act::Tanh => "tanh",
            Act::Sigmoid => "sigmoid",
            Act::Selu => "selu",
            Act::Elu(_) => "elu",
            Act::Gelu => "gelu",
            Act::Silu => "silu",
            Act::Softplus => "softplus",
            Act::Erf => "erf",
        }
    }

    /// φ(x).
    pub fn phi(&self, x: f64) -> f64 {
        match *self {
            Act::Linear => x,
            Act::Relu => x.max(0.0),
            Act::LeakyRelu(s) => {
                if x > 0.0 {
                    x
                } else {
                    s * x
                }
            }
            Act::Tanh => x.tanh(),
            Act::Sigmoid => sigmoid(x),
            Act::Selu => SELU_LAMBDA * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            Act::Elu(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x.exp_m1()
                }
            }
            Act::Gelu => x * norm_cdf(x),
            Act::Silu => x * sigmoid(x),
            Act::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            Act::Erf => erf(x),
        }
    }

    /// φ′(x) (the right derivative at a kink; a kink is a set of measure zero for the theory).
    pub fn dphi(&self, x: f64) -> f64 {
        match *self {
            Act::Linear => 1.0,
            Act::Relu => (x > 0.0) as u8 as f64,
            Act::LeakyRelu(s) => {
                if x > 0.0 {
                    1.0
                } else {
                    s
                }
            }
            Act::Tanh => {
                let t = x.tanh();
                1.0 - t * t
            }
            Act::Sigmoid => {
                let s = sigmoid(x);
                s * (1.0 - s)
            }
            Act::Selu => SELU_LAMBDA * if x > 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
            Act::Elu(a) => {
                if x > 0.0 {
                    1.0
                } else {
                    a * x.exp()
                }
            }
            Act::Gelu => norm_cdf(x) + x * norm_pdf(x),
            Act::Silu => {
                let s = sigmoid(x);
                s * (1.0 + x * (1.0 - s))
            }
            Act::Softplus => sigmoid(x),
            Act::Erf => 2.0 / PI.sqrt() * (-x * x).exp(),
        }
    }

    /// φ(λx) = λφ(x) for λ > 0: then χ₁, c* and ξ_c do not depend on q.
    pub fn is_homogeneous(&self) -> bool {
        matches!(self, Act::Linear | Act::Relu | Act::LeakyRelu(_))
    }

    /// lim_{q→∞} E[φ(√q z)²]/q: the length map grows like σ_w²·this·q for large q, so it has a
    /// finite fixed point only when σ_w² times this is below 1.
    pub fn growth(&self) -> f64 {
        match *self {
            Act::Linear => 1.0,
            Act::LeakyRelu(s) => (1.0 + s * s) / 2.0,
            Act::Selu => SELU_LAMBDA * SELU_LAMBDA / 2.0,
            Act::Relu | Act::Elu(_) | Act::Gelu | Act::Silu | Act::Softplus => 0.5,
            Act::Tanh | Act::Sigmoid | Act::Erf => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivative_matches_central_difference_away_from_kinks() {
        let acts = [
            Act::Linear,
            Act::Relu,
            Act::LeakyRelu(0.2),
            Act::Tanh,
            Act::Sigmoid,
            Act::Selu,
            Act::Elu(0.7),
            Act::Gelu,
            Act::Silu,
            Act::Softplus,
            Act::Erf,
        ];
        for a in acts {
            for &x in &[-3.1, -0.7, -0.05, 0.3, 1.4, 4.2] {
                let h = 1e-5;
                let fd = (a.phi(x + h) - a.phi(x - h)) / (2.0 * h);
                assert!((fd - a.dphi(x)).abs() < 1e-8, "{} at {x}: fd {fd} vs {}", a.label(), a.dphi(x));
            }
        }
        // Reference values: torch.nn.functional.selu(-1.0), gelu(1.0), softplus(2.0), silu(1.0).
        assert!((Act::Selu.phi(-1.0) + 1.111_330_737_812_562_4).abs() < 1e-12);
        assert!((Act::Gelu.phi(1.0) - 0.841_344_746_068_542_9).abs() < 1e-12);
        assert!((Act::Softplus.phi(2.0) - 2.126_928_011_042_972_5).abs() < 1e-12);
        assert!((Act::Silu.phi(1.0) - 0.731_058_578_630_004_9).abs() < 1e-12);
        assert!(Act::Softplus.phi(800.0).is_finite() && Act::Softplus.phi(-800.0) >= 0.0);
    }

    #[test]
    fn parse_names_and_parameters() {
        assert_eq!(Act::parse("Leaky_ReLU", Some(0.2)).unwrap(), Act::LeakyRelu(0.2));
        assert_eq!(Act::parse("leaky_relu", None).unwrap(), Act::LeakyRelu(0.01));
        assert_eq!(Act::parse("swish", None).unwrap(), Act::Silu);
        let e = Act::parse("tanh", Some(2.0)).unwrap_err().to_string();
        assert!(e.contains("takes no parameter"), "{e}");
        let e = Act::parse("rectifier", None).unwrap_err().to_string();
        assert!(e.contains("unknown") && e.contains("softplus"), "{e}");
    }
}
