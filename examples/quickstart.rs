//! The README's library example: build, init with type dispatch, one SGD step.
//!
//! cargo run --example quickstart
//!
//! Prints what `python3 scripts/examples_torch.py quickstart` prints (tests/examples_twins.rs
//! checks it against that program's output, committed in tests/fixtures/examples/).

use initlab::init::{kaiming_normal_with, zeros_};
use initlab::nn::{Linear, Module, ReLU, Sequential};
use initlab::ops::cross_entropy;
use initlab::optim::{Optimizer, Sgd, SgdConfig};
use initlab::{Rng, Tensor};

fn main() -> initlab::Result<()> {
    print!("{}", quickstart()?);
    Ok(())
}

/// The five losses and the model, as the text `main` prints.
pub fn quickstart() -> initlab::Result<String> {
    let mut out = String::new();
    let mut rng = Rng::new(0);
    let model: Box<dyn Module> = Box::new(Sequential::new(vec![
        Box::new(Linear::with_rng(2, 100, true, &mut rng)),
        Box::new(ReLU),
        Box::new(Linear::with_rng(100, 3, true, &mut rng)),
    ]));
    for m in model.modules() {
        // isinstance-style dispatch
        if let Some(l) = m.downcast_ref::<Linear>() {
            kaiming_normal_with(&l.weight, 0.0, "fan_in", "relu", &mut rng)?;
            if let Some(b) = &l.bias {
                zeros_(b)?;
            }
        }
    }
    let mut opt = Sgd::new(model.parameters(), SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() });
    let x = Tensor::from_vec(&[4, 2], vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])?;
    for step in 0..5 {
        let loss = cross_entropy(&model.forward(&x)?, &[0, 1, 2, 1])?;
        opt.zero_grad();
        loss.backward()?;
        opt.step();
        out += &format!("step {step}: loss {:.4}\n", loss.item()?);
    }
    out += &format!("{model}\n");
    Ok(out)
}
