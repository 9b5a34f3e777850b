//! Every PyTorch reference case (the shared ten in fixtures/torch, ours in fixtures/torch_extra,
//! 30 random architectures from scripts/random_torch_cases.py in fixtures/torch_random, residual
//! networks and their layers from fixtures/make_residual_cases.py in fixtures/torch_residual)
//! goes through the `initlab grad` binary and must match within check.py's tolerance:
//! |got − want| ≤ 1e-4 + 1e-3·|want| for every expected tensor, with the same shape.

use initlab::io::read_safetensors;
use std::path::{Path, PathBuf};
use std::process::Command;

const ATOL: f64 = 1e-4;
const RTOL: f64 = 1e-3;

fn cases(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

fn check_case(case: &Path) -> Result<usize, String> {
    let out = std::env::temp_dir().join(format!(
        "initlab-ref-{}-{}.safetensors",
        case.file_name().unwrap().to_string_lossy(),
        std::process::id()
    ));
    let run = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .arg("grad")
        .arg(case.join("model.safetensors"))
        .arg(case.join("batch.safetensors"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    if !run.status.success() {
        return Err(format!("initlab grad failed: {}", String::from_utf8_lossy(&run.stderr)));
    }
    let want = read_safetensors(case.join("expected.safetensors")).unwrap();
    let got = read_safetensors(&out).map_err(|e| e.to_string())?;
    std::fs::remove_file(&out).ok();
    let mut failures = Vec::new();
    for (name, w) in &want.tensors {
        let Some(g) = got.get(name) else {
            failures.push(format!("{name}: missing"));
            continue;
        };
        if g.shape() != w.shape() {
            failures.push(format!("{name}: shape {:?} != {:?}", g.shape(), w.shape()));
            continue;
        }
        let (g, w) = (g.to_f32(), w.to_f32());
        let worst = g
            .iter()
            .zip(w.iter())
            .map(|(a, b)| (*a as f64 - *b as f64).abs() / (ATOL + RTOL * (*b as f64).abs()))
            .fold(0.0, f64::max);
        if worst.is_nan() || worst > 1.0 {
            failures.push(format!("{name}: error {worst:.2}× the tolerance"));
        }
    }
    if failures.is_empty() {
        Ok(want.tensors.len())
    } else {
        Err(failures.join("; "))
    }
}

fn run_all(dir: &str, expect_at_least: usize) {
    let cases = cases(dir);
    assert!(cases.len() >= expect_at_least, "only {} cases in {dir}", cases.len());
    let mut bad = Vec::new();
    for c in &cases {
        match check_case(c) {
            Ok(n) => assert!(n >= 3, "{c:?}: only {n} expected tensors"),
            Err(e) => bad.push(format!("{}: {e}", c.file_name().unwrap().to_string_lossy())),
        }
    }
    assert!(bad.is_empty(), "{} of {} cases failed:\n{}", bad.len(), cases.len(), bad.join("\n"));
}

#[test]
fn shared_torch_cases_match() {
    run_all("torch", 10);
}

#[test]
fn extra_torch_cases_match() {
    run_all("torch_extra", 10);
}

#[test]
fn random_architecture_cases_match() {
    run_all("torch_random", 30);
}

#[test]
fn residual_and_new_layer_cases_match() {
    run_all("torch_residual", 59);
}
