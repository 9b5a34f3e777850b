//! The commands of issue 15 (parts 2 and 3) against their PyTorch programs
//! (scripts/make_probe_fixtures.py; fixtures committed, PyTorch not needed here):
//! - `init … --init default` (and no --init) and `probe` with no --init are
//!   `torch.manual_seed(s); model = <spec>`: torch's default init drawn once, by the constructors;
//! - probe's statistics are float64 statistics of the float32 values: finite exactly as long as
//!   the values are.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> Vec<Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/torch_rng").join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-torch-default-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn initlab(args: &[&str]) -> std::process::Output {
    let o = Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// `act_std` column of a probe CSV (no init column: one --init or none).
fn act_stds(path: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "act_std").unwrap();
    lines.map(|l| l.split(',').nth(col).unwrap().parse::<f64>().unwrap()).collect()
}

fn case<'a>(cases: &'a [Value], model: &str, rules: &str) -> &'a Value {
    cases.iter().find(|c| c["model"] == model && c["rules"] == rules).unwrap()
}

#[test]
fn init_default_is_the_constructors_draw_bit_for_bit() {
    for c in fixture("default_init.json") {
        let seed = c["seed"].to_string();
        let model = c["model"].as_str().unwrap();
        for with_flag in [true, false] {
            let out = tmp(&format!("{}-{seed}-{with_flag}.safetensors", model.replace(':', "_")));
            let mut args = vec!["init", model, "--seed", &seed, "--out", out.to_str().unwrap()];
            if with_flag {
                args.extend(["--init", "default"]);
            }
            initlab(&args);
            let ck = initlab::io::load_checkpoint(&out).unwrap();
            let want = c["params"].as_object().unwrap();
            let params = ck.model.named_parameters();
            assert_eq!(params.len(), want.len());
            for (name, p) in params {
                let w: Vec<u32> = want[&name].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
                let got: Vec<u32> = p.to_vec().iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, w, "{model} seed {seed} {name} (--init default: {with_flag})");
            }
        }
    }
}

#[test]
fn probe_without_init_measures_torchs_untouched_model() {
    let cases = fixture("probe.json");
    let want = case(&cases, "mlp:2-4-3", "");
    let want: Vec<f64> = want["act_std"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // PyTorch: 0.47836 (a second draw of the defaults gave 0.85371)
    assert!((want[0] - 0.47836).abs() < 5e-6, "{}", want[0]);
    for init in [None, Some("default")] {
        let csv = tmp(&format!("small-{}.csv", init.is_some()));
        let mut args = vec!["probe", "mlp:2-4-3", "--csv", csv.to_str().unwrap()];
        if let Some(i) = init {
            args.extend(["--init", i]);
        }
        initlab(&args);
        let got = act_stds(&csv);
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-6 * w, "layer {i}: {g} vs torch {w} (--init {init:?})");
        }
    }
}

#[test]
fn hundred_n01_layers_std_is_finite_while_the_values_are() {
    let c = case(&fixture("probe.json"), "mlp:256x101:linear:nobias", "Linear.weight=normal(std=1)").clone();
    let want = c["act_std"].as_array().unwrap();
    let csv = tmp("deep.csv");
    let o = initlab(&[
        "probe",
        "mlp:256x101:linear:nobias",
        "--init",
        "normal(std=1)",
        "--seed",
        "1",
        "--batch",
        "16",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    let got = act_stds(&csv);
    assert_eq!(got.len(), 100);
    for i in [0, 1, 2, 29, 30] {
        let w = want[i].as_f64().unwrap();
        assert!((got[i] / w - 1.0).abs() < 1e-5, "index {i}: {} vs torch (float64 std) {w}", got[i]);
    }
    // index 30 ≈ 2.0787e37: its values are finite, so is their std; at 31 a value is not
    assert!((got[30] / 2.0787e37 - 1.0).abs() < 1e-4, "{}", got[30]);
    assert!(want[31].is_null());
    let first_nan = got.iter().position(|s| !s.is_finite()).unwrap();
    assert_eq!(first_nan, 31);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("first non-finite output: depth 32 (module '31', Linear)"), "{stdout}");
}
