//! Finite-difference gradient checks. The op is scalarised with a fixed, non-uniform upstream
//! gradient (`L = sum(f(x) * R)`, R random) so a backward that is only right for all-ones
//! upstream gradients still fails.

use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Tensor;
use ndarray::ArrayD;

/// Options for [`gradcheck`]: step, tolerances (|analytic − numeric| ≤ atol + rtol·|numeric|).
#[derive(Clone, Copy, Debug)]
pub struct GradcheckOpts {
    pub eps: f32,
    pub atol: f32,
    pub rtol: f32,
    pub seed: u64,
}

impl Default for GradcheckOpts {
    fn default() -> Self {
        GradcheckOpts { eps: 1e-2, atol: 2e-3, rtol: 2e-2, seed: 0 }
    }
}

fn weighted_sum(out: &ArrayD<f32>, r: &ArrayD<f32>) -> f64 {
    out.iter().zip(r.iter()).map(|(a, b)| *a as f64 * *b as f64).sum()
}

/// Checks the backward of `f` at `inputs` (each becomes a leaf that requires grad) against
/// central differences. Returns the largest violation ratio (≤ 1 passes) or an error that names
/// the input, the element and both values.
pub fn gradcheck(f: impl Fn(&[Tensor]) -> Result<Tensor>, inputs: &[ArrayD<f32>], opts: GradcheckOpts) -> Result<f32> {
    let leaves: Vec<Tensor> = inputs.iter().map(|a| Tensor::param(a.clone())).collect();
    let out = f(&leaves)?;
    let mut rng = Rng::new(opts.seed);
    let r = rng.randn(&out.shape());
    out.backward_with(r.clone())?;
    let mut worst = 0.0f32;
    for (k, x) in inputs.iter().enumerate() {
        let analytic = leaves[k].grad().unwrap_or_else(|| ArrayD::zeros(x.raw_dim()));
        for i in 0..x.len() {
            let eval = |delta: f32| -> Result<f64> {
                let mut xs: Vec<Tensor> = inputs.iter().map(|a| Tensor::new(a.clone())).collect();
                let mut xi = x.clone();
                xi.as_slice_mut().expect("standard layout")[i] += delta;
                xs[k] = Tensor::new(xi);
                let o = crate::autograd::with_no_grad(|| f(&xs))?;
                let v = weighted_sum(&o.data(), &r);
                Ok(v)
            };
            let num = ((eval(opts.eps)? - eval(-opts.eps)?) / (2.0 * opts.eps as f64)) as f32;
            let ana = analytic.as_slice().expect("standard layout")[i];
            let lim = opts.atol + opts.rtol * num.abs();
            let ratio = (ana - num).abs() / lim;
            if ratio.is_nan() || ratio > 1.0 {
                return Err(Error::invalid(
                    "gradcheck",
                    format!("input {k} element {i}: analytic {ana} vs numeric {num} (allowed {lim})"),
                ));
            }
            worst = worst.max(ratio);
        }
    }
    Ok(worst)
}

/// Deterministic test input of `shape`, N(0, 1) with seed `seed`, kept away from 0 by `margin`
/// (for ops with a kink at 0 such as relu, where finite differences are undefined).
pub fn test_input(shape: &[usize], seed: u64, margin: f32) -> ArrayD<f32> {
    Rng::new(seed).randn(shape).mapv(|v| {
        if v.abs() < margin {
            if v < 0.0 {
                v - margin
            } else {
                v + margin
            }
        } else {
            v
        }
    })
}

/// `f(i)` over the flat index i, as the PyTorch scripts behind the reference tests build their
/// inputs (`torch.arange(n).double()` mapped through `f`).
pub fn indexed(shape: &[usize], f: impl Fn(f64) -> f64) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(shape.to_vec(), (0..n).map(|i| f(i as f64) as f32).collect())
        .expect("n values fill the shape")
}

/// Σᵢ a[i]·f(i) in f64: the scalar loss of those scripts.
pub fn dot(a: &ArrayD<f32>, f: impl Fn(f64) -> f64) -> f64 {
    a.iter().enumerate().map(|(i, v)| *v as f64 * f(i as f64)).sum()
}
