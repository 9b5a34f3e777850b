//! Shared by the CLI tests (`mod common;`): the binary run with arguments, and its stdout when it
//! must succeed.

#![allow(dead_code)]

use std::process::{Command, Output};

pub fn initlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_initlab")).args(args).output().unwrap()
}

/// stdout of a run that must succeed (its stderr in the failure message).
pub fn ok(args: &[&str]) -> String {
    let o = initlab(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}
