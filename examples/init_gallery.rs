//! Every `torch.nn.init` scheme on the weight of a `Linear(6, 4)` ([4, 6]), printed with its
//! theoretical std. Schemes that do not fit a 2-D weight (dirac) show the error instead.
//!
//! cargo run --example init_gallery

use initlab::init::Scheme;
use initlab::nn::Linear;
use initlab::Rng;

fn main() -> initlab::Result<()> {
    print!("{}", gallery()?);
    Ok(())
}

/// What `main` prints (tests/examples_twins.rs checks the weights against the PyTorch program's,
/// committed in tests/fixtures/examples/).
pub fn gallery() -> initlab::Result<String> {
    let mut out = String::new();
    let mut rng = Rng::new(0);
    let layer = Linear::with_rng(6, 4, true, &mut rng);
    let shape = layer.weight.shape();
    for text in [
        "uniform(-1, 1)",
        "normal(0, 0.1)",
        "trunc_normal(std=0.5, a=-0.5, b=0.5)",
        "constant(0.3)",
        "ones",
        "zeros",
        "eye",
        "dirac",
        "xavier_uniform",
        "xavier_normal(gain=tanh)",
        "kaiming_uniform(nonlinearity=relu)",
        "kaiming_normal(mode=fan_out, nonlinearity=relu)",
        "orthogonal",
        "sparse(0.5)",
    ] {
        let scheme = Scheme::parse(text)?;
        let theory = scheme.theoretical_std(&shape).map_or("-".to_string(), |s| format!("{s:.4}"));
        out += &format!("== {scheme}   (theoretical std {theory})\n");
        match scheme.apply(&layer.weight, &mut rng) {
            Ok(()) => {
                for row in layer.weight.to_array().rows() {
                    let cells: Vec<String> = row.iter().map(|v| format!("{v:8.4}")).collect();
                    out += &format!("   {}\n", cells.join(" "));
                }
            }
            Err(e) => out += &format!("   error: {e}\n"),
        }
    }
    Ok(out)
}
