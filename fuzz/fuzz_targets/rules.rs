#![no_main]
//! The rules language: parse any text; apply what parses to a conv model with a batch.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(rules) = initlab::init::rules::Rules::parse(text) {
        let m = common::small_model();
        let batch = initlab::Tensor::zeros(&[4, 1, 3, 3]);
        let _ = rules.apply_with_batch(m.as_ref(), Some(&batch), &mut initlab::Rng::new(0));
    }
});
