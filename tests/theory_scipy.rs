//! The length map's fixed points, the fate of inputs on both sides of each basin boundary, and
//! the critical σ_w² of gelu, silu, softplus and elu, against an independent computation:
//! `scripts/theory_fixed_points.py` (scipy's adaptive QUADPACK over x ~ N(0, q), Brent's method
//! on a dense log grid, fates by iterating the map) wrote `tests/fixtures/theory_fixed_points.json`.
//! initlab's method differs at every step (graded Gauss–Legendre, a √2 grid with fold detection,
//! fates from the roots' order, critical values by scan and bisection), so agreement checks both.

use initlab::theory::{Act, Fate, FixedPoints, Net, Quad, Stability, Transition};
use serde_json::Value;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/theory_fixed_points.json"))
        .expect("tests/fixtures/theory_fixed_points.json (made by scripts/theory_fixed_points.py)");
    serde_json::from_str(&text).unwrap()
}

fn act(v: &Value) -> Act {
    Act::parse(v["act"].as_str().unwrap(), None).unwrap()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// Relative agreement, with an absolute floor for values near 0.
fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-12)
}

/// Relative tolerance on a root: the quadratures agree to ~1e-12 on the map, and a root moves
/// by that over |f'(q)|, which is small where two fixed points are about to merge (or where the
/// map runs nearly parallel to q, as just below σ_w² = 2): widen by 1/|f'|, capped.
fn root_tol(slope: f64) -> f64 {
    (1e-9 / (slope - 1.0).abs().max(1e-6)).clamp(1e-9, 1e-4)
}

#[test]
fn every_fixed_point_with_its_stability_chi1_and_slope() {
    let fx = fixture();
    let quad = Quad::default();
    let points = fx["points"].as_array().unwrap();
    assert!(points.len() >= 25, "fixture has {} cases", points.len());
    for case in points {
        let (w, b) = (num(case, "sigma_w2"), num(case, "sigma_b2"));
        let net = Net::new(act(case), w, b);
        let got = FixedPoints::of(&net, &quad);
        let want = case["points"].as_array().unwrap();
        let label = format!("{} σ_w² {w} σ_b² {b}", case["act"]);
        let got_qs: Vec<f64> = got.points.iter().map(|p| p.q).collect();
        assert_eq!(got.points.len(), want.len(), "{label}: initlab {got_qs:?}, scipy {want:?}");
        assert_eq!(got.grows_above, case["grows_above"].as_bool().unwrap(), "{label}: grows above");
        for (g, p) in got.points.iter().zip(want) {
            let q = num(p, "q");
            let stability = if p["stability"] == "stable" { Stability::Stable } else { Stability::Unstable };
            assert_eq!(g.stability, stability, "{label}: stability at {q}");
            if q == 0.0 {
                assert_eq!(g.q, 0.0, "{label}");
            } else {
                let tol = root_tol(num(p, "slope"));
                assert!(close(g.q, q, tol), "{label}: q* {} vs scipy {q} (tol {tol:e})", g.q);
                // χ₁ and the slope at initlab's root: the scipy values are at scipy's root, so the
                // difference carries the root's error times their derivatives (bounded by the tol).
                assert!(close(g.chi1, num(p, "chi1"), 1e-7 + 10.0 * tol), "{label}: χ₁ {} vs {}", g.chi1, p["chi1"]);
                // scipy's slope is a central difference (h = 1e-6): good to ~1e-8.
                assert!(
                    (g.slope - num(p, "slope")).abs() <= 2e-6 + 10.0 * tol,
                    "{label}: slope {} vs {}",
                    g.slope,
                    p["slope"]
                );
            }
            assert_eq!(g.slope < 1.0, stability == Stability::Stable, "{label}: slope {} at {q}", g.slope);
        }
    }
}

#[test]
fn inputs_on_both_sides_of_each_basin_boundary_reach_what_iterating_the_map_reaches() {
    let fx = fixture();
    let quad = Quad::default();
    let fates = fx["fates"].as_array().unwrap();
    assert!(fates.len() >= 16, "fixture has {} fates", fates.len());
    let (mut fixed, mut unbounded) = (0, 0);
    for case in fates {
        let (w, b, q0) = (num(case, "sigma_w2"), num(case, "sigma_b2"), num(case, "q0"));
        let a = Net::new(act(case), w, b).analyze_length(&quad, q0);
        let label = format!("{} σ_w² {w} σ_b² {b} q0 {q0}", case["act"]);
        match case["fate"].as_str().unwrap() {
            "unbounded" => {
                unbounded += 1;
                assert_eq!(a.fate, Fate::Unbounded, "{label}: initlab says {:?} (q* {:?})", a.fate, a.q_star);
            }
            "fixed" => {
                fixed += 1;
                let want = num(case, "q_star");
                let got = a.q_star.unwrap_or_else(|| panic!("{label}: initlab says {:?}, scipy q* {want}", a.fate));
                assert!(close(got, want, 1e-7), "{label}: q* {got} vs scipy {want}");
                // The boundary named is the unstable point the input sits beside.
                assert!(a.basin.0 < a.q1 && a.q1 < a.basin.1, "{label}: q1 {} outside basin {:?}", a.q1, a.basin);
            }
            other => panic!("{label}: fate {other}"),
        }
    }
    assert!(fixed > 0 && unbounded > 0, "both outcomes covered: {fixed} fixed, {unbounded} unbounded");
}

#[test]
fn critical_sigma_w2_where_inputs_stop_being_ordered() {
    let fx = fixture();
    let quad = Quad::default();
    let crit = fx["critical"].as_array().unwrap();
    assert!(crit.len() >= 8, "fixture has {} critical cases", crit.len());
    for case in crit {
        let (b, q0) = (num(case, "sigma_b2"), num(case, "q0"));
        let label = format!("{} σ_b² {b} q0 {q0}", case["act"]);
        let c = Net::critical(act(case), b, q0, &quad).unwrap_or_else(|| panic!("{label}: no critical σ_w²"));
        let want = num(case, "sigma_w2");
        assert!(close(c.sigma_w2, want, 1e-6), "{label}: σ_w² {} vs scipy {want}", c.sigma_w2);
        // Just above it: the same outcome as scipy's just above (unbounded, or another fixed point).
        match case["above"]["fate"].as_str().unwrap() {
            "unbounded" => assert!(c.above.unbounded(), "{label}: above is {:?}", c.above.fate),
            _ => {
                let want = num(&case["above"], "q_star");
                let got = c.above.q_star.unwrap_or_else(|| panic!("{label}: above unbounded, scipy q* {want}"));
                // At χ₁ = 1 the point moves continuously; elsewhere it jumps to another point.
                assert!(close(got, want, 1e-3), "{label}: above q* {got} vs {want}");
            }
        }
        // The kind, from scipy's two sides: q* continuous (χ₁ = 1), off to infinity, or a jump.
        let want_below = num(&case["below"], "q_star");
        let kind = match case["above"]["q_star"].as_f64() {
            Some(q) if close(q, want_below, 1e-3) => Transition::Chi1,
            None if want_below > 1e6 => Transition::Infinity,
            _ => Transition::Jump,
        };
        assert_eq!(c.transition, kind, "{label}: scipy's sides {} / {}", case["below"], case["above"]);
        let below = c.below.q_star.unwrap_or_else(|| panic!("{label}: below not at a fixed point"));
        if want_below > 1e6 {
            // The fixed point runs off to infinity at the critical value (softplus): just below
            // it, q* is huge on both sides and its exact size is the bisection's last step.
            assert!(below > 1e5, "{label}: below q* {below} vs scipy {want_below}");
        } else {
            assert!(close(below, want_below, 1e-3), "{label}: below q* {below} vs {want_below}");
        }
    }
}
