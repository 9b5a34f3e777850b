//! Layer normalization (torch's F.layer_norm): each sample is normalized over its last
//! `normalized_shape` dimensions with its own mean and biased variance (accumulated in f64), then
//! scaled and shifted elementwise by the optional `weight` and `bias` of `normalized_shape`.
//! Unlike batch norm nothing depends on the other samples or on train/eval mode.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;
use ndarray::ArrayD;

fn values(a: &ArrayD<f32>) -> std::borrow::Cow<'_, [f32]> {
    match a.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().copied().collect()),
    }
}

struct LayerNormBackward {
    /// Values per normalized row.
    d: usize,
    /// Per row: mean and 1/sqrt(var + eps).
    mean: Vec<f64>,
    invstd: Vec<f64>,
    has_weight: bool,
    has_bias: bool,
}

impl GradFn for LayerNormBackward {
    fn name(&self) -> &'static str {
        "NativeLayerNormBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let d = self.d;
        let xd = inputs[0].data();
        let (xs, gs) = (values(&xd), values(g));
        let w = self.has_weight.then(|| values(&inputs[1].data()).into_owned());
        let mut gw = vec![0.0f64; d];
        let mut gb = vec![0.0f64; d];
        let mut gx = vec![0.0f32; xs.len()];
        let mut xhat = vec![0.0f64; d];
        let mut gh = vec![0.0f64; d];
        for r in 0..self.mean.len() {
            let (x, gy) = (&xs[r * d..(r + 1) * d], &gs[r * d..(r + 1) * d]);
            let (mean, is) = (self.mean[r], self.invstd[r]);
            let (mut sum_gh, mut sum_gh_xhat) = (0.0f64, 0.0f64);
            for j in 0..d {
                xhat[j] = (x[j] as f64 - mean) * is;
                gw[j] += gy[j] as f64 * xhat[j];
                gb[j] += gy[j] as f64;
                gh[j] = gy[j] as f64 * w.as_ref().map_or(1.0, |w| w[j] as f64);
                sum_gh += gh[j];
                sum_gh_xhat += gh[j] * xhat[j];
            }
            // dx = invstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·w.
            let (m1, m2) = (sum_gh / d as f64, sum_gh_xhat / d as f64);
            for j in 0..d {
                gx[r * d + j] = (is * (gh[j] - m1 - xhat[j] * m2)) as f32;
            }
        }
        let param_shape = |i: usize| inputs[i].data().raw_dim();
        let to_arr = |v: Vec<f64>, i: usize| {
            ArrayD::from_shape_vec(param_shape(i), v.into_iter().map(|a| a as f32).collect()).expect("d values")
        };
        let mut out = vec![inputs[0].requires_grad().then(|| ArrayD::from_shape_vec(xd.raw_dim(), gx).expect("same"))];
        if self.has_weight {
            out.push(inputs[1].requires_grad().then(|| to_arr(gw, 1)));
        }
        if self.has_bias {
            let i = out.len();
            out.push(inputs[i].requires_grad().then(|| to_arr(gb, i)));
        }
        out
    }
}

/// torch.nn.functional.layer_norm: normalizes `x` over its trailing dimensions, which must equal
/// `normalized_shape`; `weight`/`bias` (optional) have shape `normalized_shape`.
pub fn layer_norm(
    x: &Tensor,
    normalized_shape: &[usize],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let xs = x.shape();
    let k = normalized_shape.len();
    if k == 0 || xs.len() < k || xs[xs.len() - k..] != *normalized_shape {
        let dims: Vec<String> = normalized_shape.iter().map(|d| d.to_string()).collect();
        return Err(Error::shape(
            "layer_norm",
            format!(
                "Given normalized_shape={}, expected input with shape [*, {}], but got input of size {}",
                shape_str(normalized_shape),
                dims.join(", "),
                shape_str(&xs)
            ),
        ));
    }
    for (name, t) in [("weight", weight), ("bias", bias)] {
        if let Some(t) = t {
            if t.shape() != normalized_shape {
                return Err(Error::shape(
                    "layer_norm",
                    format!(
                        "{name} of shape {} does not match normalized_shape {}",
                        shape_str(&t.shape()),
                        shape_str(normalized_shape)
                    ),
                ));
            }
        }
    }
    let d: usize = normalized_shape.iter().product();
    let xd = x.data();
    let xv = values(&xd);
    let rows = xv.len().checked_div(d).unwrap_or(0);
    let w = weight.map(|t| values(&t.data()).into_owned());
    let b = bias.map(|t| values(&t.data()).into_owned());
    let mut mean = Vec::with_capacity(rows);
    let mut invstd = Vec::with_capacity(rows);
    let mut y = vec![0.0f32; xv.len()];
    for r in 0..rows {
        let row = &xv[r * d..(r + 1) * d];
        let m = row.iter().map(|&v| v as f64).sum::<f64>() / d as f64;
        let var = row.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / d as f64;
        let is = 1.0 / (var + eps).sqrt();
        for (j, &v) in row.iter().enumerate() {
            let mut o = (v as f64 - m) * is;
            if let Some(w) = &w {
                o *= w[j] as f64;
            }
            if let Some(b) = &b {
                o += b[j] as f64;
            }
            y[r * d + j] = o as f32;
        }
        mean.push(m);
        invstd.push(is);
    }
    let out = ArrayD::from_shape_vec(xd.raw_dim(), y).expect("same count");
    drop(xd);
    let mut inputs = vec![x];
    inputs.extend(weight);
    inputs.extend(bias);
    let bw = LayerNormBackward { d, mean, invstd, has_weight: weight.is_some(), has_bias: bias.is_some() };
    Ok(Tensor::from_op(out, &inputs, bw))
}

#[cfg(test)]
mod tests {
    use super::layer_norm;
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn normalizes_each_row_by_hand() {
        // Rows (1, 2, 3, 6) and (0, 0, 0, 4): means 3 and 1, biased variances 3.5 and 3.
        let x = Tensor::from_vec(&[2, 4], vec![1., 2., 3., 6., 0., 0., 0., 4.]).unwrap();
        let w = Tensor::from_vec(&[4], vec![1., 2., 1., 0.5]).unwrap();
        let b = Tensor::from_vec(&[4], vec![0., 0., 1., 0.]).unwrap();
        let y = layer_norm(&x, &[4], Some(&w), Some(&b), 1e-5).unwrap().to_vec();
        let (s0, s1) = ((3.5f64 + 1e-5).sqrt(), (3f64 + 1e-5).sqrt());
        let want = [-2. / s0, -2. / s0, 1., 0.5 * 3. / s0, -1. / s1, -2. / s1, 1. - 1. / s1, 0.5 * 3. / s1];
        for (g, w) in y.iter().zip(want) {
            assert!((*g as f64 - w).abs() < 1e-6, "{y:?} vs {want:?}");
        }
        // Over the last two dims of a [2, 2, 3] input: every [2, 3] block has mean 0, var ≈ 1.
        let x = Tensor::new(test_input(&[2, 2, 3], 3, 0.0).mapv(|v| 4.0 * v + 2.0));
        let y = layer_norm(&x, &[2, 3], None, None, 0.0).unwrap().to_vec();
        for blk in y.chunks(6) {
            let m = blk.iter().map(|&v| v as f64).sum::<f64>() / 6.0;
            let v = blk.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / 6.0;
            assert!(m.abs() < 1e-6 && (v - 1.0).abs() < 1e-5, "{m} {v}");
        }
    }

    #[test]
    fn shape_errors_name_both_shapes() {
        let x = Tensor::zeros(&[6, 4]);
        let e = layer_norm(&x, &[8], None, None, 1e-5).unwrap_err().to_string();
        assert_eq!(
            e,
            "layer_norm: Given normalized_shape=[8], expected input with shape [*, 8], but got input of size [6, 4]"
        );
        let e = layer_norm(&x, &[4], Some(&Tensor::ones(&[3])), None, 1e-5).unwrap_err().to_string();
        assert!(e.contains("weight of shape [3] does not match normalized_shape [4]"), "{e}");
    }

    #[test]
    fn gradcheck_layer_norm() {
        let o = GradcheckOpts::default();
        let x = test_input(&[3, 5], 1, 0.0);
        let (w, b) = (test_input(&[5], 2, 0.0), test_input(&[5], 3, 0.0));
        gradcheck(|t| layer_norm(&t[0], &[5], Some(&t[1]), Some(&t[2]), 1e-5), &[x.clone(), w.clone(), b], o).unwrap();
        gradcheck(|t| layer_norm(&t[0], &[5], Some(&t[1]), None, 1e-5), &[x.clone(), w], o).unwrap();
        gradcheck(|t| layer_norm(&t[0], &[5], None, None, 1e-3), &[x], o).unwrap();
        let x4 = test_input(&[2, 3, 2, 2], 4, 0.0);
        let w4 = test_input(&[3, 2, 2], 5, 0.0);
        let b4 = test_input(&[3, 2, 2], 6, 0.0);
        gradcheck(|t| layer_norm(&t[0], &[3, 2, 2], Some(&t[1]), Some(&t[2]), 1e-5), &[x4.clone(), w4, b4], o).unwrap();
        gradcheck(|t| layer_norm(&t[0], &[2, 2], None, None, 1e-5), &[x4], o).unwrap();
    }
}
