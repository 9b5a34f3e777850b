//! `initlab phase`: the trainability grid, its theory columns, shards and merge.

use std::path::PathBuf;
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-phase-{}", std::process::id())).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn initlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap()
}

const GRID: [&str; 10] =
    ["--sigma-w2", "0.5,2", "--depths", "2,16", "--epochs", "150", "--width", "32", "--quiet", "--threads"];

#[test]
fn ordered_deep_net_fails_critical_one_trains_and_shards_merge_byte_identically() {
    let full = tmp("full");
    let mut args = vec!["phase"];
    args.extend(GRID);
    args.extend(["2", "--out", full.to_str().unwrap()]);
    let o = initlab(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(full.join("phase.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(
        csv.lines().next().unwrap(),
        "act,sigma_w2,sigma_b2,depth,width,seed,final_loss,final_accuracy,diverged,chi1,xi_c,input_mean_square"
    );
    assert_eq!(rows.len(), 4);
    let acc = |w: &str, d: &str| -> f64 { rows.iter().find(|r| r[1] == w && r[3] == d).unwrap()[7].parse().unwrap() };
    // σ_w² = 0.5 is deep in the ordered phase (6·ξ_c ≈ 7): 16 layers forget the input.
    // σ_w² = 2 is near the critical 1.76 (6·ξ_c ≈ 150): 16 layers train.
    assert!(acc("0.5", "16") < 0.7, "{csv}");
    assert!(acc("2", "16") > 0.9 && acc("2", "2") > 0.9, "{csv}");
    // Theory column χ₁ of tanh at (0.5, 0.05): scipy gives 0.4319874 (tests/fixtures/theory_tanh.json).
    let chi: f64 = rows[0][9].parse().unwrap();
    assert!((chi - 0.431_987_381_8).abs() < 1e-5, "{chi}");
    assert!(full.join("trainability.png").exists() && full.join("trainability.svg").exists());

    let mut shards = vec![];
    for k in ["1/3", "2/3", "3/3"] {
        let dir = tmp(&format!("shard{}", &k[..1]));
        let mut args = vec!["phase"];
        args.extend(GRID);
        args.extend(["1", "--shard", k, "--out", dir.to_str().unwrap()]);
        let o = initlab(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        shards.push(dir);
    }
    let merged = tmp("merged");
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap(), "--quiet"]);
    let o = initlab(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(merged.join("phase.csv")).unwrap(), csv);
    // Two shards of three: a cell is missing.
    let o = initlab(&[
        "merge",
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("in no shard"), "{err}");
}

#[test]
fn bad_input_is_one_error_line() {
    let out = tmp("bad");
    for args in [
        vec!["phase", "--act", "softplus"],
        vec!["phase", "--sigma-w2", "-1"],
        vec!["phase", "--depths", "0"],
        vec!["phase", "--shard", "3/2"],
        vec!["phase", "--data", "sine"],
        vec!["phase", "--k", "0"],
    ] {
        let mut a = args.clone();
        a.extend(["--out", out.to_str().unwrap()]);
        let o = initlab(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.lines().count() == 1, "{args:?}: {err}");
    }
}

/// `--task` as in compare (issue 16.3): a file's automatic reading is printed on one line with
/// the flag that changes it; `--task classification` makes a non-integer label an error naming
/// its row; phase refuses regression (it measures accuracy), with one error line, nothing written;
/// symmetry takes both, as compare does.
#[test]
fn phase_and_symmetry_take_the_task_as_compare_does() {
    let dir = tmp("task");
    let ints = dir.join("ints.csv");
    std::fs::write(
        &ints,
        (0..40).map(|i| format!("{},{},{}\n", i as f32 / 40.0, 1.0 - i as f32 / 20.0, i % 2)).collect::<String>(),
    )
    .unwrap();
    let halves = dir.join("halves.csv");
    std::fs::write(
        &halves,
        (0..40).map(|i| format!("{},{},{}\n", i, -i, if i == 7 { 1.5 } else { (i % 2) as f32 })).collect::<String>(),
    )
    .unwrap();
    let p = |f: &std::path::Path| f.to_str().unwrap().to_string();
    let small = ["--sigma-w2", "1", "--depths", "2", "--epochs", "2", "--width", "4", "--quiet"];
    let run = |cmd: &str, data: &str, extra: &[&str], out: &str| {
        let out = dir.join(out);
        let mut a = vec![cmd, "--data", data, "--out", out.to_str().unwrap()];
        if cmd == "phase" {
            a.extend(small);
        } else {
            a.extend(["--start", "zeros", "--seeds", "1", "--epochs", "2", "--model", "mlp:in-4-out", "--quiet"]);
        }
        a.extend(extra);
        let o = initlab(&a);
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned(), out)
    };
    for cmd in ["phase", "symmetry"] {
        let (code, err, _) = run(cmd, &p(&ints), &[], &format!("{cmd}-auto"));
        assert_eq!(code, Some(0), "{err}");
        let line: Vec<&str> = err.lines().filter(|l| l.starts_with("task: ")).collect();
        assert!(
            line.len() == 1 && line[0].contains("classification (2 classes") && line[0].contains("--task regression"),
            "{cmd}: {err}"
        );
        let (code, err, _) =
            run(cmd, &p(&ints), &["--task", "classification", "--standardize"], &format!("{cmd}-given"));
        assert!(code == Some(0) && !err.contains("task: "), "{cmd}: the user chose, nothing to announce: {err}");
        let (code, err, out) = run(cmd, &p(&halves), &["--task", "classification"], &format!("{cmd}-bad"));
        assert!(code == Some(1) && err.lines().count() == 1 && err.starts_with("error: "), "{cmd}: {err}");
        assert!(err.contains("row 7") && err.contains("1.5"), "{cmd}: names the row: {err}");
        assert!(!out.exists(), "{cmd}: nothing written");
        let (code, err, _) = run(cmd, "spiral", &["--task", "regression"], &format!("{cmd}-builtin"));
        assert!(code == Some(1) && err.contains("classification set"), "{cmd}: {err}");
    }
    let (code, err, out) = run("phase", &p(&ints), &["--task", "regression"], "phase-reg");
    assert!(code == Some(1) && err.lines().count() == 1 && err.contains("needs class ids"), "{err}");
    assert!(!out.exists(), "nothing written");
    let (code, err, _) = run("phase", &p(&halves), &[], "phase-auto-reg");
    assert!(code == Some(1) && err.contains("--task classification"), "names the flag: {err}");
    let (code, err, _) = run("symmetry", &p(&ints), &["--task", "regression"], "sym-reg");
    assert_eq!(code, Some(0), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
