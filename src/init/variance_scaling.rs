//! JAX-style `variance_scaling(scale, mode, distribution)` (`jax.nn.initializers`) and its named
//! partial applications `lecun_normal` / `lecun_uniform`, plus `delta_orthogonal` (Xiao et al.
//! 2018). Fans follow torch's weight layout `[out, in, *kernel]` ([`fans`]), so
//! `variance_scaling(2, fan_in, normal)` is `kaiming_normal(nonlinearity=relu)` in distribution.
//!
//! - `truncated_normal`: a unit normal truncated to ±2, times √(scale/n) / 0.87962566103423978
//!   (the std of that truncated normal), so the values have exactly the variance scale/n;
//! - `normal`: N(0, scale/n), untruncated;
//! - `uniform`: U(−√(3·scale/n), √(3·scale/n)).
//!
//! n is fan_in, fan_out or (fan_in + fan_out)/2 for mode fan_in, fan_out, fan_avg.

use super::fan::fans;
use super::schemes::{normal_with, trunc_normal_with, uniform_with};
use super::structured::orthogonal_with;
use crate::error::{shape_str, Error, Result};
use crate::rng::{with_default_rng, Rng};
use crate::tensor::Tensor;
use std::fmt;
use std::str::FromStr;

/// The std of a unit normal truncated to (−2, 2) (JAX's constant).
pub const TRUNCATED_NORMAL_STD: f64 = 0.879_625_661_034_239_8;

/// Which fan `variance_scaling` divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VsMode {
    FanIn,
    FanOut,
    FanAvg,
}

/// The distribution `variance_scaling` draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VsDistribution {
    TruncatedNormal,
    Normal,
    Uniform,
}

impl FromStr for VsMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<VsMode> {
        match s {
            "fan_in" => Ok(VsMode::FanIn),
            "fan_out" => Ok(VsMode::FanOut),
            "fan_avg" => Ok(VsMode::FanAvg),
            _ => Err(Error::invalid(
                "variance_scaling",
                format!("invalid mode for variance scaling initializer: {s}; one of fan_in, fan_out, fan_avg"),
            )),
        }
    }
}

impl fmt::Display for VsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VsMode::FanIn => "fan_in",
            VsMode::FanOut => "fan_out",
            VsMode::FanAvg => "fan_avg",
        })
    }
}

impl FromStr for VsDistribution {
    type Err = Error;
    fn from_str(s: &str) -> Result<VsDistribution> {
        match s {
            "truncated_normal" => Ok(VsDistribution::TruncatedNormal),
            "normal" => Ok(VsDistribution::Normal),
            "uniform" => Ok(VsDistribution::Uniform),
            _ => Err(Error::invalid(
                "variance_scaling",
                format!(
                    "invalid distribution for variance scaling initializer: {s}; one of truncated_normal, normal, uniform"
                ),
            )),
        }
    }
}

impl fmt::Display for VsDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VsDistribution::TruncatedNormal => "truncated_normal",
            VsDistribution::Normal => "normal",
            VsDistribution::Uniform => "uniform",
        })
    }
}

/// √(scale / n): the std `variance_scaling` gives a weight of `shape` (exact for every
/// distribution).
pub fn variance_scaling_std(shape: &[usize], scale: f64, mode: VsMode) -> Result<f64> {
    if scale < 0.0 || !scale.is_finite() {
        return Err(Error::invalid("variance_scaling", format!("scale must be a non-negative number, got {scale}")));
    }
    let (fan_in, fan_out) = fans(shape)?;
    let n = match mode {
        VsMode::FanIn => fan_in as f64,
        VsMode::FanOut => fan_out as f64,
        VsMode::FanAvg => (fan_in + fan_out) as f64 / 2.0,
    };
    Ok((scale / n).sqrt())
}

/// Fills `t` as `jax.nn.initializers.variance_scaling(scale, mode, distribution)`, from `rng`.
pub fn variance_scaling_with(
    t: &Tensor,
    scale: f64,
    mode: VsMode,
    distribution: VsDistribution,
    rng: &mut Rng,
) -> Result<()> {
    let std = variance_scaling_std(&t.shape(), scale, mode)?;
    if t.numel() == 0 {
        return Ok(());
    }
    match distribution {
        VsDistribution::TruncatedNormal => {
            trunc_normal_with(t, 0.0, 1.0, -2.0, 2.0, rng)?;
            let k = (std / TRUNCATED_NORMAL_STD) as f32;
            t.data_mut().mapv_inplace(|v| v * k);
            Ok(())
        }
        VsDistribution::Normal => normal_with(t, 0.0, std, rng),
        VsDistribution::Uniform => {
            let b = (3.0f64).sqrt() * std;
            uniform_with(t, -b, b, rng)
        }
    }
}

/// [`variance_scaling_with`] from the default generator.
pub fn variance_scaling_(t: &Tensor, scale: f64, mode: VsMode, distribution: VsDistribution) -> Result<()> {
    with_default_rng(|rng| variance_scaling_with(t, scale, mode, distribution, rng))
}

/// JAX's `lecun_normal`: variance_scaling(1, fan_in, truncated_normal).
pub fn lecun_normal_(t: &Tensor) -> Result<()> {
    variance_scaling_(t, 1.0, VsMode::FanIn, VsDistribution::TruncatedNormal)
}

/// JAX's `lecun_uniform`: variance_scaling(1, fan_in, uniform).
pub fn lecun_uniform_(t: &Tensor) -> Result<()> {
    variance_scaling_(t, 1.0, VsMode::FanIn, VsDistribution::Uniform)
}

/// Errors unless `shape` is a conv weight `[out, in, *kernel]` (3-D to 5-D) with out ≥ in.
pub fn check_delta_orthogonal(shape: &[usize]) -> Result<()> {
    if !(3..=5).contains(&shape.len()) {
        return Err(Error::shape(
            "delta_orthogonal",
            format!(
                "needs a 3D, 4D or 5D conv weight [out, in, *kernel], got shape {} (for a Linear weight use orthogonal)",
                shape_str(shape)
            ),
        ));
    }
    if shape[0] < shape[1] {
        return Err(Error::shape(
            "delta_orthogonal",
            format!(
                "needs out_channels >= in_channels (the centre matrix must have orthonormal columns), got {} < {} in \
                 shape {}",
                shape[0],
                shape[1],
                shape_str(shape)
            ),
        ));
    }
    Ok(())
}

/// Delta-orthogonal init (Xiao et al. 2018): zeros except at the kernel centre (index (k−1)/2 on
/// every spatial axis, as JAX), which holds `gain` times a random orthogonal out×in matrix
/// (torch's `orthogonal_` of an [out, in] tensor, drawn from `rng`). A conv so initialized maps
/// its input channels isometrically at every position.
pub fn delta_orthogonal_with(t: &Tensor, gain: f64, rng: &mut Rng) -> Result<()> {
    let shape = t.shape();
    check_delta_orthogonal(&shape)?;
    let (out, inp) = (shape[0], shape[1]);
    let q = Tensor::zeros(&[out, inp]);
    if out * inp > 0 {
        orthogonal_with(&q, gain, rng)?;
    }
    let spatial = &shape[2..];
    let k: usize = spatial.iter().product();
    // Flat index of the centre within one [*kernel] block, row-major.
    let mut centre = 0;
    for &s in spatial {
        centre = centre * s + (s.saturating_sub(1)) / 2;
    }
    let qv = q.to_vec();
    let mut d = t.data_mut();
    d.fill(0.0);
    let flat = d.as_slice_mut().expect("parameters are contiguous");
    for o in 0..out {
        for i in 0..inp {
            flat[(o * inp + i) * k + centre] = qv[o * inp + i];
        }
    }
    Ok(())
}

/// [`delta_orthogonal_with`] from the default generator.
pub fn delta_orthogonal_(t: &Tensor, gain: f64) -> Result<()> {
    with_default_rng(|rng| delta_orthogonal_with(t, gain, rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(v: &[f32]) -> (f64, f64) {
        let n = v.len() as f64;
        let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        (m, (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n).sqrt())
    }

    #[test]
    fn every_distribution_has_the_asked_variance_and_support() {
        // [256, 64, 3, 3]: fan_in 576, fan_out 2304, fan_avg 1440; 147456 values, so the std is
        // within 1% of √(scale/n) with overwhelming probability.
        let shape = [256, 64, 3, 3];
        for (scale, mode, n) in
            [(1.0, VsMode::FanIn, 576.0), (2.0, VsMode::FanOut, 2304.0), (0.5, VsMode::FanAvg, 1440.0)]
        {
            for dist in [VsDistribution::TruncatedNormal, VsDistribution::Normal, VsDistribution::Uniform] {
                let t = Tensor::zeros(&shape);
                variance_scaling_with(&t, scale, mode, dist, &mut Rng::new(3)).unwrap();
                let v = t.to_vec();
                let (m, s) = stats(&v);
                let want = (scale / n).sqrt();
                assert!((s / want - 1.0).abs() < 0.01 && m.abs() < 0.01 * want, "{mode} {dist}: std {s} vs {want}");
                let max = v.iter().fold(0f32, |a, x| a.max(x.abs())) as f64;
                match dist {
                    // Truncated at 2 unit stds before scaling by want/0.8796…: |x| ≤ 2.2737·want.
                    VsDistribution::TruncatedNormal => {
                        assert!(max <= 2.0 * want / TRUNCATED_NORMAL_STD + 1e-6 && max > 2.2 * want, "{max}")
                    }
                    VsDistribution::Uniform => assert!(max <= 3f64.sqrt() * want + 1e-6 && max > 1.7 * want),
                    // Untruncated: 147456 normals reach beyond 4 std.
                    VsDistribution::Normal => assert!(max > 4.0 * want, "{max}"),
                }
            }
        }
        assert_eq!(variance_scaling_std(&[10, 40], 1.0, VsMode::FanIn).unwrap(), (1.0f64 / 40.0).sqrt());
        assert!("fan_middle".parse::<VsMode>().unwrap_err().to_string().contains("invalid mode"));
        assert!("cauchy".parse::<VsDistribution>().unwrap_err().to_string().contains("invalid distribution"));
        assert!(variance_scaling_std(&[3], 1.0, VsMode::FanIn).is_err());
        assert!(variance_scaling_std(&[3, 3], -1.0, VsMode::FanIn).unwrap_err().to_string().contains("non-negative"));
    }

    #[test]
    fn delta_orthogonal_is_an_orthogonal_centre_and_zeros_elsewhere() {
        let t = Tensor::zeros(&[6, 4, 3, 5]);
        delta_orthogonal_with(&t, 2.0, &mut Rng::new(1)).unwrap();
        let a = t.to_array();
        for o in 0..6 {
            for i in 0..4 {
                for y in 0..3 {
                    for x in 0..5 {
                        if (y, x) != (1, 2) {
                            assert_eq!(a[[o, i, y, x]], 0.0);
                        }
                    }
                }
            }
        }
        // Columns of the centre matrix: orthogonal with norm² = gain² = 4 (WᵀW = 4·I).
        for i in 0..4 {
            for j in 0..4 {
                let dot: f64 = (0..6).map(|o| a[[o, i, 1, 2]] as f64 * a[[o, j, 1, 2]] as f64).sum();
                let want = if i == j { 4.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-4, "({i}, {j}): {dot}");
            }
        }
        // Even kernels: centre (k − 1)/2 = 0 for k = 2.
        let t = Tensor::zeros(&[2, 2, 2]);
        delta_orthogonal_with(&t, 1.0, &mut Rng::new(0)).unwrap();
        let v = t.to_vec();
        assert!(v.iter().skip(1).step_by(2).all(|&x| x == 0.0) && v.iter().step_by(2).any(|&x| x != 0.0));
        let e = delta_orthogonal_with(&Tensor::zeros(&[2, 4, 3, 3]), 1.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("out_channels >= in_channels") && e.contains("[2, 4, 3, 3]"), "{e}");
        let e = delta_orthogonal_with(&Tensor::zeros(&[4, 4]), 1.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("3D, 4D or 5D"), "{e}");
    }
}
