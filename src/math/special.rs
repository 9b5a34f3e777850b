//! The special functions the crate shares, in f64: erf (for `trunc_normal_`'s branch and its
//! theoretical std, the mean-field maps of erf-shaped activations, and GELU), and the standard
//! normal's CDF and density built on it.
//!
//! erf is the `libm` crate's (musl's port of Sun's fdlibm, the same algorithm as the C library
//! behind Python's `math.erf` that torch's `trunc_normal_` calls). What stays written here is
//! only the two one-line compositions `norm_cdf` and `norm_pdf`: libm has no normal CDF/PDF, and
//! erfinv, which libm lacks, is not needed in f64 (torch's `trunc_normal_` in 2.x draws by
//! rejection, see `init::trunc_normal`).

use std::f64::consts::PI;

/// The error function (`libm::erf`).
pub(crate) fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// Standard normal CDF.
pub(crate) fn norm_cdf(x: f64) -> f64 {
    (1.0 + erf(x / std::f64::consts::SQRT_2)) / 2.0
}

/// Standard normal density.
pub(crate) fn norm_pdf(x: f64) -> f64 {
    (-x * x / 2.0).exp() / (2.0 * PI).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_reference_values() {
        // Values from scipy.special.erf.
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.5204998778130465),
            (1.0, 0.8427007929497149),
            (2.0, 0.9953222650189527),
            (2.5, 0.999_593_047_982_555),
            (3.0, 0.9999779095030014),
            (-1.5, -0.9661051464753108),
        ] {
            assert!((erf(x) - want).abs() < 1e-13, "erf({x}) = {} want {want}", erf(x));
        }
    }

    #[test]
    fn norm_cdf_reference_value() {
        assert!((norm_cdf(1.959963984540054) - 0.975).abs() < 1e-14);
    }
}
