//! Setting weights by hand: from an ndarray, and from a distribution drawn with initlab's seeded
//! generator (`init::uniform_with`, torch's `nn.init.uniform_`), over every Linear found by
//! `modules()`. The same program in PyTorch (`torch.manual_seed(0)`, the same layers, then
//! `nn.init.uniform_(m.weight, 3, 5)` for each Linear) draws the same weights.
//!
//! cargo run --example manual_weights

use initlab::nn::{Linear, Module, ReLU, Sequential};
use initlab::{Rng, Tensor};
use ndarray::arr2;

fn main() -> initlab::Result<()> {
    let mut rng = Rng::new(0);
    // 1. From an array: y = x·Wᵀ + b, so the output uses W transposed.
    let layer = Linear::with_rng(2, 2, true, &mut rng);
    layer.weight.set_data(arr2(&[[0.1f32, 0.2], [0.3, 0.4]]).into_dyn())?;
    layer.bias.as_ref().expect("bias").set_data(ndarray::arr1(&[0f32, 0.0]).into_dyn())?;
    let x = Tensor::new(arr2(&[[0.1f32, 0.95]]).into_dyn());
    let y = layer.forward(&x)?;
    println!("W = {}", layer.weight.to_array());
    println!("x = {}", x.to_array());
    println!("x·Wᵀ = {}   (0.1·0.1 + 0.95·0.2 = 0.2, 0.1·0.3 + 0.95·0.4 = 0.41)\n", y.to_array());

    // 2. From a distribution: U(3, 5) on every Linear of a model, found by walking modules().
    let net: Box<dyn Module> = Box::new(Sequential::new(vec![
        Box::new(Linear::with_rng(3, 4, true, &mut rng)),
        Box::new(ReLU),
        Box::new(Linear::with_rng(4, 2, true, &mut rng)),
    ]));
    for m in net.modules() {
        if let Some(l) = m.downcast_ref::<Linear>() {
            initlab::init::uniform_with(&l.weight, 3.0, 5.0, &mut rng)?;
        }
    }
    for (name, p) in net.named_parameters() {
        println!("{name} = {}", p.to_array());
    }
    Ok(())
}
