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
    // An unmatched selector is an error suggesting the nearest valid one; nothing is written.
    for (rule, hint) in [("Linear.wieght=ones", "Linear.weight"), ("Lineer.weight=zeros", "Linear.weight")] {
        let o = initlab(&["init", spec.to_str().unwrap(), "--init", rule, "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("matches no parameter") && err.contains(&format!("did you mean '{hint}'")), "{err}");
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn layers_that_do_not_fit_are_an_error_naming_both_and_nothing_is_written() {
    let d = tmp_dir("fit");
    let spec = d.join("bad.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Linear","in_features":2,"out_features":4},{"type":"ReLU"},
        {"type":"Linear","in_features":5,"out_features":3}]}"#,
    )
    .unwrap();
    let out = d.join("x.safetensors");
    let o = initlab(&["init", spec.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("layer '2' Linear(in_features=5") && e.contains("layer '0' Linear(in_features=2"), "{e}");
    assert!(e.contains("[2, 4]"), "{e}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn lsuv_on_a_conv_spec_takes_an_input_shape_or_a_batch() {
    let d = tmp_dir("lsuv");
    let spec = d.join("conv.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Conv2d","in_channels":1,"out_channels":4,"kernel_size":3},
        {"type":"ReLU"},{"type":"Flatten"},{"type":"Linear","in_features":144,"out_features":3}]}"#,
    )
    .unwrap();
    let (s, out) = (spec.to_str().unwrap(), d.join("c.safetensors"));
    let o = initlab(&["init", s, "--init", "lsuv", "--out", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--input-shape"), "the error says how to pass a batch");
    let o = initlab(&["init", s, "--init", "lsuv", "--input-shape", "1,8,8", "--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // LSUV brings each layer's output variance to 1 within its tolerance (0.1).
    let vars: Vec<f64> = stdout
        .lines()
        .filter(|l| l.contains("output variance"))
        .map(|l| l.split_whitespace().last().unwrap().parse().unwrap())
        .collect();
    assert_eq!(vars.len(), 2, "{stdout}");
    assert!(vars.iter().all(|v| (v - 1.0).abs() < 0.1), "{vars:?}");
    // A batch file (a safetensors `input` of shape [20, 1, 8, 8]) works; with an --input-shape
    // it does not match, it is an error.
    let t = initlab::Tensor::new(ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[20, 1, 8, 8]), |i| {
        ((i[0] * 7 + i[2] * 3 + i[3]) % 11) as f32 - 5.0
    }));
    let batch = d.join("b.safetensors");
    initlab::io::write_safetensors(
        &batch,
        &[("input".to_string(), initlab::io::Stored::F32(t.to_array()))],
        &Default::default(),
    )
    .unwrap();
    let o = initlab(&["init", s, "--init", "lsuv", "--batch", batch.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = initlab(&[
        "init",
        s,
        "--init",
        "lsuv",
        "--batch",
        batch.to_str().unwrap(),
        "--input-shape",
        "1,9,8",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn an_init_value_with_no_rule_is_an_error() {
    let d = tmp_dir("empty");
    let spec = d.join("spec.json");
    std::fs::write(&spec, SPEC).unwrap();
    let out = d.join("f.safetensors");
    for v in ["", ";;"] {
        let o = initlab(&["init", spec.to_str().unwrap(), "--init", v, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{v:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("holds no rule"));
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(&d).ok();
}
