//! `initlab theory` against published and independently computed mean-field numbers.

use serde_json::Value;
use std::process::Command;

fn theory(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).arg("theory").args(args).output().unwrap()
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = theory(&a);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

const KEYS: [&str; 12] =
    ["q_star", "chi1", "c_star", "xi_c", "xi_q", "phase", "q0", "q1", "fate", "basin", "fixed_points", "neutral"];

#[test]
fn tanh_json_matches_scipy_in_both_phases() {
    let fx: Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/theory_tanh.json")))
            .unwrap();
    for p in fx["points"].as_array().unwrap().iter().take(5) {
        let (w, b) = (p["sigma_w2"].to_string(), p["sigma_b2"].to_string());
        let v = json(&["--act", "tanh", "--sigma-w2", &w, "--sigma-b2", &b]);
        assert_eq!(keys(&v), KEYS);
        let fp = v["fixed_points"].as_array().unwrap();
        assert_eq!(fp.len(), 1, "tanh has one fixed point for σ_b² > 0: {v}");
        assert_eq!((fp[0]["q"].as_f64(), fp[0]["stability"].as_str()), (v["q_star"].as_f64(), Some("stable")));
        for k in ["q_star", "chi1", "c_star", "xi_c", "xi_q"] {
            let (got, want) = (v[k].as_f64().unwrap(), p[k].as_f64().unwrap());
            assert!((got - want).abs() < 1e-6 * want.abs().max(1.0), "({w},{b}) {k}: {got} vs {want}");
        }
        let phase = if p["chi1"].as_f64().unwrap() < 1.0 { "ordered" } else { "chaotic" };
        assert_eq!(v["phase"], phase);
    }
}

#[test]
fn critical_points_tanh_and_relu() {
    // Poole et al. 2016: σ_w² ≈ 1.76 at σ_b² = 0.05 (scipy: 1.7609546).
    let v = json(&["--act", "tanh", "--sigma-b2", "0.05", "--critical"]);
    let mut want: Vec<&str> = KEYS.to_vec();
    want.extend(["sigma_w2_critical", "critical"]);
    assert_eq!(keys(&v), want);
    assert_eq!(v["critical"]["transition"], "chi1");
    assert!((v["sigma_w2_critical"].as_f64().unwrap() - 1.760_954_639_6).abs() < 1e-7, "{v}");
    assert_eq!(v["phase"], "critical");
    assert!((v["chi1"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    let v = json(&["--act", "tanh", "--sigma-b2", "0.3", "--sigma-w2", "4", "--critical"]);
    assert!((v["sigma_w2_critical"].as_f64().unwrap() - 2.505_127_189_68).abs() < 1e-7, "{v}");
    assert_eq!(v["phase"], "chaotic");
    // relu: critical at 2 for any σ_b²; q* = σ_b²/(1 − σ_w²/2), χ₁ = σ_w²/2.
    let v = json(&["--act", "relu", "--sigma-w2", "1.5", "--sigma-b2", "0.1", "--critical"]);
    assert!((v["sigma_w2_critical"].as_f64().unwrap() - 2.0).abs() < 1e-9);
    assert!((v["q_star"].as_f64().unwrap() - 0.4).abs() < 1e-10 && (v["chi1"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    assert_eq!(v["phase"], "ordered");
}

#[test]
fn depth_gives_q_layers() {
    // relu at σ_w² = 1.5: q¹ = 1.5·2 + 0.1, then q ↦ 0.75 q + 0.1.
    let v = json(&["--act", "relu", "--sigma-w2", "1.5", "--sigma-b2", "0.1", "--depth", "4", "--q0", "2"]);
    let q: Vec<f64> = v["q_layers"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let mut want = 3.1;
    for got in q.iter() {
        assert!((got - want).abs() < 1e-10, "{q:?}");
        want = 0.75 * want + 0.1;
    }
    assert_eq!(q.len(), 4);
    let o = theory(&["--act", "tanh", "--sigma-w2", "1.5", "--sigma-b2", "0.05", "--depth", "40"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("phase ordered") && text.contains("grad ratio") && text.contains("0.938636"), "{text}");
}

#[test]
fn bad_input_is_one_error_line() {
    for args in [
        vec!["--act", "tanh", "--sigma-w2", "-1"],
        vec!["--act", "tanh", "--sigma-w2", "nan"],
        vec!["--act", "tanhh", "--sigma-w2", "1"],
        vec!["--act", "tanh"],
        vec!["--act", "tanh", "--sigma-w2", "1", "--act-param", "0.2"],
        vec!["--act", "tanh", "--sigma-w2", "1", "--depth", "0"],
        vec!["--act", "sigmoid", "--critical", "--sigma-b2", "-2"],
        vec!["--act", "tanh", "--sigma-w2", "1", "--phase-diagram", "/no/such/dir/pd.png"],
    ] {
        let o = theory(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.lines().count() == 1, "{args:?}: {err}");
    }
}

#[test]
fn phase_diagram_writes_png_svg_csv() {
    let dir = std::env::temp_dir().join(format!("initlab-cli-theory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("pd.png");
    let o =
        theory(&["--act", "relu", "--sigma-w2", "1.5", "--sigma-b2", "0.1", "--phase-diagram", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(png.exists() && dir.join("pd.svg").exists());
    let csv = std::fs::read_to_string(dir.join("pd.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("sigma_w2,sigma_b2,xi_c"));
    // relu: ξ_c = −1/ln(σ_w²/2) left of 2, empty (no finite q*) right of it.
    let mut n = 0;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let w: f64 = f[0].parse().unwrap();
        if w < 2.0 {
            let xi: f64 = f[2].parse().unwrap();
            assert!((xi + 1.0 / (w / 2.0).ln()).abs() < 1e-5 * xi.max(1.0), "{l}");
        } else {
            assert_eq!(f[2], "", "{l}");
        }
        n += 1;
    }
    assert_eq!(n, 48 * 32);
}

#[test]
fn silu_two_fixed_points_and_the_input_decides() {
    // The example (scipy: 0.16246794, χ₁ 0.71261882; unstable 1.66515455).
    let v = json(&["--act", "silu", "--sigma-w2", "2.5", "--sigma-b2", "0.05"]);
    let fp = v["fixed_points"].as_array().unwrap();
    assert_eq!(fp.len(), 2, "{v}");
    assert!((fp[0]["q"].as_f64().unwrap() - 0.162_467_940_2).abs() < 1e-9 && fp[0]["stability"] == "stable");
    assert!((fp[0]["chi1"].as_f64().unwrap() - 0.712_618_820_1).abs() < 1e-9 && fp[0]["phase"] == "ordered");
    assert!((fp[1]["q"].as_f64().unwrap() - 1.665_154_551).abs() < 1e-8 && fp[1]["stability"] == "unstable");
    // q0 = 1: q¹ = 2.55 is past the unstable point.
    assert_eq!((v["fate"].as_str(), v["q_star"].is_null(), v["q1"].as_f64()), (Some("unbounded"), true, Some(2.55)));
    assert_eq!(v["phase"], "chaotic");
    // q0 = 0.3: q¹ = 0.8 settles at the stable point.
    let v = json(&["--act", "silu", "--sigma-w2", "2.5", "--sigma-b2", "0.05", "--q0", "0.3"]);
    assert_eq!((v["fate"].as_str(), v["phase"].as_str()), (Some("fixed"), Some("ordered")));
    assert!((v["q_star"].as_f64().unwrap() - 0.162_467_940_2).abs() < 1e-9);
    assert!(v["basin"][0] == 0.0 && (v["basin"][1].as_f64().unwrap() - 1.665_154_551).abs() < 1e-8);
    let o = theory(&["--act", "silu", "--sigma-w2", "2.5", "--sigma-b2", "0.05"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("from first-layer variances above 1.665155 (q0 > 0.646062) the length grows without bound"),
        "{text}"
    );
    assert!(text.contains("q*    none: from q¹ = 2.550000 the length grows without bound"), "{text}");
}

#[test]
fn critical_says_how_order_ends() {
    // silu, σ_b² = 0.05, q0 = 1: a jump where q¹ passes the unstable point, not the q → ∞ 2.
    let v = json(&["--act", "silu", "--sigma-b2", "0.05", "--critical"]);
    let w = v["sigma_w2_critical"].as_f64().unwrap();
    assert!((w - 2.379_732_5).abs() < 1e-6, "{v}");
    assert_eq!((v["critical"]["transition"].as_str(), v["critical"]["cause"].as_str()), (Some("jump"), Some("basin")));
    assert_eq!(
        (v["critical"]["below"]["phase"].as_str(), v["critical"]["above"]["fate"].as_str()),
        (Some("ordered"), Some("unbounded"))
    );
    let o = theory(&["--act", "silu", "--sigma-b2", "0.05", "--critical"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("a jump, not χ₁ = 1"));
    // Smaller inputs move it: q0 = 0.3.
    let v = json(&["--act", "silu", "--sigma-b2", "0.05", "--q0", "0.3", "--critical"]);
    assert!(v["sigma_w2_critical"].as_f64().unwrap() > 2.6);
    // softplus: its one fixed point runs off to infinity as σ_w² → 2; that limit is the answer.
    let v = json(&["--act", "softplus", "--sigma-b2", "0.05", "--critical"]);
    assert_eq!((v["sigma_w2_critical"].as_f64(), v["critical"]["transition"].as_str()), (Some(2.0), Some("infinity")));
}
