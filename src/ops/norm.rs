//! Batch normalization (torch's F.batch_norm) for [N, C], [N, C, L] and [N, C, H, W] inputs (any
//! [N, C, *] works): statistics per channel over every other axis, accumulated in f64 like torch's
//! CPU kernel. Training normalizes with the batch mean and biased variance and updates the running
//! buffers in place with the unbiased variance; eval normalizes with the running buffers.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::kernels::planes::Layout;
use crate::kernels::sum::{sum_planes, sum_planes2};
use crate::tensor::Tensor;
use ndarray::ArrayD;

fn slice_of(a: &ArrayD<f32>) -> std::borrow::Cow<'_, [f32]> {
    match a.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().copied().collect()),
    }
}

struct BatchNormBackward {
    lay: Layout,
    training: bool,
    /// The mean and 1/sqrt(var + eps) the forward normalized with (batch or running), per channel.
    mean: Vec<f64>,
    invstd: Vec<f64>,
    has_weight: bool,
    has_bias: bool,
}

impl GradFn for BatchNormBackward {
    fn name(&self) -> &'static str {
        "NativeBatchNormBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let lay = self.lay;
        let xd = inputs[0].data();
        let (xs, gs) = (slice_of(&xd), slice_of(g));
        let (x, gy) = (&xs[..], &gs[..]);
        // Per channel: Σ dy and Σ dy·(x − mean), in f64.
        let sums: Vec<(f64, f64)> = lay.per_channel(|c| {
            let mean = self.mean[c];
            let planes = lay.planes(gy, c).zip(lay.planes(x, c));
            sum_planes2(planes, |gv| gv as f64, |gv, xv| gv as f64 * (xv as f64 - mean))
        });
        let w = self.has_weight.then(|| slice_of(&inputs[1].data()).into_owned());
        let weight_of = |c: usize| w.as_ref().map_or(1.0, |w| w[c] as f64);
        let mut out = Vec::with_capacity(3);
        out.push(inputs[0].requires_grad().then(|| {
            // training: dx = (dy − mean(dy) − (x − mean)·Σdy(x−mean)·invstd²/m)·invstd·w
            // eval:     dx = dy·invstd·w
            let m = lay.m() as f64;
            let coef: Vec<[f32; 4]> = (0..lay.c)
                .map(|c| {
                    let (is, (sg, dot)) = (self.invstd[c], sums[c]);
                    let scale = (is * weight_of(c)) as f32;
                    if self.training {
                        [scale, (sg / m) as f32, self.mean[c] as f32, (dot * is * is / m) as f32]
                    } else {
                        [scale, 0.0, 0.0, 0.0]
                    }
                })
                .collect();
            // Every element is written below.
            let mut gx = crate::kernels::pool::take(x.len());
            lay.map_planes(&mut gx, [gy, x], |c, o, gp, xp| {
                let [scale, gmean, mean, k] = coef[c];
                for ((ov, gv), xv) in o.iter_mut().zip(gp).zip(xp) {
                    *ov = (gv - gmean - (xv - mean) * k) * scale;
                }
            });
            ArrayD::from_shape_vec(xd.raw_dim(), gx).expect("same count")
        }));
        let vec1 = |v: Vec<f32>| ArrayD::from_shape_vec(vec![lay.c], v).expect("C values");
        if self.has_weight {
            let gw = (0..lay.c).map(|c| (sums[c].1 * self.invstd[c]) as f32).collect();
            out.push(inputs[1].requires_grad().then(|| vec1(gw)));
        }
        if self.has_bias {
            let gb = sums.iter().map(|s| s.0 as f32).collect();
            out.push(inputs[out.len()].requires_grad().then(|| vec1(gb)));
        }
        out
    }
}

fn check_param(name: &str, t: Option<&Tensor>, xs: &[usize]) -> Result<Option<Vec<f32>>> {
    let Some(t) = t else { return Ok(None) };
    let d = t.data();
    if d.shape() != [xs[1]] {
        return Err(Error::shape(
            "batch_norm",
            format!(
                "{name} of shape {} does not fit input of shape {} (expects [{}], one value per channel)",
                shape_str(d.shape()),
                shape_str(xs),
                xs[1]
            ),
        ));
    }
    Ok(Some(slice_of(&d).into_owned()))
}

/// torch.nn.functional.batch_norm on x of shape [N, C, *]. `weight`/`bias` are the optional
/// affine parameters; `running_mean`/`running_var` are updated in place when `training` (as
/// running = (1 − momentum)·running + momentum·batch statistic, with the unbiased variance) and
/// are required when not.
#[allow(clippy::too_many_arguments)] // torch's signature, argument for argument
pub fn batch_norm(
    x: &Tensor,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    training: bool,
    momentum: f32,
    eps: f32,
) -> Result<Tensor> {
    let xs = x.shape();
    if xs.len() < 2 {
        return Err(Error::shape(
            "batch_norm",
            format!("expected an input of shape [N, C, *] with at least 2 dimensions, got shape {}", shape_str(&xs)),
        ));
    }
    let lay = Layout { n: xs[0], c: xs[1], s: xs[2..].iter().product() };
    let rm = check_param("running_mean", running_mean, &xs)?;
    let rv = check_param("running_var", running_var, &xs)?;
    let w = check_param("weight", weight, &xs)?;
    let b = check_param("bias", bias, &xs)?;
    if training && lay.m() == 1 {
        return Err(Error::invalid(
            "batch_norm",
            format!("Expected more than 1 value per channel when training, got input size {}", shape_str(&xs)),
        ));
    }
    let xd = x.data();
    let xsl = slice_of(&xd);
    let (mean, var): (Vec<f64>, Vec<f64>) = if training {
        // Two passes in f64 (mean, then Σ(x − mean)²), as torch's CPU kernel does.
        let m = lay.m() as f64;
        lay.per_channel(|c| {
            let sum = sum_planes(lay.planes(&xsl, c), |v| v as f64);
            let mean = sum / m;
            let ss = sum_planes(lay.planes(&xsl, c), |v| (v as f64 - mean).powi(2));
            (mean, ss)
        })
        .into_iter()
        .unzip()
    } else {
        match (&rm, &rv) {
            (Some(rm), Some(rv)) => (rm.iter().map(|v| *v as f64).collect(), rv.iter().map(|v| *v as f64).collect()),
            _ => {
                return Err(Error::invalid(
                    "batch_norm",
                    format!(
                    "running_mean and running_var must be given in evaluation mode (training=false), input of shape {}",
                    shape_str(&xs)
                ),
                ))
            }
        }
    };
    // In training `var` holds Σ(x − mean)² so far; the biased variance divides by m.
    let biased = |c: usize| if training { var[c] / lay.m() as f64 } else { var[c] };
    let invstd: Vec<f64> = (0..lay.c).map(|c| 1.0 / (biased(c) + eps as f64).sqrt()).collect();
    // y = x·alpha + beta with alpha = invstd·w, beta = b − mean·alpha (torch's CPU form).
    let ab: Vec<(f32, f32)> = (0..lay.c)
        .map(|c| {
            let alpha = invstd[c] * w.as_ref().map_or(1.0, |w| w[c] as f64);
            (alpha as f32, (b.as_ref().map_or(0.0, |b| b[c] as f64) - mean[c] * alpha) as f32)
        })
        .collect();
    // Every element is written below.
    let mut y = crate::kernels::pool::take(xsl.len());
    lay.map_planes(&mut y, [&xsl, &xsl], |c, o, xp, _| {
        let (a, bb) = ab[c];
        for (ov, xv) in o.iter_mut().zip(xp) {
            *ov = xv * a + bb;
        }
    });
    let out = ArrayD::from_shape_vec(xd.raw_dim(), y).expect("same count");
    drop(xd);
    if training && lay.m() > 0 {
        let mom = momentum as f64;
        let m = lay.m() as f64;
        if let Some(t) = running_mean {
            let mut d = t.data_mut();
            d.iter_mut().zip(&mean).for_each(|(r, s)| *r = (mom * s + (1.0 - mom) * *r as f64) as f32);
        }
        if let Some(t) = running_var {
            let mut d = t.data_mut();
            d.iter_mut().zip(&var).for_each(|(r, ss)| *r = (mom * ss / (m - 1.0) + (1.0 - mom) * *r as f64) as f32);
        }
    }
    let mut inputs = vec![x];
    inputs.extend(weight);
    inputs.extend(bias);
    let bw = BatchNormBackward { lay, training, mean, invstd, has_weight: weight.is_some(), has_bias: bias.is_some() };
    Ok(Tensor::from_op(out, &inputs, bw))
}

#[cfg(test)]
mod tests {
    use super::batch_norm;
    use crate::autograd::gradcheck::{dot, indexed};
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    fn close(a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn training_forward_and_running_statistics_by_hand() {
        // Channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: 0, 0, 2, 6.
        let x = Tensor::from_vec(&[4, 2], vec![1., 0., 2., 0., 3., 2., 4., 6.]).unwrap();
        let (rm, rv) = (Tensor::zeros(&[2]), Tensor::ones(&[2]));
        let (w, b) = (Tensor::from_vec(&[2], vec![2., 0.5]).unwrap(), Tensor::from_vec(&[2], vec![0., 1.]).unwrap());
        let y = batch_norm(&x, Some(&rm), Some(&rv), Some(&w), Some(&b), true, 0.1, 1e-5).unwrap();
        let (s0, s1) = ((1.25f32 + 1e-5).sqrt(), (6.0f32 + 1e-5).sqrt()); // channel 1: mean 2, biased var 6
        let want: Vec<f32> = [1., 0., 2., 0., 3., 2., 4., 6.]
            .chunks(2)
            .flat_map(|r| [2. * (r[0] - 2.5) / s0, 0.5 * (r[1] - 2.) / s1 + 1.])
            .collect();
        close(&y.to_vec(), &want, 1e-5);
        close(&rm.to_vec(), &[0.25, 0.2], 1e-6);
        close(&rv.to_vec(), &[0.9 + 0.1 * 5. / 3., 0.9 + 0.1 * 8.], 1e-6);
        // Another momentum, on a 4-D input: 2 samples × 2×1 positions = 4 values per channel.
        let x4 = Tensor::from_vec(&[2, 2, 2, 1], vec![1., 2., 10., 10., 3., 4., 20., 40.]).unwrap();
        let (rm, rv) = (Tensor::from_vec(&[2], vec![1., -1.]).unwrap(), Tensor::from_vec(&[2], vec![2., 3.]).unwrap());
        batch_norm(&x4, Some(&rm), Some(&rv), None, None, true, 0.25, 1e-5).unwrap();
        // Channel 1: 10, 10, 20, 40: mean 20, Σ(x−mean)² = 600, unbiased 200.
        close(&rm.to_vec(), &[0.75 + 0.25 * 2.5, -0.75 + 0.25 * 20.], 1e-5);
        close(&rv.to_vec(), &[1.5 + 0.25 * 5. / 3., 2.25 + 0.25 * 200.], 1e-4);
        // Momentum 0 leaves the buffers, 1 replaces them; eval mode never touches them.
        batch_norm(&x4, Some(&rm), Some(&rv), None, None, true, 0.0, 1e-5).unwrap();
        close(&rv.to_vec(), &[1.5 + 0.25 * 5. / 3., 2.25 + 0.25 * 200.], 1e-4);
        batch_norm(&x4, Some(&rm), Some(&rv), None, None, true, 1.0, 1e-5).unwrap();
        close(&rm.to_vec(), &[2.5, 20.], 1e-6);
        close(&rv.to_vec(), &[5. / 3., 200.], 1e-4);
        let ye = batch_norm(&x4, Some(&rm), Some(&rv), None, None, false, 0.1, 1e-5).unwrap();
        close(&rm.to_vec(), &[2.5, 20.], 1e-6);
        let (s0, s1) = ((5f32 / 3. + 1e-5).sqrt(), (200f32 + 1e-5).sqrt());
        close(&ye.to_vec()[..3], &[-1.5 / s0, -0.5 / s0, -10. / s1], 1e-5);
    }

    #[test]
    fn errors_match_torch() {
        let e = |x: &Tensor, training: bool| {
            batch_norm(x, None, None, None, None, training, 0.1, 1e-5).unwrap_err().to_string()
        };
        assert_eq!(
            e(&Tensor::ones(&[1, 3]), true),
            "batch_norm: Expected more than 1 value per channel when training, got input size [1, 3]"
        );
        assert!(e(&Tensor::ones(&[1, 3, 1, 1]), true).contains("more than 1 value per channel"));
        // One value per channel is fine in eval mode, with running statistics.
        let (rm, rv) = (Tensor::zeros(&[3]), Tensor::ones(&[3]));
        assert!(batch_norm(&Tensor::ones(&[1, 3]), Some(&rm), Some(&rv), None, None, false, 0.1, 1e-5).is_ok());
        assert!(e(&Tensor::ones(&[2, 3]), false).contains("running_mean and running_var must be given"));
        assert!(e(&Tensor::ones(&[3]), true).contains("at least 2 dimensions"));
        let w = Tensor::ones(&[4]);
        let m =
            batch_norm(&Tensor::ones(&[2, 3, 5]), None, None, Some(&w), None, true, 0.1, 1e-5).unwrap_err().to_string();
        assert_eq!(m, "batch_norm: weight of shape [4] does not fit input of shape [2, 3, 5] (expects [3], one value per channel)");
    }

    fn run(shape: &[usize], training: bool, affine: bool, seed: u64) {
        let o = GradcheckOpts::default();
        let c = shape[1];
        let x = test_input(shape, seed, 0.0);
        let (rm, rv) = (
            Tensor::new(test_input(&[c], seed + 1, 0.0)),
            Tensor::new(test_input(&[c], seed + 2, 0.0).mapv(|v| v.abs() + 0.5)),
        );
        let (r1, r2) = (Some(&rm), Some(&rv));
        if affine {
            let (w, b) = (test_input(&[c], seed + 3, 0.0), test_input(&[c], seed + 4, 0.0));
            gradcheck(|t| batch_norm(&t[0], r1, r2, Some(&t[1]), Some(&t[2]), training, 0.1, 1e-5), &[x, w, b], o)
                .unwrap();
        } else {
            gradcheck(|t| batch_norm(&t[0], r1, r2, None, None, training, 0.1, 1e-5), &[x], o).unwrap();
        }
    }

    #[test]
    fn gradcheck_training() {
        run(&[5, 3], true, true, 1);
        run(&[4, 2], true, false, 2);
        run(&[3, 2, 4], true, true, 3);
        run(&[2, 3, 3, 2], true, true, 4);
        run(&[2, 2, 2, 3], true, false, 5);
    }

    #[test]
    fn gradcheck_eval() {
        run(&[5, 3], false, true, 6);
        run(&[3, 2, 4], false, false, 7);
        run(&[2, 3, 3, 2], false, true, 8);
    }

    #[test]
    fn gradcheck_weight_only_and_bias_only() {
        let o = GradcheckOpts::default();
        let (x, p) = (test_input(&[3, 2, 4], 9, 0.0), test_input(&[2], 10, 0.0));
        gradcheck(|t| batch_norm(&t[0], None, None, Some(&t[1]), None, true, 0.1, 1e-5), &[x.clone(), p.clone()], o)
            .unwrap();
        gradcheck(|t| batch_norm(&t[0], None, None, None, Some(&t[1]), true, 0.1, 1e-5), &[x, p], o).unwrap();
    }

    #[test]
    fn large_input_parallel_path_normalizes_and_backward_is_orthogonal() {
        // [8, 16, 16, 16] crosses the parallel threshold; check the defining properties per channel.
        let (n, c, s) = (8, 16, 256);
        let x = Tensor::param(test_input(&[n, c, 16, 16], 50, 0.0).mapv(|v| 3.0 * v + 1.0));
        let y = batch_norm(&x, None, None, None, None, true, 0.1, 0.0).unwrap();
        let g = test_input(&[n, c, 16, 16], 51, 0.0);
        y.backward_with(g.clone()).unwrap();
        let (yv, gx, gv) = (y.to_vec(), x.grad().unwrap(), g.as_slice().unwrap().to_vec());
        let gx = gx.as_slice().unwrap();
        for ch in 0..c {
            let idx = || (0..n).flat_map(move |i| (0..s).map(move |k| (i * c + ch) * s + k));
            let m = (n * s) as f64;
            let mean: f64 = idx().map(|i| yv[i] as f64).sum::<f64>() / m;
            let var: f64 = idx().map(|i| (yv[i] as f64 - mean).powi(2)).sum::<f64>() / m;
            assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4, "channel {ch}: mean {mean}, var {var}");
            // dx is orthogonal to 1 and to x̂ (the normalization removes those directions).
            let s1: f64 = idx().map(|i| gx[i] as f64).sum();
            let s2: f64 = idx().map(|i| gx[i] as f64 * yv[i] as f64).sum();
            let scale: f64 = idx().map(|i| (gv[i] as f64).abs()).sum::<f64>() / 3.0;
            assert!(s1.abs() < 1e-4 * scale && s2.abs() < 1e-4 * scale, "channel {ch}: {s1} {s2}");
        }
    }
    #[test]
    fn matches_torch_reference() {
        // torch 2.15: x = 2sin(0.37i + 0.1) + 0.5(i mod 3) [3,4,5], w = 1 + 0.1i, b = 0.05i, running
        // (0, 1), F.batch_norm(x, rm, rv, w, b, True, 0.3, 1e-5), loss = Σ y·sin(0.05i).
        let x = Tensor::param(indexed(&[3, 4, 5], |i| 2.0 * (0.37 * i + 0.1).sin() + 0.5 * (i % 3.0)));
        let (w, b) = (Tensor::param(indexed(&[4], |i| 1.0 + 0.1 * i)), Tensor::param(indexed(&[4], |i| 0.05 * i)));
        let (rm, rv) = (Tensor::zeros(&[4]), Tensor::ones(&[4]));
        let y = batch_norm(&x, Some(&rm), Some(&rv), Some(&w), Some(&b), true, 0.3, 1e-5).unwrap();
        y.backward_with(indexed(&y.shape(), |i| (0.05 * i).sin())).unwrap();
        let got = [
            dot(&y.to_array(), |i| (0.05 * i).sin()),
            dot(&x.grad().unwrap(), |i| (0.07 * i).sin()),
            dot(&w.grad().unwrap(), |i| i),
            dot(&b.grad().unwrap(), |i| i),
        ];
        let want = [-1.214886146762432, 5.928587699399204, -4.207600265741348, 60.795888900756836];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-4 * w.abs().max(1.0), "{got:?} vs {want:?}");
        }
        close(&rm.to_vec(), &[0.45199588, -0.05120783, -0.04109401, 0.45653513], 1e-6);
        close(&rv.to_vec(), &[1.0380875, 1.2848426, 1.247677, 1.0531067], 1e-6);
    }
}
