//! Help and errors in one voice (issue 16.8): clap's own parse errors become one `error:` line
//! with exit 1 like every other error (keeping clap's suggestion), help lists every form the
//! parsers take, and the messages name what the user actually wrote.

use std::path::PathBuf;
use std::process::{Command, Output};

fn initlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().expect("run initlab")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-voice-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// One `error:` line containing every `want`, exit 1, nothing written to `out`.
fn one_error(args: &[&str], wants: &[&str]) {
    let o = initlab(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.starts_with("error: ") && err.ends_with('\n'), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    for w in wants {
        assert!(err.contains(w), "{args:?}: wanted {w:?} in {err}");
    }
}

#[test]
fn parse_errors_are_one_line_exit_1_and_keep_the_suggestion() {
    one_error(&["compare", "--epoch", "10"], &["unexpected argument '--epoch'", "'--epochs'"]);
    one_error(&["compare", "--epochs", "-5"], &["--epochs -5: needs a whole number >= 0"]);
    // A negative number is the flag's value, whichever flag (clap took `-1` for an unknown flag).
    for flag in ["--threads", "--seed", "--batch-size", "--seeds"] {
        one_error(&["compare", flag, "-1"], &[&format!("{flag} -1: needs a whole number >= 0")]);
    }
    one_error(&["probe", "mlp:4-4", "--batch", "-3"], &["--batch -3: needs a whole number >= 0"]);
    one_error(&["compare", "--data", "blobs", "--test-split", "-0.1"], &["--test-split"]);
    one_error(&["compare", "--snapshots", "x"], &["--snapshots x: needs a whole number >= 0"]);
    one_error(&["comparre"], &["'comparre'", "'compare'"]);
    // Help and version still print normally and succeed.
    let o = initlab(&["compare", "--help"]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("Usage: initlab compare"));
}

#[test]
fn compare_help_lists_every_model_form_and_activation() {
    let help = String::from_utf8(initlab(&["compare", "--help"]).stdout).unwrap();
    for act in initlab::lab::models::shorthand::ACTIVATIONS {
        assert!(help.contains(act), "compare --help lacks activation {act}:\n{help}");
    }
    for form in [":ln", "resmlp:", "resnet:", ".safetensors", ".json", "conv:", ":gate=V", ":nobias"] {
        assert!(help.contains(form), "compare --help lacks {form}:\n{help}");
    }
}

#[test]
fn comma_flags_show_comma_separated_defaults() {
    let help = String::from_utf8(initlab(&["phase", "--help"]).stdout).unwrap();
    assert!(help.contains("[default: 4,8,12,16,24,32,40,48]"), "{help}");
    assert!(!help.contains("4 8 12"), "{help}");
}

#[test]
fn messages_name_what_the_user_wrote() {
    let out = tmp("out");
    let o = out.to_str().unwrap();
    // The culprit keeps its '@'.
    one_error(&["compare", "--init", "a@", "--out", o], &["'a@'"]);
    one_error(&["probe", "mlp:4-4", "--init", "a@"], &["'a@'"]);
    // A path through a file says so.
    let file = tmp("afile");
    std::fs::write(&file, "x").unwrap();
    let target = file.join("x.safetensors");
    one_error(&["init", "mlp:2-3", "--out", target.to_str().unwrap()], &["is a file, not a folder"]);
    // A model over the size cap names the model, not a field '-'.
    let o2 = initlab(&["compare", "--model", "mlp:in-100000x3-out", "--out", o]);
    let err = String::from_utf8_lossy(&o2.stderr);
    assert!(err.contains("parameters, more than the") && !err.contains("field '-'"), "{err}");
    assert_eq!(o2.status.code(), Some(1));
    // Without --init, probe does not blame an `--init 'default'` nobody gave.
    let j = tmp("j.csv");
    let o3 = initlab(&["probe", "mlp:4-8-8-2:relu:bn", "--jacobian", j.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o3.stderr);
    assert!(o3.status.code() == Some(1) && err.contains("batch norm") && !err.contains("--init"), "{err}");
    assert!(!out.exists() && !j.exists());
    let _ = std::fs::remove_file(&file);
}

#[test]
fn merging_a_phase_shard_with_a_compare_shard_names_the_mix_up() {
    let (c, p, out) = (tmp("cshard"), tmp("pshard"), tmp("merged"));
    let a = initlab(&[
        "compare",
        "--model",
        "mlp:in-4-out",
        "--init",
        "xavier_normal",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--quiet",
        "--shard",
        "1/2",
        "--out",
        c.to_str().unwrap(),
    ]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = initlab(&[
        "phase",
        "--sigma-w2",
        "1,2",
        "--depths",
        "2",
        "--width",
        "4",
        "--epochs",
        "1",
        "--quiet",
        "--shard",
        "1/2",
        "--out",
        p.to_str().unwrap(),
    ]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    for dirs in [[&p, &c], [&c, &p]] {
        one_error(
            &["merge", dirs[0].to_str().unwrap(), dirs[1].to_str().unwrap(), "--out", out.to_str().unwrap()],
            &["is a phase shard", "is a compare shard", "shards of one sweep"],
        );
        assert!(!out.exists());
    }
    let _ = (std::fs::remove_dir_all(&c), std::fs::remove_dir_all(&p));
}

#[test]
fn zero_element_layers_warn_as_torch_does() {
    // torch: nn.Linear(1, 0) warns "Initializing zero-element tensors is a no-op" (its
    // reset_parameters runs kaiming_uniform_ on the empty weight); xavier_normal_ on it does not.
    let dir = tmp("zero");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        r#"{"type": "Sequential", "layers": [{"type": "Linear", "in_features": 1, "out_features": 0}]}"#,
    )
    .unwrap();
    let ck = dir.join("m.safetensors");
    let run = |init: &str| {
        let o = initlab(&["init", spec.to_str().unwrap(), "--init", init, "--out", ck.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).matches("Initializing zero-element tensors is a no-op").count()
    };
    // The build warns once (torch's constructor); xavier_normal adds nothing, kaiming_normal one more.
    assert_eq!(run("xavier_normal"), 1);
    assert_eq!(run("*.weight=kaiming_normal"), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
