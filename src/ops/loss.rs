//! log_softmax, mse_loss (mean) and cross_entropy (class ids, mean), as torch.nn.functional.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::ops::reduce::norm_axes;
use crate::tensor::Tensor;
use ndarray::{ArrayD, Axis};

struct LogSoftmaxBackward {
    axis: usize,
    /// softmax = exp(output)
    softmax: ArrayD<f32>,
}

impl GradFn for LogSoftmaxBackward {
    fn name(&self) -> &'static str {
        "LogSoftmaxBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, _inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        // dx = g − softmax·Σg (torch's formula), the sum and the product in f64, rounded once.
        let mut dx = g.to_owned();
        for (mut lane, sm) in dx.lanes_mut(Axis(self.axis)).into_iter().zip(self.softmax.lanes(Axis(self.axis))) {
            let s: f64 = lane.iter().map(|&v| v as f64).sum();
            lane.zip_mut_with(&sm, |d, &p| *d = (*d as f64 - p as f64 * s) as f32);
        }
        vec![Some(dx)]
    }
}

/// The row's max m and ln Σ exp(x − m) (in f64) of every lane along `axis`.
fn lane_max_lse(lane: ndarray::ArrayViewD<'_, f32>) -> (f32, f64) {
    let m = lane.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    (m, lane.iter().map(|&v| ((v - m) as f64).exp()).sum::<f64>().ln())
}

/// log_softmax in torch's order, `(x − max) − ln Σ exp(x − max)` (never `x − (max + ln Σ)`, which
/// rounds the sum to the max's ulp and loses the small log-probabilities of confident rows), here
/// in f64 and rounded once.
fn log_softmax_array(x: &ArrayD<f32>, axis: usize) -> ArrayD<f32> {
    let mut out = x.to_owned();
    for mut lane in out.lanes_mut(Axis(axis)) {
        let (m, lse) = lane_max_lse(lane.view().into_dyn());
        lane.mapv_inplace(|v| ((v as f64 - m as f64) - lse) as f32);
    }
    out
}

impl Tensor {
    /// log(softmax(x)) along `dim`, computed stably.
    pub fn log_softmax(&self, dim: isize) -> Result<Tensor> {
        let axis = norm_axes("log_softmax", &[dim], &self.shape())?[0];
        let out = log_softmax_array(&self.data(), axis);
        let softmax = out.mapv(f32::exp);
        Ok(Tensor::from_op(out, &[self], LogSoftmaxBackward { axis, softmax }))
    }
}

struct MseBackward {
    n: f32,
}

impl GradFn for MseBackward {
    fn name(&self) -> &'static str {
        "MseLossBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let scale = g.iter().next().copied().unwrap_or(0.0) * 2.0 / self.n;
        let diff = &*inputs[0].data() - &*inputs[1].data();
        let gp = diff.mapv(|d| d * scale);
        let gt = inputs[1].requires_grad().then(|| gp.mapv(|v| -v));
        vec![Some(gp), gt]
    }
}

/// Mean squared error between `pred` and `target` of the same shape.
pub fn mse_loss(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    let (p, t) = (pred.data(), target.data());
    if p.shape() != t.shape() {
        return Err(Error::shape(
            "mse_loss",
            format!("input of shape {} and target of shape {} differ", shape_str(p.shape()), shape_str(t.shape())),
        ));
    }
    let n = p.len().max(1) as f32;
    let s: f64 = p.iter().zip(t.iter()).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
    let out = ArrayD::from_elem(ndarray::IxDyn(&[]), (s / n as f64) as f32);
    drop((p, t));
    Ok(Tensor::from_op(out, &[pred, target], MseBackward { n }))
}

struct CrossEntropyBackward {
    /// (softmax − one_hot(target)) / N
    grad: ArrayD<f32>,
}

impl GradFn for CrossEntropyBackward {
    fn name(&self) -> &'static str {
        "NllLossBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, _inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let s = g.iter().next().copied().unwrap_or(0.0);
        vec![Some(self.grad.mapv(|v| v * s))]
    }
}

/// Mean cross-entropy of logits [N, C] against class ids in 0..C (log_softmax + nll, fused).
pub fn cross_entropy(logits: &Tensor, targets: &[usize]) -> Result<Tensor> {
    let x = logits.data();
    if x.ndim() != 2 || x.shape()[0] != targets.len() {
        return Err(Error::shape(
            "cross_entropy",
            format!("logits of shape {} need shape [N, C] with N = {} targets", shape_str(x.shape()), targets.len()),
        ));
    }
    let c = x.shape()[1];
    if let Some((i, &t)) = targets.iter().enumerate().find(|(_, &t)| t >= c) {
        return Err(Error::invalid("cross_entropy", format!("target {t} at row {i} is out of range for {c} classes")));
    }
    let n = targets.len();
    let xs = x.as_standard_layout();
    let xv = xs.as_slice().expect("standard layout");
    let graph = Tensor::needs_graph(&[logits]);
    // Per row: the max m, e_j = exp(x_j − m) and S = Σ e_j in f64; the log-probability of the
    // target is (x_t − m) − ln S, in torch's order. d/dx = (softmax − one_hot) / N, each element
    // from the f64 values and rounded once: e_j / S off the target, −(Σ_{j≠t} e_j) / S on it (the
    // sum of the others, so p ≈ 1 cancels nothing). torch computes exp(lsm) · (−1/N) and subtracts
    // from −1/N, rounding the f32 log-probability and the exp first; when p ≈ 1 (a trained net)
    // the difference cancels, and a rounding before it costs most of its bits.
    let inv_n = 1.0 / n.max(1) as f64;
    let mut grad = if graph { crate::kernels::pool::take(n * c) } else { Vec::new() };
    let mut e = vec![0.0f64; c];
    let mut total = 0.0f64;
    for (i, (&t, row)) in targets.iter().zip(xv.chunks_exact(c.max(1))).enumerate() {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        for (ej, &v) in e.iter_mut().zip(row) {
            *ej = ((v - m) as f64).exp();
        }
        let s: f64 = e.iter().sum();
        total += -((row[t] as f64 - m as f64) - s.ln());
        if graph {
            let rest: f64 = e.iter().enumerate().filter(|&(j, _)| j != t).map(|(_, &v)| v).sum();
            for (j, (g, &ej)) in grad[i * c..(i + 1) * c].iter_mut().zip(&e).enumerate() {
                *g = (if j == t { -rest } else { ej } / s * inv_n) as f32;
            }
        }
    }
    let out = ArrayD::from_elem(ndarray::IxDyn(&[]), (total / n.max(1) as f64) as f32);
    if !graph {
        return Ok(Tensor::new(out));
    }
    let grad = ArrayD::from_shape_vec(x.raw_dim(), grad).expect("same count");
    drop(xs);
    drop(x);
    Ok(Tensor::from_op(out, &[logits], CrossEntropyBackward { grad }))
}

#[cfg(test)]
mod tests {
    use super::{cross_entropy, mse_loss};
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;

    #[test]
    fn values() {
        // uniform logits over 3 classes: loss ln 3
        let z = Tensor::zeros(&[4, 3]);
        let l = cross_entropy(&z, &[0, 1, 2, 0]).unwrap().item().unwrap();
        assert!((l - 3f32.ln()).abs() < 1e-6);
        let p = Tensor::from_vec(&[2], vec![1., 3.]).unwrap();
        let t = Tensor::from_vec(&[2], vec![0., 0.]).unwrap();
        assert_eq!(mse_loss(&p, &t).unwrap().item().unwrap(), 5.0);
        assert_eq!(
            cross_entropy(&z, &[0, 3, 1, 1]).unwrap_err().to_string(),
            "cross_entropy: target 3 at row 1 is out of range for 3 classes"
        );
        assert!(mse_loss(&p, &z).is_err());
        let ls = Tensor::from_vec(&[1, 2], vec![0., 0.]).unwrap().log_softmax(1).unwrap().to_vec();
        assert!((ls[0] + 2f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn gradcheck_losses() {
        let o = GradcheckOpts::default();
        let x = test_input(&[4, 3], 21, 0.0);
        let y = test_input(&[4, 3], 22, 0.0);
        gradcheck(|t| t[0].log_softmax(1), &[x.clone()], o).unwrap();
        gradcheck(|t| t[0].log_softmax(0), &[x.clone()], o).unwrap();
        gradcheck(|t| mse_loss(&t[0], &t[1]), &[x.clone(), y], o).unwrap();
        gradcheck(|t| cross_entropy(&t[0], &[2, 0, 1, 2]), &[x], o).unwrap();
    }
}
