//! `initlab width --lr-sweep` on the records compare keeps: one sweep never interrupted, the same
//! sweep SIGKILLed with runs in flight and resumed, its two shards merged, and one stopped by
//! Ctrl-C and resumed write the same bytes (lr_transfer.csv and the figure); a changed flag on
//! resume, an unfinished sweep without --resume, a missing shard and an lr-sweep shard merged
//! with a compare or phase shard are each one error naming the trouble.

mod common;

use common::sweep::{assert_same_outputs, bin, count, kill_once};
use std::path::{Path, PathBuf};
use std::process::Output;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-lr-resume-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// SP and μP × widths 32, 64 × 2 lrs × 2 seeds: 16 runs of 800 full-batch Adam steps, one
/// thread: a few seconds, a few tenths of a second per run.
fn args(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> =
        ["width", "--lr-sweep", "0.01,0.1", "--widths", "32,64", "--hidden", "2", "--steps", "800"]
            .iter()
            .chain(&["--seeds", "2", "--threads", "1", "--quiet", "--out"])
            .map(|s| s.to_string())
            .collect();
    a.push(out.to_str().unwrap().to_string());
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn run(out: &Path, extra: &[&str]) -> Output {
    bin().args(args(out, extra)).output().unwrap()
}

fn ok(o: Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// One `error: ...` line containing every needle, exit 1.
fn one_error(o: Output, needles: &[&str]) {
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.starts_with("error: ") && e.trim_end().lines().count() == 1, "{e}");
    for n in needles {
        assert!(e.contains(n), "{n:?} not in {e}");
    }
}

const DIR: &str = ".initlab-lr-sweep";

#[test]
fn killed_in_flight_and_resumed_and_sharded_and_merged_write_the_uninterrupted_bytes() {
    let (whole, cut, s1, s2, merged) = (tmp("whole"), tmp("cut"), tmp("s1"), tmp("s2"), tmp("merged"));
    ok(run(&whole, &[]));
    let csv = std::fs::read_to_string(whole.join("lr_transfer.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), "parametrization,width,lr,seed,final_loss,diverged");
    assert_eq!(csv.lines().count(), 1 + 16);
    assert!(!whole.join(DIR).exists(), "records are removed once the outputs are written");

    // Killed while a run is in flight (snapshots every 20 ms), then resumed.
    let fast = [("INITLAB_SNAPSHOT_SECS", "0.02")];
    kill_once(&args(&cut, &[]), &fast, 1, || count(&cut, DIR, "part-"));
    let (parts, done) = (count(&cut, DIR, "part-"), count(&cut, DIR, "run-"));
    assert!(parts >= 1 && done < 16, "{parts} snapshots, {done} runs recorded");
    assert!(!cut.join("lr_transfer.csv").exists());
    // Without --resume: one error saying how to go on; nothing touched.
    one_error(run(&cut, &[]), &["unfinished lr sweep", "--resume", "to start over"]);
    assert_eq!(count(&cut, DIR, "run-"), done);
    // A changed flag: the flag named.
    let mut other = args(&cut, &["--resume"]);
    let i = other.iter().position(|x| x == "800").unwrap();
    other[i] = "700".into();
    one_error(bin().args(&other).output().unwrap(), &["--steps: 800 when the sweep started, 700 now"]);
    let mut other = args(&cut, &["--resume"]);
    other[2] = "0.01,0.2".into();
    one_error(bin().args(&other).output().unwrap(), &["--lr-sweep: [0.01,0.1] when the sweep started, [0.01,0.2] now"]);
    let o = bin().args(args(&cut, &["--resume"])).envs(fast).output().unwrap();
    ok(o);
    assert!(!cut.join(DIR).exists());
    assert_same_outputs(&whole, &cut);

    // Two shards, the first killed in flight and resumed; merged in either order.
    kill_once(&args(&s1, &["--shard", "1/2"]), &fast, 1, || count(&s1, DIR, "part-"));
    assert!(count(&s1, DIR, "run-") < 8);
    one_error(run(&s1, &["--shard", "2/2", "--resume"]), &["--shard 1/2 when the sweep started, --shard 2/2 now"]);
    ok(run(&s1, &["--shard", "1/2", "--resume"]));
    ok(run(&s2, &["--shard", "2/2"]));
    for d in [&s1, &s2] {
        assert!(d.join("lr-shard.json").is_file() && !d.join("lr_transfer.csv").exists() && !d.join(DIR).exists());
    }
    let dirs = |a: &Path, b: &Path| -> Vec<String> {
        ["merge", a.to_str().unwrap(), b.to_str().unwrap(), "--quiet", "--out", merged.to_str().unwrap()]
            .map(String::from)
            .to_vec()
    };
    one_error(
        bin().args(["merge", s2.to_str().unwrap(), "--out", merged.to_str().unwrap()]).output().unwrap(),
        &["8 of 16 runs are missing", "shards given: 2/2"],
    );
    assert!(!merged.exists());
    ok(bin().args(dirs(&s2, &s1)).output().unwrap());
    assert_same_outputs(&whole, &merged);
    let _ = std::fs::remove_dir_all(&merged);
    ok(bin().args(dirs(&s1, &s2)).output().unwrap());
    assert_same_outputs(&whole, &merged);

    // Ctrl-C once a run is recorded: exit 130 saying how to resume; resumed, the same bytes.
    #[cfg(unix)]
    {
        let int = tmp("int");
        let child = bin().args(args(&int, &[])).stderr(std::process::Stdio::piped()).spawn().unwrap();
        let start = std::time::Instant::now();
        while count(&int, DIR, "run-") < 1 && start.elapsed() < std::time::Duration::from_secs(120) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(st.success());
        let o = child.wait_with_output().unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(130), "{e}");
        assert!(e.contains("runs finished and are kept in") && e.contains("resume with:"), "{e}");
        assert!(!int.join("lr_transfer.csv").exists());
        ok(run(&int, &["--resume"]));
        assert_same_outputs(&whole, &int);
        let _ = std::fs::remove_dir_all(&int);
    }
    for d in [whole, cut, s1, s2, merged] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn an_lr_sweep_shard_merged_with_another_commands_shard_is_named() {
    let (lr, cmp, ph, out) = (tmp("mix-lr"), tmp("mix-compare"), tmp("mix-phase"), tmp("mix-out"));
    let small = ["width", "--lr-sweep", "0.01", "--widths", "8,16", "--steps", "2", "--seeds", "1", "--quiet"];
    ok(bin().args(small).args(["--shard", "1/2", "--out", lr.to_str().unwrap()]).output().unwrap());
    let compare = ["compare", "--model", "mlp:2-8-3", "--seeds", "2", "--epochs", "2", "--init", "zeros", "--quiet"];
    ok(bin().args(compare).args(["--shard", "2/2", "--out", cmp.to_str().unwrap()]).output().unwrap());
    let phase = ["phase", "--sigma-w2", "1,2", "--depths", "2", "--width", "4", "--epochs", "1", "--quiet"];
    ok(bin().args(phase).args(["--shard", "2/2", "--out", ph.to_str().unwrap()]).output().unwrap());
    for (other, what) in [(&cmp, "is a compare shard"), (&ph, "is a phase shard")] {
        for pair in [[&lr, other], [other, &lr]] {
            let o = bin()
                .args(["merge", pair[0].to_str().unwrap(), pair[1].to_str().unwrap(), "--out", out.to_str().unwrap()])
                .output()
                .unwrap();
            one_error(o, &["is an lr-sweep shard (width --lr-sweep --shard)", what, "shards of one sweep"]);
            assert!(!out.exists());
        }
    }
    for d in [lr, cmp, ph] {
        let _ = std::fs::remove_dir_all(d);
    }
}
