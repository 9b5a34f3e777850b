//! Gradients as accurate as PyTorch's (issue 15.4), step by step: saved training steps of
//! PyTorch float32 runs (scripts/grad_steps.py --fixtures; full batch and minibatch, cross-entropy
//! and MSE, relu and tanh, untrained and trained states). For each, initlab's float32 gradient is
//! measured against the float64 gradient of the same weights and batch, and per parameter its
//! largest error over the state's window of steps must be at most twice PyTorch float32's.

use initlab::cli::grad::{forward_backward, Loss, Mode};
use initlab::io::{load_checkpoint, read_safetensors};
use initlab::tensor::Tensor;
use std::collections::BTreeMap;
use std::path::Path;

/// `grad64.<param>` (f64 values) and `torch_err.<param>` of an expected.safetensors file.
fn expected(path: &Path) -> (BTreeMap<String, Vec<f64>>, BTreeMap<String, f64>) {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (mut g, mut e) = (BTreeMap::new(), BTreeMap::new());
    for (name, view) in st.tensors() {
        assert_eq!(view.dtype(), safetensors::Dtype::F64, "{name}");
        let v: Vec<f64> = view.data().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
        if let Some(p) = name.strip_prefix("grad64.") {
            g.insert(p.to_string(), v);
        } else if let Some(p) = name.strip_prefix("torch_err.") {
            e.insert(p.to_string(), v[0]);
        }
    }
    (g, e)
}

/// initlab's max |g − g64| per parameter, and PyTorch float32's, on one saved step.
fn step_errors(dir: &Path) -> Vec<(String, f64, f64)> {
    let mut ck = load_checkpoint(dir.join("model.safetensors")).unwrap();
    let batch = read_safetensors(dir.join("batch.safetensors")).unwrap();
    let loss = match batch.metadata.get("loss").map(String::as_str) {
        Some("cross_entropy") => Loss::CrossEntropy,
        _ => Loss::Mse,
    };
    let input = Tensor::new(batch.get("input").unwrap().to_f32());
    let r = forward_backward(ck.model.as_mut(), input, batch.get("target").unwrap(), loss, Mode::Train).unwrap();
    let (g64, torch_err) = expected(&dir.join("expected.safetensors"));
    r.grads
        .iter()
        .map(|(name, g)| {
            let want = &g64[name];
            assert_eq!(g.len(), want.len(), "{name}");
            let err = g.iter().zip(want).map(|(&a, &b)| (a as f64 - b).abs()).fold(0.0, f64::max);
            (name.clone(), err, torch_err[name])
        })
        .collect()
}

#[test]
fn float32_gradients_within_twice_torchs_error_against_float64() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/grad_steps");
    let mut states: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    states.sort();
    assert!(states.len() >= 10, "{} states", states.len());
    let mut worst = (0.0f64, String::new());
    for state in &states {
        let mut steps: Vec<_> = std::fs::read_dir(state).unwrap().map(|e| e.unwrap().path()).collect();
        steps.sort();
        assert!(steps.len() >= 3, "{}", state.display());
        // per parameter: the largest error over the window, initlab's and torch's
        let mut agg: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for step in &steps {
            for (name, ours, torch) in step_errors(step) {
                let e = agg.entry(name).or_default();
                *e = (e.0.max(ours), e.1.max(torch));
            }
        }
        let what = state.file_name().unwrap().to_string_lossy().to_string();
        for (name, (ours, torch)) in agg {
            assert!(torch > 0.0, "{what} {name}: torch's float32 gradient is exact?");
            let ratio = ours / torch;
            assert!(ratio <= 2.0, "{what} {name}: max |error| {ours:.3e} vs torch float32 {torch:.3e} ({ratio:.2}×)");
            if ratio > worst.0 {
                worst = (ratio, format!("{what} {name}"));
            }
        }
    }
    eprintln!("worst ratio {:.2} ({})", worst.0, worst.1);
}
