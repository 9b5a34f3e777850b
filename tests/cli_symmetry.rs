//! `initlab symmetry`: the outputs of a small study, the thread-count independence, and bad input
//! refused with one line and nothing written.

use std::path::PathBuf;
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-symmetry-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn initlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap()
}

const SMALL: [&str; 14] = [
    "symmetry",
    "--model",
    "mlp:in-12-10-out:tanh",
    "--data",
    "moons",
    "--epochs",
    "25",
    "--seeds",
    "2",
    "--start",
    "constant",
    "--start",
    "w@xavier_normal;0.bias=normal(std=0.1)",
    "--quiet",
];

#[test]
fn a_small_study_writes_its_set_and_does_not_depend_on_threads() {
    let (a, b) = (tmp("one"), tmp("two"));
    let mut args: Vec<&str> = SMALL.to_vec();
    args.extend(["--start", "d@constant(0.1)+dropout=0.2", "--start", "p@constant(0.1)+perturb=1e-4"]);
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let run = |out: &str, threads: &str| {
        let mut v = args.clone();
        v.extend(["--out", out, "--threads", threads]);
        let o = initlab(&v);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(sa, "1");
    run(sb, "2");
    for f in ["symmetry.csv", "loss.csv", "summary.csv", "symmetry.png", "symmetry.svg", "loss.png", "report.html"] {
        assert!(a.join(f).is_file(), "{f}");
    }
    let csv = std::fs::read_to_string(a.join("symmetry.csv")).unwrap();
    assert_eq!(csv, std::fs::read_to_string(b.join("symmetry.csv")).unwrap());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "start,seed,epoch,layer,distinct_units,units,spread");
    // 4 starts × 2 seeds × 26 epochs (0..=25) × 2 hidden layers.
    assert_eq!(lines.len() - 1, 4 * 2 * 26 * 2);
    // The constant start: one distinct unit of 12 and of 10 at every epoch, spread exactly 0.
    let constant: Vec<&&str> = lines.iter().filter(|l| l.starts_with("constant,")).collect();
    assert!(constant.iter().all(|l| l.ends_with(",1,12,0") || l.ends_with(",1,10,0")), "{constant:?}");
    let summary = std::fs::read_to_string(a.join("summary.csv")).unwrap();
    assert!(
        summary.lines().nth(1).unwrap().starts_with("constant,no,") && summary.contains(",never,never,"),
        "{summary}"
    );
}

#[test]
fn bad_input_is_one_error_line_and_nothing_is_written() {
    let cases: [(&[&str], &str); 5] = [
        (&["--start", "he_normal"], "--start 'he_normal'"),
        (&["--model", "mlp:in-out"], "no hidden layer"),
        (&["--start", "x@zeros+dropout=2"], "0 <= P < 1"),
        (&["--seeds", "0"], "--seeds 0"),
        (&["--start", "zeros", "--start", "zeros"], "given twice"),
    ];
    for (extra, want) in cases {
        let out = tmp("bad");
        let mut v = vec!["symmetry", "--out", out.to_str().unwrap(), "--epochs", "3"];
        v.extend_from_slice(extra);
        let o = initlab(&v);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{extra:?}");
        assert!(err.starts_with("error: ") && err.lines().count() == 1 && err.contains(want), "{extra:?}: {err}");
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    }
}
