//! `initlab init` end to end: the built binary writes a loadable checkpoint with the statistics the
//! rules promise, and bad rules exit non-zero with the message and no output file.

use initlab::io::load_checkpoint;
use std::path::PathBuf;
use std::process::Command;

fn tmp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-init-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const SPEC: &str = r#"{"type": "Sequential", "layers": [
  {"type": "Linear", "in_features": 400, "out_features": 300}, {"type": "ReLU"},
  {"type": "Linear", "in_features": 300, "out_features": 10}]}"#;

fn initlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap()
}

#[test]
fn kaiming_rule_writes_a_loadable_checkpoint_with_the_right_statistics() {
    let d = tmp_dir("ok");
    let spec = d.join("spec.json");
    std::fs::write(&spec, SPEC).unwrap();
    let out = d.join("f.safetensors");
    let o = initlab(&[
        "init",
        spec.to_str().unwrap(),
        "--init",
        "kaiming_normal(nonlinearity=relu)",
        "--seed",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("0.weight") && stdout.contains("0.070711"), "{stdout}");
    let ck = load_checkpoint(&out).unwrap();
    assert_eq!(ck.metadata.get("seed").map(String::as_str), Some("1"));
    let params = ck.model.named_parameters();
    let w = params[0].1.to_vec();
    assert_eq!(w.len(), 120_000);
    let n = w.len() as f64;
    let mean = w.iter().map(|&v| v as f64).sum::<f64>() / n;
    let std = (w.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    let want = (2.0f64 / 400.0).sqrt();
    // 5-sigma bound on the std estimate from 120000 samples: 5·std/√(2n).
    assert!((std - want).abs() < 5.0 * want / (2.0 * n).sqrt(), "{std}");
    assert!(params[1].1.to_vec().iter().chain(&params[3].1.to_vec()).all(|v| *v == 0.0));

    // Same seed, same bits; the checkpoint is also a valid SPEC for a rebuild.
    let out2 = d.join("g.safetensors");
    let o = initlab(&[
        "init",
        out.to_str().unwrap(),
        "--init",
        "kaiming_normal(nonlinearity=relu)",
        "--seed",
        "1",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ck2 = load_checkpoint(&out2).unwrap();
    assert_eq!(ck2.model.named_parameters()[0].1.to_vec(), w);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn bad_rules_exit_non_zero_with_the_message_and_write_nothing() {
    let d = tmp_dir("bad");
    let spec = d.join("spec.json");
    std::fs::write(&spec, SPEC).unwrap();
    let out = d.join("f.safetensors");
    for (rule, needle) in [
        ("Linear.weight=kaiming_normal(mode=fan_middle)", "'fan_middle'"),
        ("Linear.weight=he_normal", "unknown scheme 'he_normal'"),
        ("*.bias=orthogonal", "shape [300]"),
        ("Linear.weight=kaiming_normal(slope=1)", "unknown argument 'slope'"),
    ] {
        let o = initlab(&["init", spec.to_str().unwrap(), "--init", rule, "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{rule}");
        assert!(err.contains(rule) && err.contains(needle), "{rule}: {err}");
        assert!(!out.exists(), "{rule}: no output file on error");
    }
    // An unmatched selector is only a warning.
    let o = initlab(&["init", spec.to_str().unwrap(), "--init", "Conv2d.weight=zeros", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("matches no parameter"));
    std::fs::remove_dir_all(&d).ok();
}
