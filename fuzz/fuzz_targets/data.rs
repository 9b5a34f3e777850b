#![no_main]
//! The data loaders: the first byte picks .csv, .npy, .safetensors or X.npy,y.npy; the rest is
//! the file.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    let spec = match kind % 4 {
        0 => common::scratch("d.csv", bytes).display().to_string(),
        1 => common::scratch("d.npy", bytes).display().to_string(),
        2 => common::scratch("d.safetensors", bytes).display().to_string(),
        _ => {
            let (x, y) = bytes.split_at(bytes.len() / 2);
            format!("{},{}", common::scratch("x.npy", x).display(), common::scratch("y.npy", y).display())
        }
    };
    let _ = initlab::lab::data::load(&spec, 0);
});
