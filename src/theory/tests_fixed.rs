//! Several fixed points, basins and where order ends, against closed forms: GELU's length map
//! is closed-form, E[gelu(x)²] = q/4 + q/(2π)·(asin(q/(1+q)) + 2q/((1+q)√(1+2q))) for
//! x ~ N(0, q); erf's maps are closed-form at every q (for the large-q quadrature); the
//! homogeneous activations are linear maps; and a jump across a basin boundary happens exactly
//! where E[φ(√u z)²] = q0 (q¹ = u is then fixed: u = σ_w²·q0 + σ_b² = σ_w² E[φ²] + σ_b²).
//! Against scipy at other points: tests/fixtures/theory_fixed_points.json.

use super::critical::{JumpCause, Transition};
use super::fixed::{Fate, FixedPoints, Stability};
use super::maps::{root, Net, Phase};
use super::quad::Quad;
use super::Act;
use std::f64::consts::PI;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

fn gelu_m2(q: f64) -> f64 {
    q / 4.0 + q / (2.0 * PI) * ((q / (1.0 + q)).asin() + 2.0 * q / ((1.0 + q) * (1.0 + 2.0 * q).sqrt()))
}

/// Every root of w·gelu_m2(q) + b − q on (0, 1e6], by bisection on a fine log grid.
fn gelu_roots(w: f64, b: f64) -> Vec<f64> {
    let f = |q: f64| w * gelu_m2(q) + b - q;
    let grid: Vec<f64> = (0..=1100).map(|k| 10f64.powf(-5.0 + k as f64 / 100.0)).collect();
    grid.windows(2).filter(|p| (f(p[0]) > 0.0) != (f(p[1]) > 0.0)).map(|p| root(f, p[0], p[1], 1e-15 * p[1])).collect()
}

#[test]
fn gelu_length_map_matches_its_closed_form_at_every_scale() {
    let quad = Quad::default();
    let net = Net::new(Act::Gelu, 2.3, 0.05);
    for q in [1e-6, 0.01, 0.3, 1.0, 2.5, 53.7, 1e3, 1e5] {
        let want = 2.3 * gelu_m2(q) + 0.05;
        assert!(close(net.length_map(&quad, q), want, 1e-12), "q {q}: {} vs {want}", net.length_map(&quad, q));
        // The slope, by a central difference of the closed form.
        let h = 1e-5 * q;
        let d = 2.3 * (gelu_m2(q + h) - gelu_m2(q - h)) / (2.0 * h);
        assert!(close(net.length_slope(&quad, q), d, 1e-7), "q {q}: slope {} vs {d}", net.length_slope(&quad, q));
    }
}

#[test]
fn gelu_fixed_points_match_the_closed_form_on_both_sides_of_each_bifurcation() {
    let quad = Quad::default();
    // σ_w² < 2: one; just above 2: a stable and an unstable one; past the fold (≈ 2.42): none.
    for (w, b, n) in [(1.5, 0.05, 1), (2.05, 0.05, 2), (2.3, 0.05, 2), (2.4, 0.05, 2), (2.43, 0.05, 0), (3.0, 0.2, 0)] {
        let want = gelu_roots(w, b);
        assert_eq!(want.len(), n, "closed form at ({w}, {b}): {want:?}");
        let got = FixedPoints::of(&Net::new(Act::Gelu, w, b), &quad);
        let qs: Vec<f64> = got.points.iter().map(|p| p.q).collect();
        assert_eq!(qs.len(), n, "({w}, {b}): {qs:?} vs {want:?}");
        for (g, r) in qs.iter().zip(&want) {
            assert!(close(*g, *r, 1e-10), "({w}, {b}): {g} vs {r}");
        }
        let stab: Vec<Stability> = got.points.iter().map(|p| p.stability).collect();
        assert_eq!(stab, [Stability::Stable, Stability::Unstable][..n.min(2)], "({w}, {b})");
        assert_eq!(got.grows_above, w >= 2.0);
    }
    // σ_b² = 0: q = 0 is fixed, stable while σ_w²/4 < 1, with an unstable point above it.
    let got = FixedPoints::of(&Net::new(Act::Gelu, 3.0, 0.0), &quad);
    assert_eq!(got.points.len(), 2);
    assert_eq!((got.points[0].q, got.points[0].stability), (0.0, Stability::Stable));
    assert!(close(got.points[0].slope, 0.75, 1e-9) && close(got.points[1].q, gelu_roots(3.0, 0.0)[0], 1e-10));
    let got = FixedPoints::of(&Net::new(Act::Gelu, 4.5, 0.0), &quad);
    assert_eq!(got.points.iter().map(|p| p.stability).collect::<Vec<_>>(), [Stability::Unstable]);
}

#[test]
fn silu_worked_example_two_fixed_points_and_two_fates() {
    let net = Net::new(Act::Silu, 2.5, 0.05);
    let a = net.analyze(1.0);
    let p = &a.fixed.points;
    assert_eq!(p.len(), 2, "{p:?}");
    // scipy (scripts/theory_fixed_points.py): 0.16246794, χ₁ 0.71261882; 1.66515455.
    assert!(close(p[0].q, 0.162_467_940_224, 1e-9) && close(p[0].chi1, 0.712_618_820_055, 1e-9), "{p:?}");
    assert!(close(p[1].q, 1.665_154_551_2, 1e-9) && p[1].stability == Stability::Unstable, "{p:?}");
    // Unit-variance inputs: q¹ = 2.55 is above the unstable point; the length grows.
    assert!(close(a.q1, 2.55, 1e-15) && a.unbounded() && a.q_star.is_none());
    assert!(close(a.chi1, 1.25, 1e-15) && a.phase == Phase::Chaotic);
    assert_eq!(a.basin, (p[1].q, f64::INFINITY));
    // Variance 0.3: q¹ = 0.8 is in the stable point's basin [0, 1.665).
    let a = net.analyze(0.3);
    assert_eq!(a.fate, Fate::Fixed(0));
    assert!(close(a.q_star.unwrap(), p[0].q, 1e-15) && a.phase == Phase::Ordered && a.c_star == Some(1.0));
    assert_eq!(a.basin, (0.0, p[1].q));
    // The per-layer map agrees: from 0.8 it falls to q*, from 2.55 it runs away.
    let quad = Quad::default();
    let down = super::layers::q_layers(&net, 120, 0.3, &quad);
    assert!(close(down[119], p[0].q, 1e-9));
    let up = super::layers::q_layers(&net, 60, 1.0, &quad);
    assert!(up[59] > 1e4 * up[0]);
}

#[test]
fn a_jump_across_the_basin_boundary_is_where_the_input_is_stationary() {
    let quad = Quad::default();
    // Closed form for gelu: E[gelu(√u z)²] = q0 at u, then σ_w² = (u − σ_b²)/q0.
    for (b, q0) in [(0.05, 1.0), (0.0, 1.0), (0.1, 1.0), (0.05, 0.6)] {
        let u = root(|q| gelu_m2(q) - q0, 1e-3, 1e3, 1e-15);
        let c = Net::critical(Act::Gelu, b, q0, &quad).unwrap();
        assert_eq!((c.transition, c.cause), (Transition::Jump, Some(JumpCause::Basin)), "({b}, {q0})");
        assert!(close(c.sigma_w2, (u - b) / q0, 1e-10), "({b}, {q0}): {} vs {}", c.sigma_w2, (u - b) / q0);
        assert!(c.below.ordered() && c.above.unbounded());
    }
    // For silu the same identity with the quadrature's E[φ²].
    for (b, q0) in [(0.05, 1.0), (0.05, 0.3)] {
        let m2 = |q: f64| Net::new(Act::Silu, 1.0, 0.0).length_map(&quad, q);
        let u = root(|q| m2(q) - q0, 1e-3, 1e3, 1e-15);
        let c = Net::critical(Act::Silu, b, q0, &quad).unwrap();
        assert_eq!(c.transition, Transition::Jump);
        assert!(close(c.sigma_w2, (u - b) / q0, 1e-10), "({b}, {q0}): {} vs {}", c.sigma_w2, (u - b) / q0);
    }
    // Tiny inputs never reach the unstable point: order ends where the stable point folds
    // into it (the slope of the length map is 1 there).
    let c = Net::critical(Act::Gelu, 0.05, 0.01, &quad).unwrap();
    assert_eq!((c.transition, c.cause), (Transition::Jump, Some(JumpCause::Fold)));
    let p = &c.below.fixed.points;
    assert!(p.len() == 2 && (p[1].q - p[0].q) < 1e-3 && (p[0].slope - 1.0).abs() < 1e-3, "{p:?}");
    assert!(c.above.fixed.points.is_empty());
}

#[test]
fn order_ending_at_infinity_and_at_chi1_one() {
    let quad = Quad::default();
    // softplus: one fixed point, which runs off to infinity as σ_w² → 2 (χ₁ → 1).
    let c = Net::critical(Act::parse("softplus", None).unwrap(), 0.05, 1.0, &quad).unwrap();
    assert_eq!((c.sigma_w2, c.transition), (2.0, Transition::Infinity));
    assert!(c.below.q_star.unwrap() > 1e8 && c.above.unbounded());
    // relu with a bias: the same at 2 (q* = σ_b²/(1 − σ_w²/2)); without: q* = 0 until neutral 2.
    let c = Net::critical(Act::Relu, 0.1, 1.0, &quad).unwrap();
    assert_eq!((c.sigma_w2, c.transition), (2.0, Transition::Infinity));
    let c = Net::critical(Act::Relu, 0.0, 1.0, &quad).unwrap();
    assert!(close(c.sigma_w2, 2.0, 1e-12) && c.transition == Transition::Chi1);
    // tanh, elu: χ₁ passes 1 continuously at the one stable fixed point.
    let c = Net::critical(Act::Tanh, 0.05, 1.0, &quad).unwrap();
    assert!(c.transition == Transition::Chi1 && close(c.below.q_star.unwrap(), c.above.q_star.unwrap(), 1e-9));
    let c = Net::critical(Act::Elu(1.0), 0.05, 1.0, &quad).unwrap();
    assert!(c.transition == Transition::Chi1 && (c.below.chi1 - 1.0).abs() < 1e-9);
}

#[test]
fn homogeneous_maps_in_closed_form() {
    // relu at σ_w² = 2 without bias: every q is fixed, the input's length is kept.
    let a = Net::new(Act::Relu, 2.0, 0.0).analyze(0.7);
    assert!(a.fixed.neutral && a.fate == Fate::Kept && a.q_star == Some(1.4) && a.phase == Phase::Critical);
    // Past it q = 0 is the only, unstable, fixed point and every input grows.
    let a = Net::new(Act::Relu, 3.0, 0.0).analyze(1.0);
    assert_eq!(a.fixed.points.iter().map(|p| (p.q, p.stability)).collect::<Vec<_>>(), [(0.0, Stability::Unstable)]);
    assert!(a.unbounded() && close(a.chi1, 1.5, 1e-15));
    // Only a zero input stays at 0.
    assert_eq!(Net::new(Act::Relu, 3.0, 0.0).analyze(0.0).fate, Fate::Fixed(0));
    // tanh, σ_b² = 0: q = 0 is stable below σ_w² = 1 (χ₁ = σ_w²), unstable above it.
    let a = Net::new(Act::Tanh, 0.5, 0.0).analyze(1.0);
    assert!(a.q_star == Some(0.0) && close(a.chi1, 0.5, 1e-12) && a.fixed.points.len() == 1);
    let a = Net::new(Act::Tanh, 1.5, 0.0).analyze(1.0);
    assert_eq!(a.fixed.points[0].stability, Stability::Unstable);
    assert!(a.q_star.unwrap() > 0.1 && a.fate == Fate::Fixed(1));
}

#[test]
fn expectations_hold_at_huge_variances() {
    // erf: E[erf(√q z)²] = (2/π) asin(2q/(1+2q)), E[erf′(√q z)²] = (4/π)/√(1+4q). Near q = 1e30
    // the mass of erf′² sits within 1e-15 of z = 0, far inside the plain mesh's finest panel.
    let quad = Quad::default();
    let net = Net::new(Act::Erf, 1.0, 0.0);
    for q in [1e4f64, 1e8, 1e16, 1e30, 1e100, 1e250] {
        let chi = 4.0 / PI / (1.0 + 4.0 * q).sqrt();
        assert!(close(net.chi(&quad, q) / chi, 1.0, 1e-10), "q {q}: {} vs {chi}", net.chi(&quad, q));
        // E[erf²] = 1 − (2/π) acos(2q/(1+2q)), with acos(1 − d) = 2 asin(√(d/2)) to keep digits.
        let m = 1.0 - 4.0 / PI * (0.5 / (1.0 + 2.0 * q)).sqrt().asin();
        assert!((net.length_map(&quad, q) - m).abs() < 1e-12, "q {q}");
    }
    // relu-like: the remainder of gelu over its linear part vanishes like q^{-1/2}; the map's
    // excess at σ_w² = 2, σ_b² = 0 is that remainder alone, negative, and shrinking.
    let net = Net::new(Act::Gelu, 2.0, 0.0);
    let e: Vec<f64> = [1e6, 1e10, 1e20].iter().map(|&q| net.excess(&quad, q) * q.sqrt()).collect();
    assert!(e.iter().all(|v| *v < 0.0) && close(e[0], e[2], 1e-4) && close(e[1], e[2], 1e-6), "{e:?}");
}
