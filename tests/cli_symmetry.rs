//! `initlab symmetry`: the outputs of a small study, the thread-count independence, and bad input
//! refused with one line and nothing written.

mod common;

use common::sweep::{assert_same_outputs, count, kill_once};
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

fn study(out: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = SMALL.iter().map(|s| s.to_string()).collect();
    v.extend(["--epochs", "400", "--threads", "1", "--start", "d@constant(0.1)+dropout=0.2"].map(String::from));
    v.retain(|a| a != "25");
    let i = v.iter().position(|a| a == "--epochs").unwrap();
    v.remove(i); // SMALL's --epochs 25 (its value removed above)
    v.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// Killed mid-study (runs in flight saved every 20 ms) and resumed, and run as two shards merged:
/// the same bytes as the study never interrupted.
#[test]
fn a_resumed_study_and_merged_shards_write_the_uninterrupted_bytes() {
    let (whole, cut, s1, s2, merged) = (tmp("whole"), tmp("cut"), tmp("s1"), tmp("s2"), tmp("merged"));
    let o = initlab(&study(&whole, &[]).iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fast = [("INITLAB_SNAPSHOT_SECS", "0.02")];
    let recorded = || count(&cut, ".initlab-symmetry", "run-") + count(&cut, ".initlab-symmetry", "part-");
    kill_once(&study(&cut, &[]), &fast, 2, recorded);
    assert!(count(&cut, ".initlab-symmetry", "run-") < 6, "killed mid-study");
    // Without --resume: one error saying how to go on.
    let o = initlab(&study(&cut, &[]).iter().map(|s| s.as_str()).collect::<Vec<_>>());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && e.contains("unfinished symmetry study") && e.contains("--resume"), "{e}");
    // Other flags: the first difference named.
    let o = initlab(&study(&cut, &["--resume", "--seed", "3"]).iter().map(|s| s.as_str()).collect::<Vec<_>>());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && e.contains("--seed: 0 when the sweep started, 3 now"), "{e}");
    let o = initlab(&study(&cut, &["--resume"]).iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!cut.join(".initlab-symmetry").exists(), "records are removed once the outputs are written");
    assert_same_outputs(&whole, &cut);
    for (dir, k) in [(&s1, "1/2"), (&s2, "2/2")] {
        let o = initlab(&study(dir, &["--shard", k]).iter().map(|s| s.as_str()).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(dir.join("symmetry-shard.json").is_file() && !dir.join("symmetry.csv").exists());
    }
    let o = initlab(&["merge", s1.to_str().unwrap(), "--out", merged.to_str().unwrap(), "--quiet"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && e.contains("3 of 6 runs are missing"), "{e}");
    assert!(!merged.exists());
    let o =
        initlab(&["merge", s2.to_str().unwrap(), s1.to_str().unwrap(), "--out", merged.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_outputs(&whole, &merged);
    for d in [whole, cut, s1, s2, merged] {
        let _ = std::fs::remove_dir_all(d);
    }
}
