//! The length and correlation maps of a wide random network (Poole et al. 2016, Schoenholz et
//! al. 2017) and the quantities read off them: q*, c*, χ₁, the depth scales ξ_q and ξ_c.
//!
//! A layer computes h = W φ(h_prev) + b with Var(W) = σ_w²/fan_in and Var(b) = σ_b². With
//! u = √q z:
//!   length map       q ↦ σ_w² E[φ(√q z)²] + σ_b²
//!   correlation map  c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q*
//!   χ₁ = σ_w² E[φ′(√q* z)²],   χ_c = σ_w² E[φ′(u₁)φ′(u₂)] at c*,   ξ_c = −1/ln χ_c,
//!   ξ_q = −1/ln(slope of the length map at q*).

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

/// Everything the theory says about one (φ, σ_w², σ_b²). `None` where a quantity does not exist:
/// without a finite q* (the length map grows without bound) only χ₁ — its large-q limit — and
/// the phase are given.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub q_star: Option<f64>,
    pub chi1: f64,
    pub c_star: Option<f64>,
    pub xi_c: Option<f64>,
    pub xi_q: Option<f64>,
    pub phase: Phase,
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

    /// One step of the length map.
    pub fn length_map(&self, quad: &Quad, q: f64) -> f64 {
        let r = q.max(0.0).sqrt();
        self.sigma_w2 * quad.expect(|z| self.act.phi(r * z).powi(2)) + self.sigma_b2
    }

    /// d(length map)/dq = σ_w² E[z φ(√q z) φ′(√q z)]/√q (= χ₁ + σ_w² E[φ φ″] by Stein's lemma,
    /// without needing φ″, which is a delta for relu).
    pub fn length_slope(&self, quad: &Quad, q: f64) -> f64 {
        let r = q.max(1e-30).sqrt();
        self.sigma_w2 * quad.expect(|z| z * self.act.phi(r * z) * self.act.dphi(r * z)) / r
    }

    /// σ_w² E[φ′(√q z)²]: the gradient's variance ratio per layer at variance q (χ₁ at q*).
    pub fn chi(&self, quad: &Quad, q: f64) -> f64 {
        // At q = 0 the limit q → 0⁺ (relu's φ′ is 1 on the positive side, not φ′(0)).
        let r = q.max(1e-300).sqrt();
        self.sigma_w2 * quad.expect(|z| self.act.dphi(r * z).powi(2))
    }

    /// The stable fixed point of the length map (the limit from above), or `None` when the map
    /// grows without bound. 0 when the only fixed point is 0 (σ_b² = 0 in the ordered phase).
    pub fn q_star(&self, quad: &Quad) -> Option<f64> {
        let g = |q: f64| self.length_map(quad, q) - q;
        if self.sigma_w2 * self.act.growth() > 1.0 {
            return None;
        }
        // A relative margin: at a neutral map (relu at σ_w² = 2, σ_b² = 0: every q is fixed)
        // rounding must not pass for a root.
        let mut hi = 1.0;
        while g(hi) >= -1e-12 * hi {
            hi *= 2.0;
            if hi > 1e30 {
                return None;
            }
        }
        // g(0) = σ_w² φ(0)² + σ_b² ≥ 0 > g(hi).
        // Below the root g ≥ 0: halve toward it so that the bracket [hi/2, hi] is tight and
        // the tolerance relative.
        while g(hi / 2.0) < 0.0 {
            hi /= 2.0;
            if hi < 1e-200 {
                return Some(0.0);
            }
        }
        Some(root(g, hi / 2.0, hi, 1e-14 * hi))
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

    /// The full analysis with the accurate quadrature.
    pub fn analyze(&self) -> Analysis {
        self.analyze_with(&Quad::default())
    }

    pub fn analyze_with(&self, quad: &Quad) -> Analysis {
        let Some(q) = self.q_star(quad) else {
            // q grows without bound: χ₁ at its large-q limit (exact at any q when homogeneous).
            let chi1 = self.chi(quad, if self.act.is_homogeneous() { 1.0 } else { 1e12 });
            return Analysis { q_star: None, chi1, c_star: None, xi_c: None, xi_q: None, phase: Phase::of(chi1) };
        };
        let chi1 = self.chi(quad, q);
        let c = self.c_star(quad, q, chi1);
        let chi_c = if c >= 1.0 { chi1 } else { self.chi_c(quad, q, c) };
        let xi_c = depth_scale(chi_c);
        let slope = self.length_slope(quad, q);
        Analysis { q_star: Some(q), chi1, c_star: Some(c), xi_c, xi_q: depth_scale(slope), phase: Phase::of(chi1) }
    }

    /// The σ_w² at which χ₁ = 1 for this σ_b² (the order-to-chaos line), or `None` when χ₁ stays
    /// below 1 up to σ_w² = 1e6.
    pub fn critical_sigma_w2(act: Act, sigma_b2: f64, quad: &Quad) -> Option<f64> {
        let chi1 = |w: f64| Net::new(act, w, sigma_b2).analyze_chi1(quad);
        let mut hi = 1.0;
        while chi1(hi) < 1.0 {
            hi *= 2.0;
            if hi > 1e6 {
                return None;
            }
        }
        let mut lo = hi / 2.0;
        while lo > 1e-9 && chi1(lo) >= 1.0 {
            lo /= 2.0;
        }
        let tol = if quad.tol > 1e-12 { quad.tol } else { 1e-13 };
        Some(root(|w| chi1(w) - 1.0, lo, hi, tol * hi))
    }

    /// χ₁ alone (at q*, or its large-q limit).
    pub fn analyze_chi1(&self, quad: &Quad) -> f64 {
        match self.q_star(quad) {
            Some(q) => self.chi(quad, q),
            None => self.chi(quad, if self.act.is_homogeneous() { 1.0 } else { 1e12 }),
        }
    }
}
