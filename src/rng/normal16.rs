//! The 16-wide Box–Muller block of PyTorch's float32 `normal_` (`normal_fill_16_AVX2` in
//! `aten/src/ATen/native/cpu/DistributionTemplates.h`), computed lane by lane in portable f32
//! arithmetic. The AVX2 kernel evaluates log and sincos with the Cephes-derived routines of
//! `avx_mathfun.h`, and the wheel's compiler contracted some of their multiply-adds into fused
//! ones; this file performs the same sequence of f32 operations, with `mul_add` exactly where the
//! wheel has an FMA (`docs/torch_rng.md`, section 3), so every lane rounds as torch's does.
//! No AVX2 is needed to run it: `f32::mul_add` is a correctly rounded fused multiply-add on any
//! target.

// The Cephes constants are written as the reference gives them in decimal (so they can be
// checked against it); each rounds to the f32 the kernel loads.
#![allow(clippy::excessive_precision)]

const SQRTHF: f32 = std::f32::consts::FRAC_1_SQRT_2;
const LOG_P: [f32; 9] = [
    7.037_683_629_2E-2,
    -1.151_461_031_0E-1,
    1.167_699_874_0E-1,
    -1.242_014_084_6E-1,
    1.424_932_278_7E-1,
    -1.666_805_766_5E-1,
    2.000_071_476_5E-1,
    -2.499_999_399_3E-1,
    3.333_333_117_4E-1,
];
const LOG_Q1: f32 = -2.121_944_40e-4;
const LOG_Q2: f32 = 0.693_359_375;

const MINUS_DP1: f32 = -0.785_156_25;
const MINUS_DP2: f32 = -2.418_756_484_985_351_562_5e-4;
const MINUS_DP3: f32 = -3.774_894_977_445_941_08e-8;
const SINCOF: [f32; 3] = [-1.951_529_589_1E-4, 8.332_160_873_6E-3, -1.666_665_461_1E-1];
const COSCOF: [f32; 3] = [2.443_315_711_809_948E-5, -1.388_731_625_493_765E-3, 4.166_664_568_298_827E-2];
const FOPI: f32 = 1.273_239_544_735_16;

/// Natural log of a positive normal float, as `log256_ps` computes one lane.
#[inline(always)]
fn log_lane(x: f32) -> f32 {
    if x <= 0.0 {
        return f32::NAN;
    }
    let x = x.max(f32::MIN_POSITIVE);
    let bits = x.to_bits();
    let mut e = ((bits >> 23) as i32 - 0x7f) as f32 + 1.0;
    // the mantissa with exponent -1: a value in [0.5, 1)
    let mut x = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let below = x < SQRTHF;
    let tmp = if below { x } else { 0.0 };
    x -= 1.0;
    e -= if below { 1.0 } else { 0.0 };
    x += tmp;
    let z = x * x;
    let mut y = LOG_P[0];
    for &p in &LOG_P[1..] {
        y = y.mul_add(x, p);
    }
    y *= x;
    y = y.mul_add(z, e * LOG_Q1);
    y = z.mul_add(-0.5, y);
    x += y;
    e.mul_add(LOG_Q2, x)
}

/// (sin θ, cos θ) as `sincos256_ps` computes one lane.
#[inline(always)]
fn sincos_lane(theta: f32) -> (f32, f32) {
    let sign_in = theta.to_bits() & 0x8000_0000;
    let mut x = theta.abs();
    let j = (((x * FOPI) as i32).wrapping_add(1)) & !1;
    let y = j as f32;
    let swap_sin = ((j & 4) as u32) << 29;
    let poly_sin = (j & 2) == 0;
    x = y.mul_add(MINUS_DP1, x);
    x = y.mul_add(MINUS_DP2, x);
    x = y.mul_add(MINUS_DP3, x);
    let sign_cos = ((!(j.wrapping_sub(2)) & 4) as u32) << 29;
    let sign_sin = sign_in ^ swap_sin;

    let z = x * x;
    let mut yc = COSCOF[0];
    yc = yc.mul_add(z, COSCOF[1]);
    yc = yc.mul_add(z, COSCOF[2]);
    yc *= z;
    yc = yc.mul_add(z, -(z * 0.5));
    yc += 1.0;

    let mut ys = SINCOF[0];
    ys = ys.mul_add(z, SINCOF[1]);
    ys = ys.mul_add(z, SINCOF[2]);
    ys *= z;
    ys = ys.mul_add(x, x);

    // the kernel selects with bit masks and exact adds of zero; the same here
    let ysin2 = if poly_sin { ys } else { 0.0 };
    let ysin1 = if poly_sin { 0.0 } else { yc };
    let ys_rest = ys - ysin2;
    let yc_rest = yc - ysin1;
    let s = ysin1 + ysin2;
    let c = yc_rest + ys_rest;
    (f32::from_bits(s.to_bits() ^ sign_sin), f32::from_bits(c.to_bits() ^ sign_cos))
}

crate::simd_fn! {
    /// Transforms every full block of 16 in `d` (see [`transform16`]).
    pub(crate) fn transform_blocks(d: &mut [f32], mean: f32, std: f32) {
        for block in d.chunks_exact_mut(16) {
            transform16(block, mean, std);
        }
    }
}

/// Transforms 16 uniforms in [0, 1) into 16 normals N(mean, std²) in place: lane j pairs
/// d[j] (radius) with d[j + 8] (angle) and writes the cosine half to d[j], the sine half to d[j + 8].
#[inline(always)]
fn transform16(d: &mut [f32], mean: f32, std: f32) {
    debug_assert_eq!(d.len(), 16);
    let two_pi = (2.0 * std::f64::consts::PI) as f32;
    for j in 0..8 {
        let u1 = 1.0 - d[j];
        let u2 = d[j + 8];
        let radius = (-2.0 * log_lane(u1)).sqrt();
        let theta = two_pi * u2;
        let (s, c) = sincos_lane(theta);
        d[j] = (radius * c).mul_add(std, mean);
        d[j + 8] = (radius * s).mul_add(std, mean);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_sincos_are_accurate_floats() {
        // Not the exactness test (that is against PyTorch's fixtures in tests/torch_rng.rs):
        // the emulated Cephes routines must be within a few ulp of the true functions.
        for i in 1..=2000 {
            let x = i as f32 / 2000.0;
            let l = log_lane(x) as f64;
            assert!(
                (l - (x as f64).ln()).abs() <= 4.0 * f32::EPSILON as f64 * (x as f64).ln().abs().max(1e-3),
                "log {x}"
            );
            let t = x * std::f32::consts::TAU;
            let (s, c) = sincos_lane(t);
            assert!((s as f64 - (t as f64).sin()).abs() < 3e-7, "sin {t}");
            assert!((c as f64 - (t as f64).cos()).abs() < 3e-7, "cos {t}");
        }
        assert!(log_lane(0.0).is_nan() && log_lane(-1.0).is_nan());
    }
}
