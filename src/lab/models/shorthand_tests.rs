//! Tests of `lab::models` (the shorthand and its JSON specs).
use super::*;
use crate::lab::data::synthetic;

#[test]
fn mlp_shorthand_builds_torch_layers() {
    let s = ModelSpec::parse("mlp:2-100-100-3:relu").unwrap();
    let data = synthetic("spiral", 0).unwrap();
    let m = build(&s.to_json(&data).unwrap(), &mut Rng::new(0)).unwrap();
    let names: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
    let types: Vec<&str> = m.children().iter().map(|c| c.type_name()).collect();
    assert_eq!(types, ["Linear", "ReLU", "Linear", "ReLU", "Linear"]);
    check_fits(m.as_ref(), "mlp:2-100-100-3:relu", &data).unwrap();

    let s = ModelSpec::parse("mlp:2-5-3:nobias:tanh:bn").unwrap();
    let want = Options { activation: "tanh".into(), batch_norm: true, layer_norm: false, gate: None, bias: false };
    assert_eq!(s, ModelSpec::Mlp { sizes: vec![2, 5, 3], opts: want });
    let j = s.to_json(&data).unwrap();
    let types: Vec<&str> = j["layers"].as_array().unwrap().iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Linear", "BatchNorm1d", "Tanh", "Linear"]);
    assert_eq!(j["layers"][0]["bias"], false);
    let j = ModelSpec::parse("mlp:2-4-3:linear").unwrap().to_json(&data).unwrap();
    assert_eq!(j["layers"].as_array().unwrap().len(), 2);
    // NxK repeats a size: 256x101 is 100 Linear(256, 256).
    let s = ModelSpec::parse("mlp:256x101:linear:nobias").unwrap();
    let ModelSpec::Mlp { sizes, .. } = &s else { panic!() };
    assert_eq!((sizes.len(), sizes.iter().all(|&n| n == 256)), (101, true));
    let s = ModelSpec::parse("mlp:2-8x3-3").unwrap();
    assert!(matches!(s, ModelSpec::Mlp { ref sizes, .. } if sizes == &[2, 8, 8, 8, 3]));
}

#[test]
fn in_and_out_take_the_sizes_from_the_data() {
    let layers = |text: &str, data: &Dataset| -> Vec<(String, u64, u64)> {
        let j = ModelSpec::parse(text).unwrap().to_json(data).unwrap();
        let l = j["layers"].as_array().unwrap().clone();
        l.iter()
            .map(|l| {
                let t = l["type"].as_str().unwrap().to_string();
                (t, l["in_features"].as_u64().unwrap_or(0), l["out_features"].as_u64().unwrap_or(0))
            })
            .collect()
    };
    let moons = synthetic("moons", 0).unwrap();
    let l = layers(DEFAULT_MODEL, &moons);
    assert_eq!((l[0].1, l[4].2, l.len()), (2, 2, 5), "{l:?}");
    let shapes = synthetic("shapes", 0).unwrap();
    let l = layers("mlp:in-32-out:tanh", &shapes);
    assert_eq!(l[0].0, "Flatten");
    assert_eq!((l[1].1, l[1].2, l[3].2), (144, 32, 4), "{l:?}");
    let sine = synthetic("sine", 0).unwrap();
    let l = layers("mlp:in-8-out", &sine);
    assert_eq!((l[0].1, l[2].2), (1, 1));
    // Only at the ends, and only for mlp.
    for text in ["mlp:out-8-3", "mlp:2-in-3", "mlp:in", "conv:in-8"] {
        let e = ModelSpec::parse(text).unwrap_err().to_string();
        assert!(e.contains(&format!("model '{text}'")), "{e}");
    }
}

#[test]
fn conv_shorthand_takes_sizes_from_data() {
    let data = synthetic("shapes", 0).unwrap();
    let [c, _, _] = data.input_shape() else { panic!() };
    let j = ModelSpec::parse("conv:8-16:relu").unwrap().to_json(&data).unwrap();
    let l = j["layers"].as_array().unwrap();
    assert_eq!(l[0]["in_channels"], *c);
    assert_eq!((l[2]["out_channels"].as_u64(), l[2]["stride"].as_u64()), (Some(16), Some(2)));
    assert_eq!(l[5]["in_features"], 16 * 6 * 6);
    assert_eq!(l[5]["out_features"], data.num_outputs());
    let e = ModelSpec::parse("conv:8").unwrap().to_json(&synthetic("spiral", 0).unwrap()).unwrap_err();
    assert!(e.to_string().contains("dataset 'spiral' has samples of shape [2]"), "{e}");
}

#[test]
fn malformed_shorthand_names_the_value_and_the_valid_forms() {
    for (text, part) in [
        ("mlp:2-x-3", "sizes '2-x-3'"),
        ("mlp:2", "needs at least two sizes"),
        ("mlp:2-0-3", "positive integers"),
        ("mlp:2-8x0-3", "NxK"),
        ("mlp:2-8xa-3", "NxK"),
        ("mlp:2-3:swish", "option 'swish'"),
        ("mlp:2-3:relu:tanh", "option 'tanh'"),
        ("resnet50", "unknown model"),
    ] {
        let e = ModelSpec::parse(text).unwrap_err().to_string();
        assert!(e.contains(&format!("model '{text}'")) && e.contains(part) && e.contains("mlp:2-100-100-3"), "{e}");
    }
    let e = ModelSpec::parse("/no/such/model.json").unwrap_err().to_string();
    assert!(e.contains("/no/such/model.json") && e.contains("cannot read"), "{e}");
}

#[test]
fn a_model_that_does_not_fit_the_data_is_an_error_naming_both() {
    let data = synthetic("spiral", 0).unwrap();
    for text in ["mlp:3-10-3", "mlp:2-10-4"] {
        let m = build(&ModelSpec::parse(text).unwrap().to_json(&data).unwrap(), &mut Rng::new(0)).unwrap();
        let e = check_fits(m.as_ref(), text, &data).unwrap_err().to_string();
        assert!(e.contains(text) && e.contains("dataset 'spiral'") && e.contains("[2]"), "{e}");
    }
}
