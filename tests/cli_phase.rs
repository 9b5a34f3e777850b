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
