//! ZerO (Zhao, Schäfer & Anandkumar, "ZerO Initialization: Initializing Neural Networks with only
//! Zeros and Ones", TMLR 2022): a deterministic init from identities and Hadamard matrices.
//!
//! For a weight W of shape [P, Q] (P outputs, Q inputs), the paper's Algorithm 1:
//! - P = Q: W = I;
//! - P < Q (the layer shrinks): W = I* (the partial identity: ones at (i, i), i < P);
//! - P > Q (the layer expands): W = c·I* H_m I*, that is c·H_m[..P, ..Q], with
//!   m = ⌈log₂ P⌉, H_m the 2^m × 2^m Sylvester Hadamard matrix (H_m[i][j] = (−1)^popcount(i & j))
//!   and c = 2^(−(m−1)/2).
//!
//! The authors' notebook scales the Hadamard block by 2^(−m/2) instead; this follows the paper.
//! For a convolution [C_out, C_in, k…] (Algorithm 2) the same matrix sits at the kernel's centre
//! (index ⌊k/2⌋ in every spatial dimension) and every other tap is zero. Nothing is drawn.

use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;

/// Entry (i, j) of the P×Q ZerO matrix (Algorithm 1), in f64.
pub fn zero_init_entry(p: usize, q: usize, i: usize, j: usize) -> f64 {
    use std::cmp::Ordering::*;
    match p.cmp(&q) {
        Equal | Less => f64::from(u8::from(i == j)),
        Greater => {
            let m = hadamard_order(p);
            let c = 2f64.powf(-(m as f64 - 1.0) / 2.0);
            if (i & j).count_ones().is_multiple_of(2) {
                c
            } else {
                -c
            }
        }
    }
}

/// m = ⌈log₂ p⌉ for p ≥ 1.
pub fn hadamard_order(p: usize) -> u32 {
    p.next_power_of_two().trailing_zeros()
}

/// `zero_init_(tensor)`: ZerO on a Linear weight [out, in] or a conv weight [out, in, k…].
pub fn zero_init_(t: &Tensor) -> Result<()> {
    let shape = t.shape();
    check_zero_init(&shape)?;
    let (p, q) = (shape[0], shape[1]);
    let taps: usize = shape[2..].iter().product();
    // Row-major offset of the centre tap within one [k…] block.
    let centre = shape[2..].iter().fold(0, |off, &k| off * k + k / 2);
    let mut d = t.data_mut();
    d.fill(0.0);
    let flat = d.as_slice_mut().expect("parameters are contiguous");
    for i in 0..p {
        for j in 0..q {
            flat[(i * q + j) * taps + centre] = zero_init_entry(p, q, i, j) as f32;
        }
    }
    Ok(())
}

pub(crate) fn check_zero_init(shape: &[usize]) -> Result<()> {
    if !(2..=5).contains(&shape.len()) {
        return Err(Error::shape(
            "zero_init",
            format!(
                "needs a Linear weight [out, in] or a conv weight [out, in, k...] (2 to 5 dimensions), got shape {}",
                shape_str(shape)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn filled(shape: &[usize]) -> Vec<f32> {
        let t = Tensor::new(ndarray::ArrayD::from_elem(ndarray::IxDyn(shape), 7.0f32));
        zero_init_(&t).unwrap();
        t.to_vec()
    }

    #[test]
    fn square_shrinking_and_expanding_by_the_definition() {
        // Square: the identity.
        let w = filled(&[3, 3]);
        assert_eq!(w, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        // Shrinking [2, 4]: the first two inputs pass through.
        assert_eq!(filled(&[2, 4]), [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        // Expanding [3, 2]: m = 2, c = 2^(-1/2), H_2[..3, ..2] = [[1, 1], [1, -1], [1, 1]].
        let c = std::f32::consts::FRAC_1_SQRT_2;
        assert_eq!(filled(&[3, 2]), [c, c, c, -c, c, c]);
        // Expanding [5, 3]: m = 3, c = 1/2; H_3 rows 0..5, columns 0..3.
        let h = [[1., 1., 1.], [1., -1., 1.], [1., 1., -1.], [1., -1., -1.], [1., 1., 1.]];
        assert_eq!(filled(&[5, 3]), h.iter().flatten().map(|v| v * 0.5).collect::<Vec<f32>>());
        // A conv: the matrix at the centre tap, zeros elsewhere.
        let k = filled(&[3, 2, 3, 3]);
        for (n, v) in k.iter().enumerate() {
            let (i, j, tap) = (n / 18, (n / 9) % 2, n % 9);
            let want = if tap == 4 { zero_init_entry(3, 2, i, j) as f32 } else { 0.0 };
            assert_eq!(*v, want, "[{i}, {j}, tap {tap}]");
        }
        assert!(check_zero_init(&[4]).unwrap_err().to_string().contains("got shape [4]"));
    }

    #[test]
    fn matches_the_independent_scipy_construction() {
        // scripts/zero_init_fixtures.py: numpy + scipy.linalg.hadamard, straight from Algorithm 1/2.
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zero_init.json");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert!(cases.len() >= 10);
        for c in cases {
            let shape: Vec<usize> =
                c["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
            let want: Vec<f32> = c["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            assert_eq!(filled(&shape), want, "{shape:?}");
        }
    }

    #[test]
    fn expanding_columns_are_orthogonal_and_the_scale_is_the_papers() {
        // c·H_m[..P, ..Q]: columns of a full-height block are orthogonal with norm² = c²·2^m = 2.
        let (p, q) = (8, 3);
        let w = filled(&[p, q]);
        for a in 0..q {
            for b in 0..q {
                let dot: f64 = (0..p).map(|i| w[i * q + a] as f64 * w[i * q + b] as f64).sum();
                let want = if a == b { 2.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-6, "({a}, {b}): {dot}");
            }
        }
        // 2^(-(m-1)/2), not the notebook's 2^(-m/2): for P = 100, m = 7 and c = 1/8.
        assert_eq!(filled(&[100, 2])[0], 0.125);
    }
}
