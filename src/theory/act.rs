//! Elementwise activations as the theory sees them: φ and φ′ in f64, a name the command line
//! parses, and φ's linear part ℓ (φ − ℓ bounded): E[ℓ(√q z)²] = a·q exactly, with a the limit
//! of E[φ(√q z)²]/q that decides whether the length map can grow without bound, so the length
//! map is computed as a·q plus a bounded remainder, without cancellation at any q.

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
    /// torch's `GELU(approximate='tanh')`: x/2·(1 + tanh(√(2/π)(x + 0.044715x³))).
    GeluTanh,
    /// x·σ(x), also called swish.
    Silu,
    /// torch's `Softplus(beta, threshold)`: ln(1 + e^{βx})/β, and x where βx > threshold.
    Softplus {
        beta: f64,
        threshold: f64,
    },
    /// erf(x).
    Erf,
}

/// The names `Act::parse` accepts, for help and error texts.
pub const ACT_NAMES: &str = "linear, relu, leaky_relu, tanh, sigmoid, selu, elu, gelu, gelu_tanh, silu, softplus, erf";

/// torch's default Softplus threshold.
pub const SOFTPLUS_THRESHOLD: f64 = 20.0;

/// √(2/π) and 0.044715, the tanh GELU's constants.
const GELU_K: f64 = 0.797_884_560_802_865_4;
const GELU_C: f64 = 0.044_715;

fn gelu_tanh_inner(x: f64) -> f64 {
    GELU_K * (x + GELU_C * x * x * x)
}

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
    /// elu's α, default 1; softplus's β > 0, default 1, threshold torch's 20). Names are case-insensitive; `swish` is `silu`, `identity` is `linear`.
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
            "gelu_tanh" => Act::GeluTanh,
            "silu" | "swish" => Act::Silu,
            "softplus" => Act::Softplus { beta: param.unwrap_or(1.0), threshold: SOFTPLUS_THRESHOLD },
            "erf" => Act::Erf,
            _ => return Err(Error::invalid(what(), format!("unknown; expected one of {ACT_NAMES}"))),
        };
        if let (Act::Softplus { beta, .. }, Some(_)) = (act, param) {
            if !(beta.is_finite() && beta > 0.0) {
                return Err(Error::invalid(what(), format!("β must be a finite number > 0, got {beta}")));
            }
        }
        let takes_param = matches!(act, Act::LeakyRelu(_) | Act::Elu(_) | Act::Softplus { .. });
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
            Act::Softplus { beta, threshold } if *beta != 1.0 || *threshold != SOFTPLUS_THRESHOLD => {
                format!("softplus(beta={beta}, threshold={threshold})")
            }
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
            Act::GeluTanh => "gelu_tanh",
            Act::Silu => "silu",
            Act::Softplus { .. } => "softplus",
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
            Act::GeluTanh => 0.5 * x * (1.0 + gelu_tanh_inner(x).tanh()),
            Act::Silu => x * sigmoid(x),
            Act::Softplus { beta, threshold } => {
                let bx = beta * x;
                if bx > threshold {
                    x
                } else {
                    (bx.max(0.0) + (-bx.abs()).exp().ln_1p()) / beta
                }
            }
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
            Act::GeluTanh => {
                let t = gelu_tanh_inner(x).tanh();
                0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_K * (1.0 + 3.0 * GELU_C * x * x)
            }
            Act::Silu => {
                let s = sigmoid(x);
                s * (1.0 + x * (1.0 - s))
            }
            Act::Softplus { beta, threshold } => {
                if beta * x > threshold {
                    1.0
                } else {
                    sigmoid(beta * x)
                }
            }
            Act::Erf => 2.0 / PI.sqrt() * (-x * x).exp(),
        }
    }

    /// φ(λx) = λφ(x) for λ > 0: then χ₁, c* and ξ_c do not depend on q.
    pub fn is_homogeneous(&self) -> bool {
        matches!(self, Act::Linear | Act::Relu | Act::LeakyRelu(_))
    }

    /// φ's slopes far out, (c₊, c₋): φ(x) − c₊x stays bounded as x → +∞ and φ(x) − c₋x as
    /// x → −∞. ℓ(x) = c₊x for x > 0, c₋x otherwise is φ's linear part.
    pub fn far_slopes(&self) -> (f64, f64) {
        match *self {
            Act::Linear => (1.0, 1.0),
            Act::LeakyRelu(s) => (1.0, s),
            Act::Selu => (SELU_LAMBDA, 0.0),
            Act::Relu | Act::Elu(_) | Act::Gelu | Act::GeluTanh | Act::Silu | Act::Softplus { .. } => (1.0, 0.0),
            Act::Tanh | Act::Sigmoid | Act::Erf => (0.0, 0.0),
        }
    }

    /// ℓ(x), φ's linear part (see [`Act::far_slopes`]).
    pub fn linear_part(&self, x: f64) -> f64 {
        let (p, m) = self.far_slopes();
        if x > 0.0 {
            p * x
        } else {
            m * x
        }
    }

    /// ℓ′(x).
    pub fn linear_slope(&self, x: f64) -> f64 {
        let (p, m) = self.far_slopes();
        if x > 0.0 {
            p
        } else {
            m
        }
    }

    /// a = lim_{q→∞} E[φ(√q z)²]/q = E[ℓ(√q z)²]/q = (c₊² + c₋²)/2: the length map grows like
    /// σ_w²·a·q for large q, so it is unbounded when σ_w²·a > 1. It is also lim E[φ′(√q z)²],
    /// so χ₁ tends to σ_w²·a as the length grows.
    pub fn growth(&self) -> f64 {
        let (p, m) = self.far_slopes();
        (p * p + m * m) / 2.0
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
            Act::GeluTanh,
            Act::Silu,
            Act::Softplus { beta: 1.0, threshold: 20.0 },
            Act::Softplus { beta: 2.5, threshold: 20.0 },
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
        let softplus = Act::parse("softplus", None).unwrap();
        assert!((softplus.phi(2.0) - 2.126_928_011_042_972_5).abs() < 1e-12);
        assert!((Act::Silu.phi(1.0) - 0.731_058_578_630_004_9).abs() < 1e-12);
        assert!(softplus.phi(800.0).is_finite() && softplus.phi(-800.0) >= 0.0);
        // torch.nn.functional.gelu(torch.tensor(1.0, dtype=float64), approximate='tanh');
        // softplus(1.0, beta=2) = ln(1 + e²)/2; above the threshold softplus is x itself.
        assert!((Act::GeluTanh.phi(1.0) - 0.841_191_990_608_276_8).abs() < 1e-12);
        let sp2 = Act::parse("softplus", Some(2.0)).unwrap();
        assert!((sp2.phi(1.0) - (1.0 + 2f64.exp()).ln() / 2.0).abs() < 1e-15);
        assert_eq!(softplus.phi(20.5), 20.5);
    }

    #[test]
    fn linear_part_leaves_a_bounded_remainder() {
        for a in [Act::Selu, Act::Elu(0.5), Act::Gelu, Act::GeluTanh, Act::Silu, Act::LeakyRelu(0.3), Act::Tanh] {
            for x in [-1e6, -300.0, 300.0, 1e6] {
                let r = a.phi(x) - a.linear_part(x);
                assert!(r.abs() <= 2.0, "{} at {x}: {r}", a.label());
            }
            assert!(
                (a.dphi(1e3) - a.linear_slope(1e3)).abs() < 1e-9 && (a.dphi(-1e3) - a.linear_slope(-1e3)).abs() < 1e-9
            );
        }
    }

    #[test]
    fn parse_names_and_parameters() {
        assert_eq!(Act::parse("Leaky_ReLU", Some(0.2)).unwrap(), Act::LeakyRelu(0.2));
        assert_eq!(Act::parse("leaky_relu", None).unwrap(), Act::LeakyRelu(0.01));
        assert_eq!(Act::parse("swish", None).unwrap(), Act::Silu);
        assert_eq!(Act::parse("softplus", Some(2.0)).unwrap(), Act::Softplus { beta: 2.0, threshold: 20.0 });
        assert!(Act::parse("softplus", Some(0.0)).is_err() && Act::parse("softplus", Some(-1.0)).is_err());
        let e = Act::parse("tanh", Some(2.0)).unwrap_err().to_string();
        assert!(e.contains("takes no parameter"), "{e}");
        let e = Act::parse("rectifier", None).unwrap_err().to_string();
        assert!(e.contains("unknown") && e.contains("softplus"), "{e}");
    }
}
