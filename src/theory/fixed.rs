//! Every fixed point of the length map q ↦ σ_w² E[φ(√q z)²] + σ_b² on [0, ∞), with its
//! stability, and where an input of first-layer variance q¹ ends up.
//!
//! The map is increasing in q, so an orbit qˡ is monotone: from q¹ it moves toward the nearest
//! fixed point in the direction of f(q¹) = map(q¹) − q¹, or grows without bound when there is
//! none above. The fixed points are the roots of f: its sign changes on a log grid (ratio √2)
//! from the least possible fixed point to the large-q regime, plus the pairs of roots hidden
//! inside a grid cell, found at an extremum of f between two points of the same sign (a stable
//! and an unstable point about to merge). Beyond 10⁸ f is a·q + B + O(q^{−1/2}) with
//! a = σ_w²·growth − 1: the scan stops once f and f′ both have a's sign, after which neither can
//! change.

use super::maps::{root, Net};
use super::quad::Quad;

/// Whether orbits near a fixed point approach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stability {
    Stable,
    Unstable,
    /// Every q is fixed (the map is q ↦ q).
    Neutral,
}

impl Stability {
    pub fn name(&self) -> &'static str {
        match self {
            Stability::Stable => "stable",
            Stability::Unstable => "unstable",
            Stability::Neutral => "neutral",
        }
    }
}

/// One fixed point q = map(q).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedPoint {
    pub q: f64,
    /// d(map)/dq at q: below 1 where stable.
    pub slope: f64,
    /// σ_w² E[φ′(√q z)²] at q.
    pub chi1: f64,
    pub stability: Stability,
}

/// All fixed points of one network's length map.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPoints {
    /// Ascending; q = 0 is among them when the map fixes it (σ_b² = 0 and φ(0) = 0).
    pub points: Vec<FixedPoint>,
    /// Above the largest fixed point (everywhere, without one) map(q) > q: from there the
    /// length grows without bound.
    pub grows_above: bool,
    /// Every q is fixed (a homogeneous φ with σ_w²·growth = 1 and σ_b² = 0).
    pub neutral: bool,
}

/// Where the orbit from a first-layer variance q¹ goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// To `points[i]`.
    Fixed(usize),
    /// It grows without bound.
    Unbounded,
    /// It stays at q¹ (a neutral map).
    Kept,
}

/// Where the grid ends and the asymptotic regime of f begins.
const Q_FAR: f64 = 1e8;
/// The largest q looked at (φ(√q z)² stays finite well beyond it).
const Q_MAX: f64 = 1e280;

impl FixedPoints {
    pub fn of(net: &Net, quad: &Quad) -> FixedPoints {
        if net.act.is_homogeneous() {
            return homogeneous(net);
        }
        let f = |q: f64| net.excess(quad, q);
        let df = |q: f64| net.length_slope(quad, q) - 1.0;
        let point =
            |q: f64, stability| FixedPoint { q, slope: net.length_slope(quad, q), chi1: net.chi(quad, q), stability };
        let mut points = Vec::new();
        let map0 = net.sigma_w2 * net.act.phi(0.0).powi(2) + net.sigma_b2;
        // The map is increasing, so every fixed point is at least map(0): start there.
        let mut q = map0;
        if map0 <= 0.0 {
            // 0 is fixed. f(q) ≈ (slope₀ − 1)·q near 0; a root below 1e-12 (slope₀ within about
            // 1e-12 of 1) shows as f(1e-12) with the other sign: go lower until they agree.
            let s0 = net.length_slope(quad, 0.0) - 1.0;
            q = 1e-12;
            while q > 1e-250 && (f(q) > 0.0) != (s0 > 0.0) {
                q *= 1e-4;
            }
            let f0 = f(q);
            let stability = if f0 < 0.0 {
                Stability::Stable
            } else if f0 > 0.0 {
                Stability::Unstable
            } else {
                Stability::Neutral
            };
            points.push(FixedPoint { q: 0.0, slope: s0 + 1.0, chi1: net.chi(quad, 0.0), stability });
        }
        let far = net.far_excess_slope();
        let (mut fq, mut dq) = (f(q), df(q));
        loop {
            let q2 = if q < Q_FAR { q * std::f64::consts::SQRT_2 } else { q * 10.0 };
            let (f2, d2) = (f(q2), df(q2));
            let tol = 1e-14 * q2;
            if (fq > 0.0) != (f2 > 0.0) {
                let stability = if fq > 0.0 { Stability::Stable } else { Stability::Unstable };
                points.push(point(root(f, q, q2, tol), stability));
            } else if (fq > 0.0 && dq < 0.0 && d2 > 0.0) || (fq <= 0.0 && dq > 0.0 && d2 < 0.0) {
                // An extremum inside the cell: if f crosses 0 there, two roots hide in it.
                let qe = root(df, q, q2, tol);
                if (f(qe) > 0.0) != (fq > 0.0) {
                    let (first, second) = if fq > 0.0 {
                        (Stability::Stable, Stability::Unstable)
                    } else {
                        (Stability::Unstable, Stability::Stable)
                    };
                    points.push(point(root(f, q, qe, tol), first));
                    points.push(point(root(f, qe, q2, tol), second));
                }
            }
            (q, fq, dq) = (q2, f2, d2);
            let settled = if far > 0.0 { fq > 0.0 && dq > 0.0 } else { far < 0.0 && fq < 0.0 && dq < 0.0 };
            if (q >= Q_FAR && settled) || q >= Q_MAX {
                break;
            }
        }
        FixedPoints { points, grows_above: fq > 0.0, neutral: false }
    }

    /// The fate of an orbit from first-layer variance `q1`.
    pub fn fate(&self, net: &Net, quad: &Quad, q1: f64) -> Fate {
        if self.neutral {
            return Fate::Kept;
        }
        let f = net.excess(quad, q1);
        let above = self.points.iter().position(|p| p.q > q1);
        let below = self.points.iter().rposition(|p| p.q < q1);
        if f > 0.0 {
            above.map(Fate::Fixed).unwrap_or(Fate::Unbounded)
        } else if f < 0.0 {
            // map(q) ≥ map(0) > q below the least fixed point, so one lies below q¹; the
            // fallbacks only guard against rounding at a root.
            below.or(above).map(Fate::Fixed).unwrap_or(Fate::Unbounded)
        } else {
            let nearest = (0..self.points.len())
                .min_by(|&i, &j| (self.points[i].q - q1).abs().total_cmp(&(self.points[j].q - q1).abs()));
            nearest.map(Fate::Fixed).unwrap_or(Fate::Kept)
        }
    }

    /// The first-layer variances that share `fate`: (lo, hi), hi = ∞ when unbounded above.
    pub fn basin(&self, fate: Fate) -> (f64, f64) {
        let p = &self.points;
        match fate {
            Fate::Kept => (0.0, f64::INFINITY),
            Fate::Unbounded => (p.last().map(|x| x.q).unwrap_or(0.0), f64::INFINITY),
            Fate::Fixed(i) if p[i].stability == Stability::Unstable => (p[i].q, p[i].q),
            Fate::Fixed(i) => {
                let lo = if i > 0 { p[i - 1].q } else { 0.0 };
                let hi = if i + 1 < p.len() { p[i + 1].q } else { f64::INFINITY };
                (lo, hi)
            }
        }
    }
}

/// Linear, relu, leaky relu: map(q) = g·q + σ_b² with g = σ_w²·growth, in closed form.
fn homogeneous(net: &Net) -> FixedPoints {
    let g = net.sigma_w2 * net.act.growth();
    let b = net.sigma_b2;
    // Within rounding of 1 (σ_w² = 2 for relu, 1.6 for leaky relu(0.5)): neutral.
    let one = (g - 1.0).abs() <= 4.0 * f64::EPSILON;
    let point = |q: f64, stability| FixedPoint { q, slope: g, chi1: g, stability };
    if b == 0.0 {
        if one {
            return FixedPoints { points: vec![], grows_above: false, neutral: true };
        }
        let stability = if g < 1.0 { Stability::Stable } else { Stability::Unstable };
        return FixedPoints { points: vec![point(0.0, stability)], grows_above: g > 1.0, neutral: false };
    }
    if g < 1.0 && !one {
        FixedPoints { points: vec![point(b / (1.0 - g), Stability::Stable)], grows_above: false, neutral: false }
    } else {
        FixedPoints { points: vec![], grows_above: true, neutral: false }
    }
}
