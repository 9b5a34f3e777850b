//! Signal propagation at init: forward a N(0,1) batch, backward a unit-normal gradient from the
//! output, and measure each leaf module's output (mean, std) and the gradient arriving at it.
//! Statistics accumulate in f64, so values near f32's range are reported as they are, not as an
//! overflow of the statistic itself.

use crate::error::Result;
use crate::nn::{Module, Residual, Sequential};
use crate::rng::Rng;
use crate::tensor::Tensor;
use ndarray::{ArrayD, IxDyn};

/// One leaf module's statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerStat {
    /// Dotted module name (`3`, `features.0`).
    pub name: String,
    pub type_name: String,
    /// 1-based position in forward order.
    pub depth: usize,
    pub act_mean: f64,
    pub act_std: f64,
    /// Std of d(output·g)/d(layer output) for the unit-normal upstream gradient g.
    pub grad_std: f64,
    /// Whether every value of the output is finite.
    pub finite: bool,
}

/// Mean and population std in f64; non-finite values make both non-finite.
pub fn mean_std(values: &[f32]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// torch's `x.std()` of a float32 tensor: the unbiased (n − 1) standard deviation, accumulated in
/// f64 (NaN for fewer than two values, as torch gives). torch takes the mean from a float32 sum,
/// so where that sum passes f32::MAX its std is NaN even though every value is finite; the same
/// here, so that a probe prints what the PyTorch program prints.
pub fn std_unbiased(values: &[f32]) -> f64 {
    let n = values.len() as f64;
    let sum = values.iter().map(|&v| v as f64).sum::<f64>();
    if sum.abs() > f32::MAX as f64 {
        return f64::NAN;
    }
    let mean = sum / n;
    let ss = values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>();
    (ss / (n - 1.0)).sqrt()
}

/// Runs `m` on `x` leaf by leaf (descending into `Sequential`s and `Residual`s), calling `tap` on
/// every leaf output and on every Residual's output (its sum; the block's own row); `tap`
/// returns the tensor passed on.
pub fn forward_leaves(
    m: &dyn Module,
    prefix: &str,
    x: &Tensor,
    tap: &mut dyn FnMut(&str, &dyn Module, Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    if let Some(seq) = m.downcast_ref::<Sequential>() {
        let mut h = x.clone();
        for (name, child) in &seq.layers {
            let full = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
            h = forward_leaves(child.as_ref(), &full, &h, tap)?;
        }
        Ok(h)
    } else if let Some(r) = m.downcast_ref::<Residual>() {
        let out = r.forward_with(x, &mut |name, child, x| {
            let full = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
            forward_leaves(child, &full, x, tap)
        })?;
        tap(prefix, m, out)
    } else {
        let out = m.forward(x)?;
        tap(prefix, m, out)
    }
}

/// The probe: statistics of every leaf module of `model` for `input`, with the upstream
/// gradient drawn from `rng`. Non-finite outputs are recorded, never an error.
pub fn probe(model: &dyn Module, input: &Tensor, rng: &mut Rng) -> Result<Vec<LayerStat>> {
    // A zero leaf added to each output ("tap") receives exactly the gradient at that output.
    let mut taps: Vec<(String, String, Tensor, ArrayD<f32>)> = Vec::new();
    let out = forward_leaves(model, "", input, &mut |name, m, h| {
        let z = Tensor::param(ArrayD::zeros(IxDyn(&h.shape())));
        let tapped = h.add(&z)?;
        taps.push((name.to_string(), m.type_name().to_string(), z, h.to_array()));
        Ok(tapped)
    })?;
    if taps.is_empty() {
        return Err(crate::Error::invalid("probe", "the model has no layers to measure"));
    }
    // torch: `out.backward(torch.randn_like(out))`
    let g = rng.randn(&out.shape());
    out.backward_with(g)?;
    let mut stats = Vec::with_capacity(taps.len());
    for (i, (name, ty, z, act)) in taps.into_iter().enumerate() {
        let a = act.as_slice().map(|s| s.to_vec()).unwrap_or_else(|| act.iter().copied().collect());
        let (act_mean, _) = mean_std(&a);
        let act_std = std_unbiased(&a);
        let grad = z.grad().map(|g| g.iter().copied().collect::<Vec<f32>>()).unwrap_or_default();
        let grad_std = std_unbiased(&grad);
        stats.push(LayerStat {
            name,
            type_name: ty,
            depth: i + 1,
            act_mean,
            act_std,
            grad_std,
            finite: a.iter().all(|v| v.is_finite()),
        });
    }
    Ok(stats)
}

/// The first layer (in forward order) whose output is not finite.
pub fn first_non_finite(stats: &[LayerStat]) -> Option<&LayerStat> {
    stats.iter().find(|s| !s.finite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Linear, Tanh};

    fn deep_linear(depth: usize, width: usize, std: f32, rng: &mut Rng) -> Sequential {
        let mut s = Sequential::new(vec![]);
        for _ in 0..depth {
            let l = Linear::with_rng(width, width, false, rng);
            let w = rng.randn(&[width, width]) * std;
            l.weight.set_data(w).unwrap();
            s.push(Box::new(l));
        }
        s
    }

    #[test]
    fn unit_normal_weights_blow_up_by_sqrt_width_per_layer() {
        let mut rng = Rng::new(0);
        let model = deep_linear(40, 256, 1.0, &mut rng);
        let x = Tensor::new(rng.randn(&[16, 256]));
        let stats = probe(&model, &x, &mut rng).unwrap();
        assert_eq!(stats.len(), 40);
        // std grows by √256 = 16 per layer; 16 samples × 256 units estimate it to a few percent.
        assert!((stats[0].act_std / 16.0 - 1.0).abs() < 0.1, "{}", stats[0].act_std);
        assert!((stats[1].act_std / 256.0 - 1.0).abs() < 0.15, "{}", stats[1].act_std);
        let bad = first_non_finite(&stats).expect("overflows before layer 40");
        // 16^k passes f32::MAX (3.4e38 ≈ 16^32) near k = 32.
        assert!((28..=34).contains(&bad.depth), "first non-finite at {}", bad.depth);
        // torch's x.std() turns NaN a layer or so before the values themselves stop being finite
        // (its float32 sum for the mean overflows first); up to there it is finite and huge.
        let nan_at = stats.iter().position(|s| !s.act_std.is_finite()).unwrap() + 1;
        assert!(nan_at <= bad.depth && nan_at + 3 >= bad.depth, "std NaN at {nan_at}, values at {}", bad.depth);
        assert!(stats[nan_at - 2].act_std > 1e30, "{}", stats[nan_at - 2].act_std);
    }

    #[test]
    fn scaled_weights_keep_unit_std_and_tanh_stack_is_tapped() {
        let mut rng = Rng::new(1);
        let model = deep_linear(20, 256, 1.0 / 16.0, &mut rng);
        let x = Tensor::new(rng.randn(&[16, 256]));
        let stats = probe(&model, &x, &mut rng).unwrap();
        assert!(
            stats.iter().all(|s| s.act_std > 0.5 && s.act_std < 2.0),
            "{:?}",
            stats.iter().map(|s| s.act_std).collect::<Vec<_>>()
        );
        // Gradient std at the last layer's output is that of the unit-normal seed gradient.
        assert!((stats[19].grad_std - 1.0).abs() < 0.1);
        let mut s = Sequential::new(vec![]);
        s.push(Box::new(Linear::with_rng(4, 4, true, &mut rng)));
        s.push(Box::new(Tanh));
        let names: Vec<String> = probe(&s, &Tensor::ones(&[2, 4]), &mut rng)
            .unwrap()
            .into_iter()
            .map(|l| format!("{}:{}", l.name, l.type_name))
            .collect();
        assert_eq!(names, ["0:Linear", "1:Tanh"]);
    }
}
