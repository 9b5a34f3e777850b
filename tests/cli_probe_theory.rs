//! `initlab probe` beside the theory: predicted columns against `initlab theory --depth` and the
//! measurement, Jacobian spectra of deep linear nets, and where the theory does not apply.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-probe-theory-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    let o = Command::new(env!("CARGO_BIN_EXE_initlab")).arg(cmd).args(args).output().unwrap();
    assert!(o.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// (header, rows) of a CSV without quoted fields.
fn read_csv(path: &PathBuf) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    (header, lines.map(|l| l.split(',').map(String::from).collect()).collect())
}

#[test]
fn wide_tanh_probe_matches_theory_depth_and_its_own_prediction() {
    // 10 × Linear(512, 512) with tanh between, σ_w² = 2.5 (std √(2.5/512)), σ_b² = 0.05.
    let csv = tmp("tanh.csv");
    let rules =
        format!("Linear.weight=normal(std={});Linear.bias=normal(std={})", (2.5f64 / 512.0).sqrt(), 0.05f64.sqrt());
    run("probe", &["mlp:512x11:tanh", "--init", &rules, "--batch", "64", "--csv", csv.to_str().unwrap()]);
    let o = run(
        "theory",
        &["--act", "tanh", "--sigma-w2", "2.5", "--sigma-b2", "0.05", "--depth", "10", "--q0", "1", "--json"],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let q: Vec<f64> = v["q_layers"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let (header, rows) = read_csv(&csv);
    assert_eq!(&header[5..], ["predicted_act_std", "predicted_grad_std"]);
    let linear: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "Linear").collect();
    assert_eq!(linear.len(), 10);
    let f = |s: &str| s.parse::<f64>().unwrap();
    for (l, r) in linear.iter().enumerate() {
        let measured = f(&r[3]);
        assert!((measured / q[l].sqrt() - 1.0).abs() < 0.05, "layer {}: std {measured} vs √q {}", l + 1, q[l].sqrt());
    }
    for r in &rows {
        let (act, pred) = (f(&r[3]), f(&r[5]));
        assert!((act / pred - 1.0).abs() < 0.05, "{}: act std {act} vs predicted {pred}", r[0]);
        let (grad, pred) = (f(&r[4]), f(&r[6]));
        assert!((grad / pred - 1.0).abs() < 0.1, "{}: grad std {grad} vs predicted {pred}", r[0]);
    }
}

/// (mean square of the singular values, variance of JJᵀ's eigenvalues) from the CSV.
fn spectrum_stats(path: &PathBuf) -> (usize, f64, f64) {
    let (header, rows) = read_csv(path);
    assert_eq!(header, ["singular_value"]);
    let s: Vec<f64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(s.windows(2).all(|p| p[0] >= p[1]), "descending");
    let lam: Vec<f64> = s.iter().map(|x| x * x).collect();
    let mean = lam.iter().sum::<f64>() / lam.len() as f64;
    let var = lam.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lam.len() as f64;
    (s.len(), mean, var)
}

#[test]
fn deep_linear_jacobian_orthogonal_is_an_isometry_gaussian_spreads_with_depth() {
    for depth in [5usize, 10] {
        let model = format!("mlp:256x{}:linear:nobias", depth + 1);
        let (csv, jac) = (tmp("lin.csv"), tmp(&format!("jac{depth}.csv")));
        let o = run(
            "probe",
            &[
                &model,
                "--init",
                "Linear.weight=orthogonal",
                "--csv",
                csv.to_str().unwrap(),
                "--jacobian",
                jac.to_str().unwrap(),
            ],
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("variance of JJᵀ eigenvalues 0.000000"));
        let (n, mean, var) = spectrum_stats(&jac);
        assert_eq!(n, 256);
        assert!((mean - 1.0).abs() < 1e-4 && var < 1e-6, "orthogonal: mean {mean}, var {var}");
        // Gaussian N(0, 1/256): mean λ ≈ 1 and Var λ ≈ depth (the Fuss–Catalan second moment L + 1).
        let init = format!("Linear.weight=normal(std={})", 1.0 / 16.0);
        run("probe", &[&model, "--init", &init, "--csv", csv.to_str().unwrap(), "--jacobian", jac.to_str().unwrap()]);
        let (_, mean, var) = spectrum_stats(&jac);
        let l = depth as f64;
        assert!((mean - 1.0).abs() < 0.15, "gaussian depth {depth}: mean {mean}");
        assert!(var > 0.6 * l && var < 1.5 * l, "gaussian depth {depth}: var {var}");
    }
}

#[test]
fn batch_norm_leaves_the_columns_empty_and_refuses_a_jacobian() {
    let csv = tmp("bn.csv");
    let o = run("probe", &["mlp:64x4:relu:bn", "--csv", csv.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("theory: not applicable"));
    let (_, rows) = read_csv(&csv);
    assert!(rows.iter().all(|r| r[5].is_empty() && r[6].is_empty()));
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args([
            "probe",
            "mlp:64x4:relu:bn",
            "--csv",
            csv.to_str().unwrap(),
            "--jacobian",
            tmp("j.csv").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.starts_with("error: ") && err.contains("batch norm") && err.lines().count() == 1, "{err}");
}

/// Every row's predicted columns are filled and the measurement within `act_tol` (activations)
/// and `grad_tol` (gradients) of them.
fn assert_predicted(csv: &PathBuf, act_tol: f64, grad_tol: f64, what: &str) -> usize {
    let (_, rows) = read_csv(csv);
    let f = |s: &str| s.parse::<f64>().unwrap_or_else(|_| panic!("{what}: predicted column '{s}'"));
    for r in &rows {
        let (act, pred) = (f(&r[3]), f(&r[5]));
        assert!((act / pred - 1.0).abs() < act_tol, "{what} {}: act std {act} vs predicted {pred}", r[0]);
        let (grad, pred) = (f(&r[4]), f(&r[6]));
        assert!((grad / pred - 1.0).abs() < grad_tol, "{what} {}: grad std {grad} vs predicted {pred}", r[0]);
    }
    rows.len()
}

#[test]
fn every_elementwise_activation_the_theory_knows_gets_predictions() {
    // Wide Linear chains (width 512, σ_w² = 1.5, σ_b² = 0.05) with each activation of the MLP
    // shorthand: measured within a few percent of the prediction, as for tanh.
    let rules =
        format!("Linear.weight=normal(std={});Linear.bias=normal(std={})", (1.5f64 / 512.0).sqrt(), 0.05f64.sqrt());
    for act in ["selu", "elu", "gelu", "silu"] {
        let csv = tmp(&format!("{act}.csv"));
        let o = run(
            "probe",
            &[&format!("mlp:512x7:{act}"), "--init", &rules, "--batch", "64", "--csv", csv.to_str().unwrap()],
        );
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("theory (from realized") && !text.contains("not applicable"), "{act}: {text}");
        assert_eq!(assert_predicted(&csv, 0.06, 0.12, act), 11);
    }
    // The modules only a JSON spec reaches: GELU's tanh form, Softplus with β, ELU with α,
    // Identity.
    let lin = serde_json::json!({"type": "Linear", "in_features": 512, "out_features": 512, "bias": true});
    let acts = [
        serde_json::json!({"type": "GELU", "approximate": "tanh"}),
        serde_json::json!({"type": "Softplus", "beta": 2.0, "threshold": 20.0}),
        serde_json::json!({"type": "ELU", "alpha": 0.5}),
        serde_json::json!({"type": "Identity"}),
    ];
    let layers: Vec<serde_json::Value> = acts.iter().flat_map(|a| [lin.clone(), a.clone()]).collect();
    let spec = tmp("acts.json");
    std::fs::write(&spec, serde_json::json!({"type": "Sequential", "layers": layers}).to_string()).unwrap();
    let csv = tmp("acts.csv");
    run("probe", &[spec.to_str().unwrap(), "--init", &rules, "--batch", "64", "--csv", csv.to_str().unwrap()]);
    assert_eq!(assert_predicted(&csv, 0.06, 0.12, "json spec"), 8);
    // The commands: default (torch) init, narrow or deep, but inside the theory now.
    for model in ["mlp:256x101:selu:nobias", "mlp:64x5:gelu"] {
        let csv = tmp("issue.csv");
        let o = run("probe", &[model, "--csv", csv.to_str().unwrap()]);
        assert!(!String::from_utf8_lossy(&o.stdout).contains("not applicable"), "{model}");
        let (_, rows) = read_csv(&csv);
        assert!(rows.iter().all(|r| r[5].parse::<f64>().is_ok() && r[6].parse::<f64>().is_ok()), "{model}");
    }
}
