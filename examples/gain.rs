//! Where calculate_gain("tanh") = 5/3 comes from: tanh shrinks the std of N(0, 1) inputs by a
//! factor ≈ 1.6, so weights scaled by the gain keep the signal's std through the layer.
//!
//! cargo run --example gain
//!
//! The same numbers as the PyTorch program (same seed, same draws):
//!
//! ```python
//! torch.manual_seed(0)
//! x = torch.randn(1_000_000).double()
//! for name, f in [("tanh", torch.tanh), ("relu", torch.relu), ("sigmoid", torch.sigmoid)]:
//!     y = f(x)
//!     print(name, x.std(unbiased=False) / y.std(unbiased=False), 1 / y.pow(2).mean().sqrt(),
//!           torch.nn.init.calculate_gain(name))
//! ```

use initlab::init::calculate_gain;
use initlab::Rng;

fn std(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt()
}

fn main() -> initlab::Result<()> {
    print!("{}", gain()?);
    Ok(())
}

/// The three lines `main` prints (tests/examples_twins.rs checks them against the PyTorch
/// program's, committed in tests/fixtures/examples/).
pub fn gain() -> initlab::Result<String> {
    let mut out = String::new();
    let mut rng = Rng::new(0);
    let x: Vec<f64> = rng.randn(&[1_000_000]).iter().map(|&v| v as f64).collect();
    for (name, f) in [
        ("tanh", f64::tanh as fn(f64) -> f64),
        ("relu", |v: f64| v.max(0.0)),
        ("sigmoid", |v: f64| 1.0 / (1.0 + (-v).exp())),
    ] {
        let y: Vec<f64> = x.iter().map(|&v| f(v)).collect();
        let ratio = std(&x) / std(&y);
        // relu's gain is about the second moment (E[y²] = 1/2), not the std.
        let rms_ratio = 1.0 / (y.iter().map(|v| v * v).sum::<f64>() / y.len() as f64).sqrt();
        out += &format!(
            "{name:<8} std(x)/std(f(x)) = {ratio:.4}   1/rms(f(x)) = {rms_ratio:.4}   calculate_gain = {:.4}\n",
            calculate_gain(name, None)?
        );
    }
    Ok(out)
}
