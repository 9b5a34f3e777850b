//! `mup.*` init schemes against mup 1.0.0's `mup.init` bit for bit: tests/fixtures/mup/init.json,
//! written by scripts/make_mup_init_fixtures.py (the PyTorch program each case stands for is in
//! its docstring). No PyTorch needed here.

use initlab::init::Rules;
use initlab::lab::models::param::{apply_after, attach, Param};
use initlab::lab::models::{build, ModelSpec};
use initlab::Rng;
use serde_json::Value;

fn fixtures() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mup/init.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `torch.manual_seed(seed); model = …; set_base_shapes(model, base); <mup.init on each param>`.
fn init(rules: &str, base: usize, width: usize, hidden: usize, seed: u64) -> Vec<(String, Vec<f32>)> {
    let text = format!("mlp:2-{width}x{hidden}-3:relu");
    let (spec, _) = ModelSpec::parse(&text).unwrap().to_json_standalone().unwrap();
    let param = Param::Mup { base_width: base, output_mult: 1.0, readout_zero_init: false };
    let (spec, bsh) = param.prepare(&spec, &text).unwrap();
    let mut rng = Rng::new(seed);
    let model = build(&spec, &mut rng).unwrap();
    attach(model.as_ref(), bsh.as_ref()).unwrap();
    let report = Rules::parse(rules).unwrap().apply(model.as_ref(), &mut rng).unwrap();
    apply_after(model.as_ref(), bsh.as_ref(), &report).unwrap();
    model.named_parameters().into_iter().map(|(n, p)| (n, p.to_vec())).collect()
}

#[test]
fn mup_init_schemes_match_mup_bit_for_bit() {
    let f = fixtures();
    let cases = f["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 15);
    for c in cases {
        let us = |k: &str| c[k].as_u64().unwrap() as usize;
        let rules = c["rules"].as_str().unwrap();
        let got = init(rules, us("base"), us("width"), us("hidden"), c["seed"].as_u64().unwrap());
        let want = c["params"].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "{rules}");
        for (name, values) in &got {
            let w: Vec<u32> =
                want[name].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i32 as u32).collect();
            let g: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
            let differ = g.iter().zip(&w).filter(|(a, b)| a != b).count();
            assert!(
                g.len() == w.len() && differ == 0,
                "{rules} (base {}, width {}): {name}: {differ} of {} values differ",
                us("base"),
                us("width"),
                w.len()
            );
        }
    }
}

#[test]
fn mup_schemes_need_base_shapes() {
    // Without --param mup a parameter has no infshape: one error naming the scheme and the fix.
    let (spec, _) = ModelSpec::parse("mlp:2-8-3").unwrap().to_json_standalone().unwrap();
    let model = build(&spec, &mut Rng::new(0)).unwrap();
    let before: Vec<Vec<f32>> = model.parameters().iter().map(|p| p.to_vec()).collect();
    let e = Rules::parse("mup.kaiming_normal").unwrap().apply(model.as_ref(), &mut Rng::new(0)).unwrap_err();
    let e = e.to_string();
    assert!(e.contains("mup.kaiming_normal") && e.contains("--param mup"), "{e}");
    let after: Vec<Vec<f32>> = model.parameters().iter().map(|p| p.to_vec()).collect();
    assert_eq!(before, after, "nothing is modified");
}
