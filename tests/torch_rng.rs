//! initlab's generator against PyTorch 2.15, bit for bit: every sampling function, the default
//! init of Linear and Conv2d, every torch.nn.init scheme, `initlab init` with rule sets, and the
//! synthetic datasets. Fixtures from `scripts/make_torch_rng_fixtures.py` (PyTorch not needed here).

use initlab::init::Scheme;
use initlab::lab::data::{synthetic, synthetic_split, Dataset, Target};
use initlab::nn::{Conv2d, Conv2dOptions, Linear, Module};
use initlab::{Rng, Tensor};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn fixture(name: &str) -> Vec<Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/torch_rng").join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

fn to_bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn first_diff(got: &[u32], want: &[u32]) -> String {
    match got.iter().zip(want).position(|(a, b)| a != b) {
        Some(i) => format!("first difference at {i}: got {} want {}", f32::from_bits(got[i]), f32::from_bits(want[i])),
        None => format!("lengths {} vs {}", got.len(), want.len()),
    }
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect()).unwrap_or_default()
}

/// One call of the fixture on `rng`: the float32 values as bits, or a permutation.
fn call(rng: &mut Rng, c: &Value) -> Result<Vec<u32>, Vec<usize>> {
    let n = c["n"].as_u64().unwrap() as usize;
    let args = f64s(&c["args"]);
    let mut out = vec![0f32; n];
    let noncontiguous = c["noncontiguous"].as_bool().unwrap_or(false);
    match c["op"].as_str().unwrap() {
        "rand" => rng.uniform_(&mut out, 0.0, 1.0),
        "randn" => rng.normal_(&mut out, 0.0, 1.0),
        "uniform_" => rng.uniform_(&mut out, args[0], args[1]),
        "normal_" if noncontiguous => rng.normal_noncontiguous_(&mut out, args[0], args[1]),
        "normal_" => rng.normal_(&mut out, args[0], args[1]),
        "randperm" => return Err(rng.randperm(n)),
        op => panic!("unknown op {op}"),
    }
    Ok(to_bits(&out))
}

#[test]
fn sampling_functions_match_torch_bit_for_bit() {
    let cases = fixture("sampling.json");
    assert!(cases.len() > 400);
    let mut values = 0;
    for (i, case) in cases.iter().enumerate() {
        let seed = case["seed"].as_u64().unwrap();
        let mut rng = Rng::new(seed);
        let calls = case["calls"].as_array().unwrap();
        let wants: Vec<&Value> = if let Some(s) = case.get("seq") {
            s.as_array().unwrap().iter().collect()
        } else if let Some(p) = case.get("perm") {
            p.as_array().unwrap().iter().collect()
        } else {
            case["out"].as_array().unwrap().iter().collect()
        };
        for (c, want) in calls.iter().zip(wants) {
            match call(&mut rng, c) {
                Ok(got) => {
                    let want = u32s(want);
                    assert!(got == want, "case {i} seed {seed} {c}: {}", first_diff(&got, &want));
                    values += got.len();
                }
                Err(perm) => assert_eq!(perm, usizes(want), "case {i} seed {seed} {c}"),
            }
        }
    }
    assert!(values > 50_000, "{values}");
}

#[test]
fn default_init_of_linear_and_conv2d_matches_torch() {
    for case in fixture("layers.json") {
        let mut rng = Rng::new(case["seed"].as_u64().unwrap());
        let a = &case["args"];
        let get = |k: &str| a[k].as_u64().unwrap() as usize;
        let bias = a["bias"].as_bool().unwrap();
        let m: Box<dyn Module> = if case["kind"] == "Linear" {
            Box::new(Linear::with_rng(get("i"), get("o"), bias, &mut rng))
        } else {
            let k = usizes(&a["k"]);
            let opts = Conv2dOptions { groups: get("groups"), bias, ..Default::default() };
            Box::new(Conv2d::with_rng(get("i"), get("o"), (k[0], k[1]), opts, &mut rng).unwrap())
        };
        let params = m.named_parameters();
        let w = to_bits(&params[0].1.to_vec());
        assert!(w == u32s(&case["weight"]), "{case:.80}: weight {}", first_diff(&w, &u32s(&case["weight"])));
        match case["bias"].as_array() {
            Some(_) => assert_eq!(to_bits(&params[1].1.to_vec()), u32s(&case["bias"]), "{a}: bias"),
            None => assert_eq!(params.len(), 1),
        }
    }
}

#[test]
fn every_init_scheme_matches_torch() {
    let cases = fixture("schemes.json");
    let mut exact = 0;
    for case in &cases {
        let text = case["scheme"].as_str().unwrap();
        let shape = usizes(&case["shape"]);
        let t = Tensor::zeros(&shape);
        Scheme::parse(text).unwrap().apply(&t, &mut Rng::new(case["seed"].as_u64().unwrap())).unwrap();
        let got = t.to_vec();
        let want: Vec<f32> = u32s(&case["values"]).into_iter().map(f32::from_bits).collect();
        if case["exact"].as_bool().unwrap() {
            assert!(
                to_bits(&got) == to_bits(&want),
                "{text} {shape:?}: {}",
                first_diff(&to_bits(&got), &to_bits(&want))
            );
            exact += 1;
        } else {
            // orthogonal: torch's QR is LAPACK's in float32; trunc_normal's rare branch: float32 log
            let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(worst <= 1e-6, "{text} {shape:?}: max difference {worst}");
        }
    }
    assert!(exact > 200, "{exact}");
}

#[test]
fn initlab_init_with_rule_sets_matches_the_torch_program() {
    let dir = std::env::temp_dir().join(format!("initlab-torch-rng-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, case) in fixture("init_cli.json").iter().enumerate() {
        let spec = dir.join(format!("spec{i}.json"));
        std::fs::write(&spec, case["spec"].to_string()).unwrap();
        let out = dir.join(format!("c{i}.safetensors"));
        let seed = case["seed"].to_string();
        let rules = case["rules"].as_str().unwrap();
        let mut args = vec!["init", spec.to_str().unwrap(), "--seed", &seed, "--out", out.to_str().unwrap()];
        if !rules.is_empty() {
            args.extend(["--init", rules]);
        }
        let o = Command::new(env!("CARGO_BIN_EXE_initlab")).args(&args).output().unwrap();
        assert!(o.status.success(), "{rules}: {}", String::from_utf8_lossy(&o.stderr));
        let ck = initlab::io::load_checkpoint(&out).unwrap();
        let params = ck.model.named_parameters();
        let want = case["params"].as_object().unwrap();
        assert_eq!(params.len(), want.len(), "{rules}");
        for (name, p) in params {
            let w = u32s(&want[&name]);
            let got = to_bits(&p.to_vec());
            if case["exact"].as_bool().unwrap() {
                assert!(got == w, "{} seed {seed} '{rules}' {name}: {}", case["net"], first_diff(&got, &w));
            } else {
                let worst = got
                    .iter()
                    .zip(&w)
                    .map(|(a, b)| (f32::from_bits(*a) - f32::from_bits(*b)).abs())
                    .fold(0f32, f32::max);
                assert!(worst <= 1e-6, "'{rules}' {name}: {worst}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Input and target of `d` against the fixture's `x`/`y` keys (`prefix` "" or "test_").
fn check_dataset(d: &Dataset, case: &Value, prefix: &str, what: &str) {
    let want: Vec<f32> = u32s(&case[format!("{prefix}x")]).into_iter().map(f32::from_bits).collect();
    assert_eq!(d.input.len(), want.len(), "{what}");
    // within 1e-6: sin/cos are torch's vectorized float32 routines there, libm here
    let worst = d.input.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(worst <= 1e-6, "{what}: max input difference {worst}");
    match &d.target {
        Target::Classes { labels, .. } => assert_eq!(labels, &usizes(&case[format!("{prefix}y")]), "{what}"),
        Target::Values(v) => {
            let want: Vec<f32> = u32s(&case[format!("{prefix}y")]).into_iter().map(f32::from_bits).collect();
            let worst = v.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(worst <= 1e-6, "{what}: max target difference {worst}");
        }
    }
}

#[test]
fn synthetic_datasets_match_their_torch_definition() {
    for case in fixture("datasets.json") {
        let name = case["name"].as_str().unwrap();
        let seed = case["seed"].as_u64().unwrap();
        let d = synthetic(name, seed).unwrap();
        assert_eq!(d.input.shape(), usizes(&case["shape"]).as_slice(), "{name}");
        check_dataset(&d, &case, "", &format!("{name} seed {seed}"));
        // The held-out set: drawn from the same generator right after the training set.
        let (train, test) = synthetic_split(name, seed).unwrap();
        assert_eq!(train, d, "{name}: the training set does not depend on the test set");
        check_dataset(&test, &case, "test_", &format!("{name} seed {seed} test set"));
    }
}
