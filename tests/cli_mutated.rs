//! Mutated inputs through the command line, as a user (or a broken disk) would give them: every
//! run exits 0, or exits 1 with exactly one `error:` line and writes nothing — never a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

fn initlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap()
}

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-cli-mutated-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A fixed xorshift stream: which bytes to edit is test input, not model randomness.
struct Edits(u64);

impl Edits {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `bytes` with 1–4 byte edits, and one time in four cut short.
    fn mutate(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        for _ in 0..1 + self.next() % 4 {
            let i = (self.next() % b.len() as u64) as usize;
            b[i] = self.next() as u8;
        }
        if self.next().is_multiple_of(4) {
            b.truncate((self.next() % b.len() as u64) as usize);
        }
        b
    }
}

fn check(o: &std::process::Output, what: &str, out: &Path) {
    let err = String::from_utf8_lossy(&o.stderr);
    match o.status.code() {
        Some(0) => {}
        Some(1) => {
            let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
            assert_eq!(errors.len(), 1, "{what}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert!(!out.exists(), "{what}: wrote {} although it failed", out.display());
        }
        c => panic!("{what}: exit {c:?}: {err}"),
    }
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn mutated_specs_checkpoints_batches_and_data_files_fail_cleanly() {
    let d = tmp();
    let spec = d.join("net.json");
    std::fs::write(
        &spec,
        r#"{"type":"Sequential","layers":[{"type":"Linear","in_features":2,"out_features":6},{"type":"BatchNorm1d",
        "num_features":6},{"type":"Tanh"},{"type":"Linear","in_features":6,"out_features":3}]}"#,
    )
    .unwrap();
    let ck = d.join("net.safetensors");
    assert!(initlab(&["init", spec.to_str().unwrap(), "--out", ck.to_str().unwrap()]).status.success());
    let csv = b"x1,x2,y\n0.5,1,0\n-1,2.5,1\n3,0,2\n1,1,1\n0,0,0\n".to_vec();
    let (spec_b, ck_b) = (std::fs::read(&spec).unwrap(), std::fs::read(&ck).unwrap());
    let mut e = Edits(0x9e3779b97f4a7c15);
    let out = d.join("out.safetensors");
    let dir_out = d.join("cmp");
    for i in 0..60 {
        let m = d.join(format!("m{i}.json"));
        std::fs::write(&m, e.mutate(&spec_b)).unwrap();
        check(&initlab(&["init", m.to_str().unwrap(), "--out", out.to_str().unwrap()]), "init spec", &out);
        let c = d.join(format!("c{i}.safetensors"));
        std::fs::write(&c, e.mutate(&ck_b)).unwrap();
        check(&initlab(&["init", c.to_str().unwrap(), "--out", out.to_str().unwrap()]), "init checkpoint", &out);
        check(&initlab(&["probe", c.to_str().unwrap(), "--batch", "4"]), "probe checkpoint", &out);
        let batch = d.join(format!("b{i}.csv"));
        std::fs::write(&batch, e.mutate(&csv)).unwrap();
        let o = initlab(&[
            "compare",
            "--model",
            spec.to_str().unwrap(),
            "--data",
            batch.to_str().unwrap(),
            "--epochs",
            "2",
            "--seeds",
            "1",
            "--init",
            "kaiming_normal",
            "--quiet",
            "--out",
            dir_out.to_str().unwrap(),
        ]);
        check(&o, "compare data", &dir_out);
    }
    let _ = std::fs::remove_dir_all(&d);
}
