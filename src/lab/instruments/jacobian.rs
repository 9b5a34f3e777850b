//! The input–output Jacobian of one sample and its singular values: the spectrum whose spread
//! dynamical isometry is about (Pennington, Schoenholz & Ganguli 2017). J is read off one
//! backward pass: a batch of m copies of the sample, and the m×m identity as the upstream
//! gradient, so row i of the input's gradient is row i of J.

use crate::error::{Error, Result};
use crate::nn::{BatchNorm1d, BatchNorm2d, Module};
use crate::tensor::Tensor;
use crate::theory::svd::singular_values;
use ndarray::{ArrayD, IxDyn};

/// Jacobians larger than this many entries are refused (the SVD is O(n³)).
const MAX_ENTRIES: usize = 4096 * 4096;

/// The Jacobian d out / d x of `model` at one sample `x` (any per-sample shape), as
/// (row-major values, rows = output size, cols = input size).
pub fn jacobian(model: &dyn Module, x: &ArrayD<f32>) -> Result<(Vec<f64>, usize, usize)> {
    if model.modules().iter().any(|m| m.is::<BatchNorm1d>() || m.is::<BatchNorm2d>()) {
        return Err(Error::invalid(
            "--jacobian",
            "the model has batch norm, so one sample's output depends on the rest of the batch; \
             the Jacobian of one sample is not defined",
        ));
    }
    let n = x.len();
    let mut one_shape = vec![1];
    one_shape.extend(x.shape());
    let one =
        Tensor::new(x.clone().into_shape_with_order(IxDyn(&one_shape)).map_err(|e| Error::invalid("--jacobian", e))?);
    let out_shape = crate::with_no_grad(|| model.forward(&one))?.shape();
    let m: usize = out_shape[1..].iter().product();
    if m * n > MAX_ENTRIES {
        return Err(Error::invalid(
            "--jacobian",
            format!("the Jacobian would be {m}×{n}; at most {MAX_ENTRIES} entries are supported"),
        ));
    }
    let mut copies_shape = vec![m];
    copies_shape.extend(x.shape());
    let flat = x.iter().copied().collect::<Vec<f32>>();
    let shape_err = |e: ndarray::ShapeError| Error::invalid("--jacobian", e);
    let copies = ArrayD::from_shape_vec(IxDyn(&copies_shape), flat.repeat(m)).map_err(shape_err)?;
    let input = Tensor::param(copies);
    let out = model.forward(&input)?;
    let mut grad_shape = vec![m];
    grad_shape.extend(&out_shape[1..]);
    // Row i of the upstream gradient is the i-th unit vector of the flattened output.
    let eye = ArrayD::from_shape_vec(IxDyn(&grad_shape), (0..m * m).map(|k| (k / m == k % m) as u8 as f32).collect())
        .map_err(shape_err)?;
    out.backward_with(eye)?;
    let g = input.grad().ok_or_else(|| Error::invalid("--jacobian", "the input received no gradient"))?;
    Ok((g.iter().map(|&v| v as f64).collect(), m, n))
}

/// The singular values of the Jacobian at `x`, descending.
pub fn spectrum(model: &dyn Module, x: &ArrayD<f32>) -> Result<Vec<f64>> {
    let (j, m, n) = jacobian(model, x)?;
    Ok(singular_values(&j, m, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Linear, Sequential, Tanh};
    use crate::rng::Rng;
    use crate::theory::svd::isometry_stats;

    #[test]
    fn jacobian_of_linear_tanh_is_d_w() {
        // J = diag(tanh′(W₁x + b₁)) W₁ for Linear(3, 2) then Tanh; checked entry by entry.
        let mut rng = Rng::new(5);
        let l = Linear::with_rng(3, 2, true, &mut rng);
        let w = l.weight.to_vec();
        let b = l.bias.as_ref().unwrap().to_vec();
        let s = Sequential::new(vec![Box::new(l), Box::new(Tanh)]);
        let x = ArrayD::from_shape_vec(IxDyn(&[3]), vec![0.5f32, -1.0, 2.0]).unwrap();
        let (j, m, n) = jacobian(&s, &x).unwrap();
        assert_eq!((m, n), (2, 3));
        for r in 0..2 {
            let h: f64 = (0..3).map(|c| w[r * 3 + c] as f64 * x[c] as f64).sum::<f64>() + b[r] as f64;
            let d = 1.0 - h.tanh().powi(2);
            for c in 0..3 {
                assert!((j[r * 3 + c] - d * w[r * 3 + c] as f64).abs() < 1e-6, "J[{r},{c}]");
            }
        }
    }

    #[test]
    fn orthogonal_linear_chain_is_an_isometry() {
        // Products of permutations with signs are orthogonal: every singular value 1.
        let n = 16;
        let mut s = Sequential::new(vec![]);
        for k in 0..10 {
            let l = Linear::with_rng(n, n, false, &mut Rng::new(k));
            let w = ArrayD::from_shape_fn(IxDyn(&[n, n]), |i| {
                if i[1] == (i[0] * 5 + k as usize) % n {
                    if (i[0] + k as usize).is_multiple_of(3) {
                        -1.0
                    } else {
                        1.0
                    }
                } else {
                    0.0
                }
            });
            l.weight.set_data(w).unwrap();
            s.push(Box::new(l));
        }
        let x = ArrayD::from_elem(IxDyn(&[n]), 0.3f32);
        let sv = spectrum(&s, &x).unwrap();
        assert_eq!(sv.len(), n);
        let (mean, var) = isometry_stats(&sv);
        assert!((mean - 1.0).abs() < 1e-12 && var < 1e-12, "{sv:?}");
    }
}
