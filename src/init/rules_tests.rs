//! Tests of the rules language (a separate file to keep `rules.rs` readable), on real Conv2d,
//! BatchNorm2d and Linear layers whose parameters start from recognisable values.

use super::*;
use crate::init::lsuv::variance;
use crate::nn::{BatchNorm2d, BatchNormOptions, Conv2d, Conv2dOptions, Linear, ReLU, Sequential, Tanh};

/// features: [Conv2d(3→8, 3×3), BatchNorm2d(8), ReLU]; classifier: Linear(32, 10).
fn convnet() -> Sequential {
    let conv = Conv2d::with_rng(3, 8, (3, 3), Conv2dOptions::default(), &mut Rng::new(0)).unwrap();
    conv.weight.data_mut().fill(7.0);
    conv.bias.as_ref().unwrap().data_mut().fill(1.0);
    let bn = BatchNorm2d::new(8, BatchNormOptions::default());
    bn.weight.as_ref().unwrap().data_mut().fill(0.0);
    bn.bias.as_ref().unwrap().data_mut().fill(1.0);
    let features = Sequential::new(vec![Box::new(conv), Box::new(bn), Box::new(ReLU)]);
    Sequential::named(vec![
        ("features", Box::new(features) as Box<dyn Module>),
        ("classifier", Box::new(Linear::with_rng(32, 10, true, &mut Rng::new(0)))),
    ])
}

fn param(m: &dyn Module, name: &str) -> Vec<f32> {
    m.named_parameters().into_iter().find(|(n, _)| n == name).unwrap().1.to_vec()
}

fn snapshot(m: &dyn Module) -> Vec<Vec<u32>> {
    m.parameters().iter().map(|p| p.to_vec().iter().map(|v| v.to_bits()).collect()).collect()
}

#[test]
fn glob_matching() {
    assert!(glob("*.bias", "features.0.bias"));
    assert!(glob("features.*.weight", "features.0.weight"));
    assert!(!glob("features.*.weight", "classifier.weight"));
    assert!(glob("?.weight", "3.weight") && !glob("?.weight", "12.weight"));
    assert!(glob("3.weight", "3.weight") && !glob("3.weight", "13.weight"));
    assert!(glob("*", "") && glob("a*b*c", "aXbYbc") && !glob("a*b", "ab.c"));
}

#[test]
fn selectors_parse_as_type_or_glob() {
    assert_eq!(Selector::parse("Linear.weight"), Selector::Type { type_name: "Linear".into(), param: "weight".into() });
    assert_eq!(Selector::parse("Conv2d.*"), Selector::Type { type_name: "Conv2d".into(), param: "*".into() });
    assert_eq!(Selector::parse("*.bias"), Selector::Glob("*.bias".into()));
    assert_eq!(Selector::parse("features.0.weight"), Selector::Glob("features.0.weight".into()));
}

#[test]
fn later_rules_win_and_globs_select_by_name() {
    let m = convnet();
    let rules = Rules::parse("*.weight=ones; features.0.weight=constant(0.25); *.bias=constant(0.5);").unwrap();
    let r = rules.apply(&m, &mut Rng::new(0)).unwrap();
    assert!(param(&m, "features.0.weight").iter().all(|v| *v == 0.25));
    assert!(param(&m, "features.1.weight").iter().all(|v| *v == 1.0));
    assert!(param(&m, "classifier.weight").iter().all(|v| *v == 1.0));
    assert!(param(&m, "classifier.bias").iter().all(|v| *v == 0.5));
    assert_eq!(r.params[0].rule.as_deref(), Some("features.0.weight=constant(0.25)"));
    assert_eq!(r.params[0].shape, vec![8, 3, 3, 3]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn type_selectors_and_builder() {
    let m = convnet();
    let rules = Rules::new()
        .rule("Conv2d.*", Scheme::Zeros)
        .rule("BatchNorm2d.weight", Scheme::Constant { val: 2.0 })
        .rule("Linear.bias", Scheme::Constant { val: 0.3 });
    assert_eq!(rules.to_string(), "Conv2d.*=zeros;BatchNorm2d.weight=constant(val=2);Linear.bias=constant(val=0.3)");
    let before = param(&m, "classifier.weight");
    let r = rules.apply(&m, &mut Rng::new(0)).unwrap();
    assert!(param(&m, "features.0.weight").iter().chain(&param(&m, "features.0.bias")).all(|v| *v == 0.0));
    assert!(param(&m, "features.1.weight").iter().all(|v| *v == 2.0));
    assert!(param(&m, "features.1.bias").iter().all(|v| *v == 1.0), "untouched");
    assert_eq!(param(&m, "classifier.weight"), before, "untouched");
    assert!(param(&m, "classifier.bias").iter().all(|v| *v == 0.3));
    assert_eq!(r.params[3].scheme, None);
}

#[test]
fn bare_scheme_means_linear_and_conv_weights_with_zero_biases() {
    let m = convnet();
    let r = Rules::parse("kaiming_normal(nonlinearity=relu)").unwrap().apply(&m, &mut Rng::new(3)).unwrap();
    assert!(param(&m, "features.0.bias").iter().chain(&param(&m, "classifier.bias")).all(|v| *v == 0.0));
    assert!(param(&m, "features.0.weight").iter().all(|v| *v != 7.0));
    assert_eq!(param(&m, "features.1.weight"), vec![0.0; 8], "BatchNorm untouched");
    assert_eq!(r.params[0].scheme.as_ref().unwrap().theoretical_std(&[8, 3, 3, 3]), Some((2.0f64 / 27.0).sqrt()));
    assert!(r.warnings.is_empty());
}

#[test]
fn default_keeps_the_constructors_values_and_names_their_distribution() {
    // `default` is the model as its constructors drew it: nothing is drawn again, so a
    // parameter it decides keeps its values (here the recognisable 7s, 1s and 0s) and the
    // generator is where it was.
    let m = convnet();
    let before = snapshot(&m);
    let mut rng = Rng::new(4);
    let r = Rules::parse("default").unwrap().apply(&m, &mut rng).unwrap();
    assert_eq!(snapshot(&m), before);
    assert_eq!(rng.randn(&[3]), Rng::new(4).randn(&[3]), "nothing drawn");
    assert!(r.params.iter().all(|p| p.kept));
    // Conv2d bias bound comes from the weight's fan_in 3*3*3 = 27.
    assert_eq!(r.params[1].scheme, Some(Scheme::Uniform { a: -(1.0 / 27f64.sqrt()), b: 1.0 / 27f64.sqrt() }));
    assert_eq!(r.params[2].scheme, Some(Scheme::Ones));
    // A later `default` takes a parameter back from an earlier rule: it keeps the constructor's.
    let r = Rules::parse("normal;classifier.bias=default").unwrap().apply(&m, &mut Rng::new(4)).unwrap();
    assert_eq!(snapshot(&m)[5], before[5], "classifier.bias kept");
    assert_ne!(snapshot(&m)[4], before[4], "classifier.weight drawn");
    assert!(r.params[5].kept && !r.params[4].kept);
    // Linear::with_rng is torch's nn.Linear: the default init drawn once, weight then bias.
    let l = Linear::with_rng(32, 10, true, &mut Rng::new(0));
    let mut g = Rng::new(0);
    let (wb, bb) = crate::nn::default_bounds(32);
    let (mut w, mut b) = (vec![0f32; 320], vec![0f32; 10]);
    g.uniform_(&mut w, -wb, wb);
    g.uniform_(&mut b, -bb, bb);
    assert_eq!((l.weight.to_vec(), l.bias.as_ref().unwrap().to_vec()), (w, b));
    let bound = 1.0 / 32f32.sqrt();
    let wl = l.weight.to_vec();
    assert!(wl.iter().all(|v| v.abs() < bound) && wl.iter().any(|v| v.abs() > 0.9 * bound));
}

#[test]
fn errors_name_the_rule_and_what_is_valid_and_touch_nothing() {
    let m = convnet();
    let before = snapshot(&m);
    let err = |text: &str| Rules::parse(text).and_then(|r| r.apply(&m, &mut Rng::new(0))).unwrap_err().to_string();
    let e = err("Linear.weight=he_normal");
    assert!(e.contains("init rule 'Linear.weight=he_normal'") && e.contains("xavier_uniform, xavier_normal"), "{e}");
    let e = err("*.weight=kaiming_normal(slope=0.1)");
    assert!(e.contains("unknown argument 'slope'") && e.contains("a, mode, nonlinearity"), "{e}");
    let e = err("kaiming_uniform(mode=fan_middle)");
    assert!(e.contains("'fan_middle'") && e.contains("fan_in, fan_out"), "{e}");
    let e = err("*.bias=zeros; Conv2d.weight=eye");
    assert!(e.contains("'Conv2d.weight=eye'") && e.contains("features.0.weight") && e.contains("[8, 3, 3, 3]"), "{e}");
    assert!(e.contains("Only tensors with 2 dimensions"), "{e}");
    let e = err("Linear.*=ones; *.weight=kaiming_normal");
    assert!(
        e.contains("'features.1.weight'") && e.contains("BatchNorm2d, shape [8]") && e.contains("fewer than 2"),
        "{e}"
    );
    let e = err("*.bias=lsuv");
    assert!(e.contains("lsuv rescales the weight"), "{e}");
    let e = err("=zeros");
    assert!(e.contains("empty selector"), "{e}");
    assert_eq!(snapshot(&m), before, "a failed apply leaves every tensor as it was");
}

#[test]
fn unmatched_selector_is_an_error_suggesting_the_nearest_and_touches_nothing() {
    let m = convnet();
    let before = snapshot(&m);
    let err = |t: &str| Rules::parse(t).unwrap().apply(&m, &mut Rng::new(0)).unwrap_err().to_string();
    for (text, sel, hint) in [
        ("Linear.wieght=ones", "Linear.wieght", "Linear.weight"),
        ("Lineer.weight=zeros", "Lineer.weight", "Linear.weight"),
        ("Conv3d.weight=zeros", "Conv3d.weight", "Conv2d.weight"),
        ("classifer.bias=zeros", "classifer.bias", "classifier.bias"),
        ("*.bias=zeros;blocks.*=ones", "blocks.*", ""),
    ] {
        let e = err(text);
        assert!(e.contains(&format!("selector '{sel}' matches no parameter")), "{e}");
        assert!(e.contains(&format!("did you mean '{hint}")), "{text}: {e}");
        assert!(e.contains("valid: features.0.weight") || e.contains("valid: Conv2d.weight"), "{e}");
    }
    assert_eq!(snapshot(&m), before, "nothing is filled when a selector matches nothing");
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("same", "same"), 0);
}

#[test]
fn a_value_with_no_rule_is_an_error() {
    for t in ["", ";;", " ; "] {
        let e = Rules::parse_nonempty(t).unwrap_err().to_string();
        assert!(e.contains("holds no rule") && e.contains("leave --init out"), "{t:?}: {e}");
    }
    assert_eq!(Rules::parse_nonempty("zeros;").unwrap().rules.len(), 1);
}

#[test]
fn same_seed_same_bits() {
    let rules =
        Rules::parse("Linear.weight=orthogonal;*.bias=normal(0,0.1);Conv2d.weight=trunc_normal(std=0.02)").unwrap();
    let (a, b, c) = (convnet(), convnet(), convnet());
    rules.apply(&a, &mut Rng::new(9)).unwrap();
    rules.apply(&b, &mut Rng::new(9)).unwrap();
    rules.apply(&c, &mut Rng::new(10)).unwrap();
    assert_eq!(snapshot(&a), snapshot(&b));
    assert_ne!(snapshot(&a), snapshot(&c));
}

#[test]
fn lsuv_rule_without_a_batch_reaches_unit_variance() {
    let mut rng = Rng::new(5);
    let mut layers: Vec<Box<dyn Module>> = Vec::new();
    for _ in 0..10 {
        layers.push(Box::new(Linear::with_rng(32, 32, true, &mut rng)));
        layers.push(Box::new(Tanh));
    }
    let m = Sequential::new(layers);
    let r = Rules::parse("lsuv(tol=0.05)").unwrap().apply(&m, &mut rng).unwrap();
    let l = r.lsuv.unwrap();
    assert_eq!(l.layers.len(), 10);
    assert!(l.layers.iter().all(|x| (x.variance - 1.0).abs() < 0.05), "{l:?}");
    assert!(param(&m, "0.bias").iter().all(|v| *v == 0.0));
    // A fresh batch gives close to unit variance too (LSUV generalises past its batch).
    let x = crate::init::default_batch(&m, &mut Rng::new(99)).unwrap();
    let mut h = x;
    for (i, (_, layer)) in m.layers.iter().enumerate() {
        h = layer.forward(&h).unwrap();
        if i % 2 == 0 {
            assert!((variance(&h) - 1.0).abs() < 0.25, "layer {i}: {}", variance(&h));
        }
    }
    let e = Rules::parse("lsuv").unwrap().apply(&convnet(), &mut rng).unwrap_err().to_string();
    assert!(e.contains("pass a batch") && e.contains("Conv2d"), "{e}");
}

/// torch warns "Initializing zero-element tensors is a no-op" only from kaiming_uniform_ and
/// kaiming_normal_ (which a Linear's default init calls on its weight); xavier_*, normal_, … on
/// an empty tensor are silent no-ops (checked against torch 2.15).
#[test]
fn zero_element_tensors_warn_only_where_torch_warns() {
    let m = Sequential::new(vec![Box::new(Linear::with_rng(4, 0, true, &mut Rng::new(0)))]);
    let warnings = |rules: &str| Rules::parse(rules).unwrap().apply(&m, &mut Rng::new(0)).unwrap().warnings;
    for quiet in ["xavier_uniform", "xavier_normal", "normal", "orthogonal", "zeros", "trunc_normal(std=0.02)"] {
        assert!(warnings(&format!("*.weight={quiet}")).is_empty(), "{quiet}");
    }
    for loud in ["kaiming_uniform", "kaiming_normal(nonlinearity=relu)", "default"] {
        let w = warnings(&format!("*.weight={loud}"));
        assert_eq!(w, vec!["0.weight: Initializing zero-element tensors is a no-op".to_string()], "{loud}");
    }
    // The bias of Linear(4, 0) is empty too, but its default init is uniform_: no warning.
    assert!(warnings("*.bias=default").is_empty());
}
