//! Shared by the resume tests (`mod common;` in each): a sweep's records counted, a sweep
//! SIGKILLed once it has recorded enough, and an output folder's files for a byte comparison.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_initlab"))
}

/// Files in `out/records` whose names start with `prefix` (`run-`, `cell-`, `part-`).
pub fn count(out: &Path, records: &str, prefix: &str) -> usize {
    std::fs::read_dir(out.join(records))
        .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with(prefix)).count())
        .unwrap_or(0)
}

/// Starts `initlab args` (with `env`) and SIGKILLs it once `done(out)` is at least `at_least`
/// (or it ends, or two minutes pass).
pub fn kill_once(args: &[String], env: &[(&str, &str)], at_least: usize, done: impl Fn() -> usize) {
    let mut cmd = bin();
    cmd.args(args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    while done() < at_least && start.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill(); // SIGKILL
    child.wait().unwrap();
}

/// Every file of `dir` (not folders), by name, with its bytes.
pub fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    v.sort();
    v
}

/// `a` and `b` hold the same files with the same bytes (names listed on failure).
pub fn assert_same_outputs(a: &Path, b: &Path) {
    let (w, c) = (outputs(a), outputs(b));
    assert_eq!(w.iter().map(|x| &x.0).collect::<Vec<_>>(), c.iter().map(|x| &x.0).collect::<Vec<_>>());
    for ((name, x), (_, y)) in w.iter().zip(&c) {
        assert!(x == y, "{name} differs after resuming");
    }
}
