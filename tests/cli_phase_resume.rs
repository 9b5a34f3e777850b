//! `phase --resume` from the outside: a phase SIGKILLed mid-grid and resumed writes the same
//! `phase.csv` and trainability map as one never interrupted; without `--resume` the unfinished
//! grid is an error saying how to go on.

mod common;

use common::sweep::{bin, count, kill_once};
use std::path::{Path, PathBuf};
use std::process::Output;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-phase-resume-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// 4 σ_w² × 3 depths of 300 epochs on one thread: a few seconds, a cell every ~0.4 s.
fn args(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> =
        ["phase", "--sigma-w2", "0.5,1,1.5,2", "--depths", "4,8,12", "--epochs", "300", "--threads", "1", "--quiet"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    a.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn run(out: &Path, extra: &[&str]) -> Output {
    bin().args(args(out, extra)).output().unwrap()
}

fn records(out: &Path) -> usize {
    count(out, ".initlab-phase", "cell-")
}

/// Starts the grid and SIGKILLs it once at least `at_least` cells are recorded (or it ends).
fn kill_after(out: &Path, extra: &[&str], at_least: usize) {
    kill_once(&args(out, extra), &[], at_least, || records(out));
}

#[test]
fn a_phase_killed_mid_grid_and_resumed_writes_the_same_bytes() {
    let (whole, cut) = (tmp("whole"), tmp("cut"));
    let o = run(&whole, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!whole.join(".initlab-phase").exists(), "records are removed once the outputs are written");
    kill_after(&cut, &[], 2);
    let first = records(&cut);
    assert!((2..12).contains(&first), "killed mid-grid with {first} cells recorded");
    assert!(!cut.join("phase.csv").exists());
    // Without --resume: one error saying how to go on; nothing is touched.
    let o = run(&cut, &[]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("unfinished phase grid") && e.contains("--resume") && e.contains("to start over"), "{e}");
    assert_eq!(records(&cut), first);
    // Other flags: the first difference is named.
    let mut a = args(&cut, &["--resume"]);
    let i = a.iter().position(|x| x == "300").unwrap();
    a[i] = "200".into();
    let o = bin().args(&a).output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("--epochs: 300 when the sweep started, 200 now"), "{e}");
    // Resumed to the end: the same bytes as the uninterrupted grid.
    let o = run(&cut, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!cut.join(".initlab-phase").exists());
    for f in ["phase.csv", "trainability.png", "trainability.svg"] {
        let (a, b) = (std::fs::read(whole.join(f)).unwrap(), std::fs::read(cut.join(f)).unwrap());
        assert!(a == b, "{f} differs after resuming");
    }
    assert_eq!(std::fs::read_to_string(cut.join("phase.csv")).unwrap().lines().count(), 13);
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&cut);
}
