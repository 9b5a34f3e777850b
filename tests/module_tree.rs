//! The module tree walks as torch's does: children vs modules, names, apply order, printing,
//! isinstance-style filtering.

use initlab::nn::{Linear, Module, ReLU, Sequential, Tanh};
use initlab::Rng;

/// The seed document's `sim_net`: three `Sequential(Linear, ReLU)` children.
fn sim_net(rng: &mut Rng) -> Box<dyn Module> {
    let block = |i: usize, o: usize, rng: &mut Rng| -> Box<dyn Module> {
        Box::new(Sequential::new(vec![Box::new(Linear::with_rng(i, o, true, rng)), Box::new(ReLU)]))
    };
    Box::new(Sequential::new(vec![block(2, 4, rng), block(4, 4, rng), block(4, 3, rng)]))
}

#[test]
fn children_vs_modules_order_and_names() {
    let net = sim_net(&mut Rng::new(0));
    let kids = net.named_children();
    assert_eq!(
        kids.iter().map(|(n, m)| format!("{n}:{}", m.type_name())).collect::<Vec<_>>(),
        ["0:Sequential", "1:Sequential", "2:Sequential"]
    );
    let mods: Vec<String> = net.named_modules().iter().map(|(n, m)| format!("{n}:{}", m.type_name())).collect();
    assert_eq!(
        mods,
        [
            ":Sequential",
            "0:Sequential",
            "0.0:Linear",
            "0.1:ReLU",
            "1:Sequential",
            "1.0:Linear",
            "1.1:ReLU",
            "2:Sequential",
            "2.0:Linear",
            "2.1:ReLU"
        ]
    );
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias", "2.0.weight", "2.0.bias"]);
    assert_eq!(net.num_parameters(), (2 * 4 + 4) + (4 * 4 + 4) + (4 * 3 + 3));
}

#[test]
fn printing_matches_torch() {
    let net = sim_net(&mut Rng::new(0));
    let want = "Sequential(
  (0): Sequential(
    (0): Linear(in_features=2, out_features=4, bias=True)
    (1): ReLU()
  )
  (1): Sequential(
    (0): Linear(in_features=4, out_features=4, bias=True)
    (1): ReLU()
  )
  (2): Sequential(
    (0): Linear(in_features=4, out_features=3, bias=True)
    (1): ReLU()
  )
)";
    assert_eq!(net.to_string(), want);
}

#[test]
fn apply_visits_children_before_parent() {
    let mut net = sim_net(&mut Rng::new(0));
    let mut seen = Vec::new();
    net.apply_named(&mut |name, m| seen.push(format!("{name}:{}", m.type_name())));
    assert_eq!(
        seen,
        [
            "0.0:Linear",
            "0.1:ReLU",
            "0:Sequential",
            "1.0:Linear",
            "1.1:ReLU",
            "1:Sequential",
            "2.0:Linear",
            "2.1:ReLU",
            "2:Sequential",
            ":Sequential"
        ]
    );
}

#[test]
fn type_based_filtering_reinitialises_only_the_chosen_type() {
    let mut rng = Rng::new(1);
    let mut net: Box<dyn Module> = Box::new(Sequential::new(vec![
        Box::new(Linear::with_rng(3, 5, true, &mut rng)),
        Box::new(Tanh),
        Box::new(Sequential::new(vec![Box::new(Linear::with_rng(5, 2, false, &mut rng))])),
    ]));
    let before: Vec<Vec<f32>> = net.parameters().iter().map(|p| p.to_vec()).collect();
    let mut count = 0;
    net.apply(&mut |m| {
        if let Some(l) = m.downcast_mut::<Linear>() {
            l.weight.data_mut().fill(0.5);
            count += 1;
        }
    });
    assert_eq!(count, 2);
    let after: Vec<(String, Vec<f32>)> = net.named_parameters().into_iter().map(|(n, p)| (n, p.to_vec())).collect();
    assert!(after[0].1.iter().all(|&v| v == 0.5), "0.weight");
    assert_eq!(after[1].1, before[1], "0.bias untouched");
    assert!(after[2].1.iter().all(|&v| v == 0.5), "2.0.weight");
    assert!(net.modules().iter().filter(|m| m.is::<Linear>()).count() == 2);
    assert!(!net.modules()[0].is::<Linear>());
}

#[test]
fn same_seed_same_model_bit_for_bit() {
    let a = sim_net(&mut Rng::new(42));
    let b = sim_net(&mut Rng::new(42));
    let c = sim_net(&mut Rng::new(43));
    let bits = |m: &dyn Module| m.parameters().iter().flat_map(|p| p.to_vec()).map(f32::to_bits).collect::<Vec<_>>();
    assert_eq!(bits(a.as_ref()), bits(b.as_ref()));
    assert_ne!(bits(a.as_ref()), bits(c.as_ref()));
}

#[test]
fn residual_nets_print_as_torch() {
    // The shared cases resmlp_layernorm_gelu and resconv_pool, printed by torch 2.x with
    // scripts/torch_spec.py's Residual class (BatchNorm lines aside: torch now also prints bias=True).
    let spec = r#"{"type": "Sequential", "layers": [{"type": "Linear", "in_features": 3, "out_features": 8},
      {"type": "Residual", "body": {"type": "Sequential", "layers": [{"type": "LayerNorm", "normalized_shape": 8},
        {"type": "Linear", "in_features": 8, "out_features": 8}, {"type": "GELU"}, {"type": "Linear", "in_features": 8, "out_features": 8}]}},
      {"type": "Residual", "gate": 0.5, "body": {"type": "Sequential", "layers": [{"type": "Linear", "in_features": 8, "out_features": 8},
        {"type": "SELU"}, {"type": "Linear", "in_features": 8, "out_features": 8}]}},
      {"type": "ELU", "alpha": 0.7}, {"type": "Linear", "in_features": 8, "out_features": 2}]}"#;
    let m = initlab::nn::parse_spec(spec, &mut Rng::new(0)).unwrap();
    let want = "Sequential(
  (0): Linear(in_features=3, out_features=8, bias=True)
  (1): Residual(
    (body): Sequential(
      (0): LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)
      (1): Linear(in_features=8, out_features=8, bias=True)
      (2): GELU(approximate='none')
      (3): Linear(in_features=8, out_features=8, bias=True)
    )
  )
  (2): Residual(
    (body): Sequential(
      (0): Linear(in_features=8, out_features=8, bias=True)
      (1): SELU()
      (2): Linear(in_features=8, out_features=8, bias=True)
    )
  )
  (3): ELU(alpha=0.7)
  (4): Linear(in_features=8, out_features=2, bias=True)
)";
    assert_eq!(m.to_string(), want);
    let spec = r#"{"type": "Sequential", "layers": [{"type": "SiLU"},
      {"type": "Residual", "body": {"type": "Conv2d", "in_channels": 4, "out_channels": 6, "kernel_size": 1},
       "shortcut": {"type": "Conv2d", "in_channels": 4, "out_channels": 6, "kernel_size": 1, "bias": false}},
      {"type": "MaxPool2d", "kernel_size": 2}, {"type": "AvgPool2d", "kernel_size": 2, "stride": 1},
      {"type": "AdaptiveAvgPool2d", "output_size": [2, 1]}, {"type": "Flatten"}, {"type": "Dropout", "p": 0.3},
      {"type": "Softplus", "beta": 2.0}, {"type": "Identity"}]}"#;
    let m = initlab::nn::parse_spec(spec, &mut Rng::new(0)).unwrap();
    let want = "Sequential(
  (0): SiLU()
  (1): Residual(
    (body): Conv2d(4, 6, kernel_size=(1, 1), stride=(1, 1))
    (shortcut): Conv2d(4, 6, kernel_size=(1, 1), stride=(1, 1), bias=False)
  )
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (3): AvgPool2d(kernel_size=2, stride=1, padding=0)
  (4): AdaptiveAvgPool2d(output_size=(2, 1))
  (5): Flatten(start_dim=1, end_dim=-1)
  (6): Dropout(p=0.3, inplace=False)
  (7): Softplus(beta=2.0, threshold=20.0)
  (8): Identity()
)";
    assert_eq!(m.to_string(), want);
    // modules() pre-order: a Residual's body, then its shortcut.
    let names: Vec<String> = m.named_modules().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["", "0", "1", "1.body", "1.shortcut", "2", "3", "4", "5", "6", "7", "8"]);
}
