//! What the theory says about one (φ, σ_w², σ_b²) fed inputs of mean square q0: every fixed
//! point of the length map, the one the first layer's q¹ = σ_w²·q0 + σ_b² reaches (or that the
//! length grows without bound), the basin of that outcome, and χ₁, c*, ξ_c, ξ_q and the phase
//! there.

use super::fixed::{Fate, FixedPoints, Stability};
use super::maps::{depth_scale, Net, Phase};
use super::quad::Quad;

/// The analysis of one network for one input variance.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The input's mean square and the first layer's pre-activation variance σ_w²·q0 + σ_b².
    pub q0: f64,
    pub q1: f64,
    pub fixed: FixedPoints,
    pub fate: Fate,
    /// The first-layer variances with the same fate, (lo, hi); hi may be ∞.
    pub basin: (f64, f64),
    /// The fixed point reached; `None` when the length grows without bound.
    pub q_star: Option<f64>,
    /// χ₁ at q*, or its limit σ_w²·growth as the length grows.
    pub chi1: f64,
    pub c_star: Option<f64>,
    pub xi_c: Option<f64>,
    pub xi_q: Option<f64>,
    pub phase: Phase,
}

impl Analysis {
    /// The length grows without bound from q¹.
    pub fn unbounded(&self) -> bool {
        self.fate == Fate::Unbounded
    }

    /// Ordered: a finite fixed point with χ₁ < 1.
    pub fn ordered(&self) -> bool {
        self.q_star.is_some() && self.chi1 < 1.0
    }
}

impl Net {
    /// The full analysis for inputs of mean square `q0`, with the accurate quadrature.
    pub fn analyze(&self, q0: f64) -> Analysis {
        self.analyze_with(&Quad::default(), q0)
    }

    pub fn analyze_with(&self, quad: &Quad, q0: f64) -> Analysis {
        self.analysis(quad, q0, true)
    }

    /// The analysis without c*, ξ_c and ξ_q (`None`): the fixed points, the fate, q* and χ₁ —
    /// all a search over σ_w² needs, without the correlation map's double integrals.
    pub fn analyze_length(&self, quad: &Quad, q0: f64) -> Analysis {
        self.analysis(quad, q0, false)
    }

    fn analysis(&self, quad: &Quad, q0: f64, depth_scales: bool) -> Analysis {
        let q1 = self.sigma_w2 * q0 + self.sigma_b2;
        let fixed = FixedPoints::of(self, quad);
        let fate = fixed.fate(self, quad, q1);
        let basin = fixed.basin(fate);
        let (q, chi1, slope) = match fate {
            Fate::Unbounded => {
                // χ₁ at its large-q limit: E[φ′(√q z)²] → growth as q → ∞.
                let chi1 = self.sigma_w2 * self.act.growth();
                return Analysis {
                    q0,
                    q1,
                    fixed,
                    fate,
                    basin,
                    q_star: None,
                    chi1,
                    c_star: None,
                    xi_c: None,
                    xi_q: None,
                    phase: Phase::of(chi1),
                };
            }
            Fate::Kept => (q1, self.chi(quad, q1), 1.0),
            Fate::Fixed(i) => {
                let p = fixed.points[i];
                (p.q, p.chi1, p.slope)
            }
        };
        if !depth_scales {
            let phase = Phase::of(chi1);
            return Analysis {
                q0,
                q1,
                fixed,
                fate,
                basin,
                q_star: Some(q),
                chi1,
                c_star: None,
                xi_c: None,
                xi_q: None,
                phase,
            };
        }
        let c = self.c_star(quad, q, chi1);
        let chi_c = if c >= 1.0 { chi1 } else { self.chi_c(quad, q, c) };
        // An unstable point is reached only from exactly on it: no depth scale of the length.
        let xi_q = match fate {
            Fate::Fixed(i) if fixed.points[i].stability == Stability::Unstable => None,
            _ => depth_scale(slope),
        };
        Analysis {
            q0,
            q1,
            fixed,
            fate,
            basin,
            q_star: Some(q),
            chi1,
            c_star: Some(c),
            xi_c: depth_scale(chi_c),
            xi_q,
            phase: Phase::of(chi1),
        }
    }
}
