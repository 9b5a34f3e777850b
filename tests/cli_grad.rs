//! `initlab grad` on bad input: one clear message naming the file/tensor/layer, exit code 1,
//! no panic, and no output file.

use initlab::io::{save_checkpoint, write_safetensors, Stored};
use initlab::nn::{Linear, Module, ReLU, Sequential};
use initlab::Rng;
use ndarray::{ArrayD, IxDyn};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("initlab-cli-grad-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn p(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn model(rng: &mut Rng) -> Box<dyn Module> {
    Box::new(Sequential::new(vec![
        Box::new(Linear::with_rng(3, 4, true, rng)),
        Box::new(ReLU),
        Box::new(Linear::with_rng(4, 2, true, rng)),
    ]))
}

fn batch(path: &Path, input_shape: &[usize], target: Stored, loss: &str) {
    let x = Stored::F32(ArrayD::from_elem(IxDyn(input_shape), 0.5));
    let meta = HashMap::from([("loss".to_string(), loss.to_string()), ("mode".to_string(), "train".to_string())]);
    write_safetensors(path, &[("input".into(), x), ("target".into(), target)], &meta).unwrap();
}

fn ids(v: &[i64]) -> Stored {
    Stored::I64(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap())
}

/// Runs `initlab grad`, expects failure, returns stderr; checks the output was not written.
fn fails(model: &Path, batch: &Path, out: &Path, extra: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .arg("grad")
        .arg(model)
        .arg(batch)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert!(!out.exists(), "no output may be written on error");
    err
}

#[test]
fn good_run_then_every_bad_input() {
    let d = Dir::new("all");
    let m = model(&mut Rng::new(0));
    save_checkpoint(d.p("m.safetensors"), m.as_ref(), &HashMap::new()).unwrap();
    batch(&d.p("b.safetensors"), &[5, 3], ids(&[0, 1, 0, 1, 1]), "cross_entropy");
    let ok = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(["grad"])
        .arg(d.p("m.safetensors"))
        .arg(d.p("b.safetensors"))
        .arg("--out")
        .arg(d.p("ok.safetensors"))
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let table = String::from_utf8_lossy(&ok.stdout);
    assert!(table.contains("0.weight") && table.contains("2.bias"), "{table}");
    let out = d.p("out.safetensors");

    // Missing and unreadable files name the file.
    let e = fails(&d.p("nope.safetensors"), &d.p("b.safetensors"), &out, &[]);
    assert!(e.contains("nope.safetensors") && e.contains("cannot read"), "{e}");
    std::fs::write(d.p("junk.safetensors"), b"not a tensor file").unwrap();
    let e = fails(&d.p("junk.safetensors"), &d.p("b.safetensors"), &out, &[]);
    assert!(e.contains("junk.safetensors") && e.contains("not a valid safetensors file"), "{e}");

    // A checkpoint without the architecture.
    write_safetensors(
        d.p("nometa.safetensors"),
        &[("0.weight".into(), Stored::F32(ArrayD::zeros(IxDyn(&[4, 3]))))],
        &HashMap::new(),
    )
    .unwrap();
    let e = fails(&d.p("nometa.safetensors"), &d.p("b.safetensors"), &out, &[]);
    assert!(e.contains("no 'model' key"), "{e}");

    // A checkpoint whose tensor does not fit the spec names the tensor and both shapes.
    let spec = m.to_spec().to_string();
    let mut tensors: Vec<(String, Stored)> =
        m.state_dict().into_iter().map(|(n, t)| (n, Stored::F32(t.to_array()))).collect();
    tensors[0].1 = Stored::F32(ArrayD::zeros(IxDyn(&[4, 5])));
    write_safetensors(d.p("misfit.safetensors"), &tensors, &HashMap::from([("model".to_string(), spec.clone())]))
        .unwrap();
    let e = fails(&d.p("misfit.safetensors"), &d.p("b.safetensors"), &out, &[]);
    assert!(e.contains("'0.weight'") && e.contains("[4, 5]") && e.contains("[4, 3]"), "{e}");

    // A bad spec names the layer and the field.
    let bad_spec = spec.replace("\"out_features\":4", "\"out_features\":-4");
    write_safetensors(d.p("badspec.safetensors"), &[], &HashMap::from([("model".to_string(), bad_spec)])).unwrap();
    let e = fails(&d.p("badspec.safetensors"), &d.p("b.safetensors"), &out, &[]);
    assert!(e.contains("layer 'model.0'") && e.contains("'out_features'"), "{e}");
    let typo = spec.replace("\"bias\":true", "\"biass\":true");
    write_safetensors(d.p("typo.safetensors"), &[], &HashMap::from([("model".to_string(), typo)])).unwrap();
    let e = fails(&d.p("typo.safetensors"), &d.p("b.safetensors"), &out, &[]);
    assert!(e.contains("'biass'") && e.contains("unknown field"), "{e}");

    // Batches: input that does not fit, missing target, float targets for cross-entropy,
    // class id out of range, unknown loss metadata.
    batch(&d.p("wide.safetensors"), &[5, 7], ids(&[0, 1, 0, 1, 1]), "cross_entropy");
    let e = fails(&d.p("m.safetensors"), &d.p("wide.safetensors"), &out, &[]);
    assert!(e.contains("linear") && e.contains("[5, 7]") && e.contains("[4, 3]"), "{e}");
    write_safetensors(
        d.p("notarget.safetensors"),
        &[("input".into(), Stored::F32(ArrayD::zeros(IxDyn(&[2, 3]))))],
        &HashMap::new(),
    )
    .unwrap();
    let e = fails(&d.p("m.safetensors"), &d.p("notarget.safetensors"), &out, &[]);
    assert!(e.contains("no tensor 'target'"), "{e}");
    batch(&d.p("floatce.safetensors"), &[5, 3], Stored::F32(ArrayD::zeros(IxDyn(&[5]))), "cross_entropy");
    let e = fails(&d.p("m.safetensors"), &d.p("floatce.safetensors"), &out, &[]);
    assert!(e.contains("class ids"), "{e}");
    batch(&d.p("range.safetensors"), &[5, 3], ids(&[0, 1, 7, 1, 1]), "cross_entropy");
    let e = fails(&d.p("m.safetensors"), &d.p("range.safetensors"), &out, &[]);
    assert!(e.contains("target 7 at row 2"), "{e}");
    batch(&d.p("loss.safetensors"), &[5, 3], ids(&[0, 1, 0, 1, 1]), "hinge");
    let e = fails(&d.p("m.safetensors"), &d.p("loss.safetensors"), &out, &[]);
    assert!(e.contains("'hinge'") && e.contains("mse, cross_entropy"), "{e}");
    // ... which the flag overrides (mse against ids of the wrong shape then fails on shapes).
    let e = fails(&d.p("m.safetensors"), &d.p("loss.safetensors"), &out, &["--loss", "mse"]);
    assert!(e.contains("mse_loss") && e.contains("[5, 2]") && e.contains("[5]"), "{e}");

    // An output folder that does not exist fails before any work.
    let e = fails(&d.p("m.safetensors"), &d.p("b.safetensors"), &d.p("missing/dir/out.safetensors"), &[]);
    assert!(e.contains("does not exist"), "{e}");
}
