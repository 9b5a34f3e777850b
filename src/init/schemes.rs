//! The elementwise schemes of `torch.nn.init`: uniform, normal, trunc_normal, constant, ones,
//! zeros, xavier_{uniform,normal}, kaiming_{uniform,normal}. Each fills the tensor in place; the
//! plain name draws from the thread's default generator, `…_with` from the given one.

use super::fan::{calculate_gain, correct_fan, fans, FanMode};
use super::trunc_normal::trunc_normal_draw;
use crate::error::{Error, Result};
use crate::rng::{with_default_rng, Rng};
use crate::tensor::Tensor;

/// torch's `t.uniform_(from, to)`: one word per element, in memory order.
pub(crate) fn draw_uniform(t: &Tensor, from: f64, to: f64, rng: &mut Rng) {
    let mut d = t.data_mut();
    match d.as_slice_memory_order_mut() {
        Some(s) => rng.uniform_(s, from, to),
        None => {
            let mut v = vec![0f32; d.len()];
            rng.uniform_(&mut v, from, to);
            d.iter_mut().zip(v).for_each(|(x, v)| *x = v);
        }
    }
}

/// torch's `t.normal_(mean, std)`: the vectorized path for a contiguous tensor, the scalar one
/// (in memory order) for any other layout.
pub(crate) fn draw_normal(t: &Tensor, mean: f64, std: f64, rng: &mut Rng) {
    let mut d = t.data_mut();
    if let Some(s) = d.as_slice_mut() {
        return rng.normal_(s, mean, std);
    }
    match d.as_slice_memory_order_mut() {
        Some(s) => rng.normal_noncontiguous_(s, mean, std),
        None => {
            let mut v = vec![0f32; d.len()];
            rng.normal_noncontiguous_(&mut v, mean, std);
            d.iter_mut().zip(v).for_each(|(x, v)| *x = v);
        }
    }
}

/// `uniform_(tensor, a=0, b=1)`: U(a, b).
pub fn uniform_(t: &Tensor, a: f64, b: f64) -> Result<()> {
    with_default_rng(|r| uniform_with(t, a, b, r))
}

pub fn uniform_with(t: &Tensor, a: f64, b: f64, rng: &mut Rng) -> Result<()> {
    if !(a.is_finite() && b.is_finite() && a <= b) {
        return Err(Error::invalid("uniform_", format!("needs finite a <= b, got a={a}, b={b}")));
    }
    draw_uniform(t, a, b, rng);
    Ok(())
}

/// `normal_(tensor, mean=0, std=1)`: N(mean, std²).
pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<()> {
    with_default_rng(|r| normal_with(t, mean, std, r))
}

pub fn normal_with(t: &Tensor, mean: f64, std: f64, rng: &mut Rng) -> Result<()> {
    if !(mean.is_finite() && std.is_finite() && std >= 0.0) {
        return Err(Error::invalid("normal_", format!("needs a finite mean and std >= 0, got mean={mean}, std={std}")));
    }
    draw_normal(t, mean, std, rng);
    Ok(())
}

/// `trunc_normal_(tensor, mean=0, std=1, a=-2, b=2)`: N(mean, std²) truncated to [a, b], drawn as
/// torch 2.15 draws it (rejection sampling, see [`super::trunc_normal`]).
pub fn trunc_normal_(t: &Tensor, mean: f64, std: f64, a: f64, b: f64) -> Result<()> {
    with_default_rng(|r| trunc_normal_with(t, mean, std, a, b, r))
}

pub fn trunc_normal_with(t: &Tensor, mean: f64, std: f64, a: f64, b: f64, rng: &mut Rng) -> Result<()> {
    check_trunc_normal(mean, std, a, b)?;
    if mean < a - 2.0 * std || mean > b + 2.0 * std {
        super::warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.",
        );
    }
    trunc_normal_draw(&mut t.data_mut(), mean, std, a, b, rng);
    Ok(())
}

pub(crate) fn check_trunc_normal(mean: f64, std: f64, a: f64, b: f64) -> Result<()> {
    if !(mean.is_finite() && std.is_finite() && std > 0.0 && a.is_finite() && b.is_finite() && a < b) {
        return Err(Error::invalid(
            "trunc_normal_",
            format!("needs finite mean, std > 0 and a < b, got mean={mean}, std={std}, a={a}, b={b}"),
        ));
    }
    Ok(())
}

/// `constant_(tensor, val)`.
pub fn constant_(t: &Tensor, val: f64) -> Result<()> {
    t.data_mut().fill(val as f32);
    Ok(())
}

/// `ones_(tensor)`.
pub fn ones_(t: &Tensor) -> Result<()> {
    constant_(t, 1.0)
}

/// `zeros_(tensor)`.
pub fn zeros_(t: &Tensor) -> Result<()> {
    constant_(t, 0.0)
}

/// The std of xavier (Glorot) init: gain·√(2/(fan_in+fan_out)).
pub fn xavier_std(shape: &[usize], gain: f64) -> Result<f64> {
    let (fan_in, fan_out) = fans(shape)?;
    Ok(gain * (2.0 / (fan_in + fan_out) as f64).sqrt())
}

/// `xavier_uniform_(tensor, gain=1)`: U(±gain·√(6/(fan_in+fan_out))).
pub fn xavier_uniform_(t: &Tensor, gain: f64) -> Result<()> {
    with_default_rng(|r| xavier_uniform_with(t, gain, r))
}

pub fn xavier_uniform_with(t: &Tensor, gain: f64, rng: &mut Rng) -> Result<()> {
    let a = 3f64.sqrt() * xavier_std(&t.shape(), gain)?;
    draw_uniform(t, -a, a, rng);
    Ok(())
}

/// `xavier_normal_(tensor, gain=1)`: N(0, gain²·2/(fan_in+fan_out)).
pub fn xavier_normal_(t: &Tensor, gain: f64) -> Result<()> {
    with_default_rng(|r| xavier_normal_with(t, gain, r))
}

pub fn xavier_normal_with(t: &Tensor, gain: f64, rng: &mut Rng) -> Result<()> {
    let std = xavier_std(&t.shape(), gain)?;
    draw_normal(t, 0.0, std, rng);
    Ok(())
}

/// The std of kaiming (He) init: calculate_gain(nonlinearity, a) / √fan. `None` for an empty
/// tensor (torch: "Initializing zero-element tensors is a no-op").
pub fn kaiming_std(shape: &[usize], a: f64, mode: FanMode, nonlinearity: &str) -> Result<Option<f64>> {
    let fan = correct_fan(shape, mode)?;
    let gain = calculate_gain(nonlinearity, Some(a))?;
    if shape.contains(&0) || fan == 0 {
        return Ok(None);
    }
    Ok(Some(gain / (fan as f64).sqrt()))
}

/// `kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu")`: U(±√3·std).
pub fn kaiming_uniform_(t: &Tensor, a: f64, mode: &str, nonlinearity: &str) -> Result<()> {
    with_default_rng(|r| kaiming_uniform_with(t, a, mode, nonlinearity, r))
}

pub fn kaiming_uniform_with(t: &Tensor, a: f64, mode: &str, nonlinearity: &str, rng: &mut Rng) -> Result<()> {
    let Some(std) = kaiming_std(&t.shape(), a, mode.parse()?, nonlinearity)? else {
        super::warn("Initializing zero-element tensors is a no-op");
        return Ok(());
    };
    let bound = 3f64.sqrt() * std;
    draw_uniform(t, -bound, bound, rng);
    Ok(())
}

/// `kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu")`: N(0, std²).
pub fn kaiming_normal_(t: &Tensor, a: f64, mode: &str, nonlinearity: &str) -> Result<()> {
    with_default_rng(|r| kaiming_normal_with(t, a, mode, nonlinearity, r))
}

pub fn kaiming_normal_with(t: &Tensor, a: f64, mode: &str, nonlinearity: &str, rng: &mut Rng) -> Result<()> {
    let Some(std) = kaiming_std(&t.shape(), a, mode.parse()?, nonlinearity)? else {
        super::warn("Initializing zero-element tensors is a no-op");
        return Ok(());
    };
    draw_normal(t, 0.0, std, rng);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// (mean, std, min, max) in f64.
    pub(crate) fn stats(t: &Tensor) -> (f64, f64, f64, f64) {
        let v = t.to_vec();
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        let min = v.iter().fold(f64::INFINITY, |a, &x| a.min(x as f64));
        let max = v.iter().fold(f64::NEG_INFINITY, |a, &x| a.max(x as f64));
        (mean, var.sqrt(), min, max)
    }

    /// 5-sigma tolerance of a std estimate from n normal samples: 5·std/√(2n). (For uniform
    /// samples the estimate is tighter, so this bound is conservative.)
    pub(crate) fn std_tol(std: f64, n: usize) -> f64 {
        5.0 * std / (2.0 * n as f64).sqrt()
    }

    // [256, 128]: 32768 samples, so the 5-sigma std tolerance is 2% of the std.
    const SHAPE: [usize; 2] = [256, 128];
    const N: usize = 256 * 128;

    fn check_uniform(t: &Tensor, bound: f64) {
        let (mean, std, min, max) = stats(t);
        assert!(min >= -bound && max < bound, "[{min}, {max}] outside ±{bound}");
        // the chance that 32768 draws all miss the top 0.1% of the range is e^-32.
        assert!(max > 0.998 * bound && min < -0.998 * bound, "[{min}, {max}] vs ±{bound}");
        let want = bound / 3f64.sqrt();
        assert!((std - want).abs() < std_tol(want, N), "std {std} want {want}");
        assert!(mean.abs() < 5.0 * want / (N as f64).sqrt(), "mean {mean}");
    }

    fn check_normal(t: &Tensor, want_mean: f64, want: f64) {
        let (mean, std, _, _) = stats(t);
        assert!((std - want).abs() < std_tol(want, N), "std {std} want {want}");
        assert!((mean - want_mean).abs() < 5.0 * want / (N as f64).sqrt(), "mean {mean}");
    }

    #[test]
    fn uniform_and_normal() {
        let t = Tensor::zeros(&SHAPE);
        uniform_with(&t, -0.5, 0.5, &mut Rng::new(1)).unwrap();
        check_uniform(&t, 0.5);
        uniform_with(&t, 3.0, 5.0, &mut Rng::new(1)).unwrap();
        let (_, _, min, max) = stats(&t);
        assert!(min >= 3.0 && max < 5.0 && min < 3.002 && max > 4.998);
        normal_with(&t, 2.0, 0.5, &mut Rng::new(2)).unwrap();
        check_normal(&t, 2.0, 0.5);
        let e = uniform_with(&t, 1.0, 0.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("a <= b") && e.contains("a=1"), "{e}");
        let e = normal_with(&t, 0.0, -1.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("std >= 0") && e.contains("std=-1"), "{e}");
    }

    #[test]
    fn trunc_normal_bounds_and_std() {
        let t = Tensor::zeros(&SHAPE);
        trunc_normal_with(&t, 0.0, 1.0, -2.0, 2.0, &mut Rng::new(3)).unwrap();
        let (mean, std, min, max) = stats(&t);
        assert!(min >= -2.0 && max <= 2.0);
        assert!(max > 1.95 && min < -1.95, "{min} {max}");
        // std of N(0,1) truncated to [-2, 2] = 0.8796 (scipy.stats.truncnorm(-2, 2).std()).
        assert!((std - 0.879_626).abs() < std_tol(0.88, N), "{std}");
        assert!(mean.abs() < 5.0 * 0.88 / (N as f64).sqrt());
        // Narrow truncation: [mean - std/2, mean + std] with mean 1, std 0.02.
        trunc_normal_with(&t, 1.0, 0.02, 0.99, 1.02, &mut Rng::new(4)).unwrap();
        let (_, _, min, max) = stats(&t);
        assert!(min >= 0.99 && max <= 1.02, "{min} {max}");
        let e = trunc_normal_with(&t, 0.0, 1.0, 2.0, -2.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("a < b"), "{e}");
    }

    #[test]
    fn constants() {
        let t = Tensor::zeros(&[3, 2]);
        constant_(&t, 0.3).unwrap();
        assert_eq!(t.to_vec(), vec![0.3f32; 6]);
        ones_(&t).unwrap();
        assert_eq!(t.to_vec(), vec![1f32; 6]);
        zeros_(&t).unwrap();
        assert_eq!(t.to_vec(), vec![0f32; 6]);
    }

    #[test]
    fn xavier_bounds_and_std() {
        let t = Tensor::zeros(&SHAPE);
        xavier_uniform_with(&t, 1.0, &mut Rng::new(5)).unwrap();
        check_uniform(&t, (6.0f64 / 384.0).sqrt());
        xavier_normal_with(&t, 5.0 / 3.0, &mut Rng::new(6)).unwrap();
        check_normal(&t, 0.0, 5.0 / 3.0 * (2.0f64 / 384.0).sqrt());
        // conv weight [32, 16, 3, 3]: fan_in 144, fan_out 288
        let c = Tensor::zeros(&[32, 16, 3, 3]);
        xavier_uniform_with(&c, 1.0, &mut Rng::new(5)).unwrap();
        let (_, _, min, max) = stats(&c);
        let bound = (6.0f64 / 432.0).sqrt();
        assert!(min >= -bound && max < bound && max > 0.99 * bound);
        let e = xavier_normal_with(&Tensor::zeros(&[7]), 1.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("fewer than 2 dimensions") && e.contains("[7]"), "{e}");
    }

    #[test]
    fn kaiming_bounds_and_std() {
        let t = Tensor::zeros(&SHAPE);
        // torch's default for Linear: a=√5 gives bound 1/√fan_in.
        kaiming_uniform_with(&t, 5f64.sqrt(), "fan_in", "leaky_relu", &mut Rng::new(7)).unwrap();
        check_uniform(&t, 1.0 / 128f64.sqrt());
        kaiming_uniform_with(&t, 0.0, "fan_out", "relu", &mut Rng::new(7)).unwrap();
        check_uniform(&t, (6.0f64 / 256.0).sqrt());
        kaiming_normal_with(&t, 0.0, "fan_in", "relu", &mut Rng::new(8)).unwrap();
        check_normal(&t, 0.0, (2.0f64 / 128.0).sqrt());
        kaiming_normal_with(&t, 0.2, "fan_out", "leaky_relu", &mut Rng::new(8)).unwrap();
        check_normal(&t, 0.0, (2.0f64 / 1.04 / 256.0).sqrt());
        // conv weight [64, 32, 3, 3] (fan_in 288), 18432 samples
        let c = Tensor::zeros(&[64, 32, 3, 3]);
        kaiming_normal_with(&c, 0.0, "fan_in", "relu", &mut Rng::new(9)).unwrap();
        let (_, std, _, _) = stats(&c);
        let want = (2.0f64 / 288.0).sqrt();
        assert!((std - want).abs() < std_tol(want, 18432), "{std}");
    }

    #[test]
    fn kaiming_errors_and_empty_tensors() {
        let t = Tensor::zeros(&[4, 4]);
        let e = kaiming_normal_with(&t, 0.0, "fan_middle", "relu", &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("'fan_middle'") && e.contains("fan_in, fan_out"), "{e}");
        let e = kaiming_uniform_with(&t, 0.0, "fan_in", "gelu", &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("'gelu'") && e.contains("tanh"), "{e}");
        let e = kaiming_uniform_with(&Tensor::zeros(&[4]), 0.0, "fan_in", "relu", &mut Rng::new(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fewer than 2 dimensions"), "{e}");
        // zero-element: a no-op with a warning, as torch.
        let empty = Tensor::zeros(&[0, 4]);
        kaiming_normal_with(&empty, 0.0, "fan_in", "relu", &mut Rng::new(0)).unwrap();
        assert_eq!(empty.numel(), 0);
    }

    #[test]
    fn same_seed_same_bits_default_generator_follows_manual_seed() {
        let a = Tensor::zeros(&[16, 16]);
        let b = Tensor::zeros(&[16, 16]);
        kaiming_normal_with(&a, 0.0, "fan_in", "relu", &mut Rng::new(42)).unwrap();
        kaiming_normal_with(&b, 0.0, "fan_in", "relu", &mut Rng::new(42)).unwrap();
        assert_eq!(
            a.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        crate::manual_seed(11);
        xavier_uniform_(&a, 1.0).unwrap();
        crate::manual_seed(11);
        xavier_uniform_(&b, 1.0).unwrap();
        assert_eq!(a.to_vec(), b.to_vec());
        xavier_uniform_with(&b, 1.0, &mut Rng::new(11)).unwrap();
        assert_eq!(a.to_vec(), b.to_vec(), "manual_seed(s) then default = Rng::new(s)");
    }
}
