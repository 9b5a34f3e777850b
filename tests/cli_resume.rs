//! Resumable sweeps and all-or-nothing outputs, from the outside: a `compare` killed with SIGKILL
//! at several points and resumed writes the same bytes as one never interrupted; Ctrl-C keeps the
//! finished runs and exits 130; a failed write leaves the previous outputs as they were.

mod common;

use common::sweep::{bin, count, kill_once, outputs};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-resume-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// 3 inits × 4 seeds of 1500 full-batch epochs, one thread: a few seconds, a record every ~0.2 s.
fn args(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "compare",
        "--model",
        "mlp:2-32-3",
        "--seeds",
        "4",
        "--init",
        "zeros",
        "--init",
        "xavier_normal",
        "--init",
        "kaiming_normal",
        "--epochs",
        "1500",
        "--threads",
        "1",
        "--quiet",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(out.to_str().unwrap().to_string());
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn run(out: &Path, extra: &[&str]) -> Output {
    bin().args(args(out, extra)).output().unwrap()
}

fn records(out: &Path) -> usize {
    count(out, ".initlab-sweep", "run-")
}

/// Starts a sweep and SIGKILLs it once at least `at_least` runs are recorded (or it ends).
fn kill_after(out: &Path, extra: &[&str], at_least: usize) {
    kill_once(&args(out, extra), &[], at_least, || records(out));
}

#[test]
fn a_sweep_killed_at_several_points_and_resumed_writes_the_same_bytes() {
    let (whole, cut) = (tmp("whole"), tmp("cut"));
    let o = run(&whole, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    kill_after(&cut, &[], 1);
    let first = records(&cut);
    assert!((1..12).contains(&first), "killed mid-sweep with {first} runs recorded");
    // Without --resume an unfinished sweep is an error saying how to go on; nothing is touched.
    let o = run(&cut, &[]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("unfinished sweep") && e.contains("--resume") && e.contains("to start over"), "{e}");
    assert_eq!(records(&cut), first);
    // Different flags: one error naming the first difference.
    let mut a = args(&cut, &["--resume"]);
    let i = a.iter().position(|x| x == "1500").unwrap();
    a[i] = "1400".into();
    let o = bin().args(&a).output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("--epochs: 1500 when the sweep started, 1400 now"), "{e}");
    // Resume, killed again a few runs later, then resumed to the end.
    kill_after(&cut, &["--resume"], first + 2);
    let second = records(&cut);
    assert!(second >= first, "{first} -> {second}");
    let o = run(&cut, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!cut.join(".initlab-sweep").exists(), "records are removed once the outputs are written");
    let (w, c) = (outputs(&whole), outputs(&cut));
    assert_eq!(w.iter().map(|x| &x.0).collect::<Vec<_>>(), c.iter().map(|x| &x.0).collect::<Vec<_>>());
    for ((name, a), (_, b)) in w.iter().zip(&c) {
        assert!(a == b, "{name} differs after resuming");
    }
    // the CSVs, every picture (boundaries and histograms included) and the report
    assert_eq!(w.len(), 17, "{:?}", w.iter().map(|x| &x.0).collect::<Vec<_>>());
    assert!(w.iter().any(|x| x.0 == "boundaries.png") && w.iter().any(|x| x.0 == "histograms.png"));
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&cut);
}

#[test]
fn a_resumed_shard_merges_to_the_same_metrics_and_damaged_records_are_retrained() {
    let (whole, s1, s2, merged) = (tmp("swhole"), tmp("s1"), tmp("s2"), tmp("merged"));
    assert!(run(&whole, &[]).status.success());
    kill_after(&s1, &["--shard", "1/2"], 2);
    // A torn record (as a crash mid-write without rename would leave) is detected and retrained.
    let dir = s1.join(".initlab-sweep");
    if let Some(rec) = std::fs::read_dir(&dir)
        .ok()
        .and_then(|d| d.filter_map(|e| e.ok()).find(|e| e.file_name().to_string_lossy().starts_with("run-")))
    {
        let bytes = std::fs::read(rec.path()).unwrap();
        std::fs::write(rec.path(), &bytes[..bytes.len() / 2]).unwrap();
    }
    // Resuming as another shard is refused, naming the shard.
    let o = run(&s1, &["--shard", "2/2", "--resume"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && e.contains("--shard 1/2 when the sweep started, --shard 2/2 now"), "{e}");
    let o = run(&s1, &["--shard", "1/2", "--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(run(&s2, &["--shard", "2/2", "--resume"]).status.success(), "--resume with nothing to resume starts");
    let o =
        bin().args(["merge", s1.to_str().unwrap(), s2.to_str().unwrap(), "--out", merged.to_str().unwrap()]).output();
    assert!(o.unwrap().status.success());
    // (report.html differs: shards keep numbers, not the first seed's pictures)
    for f in ["metrics.csv", "symmetry.csv", "runs.csv", "summary.csv"] {
        assert!(std::fs::read(whole.join(f)).unwrap() == std::fs::read(merged.join(f)).unwrap(), "{f}");
    }
    for d in [whole, s1, s2, merged] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_keeps_finished_runs_says_how_to_resume_and_exits_130() {
    let out = tmp("int");
    let child = bin().args(args(&out, &[])).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while records(&out) < 1 && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{e}");
    assert!(e.contains("runs finished and are kept in") && e.contains("resume with:") && e.contains("--resume"), "{e}");
    let kept = records(&out);
    assert!((1..12).contains(&kept), "{kept}");
    assert!(!out.join("metrics.csv").exists());
    let o = run(&out, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("runs.csv")).unwrap().lines().count(), 13);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_failed_write_leaves_the_previous_outputs_exactly_as_they_were() {
    let out = tmp("fail");
    let quick = |extra: &[&str]| {
        let mut a = vec!["compare", "--model", "mlp:2-8-3", "--seeds", "1", "--epochs", "3", "--quiet"];
        a.extend(extra);
        a.extend(["--out", out.to_str().unwrap()]);
        bin().args(a).output().unwrap()
    };
    assert!(quick(&["--init", "zeros"]).status.success());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::remove_file(out.join("gradflow.png")).unwrap();
    std::fs::create_dir(out.join("gradflow.png")).unwrap();
    let before = outputs(&out);
    let o = quick(&["--init", "ones"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("gradflow.png") && e.contains("is a directory"), "{e}");
    assert!(before == outputs(&out), "the previous outputs are untouched");
    // Fixed, the new set replaces the old one whole; other files stay.
    std::fs::remove_dir(out.join("gradflow.png")).unwrap();
    assert!(quick(&["--init", "ones"]).status.success());
    assert!(std::fs::read_to_string(out.join("metrics.csv")).unwrap().contains("\nones,"));
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    // No temporary siblings are left behind.
    let parent = out.parent().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let stray: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!(".{name}.")))
        .collect();
    assert!(stray.is_empty());
    let _ = std::fs::remove_dir_all(&out);
}

/// A regression sweep (sine, whose first seeds draw the fitted curves) killed and resumed writes
/// the same bytes as one never interrupted, `fit.png` included: the curves are kept in the records.
#[test]
fn a_resumed_regression_sweep_keeps_its_fitted_curves() {
    let (whole, cut) = (tmp("fit-whole"), tmp("fit-cut"));
    let sine = |out: &Path, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["compare", "--data", "sine", "--model", "mlp:in-32-out:tanh", "--seeds", "3"]
            .iter()
            .chain(&["--init", "xavier_normal", "--init", "kaiming_normal", "--epochs", "1500", "--threads", "1"])
            .chain(&["--quiet", "--out"])
            .map(|s| s.to_string())
            .collect();
        a.push(out.to_str().unwrap().to_string());
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    assert!(bin().args(sine(&whole, &[])).output().unwrap().status.success());
    kill_once(&sine(&cut, &[]), &[], 1, || records(&cut));
    let first = records(&cut);
    assert!((1..6).contains(&first), "killed mid-sweep with {first} runs recorded");
    let o = bin().args(sine(&cut, &["--resume"])).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (w, c) = (outputs(&whole), outputs(&cut));
    assert!(w.iter().any(|x| x.0 == "fit.png") && w.iter().any(|x| x.0 == "fit.svg"));
    assert_eq!(w.iter().map(|x| &x.0).collect::<Vec<_>>(), c.iter().map(|x| &x.0).collect::<Vec<_>>());
    for ((name, a), (_, b)) in w.iter().zip(&c) {
        assert!(a == b, "{name} differs after resuming");
    }
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&cut);
}

/// Runs in flight are saved as their run's snapshot (here every 20 ms): a sweep SIGKILLed in its
/// first run, before any run finished, resumes that run from the snapshot to the same bytes.
#[test]
fn a_run_killed_in_flight_goes_on_from_its_snapshot_to_the_same_bytes() {
    let (whole, cut) = (tmp("part-whole"), tmp("part-cut"));
    assert!(run(&whole, &[]).status.success());
    let fast = [("INITLAB_SNAPSHOT_SECS", "0.02")];
    kill_once(&args(&cut, &[]), &fast, 1, || count(&cut, ".initlab-sweep", "part-"));
    let (parts, done) = (count(&cut, ".initlab-sweep", "part-"), records(&cut));
    // (a snapshot exists for all but the first 20 ms of each run, so nearly always one here)
    assert!(parts + done >= 1 && done < 12, "{parts} snapshots, {done} runs recorded");
    let mut cmd = bin();
    cmd.args(args(&cut, &["--resume"])).env("INITLAB_SNAPSHOT_SECS", "0.02");
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!cut.join(".initlab-sweep").exists());
    common::sweep::assert_same_outputs(&whole, &cut);
    // Killed again mid-run, and the last run's snapshot torn (as a crash mid-write without the
    // rename would leave it): a warning, that run trained from its start, the same bytes.
    let _ = std::fs::remove_dir_all(&cut);
    kill_once(&args(&cut, &[]), &fast, 1, || count(&cut, ".initlab-sweep", "part-"));
    assert!(records(&cut) < 12);
    std::fs::write(cut.join(".initlab-sweep/part-000011.json"), "{\"format\": \"initlab-par").unwrap();
    let o = run(&cut, &["--resume"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("torn or damaged record") && e.contains("starts over"), "{e}");
    common::sweep::assert_same_outputs(&whole, &cut);
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&cut);
}
