//! `initlab width`: the coord check's outputs and slopes (SP grows with width after an Adam step,
//! μP stays flat), `--param mup` on compare and init, and bad input (one `error:` line, nothing
//! written); the lr sweep's resume and shards are tests/cli_lr_resume.rs'.

mod common;

use common::cli::{initlab, ok};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-width-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn coord_check_sp_grows_and_mup_stays_flat() {
    let out = tmp("coord");
    let s = ok(&[
        "width",
        "--coord-check",
        "--widths",
        "64,128,256,512",
        "--seeds",
        "2",
        "--steps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(out.join("coord_check.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), "parametrization,width,seed,step,module,type,l1");
    // 2 params x 2 seeds x 4 widths x 3 steps x 8 modules (7 layers and the whole model "").
    assert_eq!(csv.lines().count(), 1 + 2 * 2 * 4 * 3 * 8);
    assert!(csv.contains("\nmup,512,1,3,6,MuReadout,") && csv.contains("\nsp,512,1,3,6,Linear,"), "{csv:.300}");
    for f in ["coord_check.png", "coord_check.svg"] {
        assert!(std::fs::metadata(out.join(f)).unwrap().len() > 1000, "{f}");
    }
    // The printed slopes: the readout's (module 6) at t=2 and t=3.
    let slope = |p: &str, m: &str, t: usize| -> f64 {
        let line = s.lines().find(|l| l.starts_with(p) && l.contains(m)).unwrap_or_else(|| panic!("{s}"));
        line.split_whitespace().nth(2 + t).unwrap().parse().unwrap()
    };
    // coord_slopes.csv holds the printed slopes, unrounded.
    let slopes = std::fs::read_to_string(out.join("coord_slopes.csv")).unwrap();
    assert_eq!(slopes.lines().next().unwrap(), "parametrization,module,type,step,slope");
    assert_eq!(slopes.lines().count(), 1 + 2 * 7 * 3); // the 7 layers (the whole model is not a module of its own here)
    let row = slopes.lines().find(|l| l.starts_with("mup,6,MuReadout,3,")).unwrap_or_else(|| panic!("{slopes}"));
    let v: f64 = row.rsplit(',').next().unwrap().parse().unwrap();
    assert!((v - slope("mup", "6 MuReadout", 3)).abs() <= 5e-4, "{row} vs {s}");
    for t in [2, 3] {
        assert!(slope("sp ", "6 Linear", t) > 0.5, "SP readout grows with width after Adam: {s}");
        assert!(slope("mup", "6 MuReadout", t).abs() < 0.2, "μP readout is width-stable: {s}");
        assert!(slope("mup", "4 Linear", t).abs() < 0.1, "{s}");
    }
}

#[test]
fn bad_input_is_one_error_and_nothing_written() {
    let out = tmp("bad");
    let o = out.to_str().unwrap();
    for (args, needle) in [
        (vec!["width", "--coord-check", "--widths", "128,64"], "widths must increase"),
        (vec!["width", "--coord-check", "--widths", "64,128", "--base-width", "100"], "--base-width 100"),
        (vec!["width", "--lr-sweep", "0.01,-0.1"], "finite number > 0"),
        (vec!["width", "--lr-sweep", "0.01,0"], "finite number > 0"),
        (vec!["width"], "exactly one of"),
        (vec!["width", "--coord-check", "--param", "sp", "--base-width", "8"], "for --param mup"),
        (
            vec!["compare", "--model", "conv:8:relu", "--data", "shapes", "--param", "mup", "--base-width", "8"],
            "not for conv",
        ),
        (vec!["compare", "--model", "resmlp:2-64x2-3", "--param", "mup", "--base-width", "8"], "not for residual"),
        (vec!["compare", "--param", "mup"], "needs --base-width"),
    ] {
        let mut a = args.clone();
        a.extend(["--out", o]);
        let r = initlab(&a);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{a:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.trim_end().lines().count() == 1 && err.contains(needle),
            "{a:?}: {err}"
        );
        assert!(!out.exists(), "{a:?} wrote {out:?}");
    }
}

#[test]
fn compare_and_init_build_mup_models() {
    let out = tmp("cmp");
    ok(&[
        "compare",
        "--model",
        "mlp:in-128-128-out:relu",
        "--param",
        "mup",
        "--base-width",
        "32",
        "--init",
        "default",
        "--seeds",
        "1",
        "--epochs",
        "5",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(out.join("metrics.csv").is_file());
    let ck = tmp("init").with_extension("safetensors");
    let s = ok(&["init", "mlp:2-128-128-3", "--param", "mup", "--base-width", "32", "--out", ck.to_str().unwrap()]);
    // The readout is a MuReadout, rescaled by √(128/32) = 2: U(±2/√128).
    let line = s.lines().find(|l| l.starts_with("4.weight")).unwrap_or_else(|| panic!("{s}"));
    let max: f64 = line.split_whitespace().last().unwrap().parse().unwrap();
    assert!(max > 0.9 * 2.0 / 128f64.sqrt() && max <= 2.0 / 128f64.sqrt(), "{line}");
    let _ = std::fs::remove_file(&ck);
}
