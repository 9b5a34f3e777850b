//! Property tests of every entry point that reads user input (stable Rust; the `cargo fuzz`
//! targets in `fuzz/` run the same entry points for longer): the rules parser, the JSON spec and
//! shorthand parsers, checkpoint and batch loading, and the csv/npy/safetensors data loaders. Each
//! either succeeds or returns an error — never a panic — and an error message is one line once
//! printed. Inputs are random text near the grammar, and valid files with random byte edits.

use initlab::init::rules::Rules;
use initlab::io::{load_checkpoint, write_safetensors, Stored};
use initlab::lab::models::{build, check_layers, ModelSpec};
use initlab::nn::parse_spec;
use initlab::Rng;
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use std::path::PathBuf;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-prop-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cfg(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Pieces of the rules language, glued at random (with random noise between).
fn rules_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Linear.weight".to_string()),
        Just("Conv2d.*".to_string()),
        Just("*.bias".to_string()),
        Just("0.weight".to_string()),
        Just("=".to_string()),
        Just(";".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(",".to_string()),
        prop::sample::select(initlab::init::SCHEME_NAMES.to_vec()).prop_map(String::from),
        prop::sample::select(vec!["a=", "b=", "std=", "mean=", "gain=", "mode=", "nonlinearity=", "sparsity=", "val="])
            .prop_map(String::from),
        prop::sample::select(vec!["0", "1", "-1", "0.5", "1e40", "nan", "inf", "-inf", "relu", "tanh", "fan_out"])
            .prop_map(String::from),
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

fn small_model() -> Box<dyn initlab::nn::Module> {
    let spec = r#"{"type":"Sequential","layers":[
        {"type":"Conv2d","in_channels":1,"out_channels":2,"kernel_size":2},{"type":"BatchNorm2d","num_features":2},
        {"type":"ReLU"},{"type":"Flatten"},{"type":"Linear","in_features":8,"out_features":3}]}"#;
    parse_spec(spec, &mut Rng::new(0)).unwrap()
}

proptest! {
    #![proptest_config(cfg(2000))]

    #[test]
    fn rules_parse_and_apply_never_panic(text in rules_text()) {
        if let Ok(r) = Rules::parse(&text) {
            let m = small_model();
            let batch = initlab::Tensor::zeros(&[4, 1, 3, 3]);
            if let Err(e) = r.apply_with_batch(m.as_ref(), Some(&batch), &mut Rng::new(0)) {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn shorthand_parse_and_build_never_panic(
        kind in prop::sample::select(vec!["mlp", "conv", "mlp:", "conv:", "mlpx"]),
        sizes in prop::collection::vec(prop_oneof!["[0-9]{1,3}", "[0-9]{1,2}x[0-9]{1,2}", "\\PC{0,3}"], 0..5),
        opts in prop::collection::vec(prop::sample::select(vec!["relu", "tanh", "bn", "nobias", "linear", "", "x"]), 0..3),
    ) {
        let text = format!("{kind}:{}{}", sizes.join("-"), opts.iter().map(|o| format!(":{o}")).collect::<String>());
        let data = initlab::lab::data::synthetic("shapes", 0).unwrap();
        if let Ok(m) = ModelSpec::parse(&text) {
            if let Ok(spec) = m.to_json(&data) {
                if let Ok(model) = build(&spec, &mut Rng::new(0)) {
                    let _ = check_layers(model.as_ref(), &[2, 1, 12, 12]);
                }
            }
        }
    }

    #[test]
    fn json_specs_build_and_run_or_error(spec in json_spec(3)) {
        let text = spec.to_string();
        if let Ok(m) = parse_spec(&text, &mut Rng::new(0)) {
            for shape in [[2usize, 3].as_slice(), &[2, 2, 5, 5], &[1, 4]] {
                let _ = check_layers(m.as_ref(), shape);
            }
        }
        // The same text cut anywhere is invalid JSON or a spec: an error or a model, no panic.
        let cut = text.len() / 2;
        let _ = parse_spec(&text[..text.floor_char_boundary(cut)], &mut Rng::new(0));
    }
}

/// Layer objects with small, sometimes invalid, fields.
fn layer() -> impl Strategy<Value = serde_json::Value> {
    let n = || prop_oneof![0u64..6, Just(1u64 << 40)];
    let pair = || {
        prop_oneof![
            (0u64..4).prop_map(|v| serde_json::json!(v)),
            (0u64..4, 0u64..4).prop_map(|(a, b)| serde_json::json!([a, b])),
            Just(serde_json::json!("x"))
        ]
    };
    prop_oneof![
        (n(), n(), any::<bool>()).prop_map(|(i, o, b)| serde_json::json!({"type": "Linear", "in_features": i, "out_features": o, "bias": b})),
        (n(), n(), pair(), pair(), pair(), pair(), 0u64..4).prop_map(|(i, o, k, s, p, d, g)| serde_json::json!(
            {"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k, "stride": s, "padding": p, "dilation": d, "groups": g})),
        (n(), prop_oneof![Just(serde_json::json!(null)), Just(serde_json::json!(0.1)), Just(serde_json::json!(-1.0))], -1.0f64..1.0)
            .prop_map(|(c, m, e)| serde_json::json!({"type": "BatchNorm2d", "num_features": c, "momentum": m, "eps": e})),
        n().prop_map(|c| serde_json::json!({"type": "BatchNorm1d", "num_features": c})),
        prop::sample::select(vec!["ReLU", "Tanh", "Sigmoid", "LeakyReLU", "Flatten", "Conv3d", ""]).prop_map(|t| serde_json::json!({"type": t})),
        (-3i64..3, -3i64..3).prop_map(|(a, b)| serde_json::json!({"type": "Flatten", "start_dim": a, "end_dim": b})),
        Just(serde_json::json!({"type": "Linear"})),
        Just(serde_json::json!([1, 2])),
    ]
}

fn json_spec(depth: u32) -> impl Strategy<Value = serde_json::Value> {
    layer().prop_recursive(depth, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|l| serde_json::json!({"type": "Sequential", "layers": l})),
            prop::collection::vec(("[a-z.]{0,3}", inner), 0..4).prop_map(|l| {
                let m: serde_json::Map<String, serde_json::Value> = l.into_iter().collect();
                serde_json::json!({"type": "Sequential", "layers": m})
            }),
        ]
    })
}

/// `bytes` with up to a few random byte edits and maybe a truncation.
fn mutated(bytes: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let n = bytes.len();
    (prop::collection::vec((0..n, any::<u8>()), 0..6), prop::option::of(0..n)).prop_map(move |(edits, cut)| {
        let mut b = bytes.clone();
        for (i, v) in edits {
            b[i] = v;
        }
        if let Some(c) = cut {
            b.truncate(c);
        }
        b
    })
}

fn checkpoint_bytes() -> Vec<u8> {
    let p = dir().join("seed-ck.safetensors");
    initlab::io::save_checkpoint(&p, small_model().as_ref(), &Default::default()).unwrap();
    std::fs::read(p).unwrap()
}

fn batch_bytes() -> Vec<u8> {
    let p = dir().join("seed-batch.safetensors");
    let input = ArrayD::from_shape_fn(IxDyn(&[4, 1, 3, 3]), |i| (i[0] + i[2]) as f32 * 0.5);
    let target = ArrayD::from_shape_vec(IxDyn(&[4]), vec![0i64, 1, 2, 1]).unwrap();
    let meta = [("loss".to_string(), "cross_entropy".to_string())].into_iter().collect();
    write_safetensors(&p, &[("input".into(), Stored::F32(input)), ("target".into(), Stored::I64(target))], &meta)
        .unwrap();
    std::fs::read(p).unwrap()
}

fn npy_bytes() -> Vec<u8> {
    use ndarray_npy::WriteNpyExt;
    let a = ndarray::Array2::from_shape_fn((5, 3), |(i, j)| if j == 2 { (i % 2) as f32 } else { (i * j) as f32 * 0.1 });
    let mut out = Vec::new();
    a.write_npy(&mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(cfg(1000))]

    #[test]
    fn mutated_checkpoints_load_or_error(bytes in mutated(checkpoint_bytes()), k in 0u32..1000) {
        let p = dir().join(format!("ck-{k}.safetensors"));
        std::fs::write(&p, &bytes).unwrap();
        if let Err(e) = load_checkpoint(&p) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn mutated_batches_run_through_grad_or_error(bytes in mutated(batch_bytes()), k in 0u32..1000) {
        let d = dir();
        let ck = d.join("grad-ck.safetensors");
        if !ck.exists() {
            initlab::io::save_checkpoint(&ck, small_model().as_ref(), &Default::default()).unwrap();
        }
        let batch = d.join(format!("batch-{k}.safetensors"));
        std::fs::write(&batch, &bytes).unwrap();
        let args = initlab::cli::grad::Args { model: ck, batch, out: d.join(format!("g-{k}.safetensors")), loss: None, mode: None };
        let _ = initlab::cli::grad::run(&args);
    }

    #[test]
    fn mutated_data_files_load_or_error(
        npy in mutated(npy_bytes()),
        st in mutated(batch_bytes()),
        csv in mutated(b"a,b,y\n1,2,0\n3,4.5,1\n-1,0,2\n5,6,1\n".to_vec()),
        k in 0u32..1000,
    ) {
        let d = dir();
        for (ext, b) in [("npy", &npy), ("safetensors", &st), ("csv", &csv)] {
            let p = d.join(format!("data-{k}.{ext}"));
            std::fs::write(&p, b).unwrap();
            if let Ok(ds) = initlab::lab::data::load(p.to_str().unwrap(), 0) {
                prop_assert!(!ds.is_empty());
            }
        }
        let (x, y) = (d.join(format!("x-{k}.npy")), d.join(format!("y-{k}.npy")));
        std::fs::write(&x, &npy).unwrap();
        std::fs::write(&y, &npy).unwrap();
        let _ = initlab::lab::data::load(&format!("{},{}", x.display(), y.display()), 0);
    }
}
