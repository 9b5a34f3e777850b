#![no_main]
//! Checkpoint loading: any bytes as a .safetensors checkpoint.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let p = common::scratch("ck.safetensors", data);
    let _ = initlab::io::load_checkpoint(&p);
});
