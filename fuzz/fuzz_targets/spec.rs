#![no_main]
//! The JSON spec and the mlp:/conv: shorthand: parse, build, and run a zero batch through.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut rng = initlab::Rng::new(0);
    if let Ok(m) = initlab::nn::parse_spec(text, &mut rng) {
        for shape in [[2usize, 3].as_slice(), &[2, 2, 5, 5]] {
            let _ = initlab::lab::model::check_layers(m.as_ref(), shape);
        }
    }
    if text.starts_with("mlp:") || text.starts_with("conv:") {
        let data = initlab::lab::data::synthetic("shapes", 0).expect("shapes");
        if let Ok(spec) = initlab::lab::model::ModelSpec::parse(text).and_then(|s| s.to_json(&data)) {
            if let Ok(m) = initlab::lab::model::build(&spec, &mut rng) {
                let _ = initlab::lab::model::check_layers(m.as_ref(), &[2, 1, 12, 12]);
            }
        }
    }
});
