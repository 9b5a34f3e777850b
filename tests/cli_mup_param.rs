//! `--param mup` where models are built: probe beside compare and init, the `mup.*` schemes from
//! the command line, a μP checkpoint that keeps its base shapes on reload, and the clear errors
//! where μP is not defined (conv, residual nets, LSUV), nothing written.

mod common;

use common::cli::{initlab, ok};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-mup-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    let _ = std::fs::remove_dir_all(&p);
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn a_mup_checkpoint_probes_as_the_mup_model_it_was_saved_from() {
    let ck = tmp("mup.safetensors");
    let (a, b) = (tmp("spec.csv"), tmp("ckpt.csv"));
    let ckp = ck.to_str().unwrap();
    ok(&["init", "mlp:2-128-128-3", "--param", "mup", "--base-width", "32", "--seed", "3", "--out", ckp]);
    let spec = ["probe", "mlp:2-128-128-3", "--param", "mup", "--base-width", "32", "--seed", "3", "--csv"];
    let mut s = spec.to_vec();
    s.push(a.to_str().unwrap());
    ok(&s);
    // The checkpoint's weights as stored: the same model and draws, so the same statistics. Its
    // MuReadout divides by width_mult 4, which needs the base shapes kept in the file.
    ok(&["probe", ckp, "--seed", "3", "--csv", b.to_str().unwrap()]);
    let (ta, tb) = (std::fs::read_to_string(&a).unwrap(), std::fs::read_to_string(&b).unwrap());
    assert_eq!(ta, tb);
    // mup.* schemes from the command line, saved and reloaded (rules on top of a μP checkpoint
    // read its infshapes too).
    let init = "Linear.weight=mup.kaiming_normal(nonlinearity=relu);MuReadout.weight=mup.normal(std=0.05)";
    let ck2 = tmp("mup2.safetensors");
    let ck2p = ck2.to_str().unwrap();
    ok(&["init", "mlp:2-128-128-3", "--param", "mup", "--base-width", "32", "--init", init, "--out", ck2p]);
    let s = ok(&["probe", ck2p, "--init", "MuReadout.weight=mup.xavier_normal"]);
    assert!(s.contains("MuReadout"), "{s}");
    // SP differs (a plain Linear readout, no 1/width_mult): the parametrization did something.
    let c = tmp("sp.csv");
    ok(&["probe", "mlp:2-128-128-3", "--seed", "3", "--csv", c.to_str().unwrap()]);
    assert_ne!(std::fs::read_to_string(&c).unwrap(), ta);
    // A μP checkpoint keeps its own parametrization.
    let o = initlab(&["probe", ckp, "--param", "mup", "--base-width", "32"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code() == Some(1) && err.contains("keeps the parametrization"), "{err}");
}

#[test]
fn where_mup_is_not_defined_one_error_nothing_written() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let (out, csv, ck) = (dir.join("cmp"), dir.join("p.csv"), dir.join("m.safetensors"));
    let (o, c, k) = (out.to_str().unwrap(), csv.to_str().unwrap(), ck.to_str().unwrap());
    let mup = ["--param", "mup", "--base-width", "8"];
    for (args, needle) in [
        (vec!["probe", "conv:8:relu", "--csv", c], "not for conv"),
        (vec!["probe", "resmlp:16-16x2-16", "--csv", c], "not for residual"),
        (vec!["init", "resmlp:2-16x2-3", "--out", k], "not for residual"),
        (vec!["init", "mlp:2-4-3", "--out", k], "--base-width 8"),
        (vec!["compare", "--model", "mlp:in-16-out", "--init", "lsuv", "--out", o], "lsuv with --param mup"),
        (vec!["init", "mlp:2-16-3", "--init", "lsuv", "--out", k], "lsuv with --param mup"),
        (vec!["probe", "mlp:2-16-3", "--init", "lsuv", "--csv", c], "lsuv with --param mup"),
        (vec!["probe", "mlp:2-16-16-3", "--init", "mup.uniform", "--csv", c], "exactly one width dimension"),
        (vec!["probe", "mlp:2-16-3", "--init", "mup.orthogonal", "--csv", c], "mup.init has no orthogonal"),
    ] {
        let mut a = args.clone();
        a.extend(mup);
        let r = initlab(&a);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{a:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.trim_end().lines().count() == 1 && err.contains(needle),
            "{a:?}: {err}"
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "{a:?} wrote into {dir:?}");
    }
    // Without --param mup a mup.* scheme names the flag it needs.
    let r = initlab(&["probe", "mlp:2-16-3", "--init", "mup.kaiming_normal", "--csv", c]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.code() == Some(1) && err.contains("--param mup"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
