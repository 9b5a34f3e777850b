//! `initlab width` against mup 1.0.0 + PyTorch: tests/fixtures/mup/width.json, written by
//! scripts/make_mup_fixtures.py (mup's own `get_coord_data`, MuAdam/MuSGD, MuReadout and
//! `set_base_shapes` on initlab's spiral). No PyTorch needed here.

#[allow(dead_code)]
mod readme_spec;

use initlab::lab::experiments::width::{coord, lr, WidthConfig};
use initlab::lab::models::param::Param;
use serde_json::Value;

fn fixtures() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mup/width.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn config(c: &Value) -> WidthConfig {
    let us = |k: &str| c[k].as_u64().unwrap() as usize;
    let param = match c["param"].as_str().unwrap() {
        "mup" => Param::Mup {
            base_width: us("base_width"),
            output_mult: c["output_mult"].as_f64().unwrap(),
            readout_zero_init: c["readout_zero_init"].as_bool().unwrap(),
        },
        _ => Param::Sp,
    };
    WidthConfig {
        batch_size: c["batch_size"].as_u64().map(|n| n as usize),
        widths: c["widths"].as_array().unwrap().iter().map(|w| w.as_u64().unwrap() as usize).collect(),
        hidden: us("hidden"),
        activation: c["act"].as_str().unwrap().into(),
        seeds: us("seeds"),
        steps: c.get("steps").and_then(Value::as_u64).unwrap_or(1) as usize,
        optimizer: c["optimizer"].as_str().unwrap().parse().unwrap(),
        lr: c.get("lr").and_then(Value::as_f64).unwrap_or(0.01),
        lrs: c.get("lrs").and_then(Value::as_array).map_or(vec![], |v| v.iter().map(|x| x.as_f64().unwrap()).collect()),
        params: vec![param],
        momentum: c.get("momentum").and_then(Value::as_f64).unwrap_or(0.0) as f32,
        ..WidthConfig::default()
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-30)
}

#[test]
fn coord_check_matches_mup() {
    let f = fixtures();
    // The largest relative difference at step 1 and at later steps over every case (README).
    let (mut first, mut later) = (0f64, 0f64);
    let cases = f["coord_check"].as_array().unwrap();
    for case in cases {
        let c = config(case);
        let got = coord::run(&c, 2).unwrap();
        let want = case["records"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{case:?}");
        let mut worst = [0f64; 8];
        for (g, w) in got.iter().zip(want) {
            let w = w.as_array().unwrap();
            let (width, seed, step, module, l1) = (
                w[0].as_u64().unwrap() as usize,
                w[1].as_u64().unwrap() as usize,
                w[2].as_u64().unwrap() as usize,
                w[3].as_str().unwrap(),
                w[4].as_f64().unwrap(),
            );
            assert_eq!((g.width, g.seed, g.step, g.module.as_str()), (width, seed, step, module));
            worst[step] = worst[step].max(rel(g.l1, l1));
        }
        eprintln!(
            "{} {} worst relative difference per step: {:?}",
            case["param"],
            case["optimizer"],
            &worst[1..=c.steps]
        );
        assert!(worst[1] <= 1e-6, "step 1 (the weights as built): {}", worst[1]);
        for (s, &e) in worst.iter().enumerate().take(c.steps + 1).skip(2) {
            assert!(e <= 1e-5, "step {s}: {e}");
            later = later.max(e);
        }
        first = first.max(worst[1]);
    }
    readme_spec::check_quoted(&[
        ("mup-cases", cases.len().to_string()),
        ("mup-step1", readme_spec::fmt_num(first, "sci2")),
        ("mup-later", readme_spec::fmt_num(later, "sci2")),
    ]);
}

#[test]
fn lr_sweep_final_losses_match_mup() {
    let f = fixtures();
    let mut worst = 0f64;
    let cases = f["lr_sweep"].as_array().unwrap();
    for case in cases {
        let mut c = config(case);
        c.steps = case["steps"].as_u64().unwrap() as usize;
        let data = c.dataset().unwrap();
        let runs = case["runs"].as_array().unwrap();
        assert_eq!(lr::num_runs(&c), runs.len());
        for (r, w) in runs.iter().enumerate() {
            let got = lr::run_one(&c, &data, r).unwrap();
            let w = w.as_array().unwrap();
            assert_eq!(
                (got.width, got.lr, got.seed),
                (w[0].as_u64().unwrap() as usize, w[1].as_f64().unwrap(), w[2].as_u64().unwrap() as usize)
            );
            let want = w[3].as_f64().unwrap();
            assert!(rel(got.final_loss, want) < 2e-5, "{} run {r}: {} vs {want}", case["param"], got.final_loss);
            worst = worst.max(rel(got.final_loss, want));
        }
    }
    readme_spec::check_quoted(&[
        ("mup-lr-cases", cases.len().to_string()),
        ("mup-lr", readme_spec::fmt_num(worst, "sci1")),
    ]);
}
