//! The `initialize_weights()` of many PyTorch scripts, written with `apply` and type dispatch:
//!
//! ```python
//! for m in self.modules():
//!     if isinstance(m, nn.Conv2d): nn.init.zeros_(m.weight); nn.init.constant_(m.bias, 0.3)
//!     elif isinstance(m, nn.BatchNorm2d): nn.init.constant_(m.weight, 1); nn.init.constant_(m.bias, 0)
//!     elif isinstance(m, nn.Linear): nn.init.normal_(m.weight, 0, 0.1); nn.init.constant_(m.bias, 0)
//! ```
//!
//! Each layer type is matched with `downcast_mut::<T>()`, Rust's `isinstance`.
//!
//! cargo run --example initialize_weights

use initlab::init::{constant_, normal_with, zeros_};
use initlab::nn::{self, BatchNorm2d, Conv2d, Linear, Module};
use initlab::Rng;
use serde_json::json;

fn initialize_weights(model: &mut dyn Module, rng: &mut Rng) -> initlab::Result<()> {
    let mut result = Ok(());
    model.apply(&mut |m: &mut dyn Module| {
        let r = if let Some(c) = m.downcast_mut::<Conv2d>() {
            zeros_(&c.weight).and_then(|_| c.bias.as_ref().map_or(Ok(()), |b| constant_(b, 0.3)))
        } else if let Some(bn) = m.downcast_mut::<BatchNorm2d>() {
            let w = bn.weight.as_ref().map_or(Ok(()), |w| constant_(w, 1.0));
            w.and_then(|_| bn.bias.as_ref().map_or(Ok(()), |b| constant_(b, 0.0)))
        } else if let Some(l) = m.downcast_mut::<Linear>() {
            normal_with(&l.weight, 0.0, 0.1, rng).and_then(|_| l.bias.as_ref().map_or(Ok(()), |b| constant_(b, 0.0)))
        } else {
            Ok(())
        };
        if result.is_ok() {
            result = r;
        }
    });
    result
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
    let mut model = nn::spec::from_spec_with_rng(&conv_net, &mut rng)?;
    println!("{model}\n\nbefore (torch defaults):");
    print_params(model.as_ref());
    initialize_weights(model.as_mut(), &mut rng)?;
    println!("\nafter initialize_weights:");
    print_params(model.as_ref());
    Ok(())
}
