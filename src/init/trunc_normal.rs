//! `trunc_normal_` as torch 2.15 draws it (`torch/nn/init.py`, `_no_grad_trunc_normal_`):
//! when the interval holds more than 30% of the normal's mass, `normal_` over the whole tensor,
//! then, while any element lies outside [a, b], a fresh full-size `normal_` whose values replace
//! just those elements; otherwise candidates from `uniform_(a, b)` accepted by a log-density test
//! against a second full-size `uniform_`, redrawn for the pending elements until none is pending.
//! Every draw is torch's, in torch's order; only the float32 `log` of the second branch may round
//! differently from torch's vectorized one, so that branch can differ in a rare accept decision.

use crate::math::special::norm_cdf;
use crate::rng::Rng;
use ndarray::ArrayD;

/// Fills `out` (a parameter, contiguous) with N(mean, std²) truncated to [a, b].
pub(crate) fn trunc_normal_draw(out: &mut ArrayD<f32>, mean: f64, std: f64, a: f64, b: f64, rng: &mut Rng) {
    let n = out.len();
    let data = out.as_slice_mut().expect("parameters are contiguous");
    let p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std);
    if p > 0.3 {
        let (lo, hi) = (a as f32, b as f32);
        rng.normal_(data, mean, std);
        let mut fresh = vec![0f32; n];
        while data.iter().any(|&v| v < lo || v > hi) {
            rng.normal_(&mut fresh, mean, std);
            for (v, f) in data.iter_mut().zip(&fresh) {
                if *v < lo || *v > hi {
                    *v = *f;
                }
            }
        }
        return;
    }
    let mode = a.max(mean.min(b));
    let log_peak = (-0.5 * ((mode - mean) / std).powi(2)) as f32;
    let (mean_f, std_f) = (mean as f32, std as f32);
    // log density relative to the peak, in float32 as torch's in-place chain computes it
    let log_pdf = |x: f32| {
        let z = (x - mean_f) / std_f;
        z * z * -0.5 - log_peak
    };
    let mut accept = vec![0f32; n];
    rng.uniform_(data, a, b);
    rng.uniform_(&mut accept, 0.0, 1.0);
    let mut pending: Vec<bool> = data.iter().zip(&accept).map(|(&x, &u)| u.ln() > log_pdf(x)).collect();
    let mut cand = vec![0f32; n];
    while pending.iter().any(|&p| p) {
        rng.uniform_(&mut cand, a, b);
        rng.uniform_(&mut accept, 0.0, 1.0);
        for i in 0..n {
            if pending[i] {
                data[i] = cand[i];
                pending[i] = accept[i].ln() > log_pdf(cand[i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    fn draw(n: usize, mean: f64, std: f64, a: f64, b: f64, seed: u64) -> Vec<f32> {
        let mut t = ArrayD::zeros(IxDyn(&[n]));
        trunc_normal_draw(&mut t, mean, std, a, b, &mut Rng::new(seed));
        t.into_raw_vec_and_offset().0
    }

    #[test]
    fn both_branches_stay_inside_and_have_the_truncated_moments() {
        // wide interval (rejection of normals): N(0, 1) on [-2, 2] has std 0.8796
        let v = draw(40_000, 0.0, 1.0, -2.0, 2.0, 1);
        assert!(v.iter().all(|&x| (-2.0..=2.0).contains(&x)));
        let m = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let s = (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        assert!(m.abs() < 0.02 && (s - 0.879_625_661).abs() < 0.02, "{m} {s}");
        // narrow interval far in the tail (uniform candidates): N(0, 1) on [2, 3]
        let v = draw(20_000, 0.0, 1.0, 2.0, 3.0, 2);
        assert!(v.iter().all(|&x| (2.0..=3.0).contains(&x)));
        // the truncated mean is (φ(2) − φ(3)) / (Φ(3) − Φ(2)) = 0.049559 / 0.021400 = 2.3158;
        // its std is about 0.26, so 5 sigma of the mean of 20000 draws is 0.0093
        let m = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        assert!((m - 2.315_8).abs() < 0.0093, "{m}");
    }
}
