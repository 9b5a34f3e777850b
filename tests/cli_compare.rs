//! `initlab compare` and `initlab merge` from the outside: bad input gives one clear message, a
//! non-zero exit and no output; thread count and sharding do not change metrics.csv.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn initlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().expect("run initlab")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-compare-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Small and fast: two inits, two seeds, three epochs of minibatches on a tiny tanh MLP.
const SMALL: [&str; 12] = [
    "compare",
    "--model",
    "mlp:2-8-3:tanh",
    "--init",
    "xavier_normal",
    "--init",
    "small@normal(std=0.1)",
    "--seeds",
    "2",
    "--epochs",
    "3",
    "--quiet",
];

fn small(out: &Path, extra: &[&str]) -> Output {
    let mut a: Vec<&str> = SMALL.to_vec();
    a.extend(["--batch-size", "64", "--out", s(out)]);
    a.extend(extra);
    initlab(&a)
}

#[test]
fn bad_input_names_the_value_exits_non_zero_and_writes_nothing() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.csv");
    std::fs::write(&garbage, "x,y\n1,2\nthree,4\n").unwrap();
    let out = dir.join("out");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--data", "mnist"], "dataset 'mnist'"),
        (vec!["--data", "/no/such/data.npy"], "/no/such/data.npy"),
        (vec!["--data", s(&garbage)], "garbage.csv"),
        (vec!["--model", "resnet"], "model 'resnet'"),
        (vec!["--model", "mlp:2-x-3"], "sizes '2-x-3'"),
        (vec!["--model", "mlp:5-8-3"], "model 'mlp:5-8-3' on dataset 'spiral' (samples of shape [2]"),
        (vec!["--init", "kaiming_normal(mode=sideways)"], "--init 'kaiming_normal(mode=sideways)'"),
        (vec!["--shard", "3/2"], "--shard '3/2'"),
        (vec!["--shard", "0/4"], "--shard '0/4'"),
        (vec!["--shard", "a/b"], "--shard 'a/b'"),
        (vec!["--optimizer", "rmsprop"], "optimizer 'rmsprop'"),
        (vec!["--test-split", "0.2"], "--test-split with --data spiral"),
        (vec!["--data", s(&garbage), "--test-split", "2"], "garbage.csv"),
        (vec!["--snapshots", "0,7"], "--snapshots 7"),
        (vec!["--model", "mlp:in-8-in"], "model 'mlp:in-8-in'"),
    ];
    for (extra, want) in cases {
        let mut a = vec!["compare", "--epochs", "1", "--seeds", "1", "--out", s(&out)];
        a.extend(&extra);
        let o = initlab(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(want), "{extra:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one message: {err}");
        assert!(!out.exists(), "{extra:?} left {}", out.display());
    }
    let o = initlab(&["merge", s(&dir), "--out", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && err.contains("shard.json") && !out.exists(), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn threads_and_shards_leave_metrics_byte_identical() {
    let (a, b) = (tmp("t1"), tmp("t2"));
    assert!(small(&a, &["--threads", "1"]).status.success());
    let o = small(&b, &["--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics = std::fs::read(a.join("metrics.csv")).unwrap();
    assert_eq!(metrics, std::fs::read(b.join("metrics.csv")).unwrap());
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.starts_with("init ") && table.contains("\nsmall ") && table.contains("xavier_normal"), "{table}");
    for f in ["symmetry.csv", "summary.csv", "loss.png", "loss.svg", "gradflow.svg", "activations.png", "report.html"] {
        assert!(a.join(f).is_file(), "{f}");
    }
    let summary = std::fs::read_to_string(a.join("summary.csv")).unwrap();
    assert!(summary.starts_with("init,final_loss_mean,final_loss_std,accuracy_mean"), "{summary}");
    assert_eq!(summary.lines().count(), 3);

    let (s1, s2, merged) = (tmp("s1"), tmp("s2"), tmp("merged"));
    assert!(small(&s1, &["--shard", "1/2"]).status.success());
    assert!(small(&s2, &["--shard", "2/2"]).status.success());
    let o = initlab(&["merge", s(&s2), s(&s1), "--out", s(&merged), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(merged.join("metrics.csv")).unwrap(), metrics);
    assert_eq!(std::fs::read(merged.join("summary.csv")).unwrap(), std::fs::read(a.join("summary.csv")).unwrap());
    let o = initlab(&["merge", s(&s1), "--out", s(&tmp("partial"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && err.contains("missing shards: 2/2"), "{err}");
    for d in [a, b, s1, s2, merged] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn adam_defaults_to_torchs_learning_rate_and_the_model_to_the_data() {
    let out = tmp("adam");
    let o = initlab(
        &["compare", "--data", "xor", "--optimizer", "adam", "--init", "zeros", "--init", "xavier_uniform"]
            .into_iter()
            .chain(["--seeds", "1", "--epochs", "2", "--quiet", "--out", s(&out)])
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<td>learning rate</td><td class=\"num\">0.001</td>"), "Adam's lr is torch's 1e-3");
    assert!(html.contains("<td>model</td><td>mlp:in-100-100-out:relu</td>"));
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(metrics.starts_with("init,seed,epoch,loss,accuracy,test_loss,test_accuracy,grad_norm.0.weight"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn inputs_a_new_user_tried_get_one_clear_error_and_no_output() {
    let dir = tmp("newuser");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let spec = dir.join("net.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Linear","in_features":2,"out_features":8},{"type":"Tanh"},
        {"type":"Linear","in_features":8,"out_features":3}]}"#,
    )
    .unwrap();
    let ck = dir.join("net.safetensors");
    assert!(initlab(&["init", s(&spec), "--out", s(&ck)]).status.success());
    let renamed = dir.join("weights.bin");
    std::fs::copy(&ck, &renamed).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--epochs", "1000000000"], "the limit is 100000000"),
        (vec!["--seed", "18446744073709551615", "--seeds", "2"], "--seed 18446744073709551615 --seeds 2"),
        (vec!["--init", "Linear.wieght=ones"], "did you mean 'Linear.weight'"),
        (vec!["--init", "Lineer.weight=zeros"], "did you mean 'Linear.weight'"),
        (vec!["--init", ""], "holds no rule"),
        (vec!["--init", ";;"], "holds no rule"),
        (vec!["--init", "bad\nrule\u{1b}"], "'bad\\nrule\\u{1b}'"),
        (vec!["--model", "mlp:2-8-3:bn", "--batch-size", "299"], "last batch of one sample"),
        (vec!["--model", s(&renamed)], "not a JSON model spec (not text)"),
    ];
    for (extra, want) in cases {
        let mut a = vec!["compare", "--out", s(&out)];
        if !extra.contains(&"--epochs") {
            a.extend(["--epochs", "1"]);
        }
        a.extend(&extra);
        let o = initlab(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(want), "{extra:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one message: {err}");
        assert!(!out.exists(), "{extra:?} left {}", out.display());
    }
    // A checkpoint is taken for its architecture, and compare says so.
    let o =
        initlab(&["compare", "--model", s(&ck), "--epochs", "2", "--seeds", "1", "--init", "zeros", "--out", s(&out)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("takes only the architecture of"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Depth without a stack limit: 10,000 hidden layers train on the sweep's worker threads (a
/// recursive drop of the recorded graph overflowed their stacks).
#[test]
fn compare_trains_a_ten_thousand_layer_net() {
    let out = tmp("deep");
    let o = initlab(&[
        "compare",
        "--model",
        "mlp:in-4x10000-out:relu",
        "--init",
        "default",
        "--seeds",
        "1",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let header = metrics.lines().next().unwrap();
    // 10,001 Linear layers (indices 0, 2, …, 20000), each with a weight and a bias gradient norm.
    assert!(header.contains(",grad_norm.20000.bias"), "{}", &header[header.len() - 60..]);
    assert_eq!(header.matches("grad_norm.").count(), 2 * 10_001);
    assert_eq!(metrics.lines().count(), 1 + 2);
    for row in metrics.lines().skip(1) {
        let loss: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
        assert!(loss.is_finite() && loss > 0.0, "{row}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// No silent guesses about the task (issue 16.3): y = 2x written as integers is read as classes
/// and says so on one line with the flag that changes it; --task regression reads it as values;
/// --standardize is recorded in the report with the training split's statistics.
#[test]
fn the_task_is_printed_and_the_flags_change_it() {
    let dir = tmp("task");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("line.csv");
    std::fs::write(&data, (1..=40).map(|x| format!("{x},{}\n", 2 * x)).collect::<String>()).unwrap();
    let run = |extra: &[&str], out: &str| {
        let mut a = vec![
            "compare",
            "--data",
            s(&data),
            "--model",
            "mlp:in-8-out:tanh",
            "--init",
            "xavier_normal",
            "--seeds",
            "1",
            "--epochs",
            "2",
            "--quiet",
            "--out",
        ];
        let out = dir.join(out);
        a.push(s(&out));
        a.extend(extra);
        let o = initlab(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (String::from_utf8_lossy(&o.stderr).into_owned(), out)
    };
    let (err, _) = run(&[], "auto");
    let task: Vec<&str> = err.lines().filter(|l| l.starts_with("task: ")).collect();
    assert_eq!(task.len(), 1, "{err}");
    assert!(task[0].contains("classification (81 classes") && task[0].contains("--task regression"), "{err}");
    let (err, out) = run(&["--task", "regression", "--standardize"], "reg");
    assert!(!err.contains("task: "), "the user chose: nothing to announce: {err}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[3], "", "no accuracy for regression: {summary}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("regression (--task)"), "report records the task");
    // x = 1..40 → mean 20.5, population std √133.25 = 11.543396
    assert!(html.contains("mean [20.500000], std [11.543396]"), "report records the standardization");
    let o = initlab(&["compare", "--data", "spiral", "--task", "regression", "--out", s(&dir.join("x"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && err.contains("classification set"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The regression defaults (adam, lr 1e-3) train sine from each of the ten classic inits without
/// a divergence (SGD at lr 0.1 diverged for normal and kaiming_normal within 5 epochs), say so on
/// stderr, and the fitted curves are drawn as files and in the report.
#[test]
fn sine_with_the_defaults_diverges_from_no_classic_init_and_draws_its_fitted_curve() {
    let out = tmp("sine-defaults");
    let o = initlab(&["compare", "--data", "sine", "--seeds", "1", "--epochs", "30", "--out", s(&out)]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("training: adam, lr 0.001 (the regression defaults"), "{e}");
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let rows: Vec<&str> = runs.lines().skip(1).collect();
    assert_eq!(rows.len(), 10, "{runs}");
    for r in &rows {
        let f: Vec<&str> = r.split(',').collect();
        assert_eq!((f[2], f[3]), ("30", "false"), "{r}");
    }
    for f in ["fit.png", "fit.svg"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let svg = std::fs::read_to_string(out.join("fit.svg")).unwrap();
    assert!(svg.contains("kaiming_normal(nonlinearity=relu)") && svg.contains("after 30 epochs (end)"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Fitted curve</h2>"), "section in the report");
    assert_eq!(html.matches("alt=\"fitted curve\"").count(), 10, "one picture per init");
    assert!(!out.join("boundaries.png").exists());
    // Classification keeps sgd (at 0.05: at 0.1 N(0,1) weights diverge on blobs).
    let o =
        initlab(&["compare", "--data", "blobs", "--seeds", "1", "--epochs", "2", "--init", "normal", "--out", s(&out)]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("training: sgd, lr 0.05, momentum 0.9 (the classification defaults"), "{e}");
    let _ = std::fs::remove_dir_all(&out);
}
