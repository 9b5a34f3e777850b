//! The theory against closed forms (linear, relu, leaky relu, erf) and against independent
//! numbers: scipy's adaptive quadrature for tanh (scripts/theory_fixtures.py), Gauss–Hermite.

use super::layers::{predict_chain, q_layers, uniform_chain};
use super::maps::{root, Net, Phase};
use super::quad::{gauss_hermite, Quad};
use super::Act;
use std::f64::consts::PI;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn relu_and_linear_closed_forms() {
    for (w2, b2) in [(1.0, 0.1), (1.5, 0.05), (1.9, 0.5), (0.3, 2.0)] {
        let a = Net::new(Act::Relu, w2, b2).analyze(1.0);
        let q = b2 / (1.0 - w2 / 2.0);
        assert!(close(a.q_star.unwrap(), q, 1e-10), "relu q* {:?} vs {q}", a.q_star);
        assert!(close(a.chi1, w2 / 2.0, 1e-12));
        assert_eq!(a.c_star, Some(1.0));
        let xi = -1.0 / (w2 / 2.0f64).ln();
        assert!(close(a.xi_c.unwrap(), xi, 1e-10) && close(a.xi_q.unwrap(), xi, 1e-9));
        assert_eq!(a.phase, Phase::Ordered);
    }
    for (w2, b2) in [(0.5, 0.1), (0.9, 1.0)] {
        let a = Net::new(Act::Linear, w2, b2).analyze(1.0);
        assert!(close(a.q_star.unwrap(), b2 / (1.0 - w2), 1e-10));
        assert!(close(a.chi1, w2, 1e-12) && close(a.xi_q.unwrap(), -1.0 / w2.ln(), 1e-9));
    }
    // Beyond σ_w² = 2 relu's length grows without bound; χ₁ = σ_w²/2 still, and chaotic.
    let a = Net::new(Act::Relu, 3.0, 0.1).analyze(1.0);
    assert!(a.q_star.is_none() && close(a.chi1, 1.5, 1e-12) && a.phase == Phase::Chaotic);
    // Leaky relu: q* = σ_b² / (1 − σ_w²(1+α²)/2), χ₁ = σ_w²(1+α²)/2.
    let a = Net::new(Act::LeakyRelu(0.2), 1.5, 0.1).analyze(1.0);
    let g = 1.5 * 1.04 / 2.0;
    assert!(close(a.q_star.unwrap(), 0.1 / (1.0 - g), 1e-10) && close(a.chi1, g, 1e-12));
    // Critical line: relu at 2 for every σ_b², linear at 1, leaky at 2/(1+α²).
    let quad = Quad::default();
    for b2 in [0.0, 0.05, 1.0] {
        assert!(close(Net::critical(Act::Relu, b2, 1.0, &quad).unwrap().sigma_w2, 2.0, 1e-9));
        assert!(close(Net::critical(Act::Linear, b2, 1.0, &quad).unwrap().sigma_w2, 1.0, 1e-9));
    }
    assert!(close(Net::critical(Act::LeakyRelu(0.5), 0.1, 1.0, &quad).unwrap().sigma_w2, 1.6, 1e-9));
}

/// erf has every map in closed form (Williams 1997): E[erf(u₁)erf(u₂)] = (2/π) asin(2qc/(1+2q)),
/// E[erf′(u₁)erf′(u₂)] = (4/π)/√((1+2q)² − (2qc)²). Fixed points solved here by bisection on the
/// closed forms: an independent check of both phases, c* included.
#[test]
fn erf_network_matches_its_closed_form_in_both_phases() {
    for (w2, b2) in [(1.0, 0.05), (2.0, 0.05), (4.0, 0.2), (3.0, 0.0)] {
        let len = |q: f64| w2 * 2.0 / PI * (2.0 * q / (1.0 + 2.0 * q)).asin() + b2;
        let q = root(|q| len(q) - q, 1e-9, 100.0, 1e-15);
        let chi = |c: f64| w2 * 4.0 / PI / ((1.0 + 2.0 * q).powi(2) - (2.0 * q * c).powi(2)).sqrt();
        let chi1 = chi(1.0);
        let cmap = |c: f64| (w2 * 2.0 / PI * (2.0 * q * c / (1.0 + 2.0 * q)).asin() + b2) / q;
        let c = if chi1 <= 1.0 { 1.0 } else { root(|c| cmap(c) - c, -1.0, 1.0 - 1e-6, 1e-14) };
        let a = Net::new(Act::Erf, w2, b2).analyze(1.0);
        assert!(close(a.q_star.unwrap(), q, 1e-9), "({w2},{b2}) q* {:?} vs {q}", a.q_star);
        assert!(close(a.chi1, chi1, 1e-9), "χ₁ {} vs {chi1}", a.chi1);
        assert!((a.c_star.unwrap() - c).abs() < 1e-7, "c* {:?} vs {c}", a.c_star);
        assert!(close(a.xi_c.unwrap(), -1.0 / chi(c).ln(), 1e-6));
        assert_eq!(a.phase, if chi1 < 1.0 { Phase::Ordered } else { Phase::Chaotic });
    }
}

fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/theory_tanh.json"))).unwrap()
}

#[test]
fn tanh_matches_scipy_fixed_points_in_both_phases() {
    let fx = fixture();
    let points = fx["points"].as_array().unwrap();
    assert!(points.len() >= 6);
    let mut phases = Vec::new();
    for p in points {
        let f = |k: &str| p[k].as_f64().unwrap();
        let a = Net::new(Act::Tanh, f("sigma_w2"), f("sigma_b2")).analyze(1.0);
        let ctx = format!("tanh at ({}, {})", f("sigma_w2"), f("sigma_b2"));
        assert!(close(a.q_star.unwrap(), f("q_star"), 1e-9), "{ctx}: q* {:?} vs {}", a.q_star, f("q_star"));
        assert!(close(a.chi1, f("chi1"), 1e-9), "{ctx}: χ₁ {} vs {}", a.chi1, f("chi1"));
        assert!((a.c_star.unwrap() - f("c_star")).abs() < 1e-6, "{ctx}: c* {:?} vs {}", a.c_star, f("c_star"));
        assert!(close(a.xi_c.unwrap(), f("xi_c"), 1e-6), "{ctx}: ξ_c {:?} vs {}", a.xi_c, f("xi_c"));
        assert!(close(a.xi_q.unwrap(), f("xi_q"), 1e-7), "{ctx}: ξ_q {:?} vs {}", a.xi_q, f("xi_q"));
        phases.push(a.phase);
    }
    assert!(phases.contains(&Phase::Ordered) && phases.contains(&Phase::Chaotic));
}

#[test]
fn tanh_critical_line_matches_scipy_and_poole() {
    let quad = Quad::default();
    for p in fixture()["critical"].as_array().unwrap() {
        let b2 = p["sigma_b2"].as_f64().unwrap();
        let w2 = Net::critical(Act::Tanh, b2, 1.0, &quad).unwrap().sigma_w2;
        assert!(close(w2, p["sigma_w2"].as_f64().unwrap(), 1e-8), "σ_b² {b2}: {w2} vs {}", p["sigma_w2"]);
        let chi1 = Net::new(Act::Tanh, w2, b2).analyze(1.0).chi1;
        assert!((chi1 - 1.0).abs() < 1e-9);
    }
    // Poole et al. 2016, Fig. 2: σ_w² ≈ 1.76 at σ_b² = 0.05.
    let w2 = Net::critical(Act::Tanh, 0.05, 1.0, &quad).unwrap().sigma_w2;
    assert!((w2 - 1.76).abs() < 0.01, "{w2}");
    // σ_b² = 0: the line starts at σ_w² = 1 (q* = 0 and χ₁ = σ_w² below it).
    assert!(close(Net::critical(Act::Tanh, 0.0, 1.0, &quad).unwrap().sigma_w2, 1.0, 1e-6));
}

#[test]
fn tanh_length_and_chi_agree_with_gauss_hermite() {
    // A second quadrature: 160-point Gauss–Hermite. For tanh(√q z) its error decays only like
    // exp(−c·√n·π/(2√q)) (poles at z = ±iπ/(2√q)), about 1e-9 at q = 1.7: hence 1e-8 here, while
    // the graded rule agrees with scipy to 1e-9 and better.
    let (z, w) = gauss_hermite(160);
    let gh = |f: &dyn Fn(f64) -> f64| z.iter().zip(&w).map(|(z, w)| w * f(*z)).sum::<f64>();
    let quad = Quad::default();
    // Smooth activations only: at a kink (elu’s φ″, relu) Gauss–Hermite converges algebraically.
    for act in [Act::Tanh, Act::Sigmoid, Act::Gelu, Act::Silu, Act::parse("softplus", None).unwrap(), Act::Erf] {
        let net = Net::new(act, 1.7, 0.2);
        for q in [0.05f64, 0.5, 1.7] {
            let r = q.sqrt();
            let len = 1.7 * gh(&|z| act.phi(r * z).powi(2)) + 0.2;
            assert!(
                close(net.length_map(&quad, q), len, 1e-8),
                "{} at q {q}: {} vs {len}",
                act.label(),
                net.length_map(&quad, q)
            );
            let chi = 1.7 * gh(&|z| act.dphi(r * z).powi(2));
            assert!(close(net.chi(&quad, q), chi, 1e-8), "{} at q {q}: {} vs {chi}", act.label(), net.chi(&quad, q));
        }
    }
}

#[test]
fn per_layer_predictions() {
    let quad = Quad::default();
    // Relu: q¹ = σ_w² q₀ + σ_b², then qˡ⁺¹ = σ_w² qˡ / 2 + σ_b².
    let net = Net::new(Act::Relu, 2.0, 0.1);
    let qs = q_layers(&net, 5, 3.0, &quad);
    let mut q = 2.0 * 3.0 + 0.1;
    for got in &qs {
        assert!(close(*got, q, 1e-11), "{got} vs {q}");
        q += 0.1;
    }
    // Tanh: the layers converge to q* from any q₀.
    let net = Net::new(Act::Tanh, 2.5, 0.05);
    let q_star = net.analyze(1.0).q_star.unwrap();
    let qs = q_layers(&net, 40, 4.0, &quad);
    assert!(close(qs[39], q_star, 1e-9) && (qs[0] - 10.05).abs() < 1e-12);
    // Chain predictions: std of a relu output of N(0, q) is √(q/2 − q/(2π)); the gradient
    // factor through a relu is 1/2 and through a Linear σ_w²·fan_out/fan_in.
    let chain = uniform_chain(&Net::new(Act::Relu, 2.0, 0.0), 3);
    let p = predict_chain(&chain, 1.0, 1.0, &quad).unwrap();
    assert_eq!(p.len(), 6);
    assert!(close(p[0].act_std, 2f64.sqrt(), 1e-12));
    assert!(close(p[1].act_std, (1.0 - 1.0 / PI).sqrt(), 1e-12));
    assert!(close(p[5].grad_std, 1.0, 1e-12) && close(p[4].grad_std, 0.5f64.sqrt(), 1e-12));
    assert!(close(p[0].grad_std, 0.5f64.sqrt(), 1e-12), "relu(2) keeps gradient variance per layer");
    // Two activations in a row: not Gaussian any more, outside the theory.
    assert!(predict_chain(&[super::Step::Act(Act::Tanh), super::Step::Act(Act::Tanh)], 1.0, 1.0, &quad).is_none());
}
