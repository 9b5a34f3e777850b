//! `initlab init` with the schemes made for residual and self-normalizing networks: their
//! statistics, structure and Fixup's layer-by-layer values, read back from the checkpoint.

use initlab::io::load_checkpoint;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-init-res-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// Runs `initlab init MODEL --init RULES --out …` and returns the parameters by name.
fn init(model: &str, rules: &str) -> HashMap<String, (Vec<usize>, Vec<f32>)> {
    let out = tmp(&format!("{}.safetensors", rules.len() * 31 + model.len()));
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(["init", model, "--init", rules, "--seed", "3", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{model} {rules}: {}", String::from_utf8_lossy(&o.stderr));
    let ck = load_checkpoint(&out).unwrap();
    ck.model.named_parameters().into_iter().map(|(n, p)| (n, (p.shape(), p.to_vec()))).collect()
}

fn std(v: &[f32]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n).sqrt()
}

fn max_abs(v: &[f32]) -> f64 {
    v.iter().fold(0f64, |a, &x| a.max((x as f64).abs()))
}

const CONV: &str = r#"{"type": "Sequential", "layers": [
  {"type": "Conv2d", "in_channels": 32, "out_channels": 64, "kernel_size": 3},
  {"type": "Conv2d", "in_channels": 64, "out_channels": 64, "kernel_size": [3, 5]},
  {"type": "Flatten"}, {"type": "Linear", "in_features": 512, "out_features": 256}]}"#;

#[test]
fn lecun_and_variance_scaling_have_jax_statistics() {
    let spec = tmp("conv.json");
    std::fs::write(&spec, CONV).unwrap();
    let spec = spec.to_str().unwrap();
    // Linear(512, 256): 131072 values; lecun_normal = truncated normal with std exactly 1/√512.
    let p = init(spec, "lecun_normal");
    let (w, want) = (&p["3.weight"].1, (1.0f64 / 512.0).sqrt());
    assert!((std(w) / want - 1.0).abs() < 0.01, "{}", std(w));
    assert!(max_abs(w) <= 2.0 * want / 0.879_625_661_034_239_8 + 1e-6 && max_abs(w) > 2.2 * want);
    assert!(p["3.bias"].1.iter().all(|&b| b == 0.0));
    // Conv2d(32, 64, 3): fan_in 288.
    assert!((std(&p["0.weight"].1) / (1.0f64 / 288.0).sqrt() - 1.0).abs() < 0.02);
    let p = init(spec, "lecun_uniform");
    let b = (3.0f64 / 512.0).sqrt();
    assert!(max_abs(&p["3.weight"].1) <= b + 1e-7 && max_abs(&p["3.weight"].1) > 0.999 * b);
    // fan_out of Conv2d(64, 64, (3, 5)) = 64·15 = 960; fan_avg of Linear(512, 256) = 384.
    let p = init(spec, "variance_scaling(2.0, fan_out, normal)");
    assert!((std(&p["1.weight"].1) / (2.0f64 / 960.0).sqrt() - 1.0).abs() < 0.02);
    assert!(max_abs(&p["3.weight"].1) > 4.0 * (2.0f64 / 256.0).sqrt(), "untruncated");
    let p = init(spec, "variance_scaling(scale=0.5, mode=fan_avg, distribution=uniform)");
    assert!((std(&p["3.weight"].1) / (0.5f64 / 384.0).sqrt() - 1.0).abs() < 0.01);
}

#[test]
fn delta_orthogonal_centre_is_orthogonal() {
    let spec = tmp("conv2.json");
    std::fs::write(&spec, CONV).unwrap();
    let p = init(spec.to_str().unwrap(), "Conv2d.weight=delta_orthogonal(gain=relu)");
    let (shape, w) = &p["1.weight"];
    assert_eq!(shape, &[64, 64, 3, 5]);
    let at = |o: usize, i: usize, y: usize, x: usize| w[((o * 64 + i) * 3 + y) * 5 + x] as f64;
    for o in 0..64 {
        for i in 0..64 {
            for y in 0..3 {
                for x in 0..5 {
                    if (y, x) != (1, 2) {
                        assert_eq!(at(o, i, y, x), 0.0);
                    }
                }
            }
        }
    }
    // WᵀW = gain²·I = 2·I at the centre.
    for i in 0..64 {
        for j in 0..64 {
            let d: f64 = (0..64).map(|o| at(o, i, 1, 2) * at(o, j, 1, 2)).sum();
            assert!((d - if i == j { 2.0 } else { 0.0 }).abs() < 1e-4, "({i}, {j}) {d}");
        }
    }
}

#[test]
fn fixup_zero_init_residual_and_skipinit_layer_by_layer() {
    // 8 blocks of Linear(64,64)-ReLU-Linear(64,64): m = 2, L = 8, branch scale 8^(-1/2).
    let p = init("resmlp:16-64x8-3:gate=1", "fixup");
    let he = (2.0f64 / 64.0).sqrt();
    for b in 1..=8 {
        let first = &p[&format!("{b}.body.0.weight")].1;
        assert!((std(first) / (he / 8f64.sqrt()) - 1.0).abs() < 0.06, "block {b}: {}", std(first));
        assert!(p[&format!("{b}.body.2.weight")].1.iter().all(|&x| x == 0.0));
        assert!(p[&format!("{b}.body.0.bias")].1.iter().all(|&x| x == 0.0));
        assert_eq!(p[&format!("{b}.gate")].1, [1.0]);
    }
    assert!((std(&p["0.weight"].1) / (2.0f64 / 16.0).sqrt() - 1.0).abs() < 0.1);
    assert!(p["9.weight"].1.iter().chain(&p["9.bias"].1).all(|&x| x == 0.0));

    let p = init("resmlp:16-64x3-3:bn", "kaiming_normal(nonlinearity=relu);zero_init_residual");
    for b in 1..=3 {
        assert!(p[&format!("{b}.body.4.weight")].1.iter().all(|&x| x == 0.0));
        assert!(p[&format!("{b}.body.1.weight")].1.iter().all(|&x| x == 1.0));
        assert!((std(&p[&format!("{b}.body.3.weight")].1) / he - 1.0).abs() < 0.06);
    }
    let p = init("resnet:4x2-8:bn", "zero_init_residual");
    // Only the last BatchNorm weight of each body; the shortcut's BatchNorm is not in a body.
    let mut zeroed: Vec<&String> =
        p.iter().filter(|(n, (_, v))| n.ends_with("weight") && v.iter().all(|&x| x == 0.0)).map(|(n, _)| n).collect();
    zeroed.sort();
    assert_eq!(zeroed, ["3.body.4.weight", "4.body.4.weight", "5.body.4.weight"]);
    assert!(p["5.shortcut.1.weight"].1.iter().all(|&x| x == 1.0));

    let p = init("resmlp:16-64x3-3:gate=0.5", "Residual.gate=zeros");
    assert!((1..=3).all(|b| p[&format!("{b}.gate")].1 == [0.0]));
}
