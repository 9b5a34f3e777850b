//! `initlab probe` reproduces the seed documents' deep-network findings, and fails cleanly.

use std::path::PathBuf;
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-probe-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn probe(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).arg("probe").args(args).output().unwrap()
}

/// Rows of the CSV as (init, name, type, act_std, grad_std); init is "" without an init column.
fn rows(path: &PathBuf) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    (header, lines.map(|l| l.split(',').map(String::from).collect()).collect())
}

#[test]
fn hundred_linear_layers_n01_scaled_and_xavier_tanh() {
    let csv = tmp("deep.csv");
    let plot = tmp("deep.png");
    let csv_s = csv.to_str().unwrap();
    let o = probe(&[
        "mlp:256x101:linear:nobias",
        "--init",
        "n01@Linear.weight=normal(std=1)",
        "--init",
        "scaled@Linear.weight=normal(std=0.0625)",
        "--batch",
        "16",
        "--seed",
        "0",
        "--csv",
        csv_s,
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (header, rows) = rows(&csv);
    assert_eq!(
        header,
        ["init", "name", "type", "act_mean", "act_std", "grad_std", "predicted_act_std", "predicted_grad_std"]
    );
    assert_eq!(rows.len(), 200);
    let std = |r: &Vec<String>| r[4].parse::<f64>().unwrap();
    let n01: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "n01").collect();
    // std(N(0,1) · x) over 256 inputs is √256 = 16, then 256 after the second layer.
    assert!((std(n01[0]) / 16.0 - 1.0).abs() < 0.1, "{}", std(n01[0]));
    assert!((std(n01[1]) / 256.0 - 1.0).abs() < 0.15, "{}", std(n01[1]));
    let first_bad = n01.iter().position(|r| !std(r).is_finite()).expect("overflows") + 1;
    assert!((29..=34).contains(&first_bad), "first non-finite at layer {first_bad}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains(&format!("first non-finite output: depth {first_bad}")), "{stdout}");
    // std = 1/√256 keeps every layer near 1.
    let scaled: Vec<f64> = rows.iter().filter(|r| r[0] == "scaled").map(std).collect();
    assert!(scaled.iter().all(|&s| (0.6..1.6).contains(&s)), "{scaled:?}");
    assert!(plot.with_extension("svg").exists() && plot.exists());
}

#[test]
fn xavier_with_tanh_gain_holds_a_tanh_stack_near_0_65() {
    let csv = tmp("tanh.csv");
    let o = probe(&["mlp:256x101:tanh:nobias", "--init", "xavier_normal(gain=tanh)", "--csv", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (header, rows) = rows(&csv);
    assert_eq!(header, ["name", "type", "act_mean", "act_std", "grad_std", "predicted_act_std", "predicted_grad_std"]);
    let tanh: Vec<f64> = rows.iter().filter(|r| r[1] == "Tanh").map(|r| r[3].parse().unwrap()).collect();
    assert_eq!(tanh.len(), 99);
    let deep = &tanh[20..];
    let mean = deep.iter().sum::<f64>() / deep.len() as f64;
    assert!((mean - 0.65).abs() < 0.05, "mean tanh std beyond layer 20: {mean}");
    assert!(deep.iter().all(|&s| (0.55..0.75).contains(&s)), "{deep:?}");
}

#[test]
fn bad_input_fails_with_one_message_and_no_file() {
    let csv = tmp("never.csv");
    let spec = tmp("conv.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Conv2d","in_channels":1,"out_channels":2,"kernel_size":3}]}"#,
    )
    .unwrap();
    let o = probe(&[spec.to_str().unwrap(), "--input-shape", "1,8,8", "--csv", tmp("conv.csv").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cases: [(&[&str], &str); 7] = [
        (&["mlp:in-8-out"], "no dataset to take 'in' and 'out' from"),
        (&[spec.to_str().unwrap()], "pass --input-shape C,H,W"),
        (&["resnet50"], "unknown model"),
        (&["mlp:4-4", "--init", "Linear.weight=gaussian"], "unknown scheme 'gaussian'"),
        (&["mlp:4-4", "--init", "kaiming_normal(mode=fan_middle)"], "fan_middle"),
        (&["resmlp:4-8x2-3:gate=x"], "gate's initial value must be a number"),
        (&["mlp:4-4", "--batch", "0"], "--batch"),
    ];
    for (args, want) in cases {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--csv", csv.to_str().unwrap()]);
        let o = probe(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(want) && !err.contains("panicked") && err.lines().count() == 1, "{args:?}: {err}");
        assert!(!csv.exists());
    }
    // Image shorthands are sized for the `shapes` data: 1×12×12 inputs.
    let o = probe(&["conv:8-16", "--csv", tmp("convs.csv").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = probe(&["mlp:4-4", "--csv", "/no/such/dir/x.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
}

#[test]
fn selu_with_lecun_normal_self_normalizes_through_100_layers_and_kaiming_does_not() {
    let csv = tmp("selu.csv");
    let o = probe(&[
        "mlp:256x101:selu:nobias",
        "--init",
        "lecun@lecun_normal",
        "--init",
        "kaiming@kaiming_normal(nonlinearity=relu)",
        "--batch",
        "64",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, rows) = rows(&csv);
    let selu = |init: &str| -> Vec<f64> {
        rows.iter().filter(|r| r[0] == init && r[2] == "SELU").map(|r| r[4].parse().unwrap()).collect()
    };
    let (lecun, kaiming) = (selu("lecun"), selu("kaiming"));
    assert_eq!(lecun.len(), 99);
    // Var(w) = 1/fan_in is SELU's fixed point: every one of the 99 SELU outputs keeps std ≈ 1.
    assert!(lecun.iter().all(|s| (0.85..1.15).contains(s)), "{lecun:?}");
    // Twice that variance drifts far from it.
    assert!(kaiming[98] > 5.0, "{kaiming:?}");
}

#[test]
fn residual_mlp_blocks_grow_at_he_init_and_stay_bounded_under_fixup_and_skipinit() {
    let csv = tmp("res.csv");
    let o = probe(&[
        "resmlp:64-64x20-64:gate=1",
        "--init",
        "he@kaiming_normal(nonlinearity=relu)",
        "--init",
        "fixup@fixup",
        "--init",
        "skip@kaiming_normal(nonlinearity=relu);Residual.gate=zeros",
        "--only",
        "Residual",
        "--batch",
        "64",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, rows) = rows(&csv);
    assert_eq!(rows.len(), 60, "--only Residual keeps one row per block");
    assert!(rows.iter().all(|r| r[2] == "Residual"));
    let blocks =
        |init: &str| -> Vec<f64> { rows.iter().filter(|r| r[0] == init).map(|r| r[4].parse().unwrap()).collect() };
    let (he, fixup, skip) = (blocks("he"), blocks("fixup"), blocks("skip"));
    assert_eq!((he.len(), fixup.len(), skip.len()), (20, 20, 20));
    // He init: each block adds a branch of about the input's variance, so the std roughly
    // doubles every two blocks; Fixup's zero last layers and SkipInit's zero gates make every
    // block the identity at init.
    assert!(he[19] > 100.0 * he[0], "{he:?}");
    for v in [&fixup, &skip] {
        assert!(v.iter().all(|s| (s / v[0] - 1.0).abs() < 1e-5), "{v:?}");
    }
}

fn initlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap()
}

/// The rows of the printed table as (layer, act mean, act std).
fn table(stdout: &str) -> Vec<(String, f64, f64)> {
    stdout
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c.len() == 6 && c[0].parse::<usize>().is_ok())
                .then(|| (c[1].to_string(), c[3].parse().unwrap(), c[4].parse().unwrap()))
        })
        .collect()
}

#[test]
fn a_checkpoint_is_probed_as_stored_and_rules_apply_on_top_without_csv() {
    let spec = tmp("ck.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Linear","in_features":8,"out_features":4},{"type":"Tanh"},
        {"type":"Linear","in_features":4,"out_features":3}]}"#,
    )
    .unwrap();
    let ck = tmp("ck.safetensors");
    let o = initlab(&[
        "init",
        spec.to_str().unwrap(),
        "--init",
        "Linear.weight=zeros;Linear.bias=constant(0.3)",
        "--out",
        ck.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Zero weights and bias 0.3 as stored: every Linear outputs exactly 0.3 (torch's default
    // init, which probe used to apply, gives neither mean 0.3 nor std 0).
    let o = probe(&[ck.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = table(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(t.len(), 3, "{t:?}");
    assert_eq!((t[0].1, t[0].2), (0.3, 0.0));
    assert_eq!((t[2].1, t[2].2), (0.3, 0.0));
    assert!((t[1].1 - 0.3f64.tanh()).abs() < 1e-4);
    // Rules given with --init apply on top of the stored weights (still zero), and say so.
    let o = probe(&[ck.to_str().unwrap(), "--init", "Linear.bias=constant(0.7)"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("apply on top of the weights stored in"));
    let t = table(&String::from_utf8_lossy(&o.stdout));
    assert_eq!((t[0].1, t[0].2, t[2].1), (0.7, 0.0, 0.7));
}

#[test]
fn a_wrong_input_shape_blames_the_shape_not_the_init() {
    let spec = tmp("conv.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Conv2d","in_channels":1,"out_channels":4,"kernel_size":3},
        {"type":"ReLU"},{"type":"Flatten"},{"type":"Linear","in_features":144,"out_features":3}]}"#,
    )
    .unwrap();
    let s = spec.to_str().unwrap();
    let ok = probe(&[s, "--input-shape", "1,8,8"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    for shape in ["1,9,8", "2,8,8"] {
        let o = probe(&[s, "--input-shape", shape]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1));
        assert!(e.contains("--input-shape") && !e.contains("--init"), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}

/// Depth without a stack limit: probe builds, prints and back-propagates 20,001 layers.
#[test]
fn probe_measures_a_ten_thousand_layer_net() {
    let csv = tmp("deep10000.csv");
    let o = probe(&["mlp:16-4x10000-2:relu", "--batch", "4", "--csv", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (header, rows) = rows(&csv);
    assert_eq!(&header[..3], ["name", "type", "act_mean"]);
    assert_eq!(rows.len(), 20_001);
    assert_eq!(&rows[20_000][..2], ["20000", "Linear"]);
    assert_eq!(&rows[19_999][..2], ["19999", "ReLU"]);
    // The gradient reaches the far end: the last layer's grad std is finite and non-zero.
    let g: f64 = rows[20_000][4].parse().unwrap();
    assert!(g.is_finite() && g > 0.0, "{:?}", rows[20_000]);
}
