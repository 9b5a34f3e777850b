//! The length and correlation maps of a wide random network (Poole et al. 2016, Schoenholz et
//! al. 2017) and the quantities read off them: q*, c*, χ₁, the depth scales ξ_q and ξ_c.
//!
//! A layer computes h = W φ(h_prev) + b with Var(W) = σ_w²/fan_in and Var(b) = σ_b². With
//! u = √q z:
//!   length map       q ↦ σ_w² E[φ(√q z)²] + σ_b²
//!   correlation map  c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q*
//!   χ₁ = σ_w² E[φ′(√q* z)²],   χ_c = σ_w² E[φ′(u₁)φ′(u₂)] at c*,   ξ_c = −1/ln χ_c,
//!   ξ_q = −1/ln(slope of the length map at q*).
//!
//! The length map may have several fixed points (gelu, silu: a stable and an unstable one);
//! [`super::fixed`] finds them all, [`super::analysis`] follows the inputs to the one they reach.

use super::act::Act;
use super::quad::Quad;

/// Where the network sits: |χ₁ − 1| below [`CRITICAL_TOL`] is critical (depth scale > 1000).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Ordered,
    Critical,
    Chaotic,
}

/// |χ₁ − 1| below this counts as critical: ξ_c = −1/ln χ₁ is then more than 1000 layers.
pub const CRITICAL_TOL: f64 = 1e-3;

impl Phase {
    pub fn of(chi1: f64) -> Phase {
        if (chi1 - 1.0).abs() < CRITICAL_TOL {
            Phase::Critical
        } else if chi1 < 1.0 {
            Phase::Ordered
        } else {
            Phase::Chaotic
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Ordered => "ordered",
            Phase::Critical => "critical",
            Phase::Chaotic => "chaotic",
        }
    }
}

/// A network's mean-field parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Net {
    pub act: Act,
    pub sigma_w2: f64,
    pub sigma_b2: f64,
}

/// −1/ln(x) for x in (0, 1): the number of layers over which x^l falls by e. ∞ at 1, and `None`
/// outside (0, 1], where nothing converges.
pub fn depth_scale(x: f64) -> Option<f64> {
    // Within rounding of 1 (χ₁ at a critical point found to 1e-13): an infinite depth scale.
    if (x - 1.0).abs() < 1e-12 {
        Some(f64::INFINITY)
    } else if x > 0.0 && x < 1.0 {
        Some(-1.0 / x.ln())
    } else {
        None
    }
}

/// A root of f in [lo, hi] with f(lo) ≥ 0 > f(hi) (or the reverse), by the Illinois variant of
/// regula falsi with bisection steps when it stalls; to |hi − lo| ≤ tol.
pub fn root(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64, tol: f64) -> f64 {
    let (mut flo, mut fhi) = (f(lo), f(hi));
    // Which sign the lo side has (f may be exactly 0 at lo, as the length map's g is at q = 0).
    let lo_pos = flo > 0.0 || fhi < 0.0;
    let mut side = 0i32;
    for it in 0..300 {
        if (hi - lo).abs() <= tol {
            break;
        }
        let secant = (lo * fhi - hi * flo) / (fhi - flo);
        let m = if it % 4 == 3 || !secant.is_finite() || secant <= lo.min(hi) || secant >= lo.max(hi) {
            0.5 * (lo + hi)
        } else {
            secant
        };
        let fm = f(m);
        if fm == 0.0 {
            return m;
        }
        if (fm > 0.0) == lo_pos {
            lo = m;
            flo = fm;
            if side == -1 {
                fhi /= 2.0;
            }
            side = -1;
        } else {
            hi = m;
            fhi = fm;
            if side == 1 {
                flo /= 2.0;
            }
            side = 1;
        }
    }
    0.5 * (lo + hi)
}

impl Net {
    pub fn new(act: Act, sigma_w2: f64, sigma_b2: f64) -> Net {
        Net { act, sigma_w2, sigma_b2 }
    }

    /// σ_w²·a − 1 with a = [`Act::growth`]: the length map's excess over q grows like this
    /// times q for large q.
    pub fn far_excess_slope(&self) -> f64 {
        self.sigma_w2 * self.act.growth() - 1.0
    }

    /// E[φ(√q z)² − ℓ(√q z)²]: the bounded remainder of E[φ²] over its linear part's a·q.
    fn remainder(&self, quad: &Quad, q: f64) -> f64 {
        let r = q.max(0.0).sqrt();
        let a = self.act;
        quad.expect_scaled(r, |z| {
            let (p, l) = (a.phi(r * z), a.linear_part(r * z));
            (p - l) * (p + l)
        })
    }

    /// One step of the length map, σ_w²·(a·q + E[φ² − ℓ²]) + σ_b²: accurate at any q.
    pub fn length_map(&self, quad: &Quad, q: f64) -> f64 {
        let q = q.max(0.0);
        self.sigma_w2 * (self.act.growth() * q + self.remainder(quad, q)) + self.sigma_b2
    }

    /// length map(q) − q, computed without cancelling the two large terms at large q.
    pub fn excess(&self, quad: &Quad, q: f64) -> f64 {
        let q = q.max(0.0);
        self.far_excess_slope() * q + self.sigma_b2 + self.sigma_w2 * self.remainder(quad, q)
    }

    /// d(length map)/dq = σ_w² E[z φ(√q z) φ′(√q z)]/√q (= χ₁ + σ_w² E[φ φ″] by Stein's lemma,
    /// without needing φ″, which is a delta for relu), again as a plus a bounded remainder.
    pub fn length_slope(&self, quad: &Quad, q: f64) -> f64 {
        let r = q.max(1e-300).sqrt();
        let a = self.act;
        let rem = quad.expect_scaled(r, |z| {
            let x = r * z;
            z * (a.phi(x) * a.dphi(x) - a.linear_part(x) * a.linear_slope(x))
        }) / r;
        self.sigma_w2 * (a.growth() + rem)
    }

    /// σ_w² E[φ′(√q z)²]: the gradient's variance ratio per layer at variance q (χ₁ at q*).
    pub fn chi(&self, quad: &Quad, q: f64) -> f64 {
        // At q = 0 the limit q → 0⁺ (relu's φ′ is 1 on the positive side, not φ′(0)).
        let r = q.max(1e-300).sqrt();
        self.sigma_w2 * quad.expect_scaled(r, |z| self.act.dphi(r * z).powi(2))
    }

    /// The correlation map at correlation c for the fixed point q.
    pub fn corr_map(&self, quad: &Quad, q: f64, c: f64) -> f64 {
        let r = q.sqrt();
        let e = quad.expect_pair(c, |z| self.act.phi(r * z), |z| self.act.phi(r * z));
        (self.sigma_w2 * e + self.sigma_b2) / q
    }

    /// σ_w² E[φ′(u₁)φ′(u₂)] at correlation c: the slope of the correlation map there.
    pub fn chi_c(&self, quad: &Quad, q: f64, c: f64) -> f64 {
        let r = q.sqrt();
        self.sigma_w2 * quad.expect_pair(c, |z| self.act.dphi(r * z), |z| self.act.dphi(r * z))
    }

    /// The stable fixed point of the correlation map at q*: 1 when c = 1 is stable (χ₁ ≤ 1),
    /// otherwise the root below 1 (the map is ≥ c at c = −1 and below c just under 1).
    pub fn c_star(&self, quad: &Quad, q: f64, chi1: f64) -> f64 {
        if chi1 <= 1.0 || q <= 0.0 {
            return 1.0;
        }
        let f = |c: f64| self.corr_map(quad, q, c) - c;
        let mut delta = 1e-2;
        while f(1.0 - delta) >= 0.0 {
            delta /= 10.0;
            if delta < 1e-9 {
                return 1.0;
            }
        }
        root(f, -1.0, 1.0 - delta, quad.tol)
    }
}
