#![no_main]
//! `initlab grad`'s batch: any bytes as the batch file of a fixed checkpoint, forward and backward.

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[path = "common.rs"]
mod common;

static CK: OnceLock<std::path::PathBuf> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let ck = CK.get_or_init(|| {
        let p = common::scratch("grad-ck.safetensors", b"");
        initlab::io::save_checkpoint(&p, common::small_model().as_ref(), &Default::default()).expect("checkpoint");
        p
    });
    let batch = common::scratch("batch.safetensors", data);
    let out = batch.with_extension("out.safetensors");
    let args = initlab::cli::grad::Args { model: ck.clone(), batch, out, loss: None, mode: None };
    let _ = initlab::cli::grad::run(&args);
});
