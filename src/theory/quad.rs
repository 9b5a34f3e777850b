//! Gaussian expectations E[f(z)], z ~ N(0, 1), and E[f(z₁, z₂)] over two independent normals.
//!
//! Composite Gauss–Legendre on [−L, L] (L = 10: the mass beyond is 1.5e-23), with panels graded
//! geometrically toward a breakpoint. Every activation here is either kinked at 0 (relu, selu) or
//! steepest there (tanh(√q z) with large q has its complex singularities at z = ±iπ/(2√q)), so a
//! mesh refined toward the point where φ's argument is 0 converges exponentially at every scale
//! of q, kinks included — which plain Gauss–Hermite does not (it converges like a power of the
//! node count across a kink). [`gauss_hermite`] is kept as the independent method the tests
//! compare against for smooth activations.

use std::f64::consts::PI;

/// Half-width of the integration range in units of the standard deviation.
const L: f64 = 10.0;

/// Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1] (Newton on Pₙ).
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n.div_ceil(2) {
        let mut z = (PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, z);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * z * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            let p = if n == 0 { 1.0 } else { p1 };
            let pm1 = if n == 1 { 1.0 } else { p0 };
            dp = n as f64 * (z * p - pm1) / (z * z - 1.0);
            let step = p / dp;
            z -= step;
            if step.abs() < 1e-16 {
                break;
            }
        }
        x[i] = -z;
        x[n - 1 - i] = z;
        let wi = 2.0 / ((1.0 - z * z) * dp * dp);
        w[i] = wi;
        w[n - 1 - i] = wi;
    }
    (x, w)
}

/// Nodes and weights for E[f(z)] ≈ Σ wᵢ f(zᵢ), z ~ N(0,1), from the n-point Gauss–Hermite rule
/// (Newton on the orthonormal Hermite recurrence, as in Numerical Recipes' `gauher`).
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    let pim4 = PI.powf(-0.25);
    let (mut x, mut w) = (vec![0.0; n], vec![0.0; n]);
    let nf = n as f64;
    let mut z = 0.0f64;
    for i in 0..n.div_ceil(2) {
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-0.16667),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * x[0],
            3 => 1.91 * z - 0.91 * x[1],
            _ => 2.0 * z - x[i - 2],
        };
        let mut pp = 0.0;
        for _ in 0..200 {
            let (mut p1, mut p2) = (pim4, 0.0);
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / (jf + 1.0)).sqrt() * p2 - (jf / (jf + 1.0)).sqrt() * p3;
            }
            pp = (2.0 * nf).sqrt() * p2;
            let step = p1 / pp;
            z -= step;
            if step.abs() < 1e-15 * z.abs().max(1.0) {
                break;
            }
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = 2.0 / (pp * pp);
        w[n - 1 - i] = w[i];
    }
    // Physicists' rule (weight e^{-x²}) to the standard normal: z = √2 x, weights / √π.
    let z: Vec<f64> = x.iter().map(|v| v * 2f64.sqrt()).collect();
    let w: Vec<f64> = w.iter().map(|v| v / PI.sqrt()).collect();
    (z, w)
}

/// A composite rule: `points` Gauss–Legendre nodes per panel, `levels` geometric panels on each
/// side of the breakpoint (ratio 0.4; panels wider than 1 are split evenly).
#[derive(Clone, Debug)]
pub struct Quad {
    gl: (Vec<f64>, Vec<f64>),
    levels: usize,
    /// Tolerance for roots solved with this rule (c*, the critical σ_w²): below its accuracy
    /// there is nothing to gain.
    pub tol: f64,
}

impl Default for Quad {
    /// The accurate rule (errors near 1e-13 on every test integrand): 10 points, 20 levels.
    fn default() -> Self {
        Quad::new(10, 20)
    }
}

fn pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

impl Quad {
    pub fn new(points: usize, levels: usize) -> Quad {
        Quad { gl: gauss_legendre(points.max(1)), levels: levels.max(1), tol: 1e-12 }
    }

    /// A faster, coarser rule (errors near 1e-7) for grids of many evaluations.
    pub fn coarse() -> Quad {
        Quad { tol: 1e-7, ..Quad::new(6, 8) }
    }

    /// Panel boundaries from `b` outward to `b + d` (d may be negative).
    fn panels(&self, b: f64, d: f64, out: &mut Vec<(f64, f64)>) {
        if d == 0.0 {
            return;
        }
        let mut edges = vec![b];
        for k in (0..self.levels).rev() {
            edges.push(b + d * 0.4f64.powi(k as i32));
        }
        for pair in edges.windows(2) {
            let (a, c) = (pair[0], pair[1]);
            let pieces = ((c - a).abs().ceil() as usize).max(1);
            for j in 0..pieces {
                let lo = a + (c - a) * j as f64 / pieces as f64;
                let hi = a + (c - a) * (j + 1) as f64 / pieces as f64;
                out.push((lo.min(hi), lo.max(hi)));
            }
        }
    }

    /// Nodes and weights (density included) of ∫_{−L}^{L} f(z) pdf(z) dz, refined toward `b`.
    pub fn nodes(&self, b: f64) -> Vec<(f64, f64)> {
        let b = b.clamp(-L, L);
        let mut panels = Vec::new();
        self.panels(b, L - b, &mut panels);
        self.panels(b, -L - b, &mut panels);
        let (x, w) = &self.gl;
        let mut out = Vec::with_capacity(panels.len() * x.len());
        for (lo, hi) in panels {
            let (m, h) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
            for (xi, wi) in x.iter().zip(w) {
                let z = m + h * xi;
                out.push((z, wi * h * pdf(z)));
            }
        }
        out
    }

    /// E[f(z)], z ~ N(0, 1), for f smooth except near 0.
    pub fn expect(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.nodes(0.0).iter().map(|&(z, w)| w * f(z)).sum()
    }

    /// E[f(z₁)·g(c z₁ + √(1−c²) z₂)] for independent standard normals z₁, z₂ and |c| ≤ 1: the pair
    /// (z₁, c z₁ + √(1−c²) z₂) is standard normal with correlation c. f and g may be kinked at 0.
    pub fn expect_pair(&self, c: f64, f: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64) -> f64 {
        let c = c.clamp(-1.0, 1.0);
        let s = (1.0 - c * c).max(0.0).sqrt();
        let outer = self.nodes(0.0);
        if s < 1e-12 {
            return outer.iter().map(|&(z, w)| w * f(z) * g(c * z)).sum();
        }
        outer
            .iter()
            .map(|&(z1, w1)| {
                let fz = f(z1);
                if fz == 0.0 {
                    return 0.0;
                }
                // g's argument is 0 at z₂ = −c z₁ / s: refine there.
                let inner: f64 = self.nodes(-c * z1 / s).iter().map(|&(z2, w2)| w2 * g(c * z1 + s * z2)).sum();
                w1 * fz * inner
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_and_kinks_to_1e12() {
        let q = Quad::default();
        assert!((q.expect(|_| 1.0) - 1.0).abs() < 1e-13);
        assert!((q.expect(|z| z * z) - 1.0).abs() < 1e-12);
        assert!((q.expect(|z| z.powi(4)) - 3.0).abs() < 1e-12);
        assert!((q.expect(|z| z.exp()) - 0.5f64.exp()).abs() < 1e-12);
        // E[relu(z)] = 1/√(2π); E[|z|³] = 2√(2/π).
        assert!((q.expect(|z| z.max(0.0)) - 1.0 / (2.0 * PI).sqrt()).abs() < 1e-13);
        assert!((q.expect(|z| z.abs().powi(3)) - 2.0 * (2.0 / PI).sqrt()).abs() < 1e-12);
        // A step far from the breakpoint is not a kink the rule knows: only Φ(−1) to ~1e-3.
        assert!((q.expect(|z| (z > 1.0) as u8 as f64) - 0.158_655_253_931_457_05).abs() < 1e-2);
        // Steep at every scale: tanh(√q z) with q up to 1e8, against its odd-symmetry zero
        // and against E[tanh(az)²] → 1 − √(2/π)·(2 ln 2)/a·… checked only loosely at a = 1e4.
        for a in [0.1, 1.0, 30.0, 1e4] {
            assert!(q.expect(|z| (a * z).tanh()).abs() < 1e-14);
            let t2 = q.expect(|z| (a * z).tanh().powi(2));
            assert!(t2 > 0.0 && t2 < 1.0);
        }
        let big = q.expect(|z| (1e4 * z).tanh().powi(2));
        // 1 − E[sech²(az)] and E[sech²(az)] = (2/a)·pdf(0) for large a.
        assert!((1.0 - big - 2.0 / 1e4 / (2.0 * PI).sqrt()).abs() < 1e-9, "{big}");
    }

    #[test]
    fn pair_expectations_match_closed_forms() {
        let q = Quad::default();
        for c in [-0.95, -0.3, 0.0, 0.5, 0.9, 0.999, 1.0] {
            // E[z₁ z₂] = c.
            assert!((q.expect_pair(c, |z| z, |z| z) - c).abs() < 1e-12, "{c}");
            // Arc-cosine kernel: E[relu(u₁) relu(u₂)] = (√(1−c²) + (π − arccos c) c) / (2π).
            let k = ((1.0 - c * c).sqrt() + (PI - c.acos()) * c) / (2.0 * PI);
            assert!((q.expect_pair(c, |z| z.max(0.0), |z| z.max(0.0)) - k).abs() < 1e-12, "{c}");
            // Orthant probability: P(u₁ > 0, u₂ > 0) = (π − arccos c) / (2π).
            let p = (PI - c.acos()) / (2.0 * PI);
            let step = |z: f64| (z > 0.0) as u8 as f64;
            assert!((q.expect_pair(c, step, step) - p).abs() < 1e-12, "{c}");
            // E[erf(a u₁) erf(a u₂)] = (2/π) asin(2a²c / (1 + 2a²)) (Williams 1997).
            let a: f64 = 1.7;
            let e = 2.0 / PI * (2.0 * a * a * c / (1.0 + 2.0 * a * a)).asin();
            let erf = |z: f64| crate::math::special::erf(a * z);
            assert!((q.expect_pair(c, erf, erf) - e).abs() < 1e-12, "{c}");
        }
    }

    #[test]
    fn rules_integrate_polynomials_exactly() {
        let (x, w) = gauss_legendre(12);
        // ∫_{-1}^{1} x^22 dx = 2/23 (degree 2n − 1 = 23 is exact).
        let s: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(22)).sum();
        assert!((s - 2.0 / 23.0).abs() < 1e-14);
        let (z, w) = gauss_hermite(120);
        let m = |k: i32| z.iter().zip(&w).map(|(z, w)| w * z.powi(k)).sum::<f64>();
        assert!((m(0) - 1.0).abs() < 1e-12 && (m(2) - 1.0).abs() < 1e-12 && (m(8) - 105.0).abs() < 1e-9);
        assert!(z.windows(2).all(|p| p[0] > p[1]), "distinct, ordered nodes");
    }
}
