//! The `initialize_weights()` of many PyTorch scripts, written with `apply` and type dispatch:
//!
//! ```python
//! for m in self.modules():
//!     if isinstance(m, nn.Conv2d): nn.init.zeros_(m.weight); nn.init.constant_(m.bias, 0.3)
//!     elif isinstance(m, nn.BatchNorm2d): nn.init.constant_(m.weight, 1); nn.init.constant_(m.bias, 0)
//!     elif isinstance(m, nn.Linear): nn.init.normal_(m.weight, 0, 0.1); nn.init.constant_(m.bias, 0)
//! ```
//!
//! Linear is matched with `downcast_mut::<Linear>()` (Rust's `isinstance`). Conv2d and
//! BatchNorm2d are matched by `type_name()` on their parameters, so this example works before and
//! after those layers land in the tree; a spec that uses them is built when the spec knows them.
//!
//! cargo run --example initialize_weights

use initlab::init::{constant_, normal_with, zeros_};
use initlab::nn::{self, Linear, Module};
use initlab::Rng;
use serde_json::json;

fn initialize_weights(model: &mut dyn Module, rng: &mut Rng) {
    model.apply(&mut |m: &mut dyn Module| {
        if let Some(l) = m.downcast_mut::<Linear>() {
            normal_with(&l.weight, 0.0, 0.1, rng).expect("valid std");
            if let Some(b) = &l.bias {
                constant_(b, 0.0).expect("constant");
            }
            return;
        }
        let ty = m.type_name();
        for (name, p) in m.own_parameters() {
            match (ty, name) {
                ("Conv2d", "weight") => zeros_(p).expect("zeros"),
                ("Conv2d", "bias") => constant_(p, 0.3).expect("constant"),
                ("BatchNorm2d", "weight") => constant_(p, 1.0).expect("constant"),
                ("BatchNorm2d", "bias") => constant_(p, 0.0).expect("constant"),
                _ => {}
            }
        }
    });
}

fn print_params(model: &dyn Module) {
    for (name, p) in model.named_parameters() {
        let v = p.to_vec();
        let head: Vec<String> = v.iter().take(6).map(|x| format!("{x:.4}")).collect();
        println!("  {name:<12} {:?}  [{}{}]", p.shape(), head.join(", "), if v.len() > 6 { ", …" } else { "" });
    }
}

fn main() -> initlab::Result<()> {
    let mut rng = Rng::new(0);
    let conv_net = json!({"type": "Sequential", "layers": [
        {"type": "Conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3},
        {"type": "BatchNorm2d", "num_features": 4}, {"type": "ReLU"}, {"type": "Flatten"},
        {"type": "Linear", "in_features": 16, "out_features": 3}]});
    let mlp = json!({"type": "Sequential", "layers": [
        {"type": "Linear", "in_features": 4, "out_features": 3}, {"type": "ReLU"},
        {"type": "Linear", "in_features": 3, "out_features": 2}]});
    let mut model = match nn::spec::from_spec_with_rng(&conv_net, &mut rng) {
        Ok(m) => m,
        Err(e) => {
            println!("(conv net not buildable in this tree: {e}; using an MLP)\n");
            nn::spec::from_spec_with_rng(&mlp, &mut rng)?
        }
    };
    println!("{model}\n\nbefore (torch defaults):");
    print_params(model.as_ref());
    initialize_weights(model.as_mut(), &mut rng);
    println!("\nafter initialize_weights:");
    print_params(model.as_ref());
    Ok(())
}
