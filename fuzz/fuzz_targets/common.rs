//! Shared by the targets: a small conv model and a scratch file per process.

#![allow(dead_code)]

use initlab::nn::{parse_spec, Module};
use initlab::Rng;
use std::path::PathBuf;

pub fn small_model() -> Box<dyn Module> {
    let spec = r#"{"type":"Sequential","layers":[
        {"type":"Conv2d","in_channels":1,"out_channels":2,"kernel_size":2},{"type":"BatchNorm2d","num_features":2},
        {"type":"ReLU"},{"type":"Flatten"},{"type":"Linear","in_features":8,"out_features":3}]}"#;
    parse_spec(spec, &mut Rng::new(0)).expect("valid spec")
}

/// `bytes` written to a scratch file named `name` (in /dev/shm when there is one).
pub fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let p = base.join(format!("initlab-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).expect("scratch file");
    p
}
