//! Singular values of a dense matrix by one-sided Jacobi (Hestenes) in f64: rotate pairs of
//! columns until all are orthogonal; the column norms are then the singular values. Slow-ish
//! (O(n³) per sweep, ~10 sweeps) but small, dependable and accurate in the small singular values
//! too, which an eigen-solver on JJᵀ would square away. Used for Jacobian spectra (n ≲ 1000).

/// Singular values, descending, of the `rows × cols` matrix stored row-major in `a`.
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(a.len(), rows * cols, "singular_values: {} values for a {rows}×{cols} matrix", a.len());
    // Work on the min(rows, cols) vectors of length max(rows, cols): columns of A, or of Aᵀ.
    let mut v: Vec<Vec<f64>> = if cols <= rows {
        (0..cols).map(|j| (0..rows).map(|i| a[i * cols + j]).collect()).collect()
    } else {
        (0..rows).map(|i| a[i * cols..(i + 1) * cols].to_vec()).collect()
    };
    let n = v.len();
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (vp, vq) = {
                    let (lo, hi) = v.split_at_mut(q);
                    (&mut lo[p], &mut hi[0])
                };
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for (x, y) in vp.iter().zip(vq.iter()) {
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0 || gamma.abs() <= 1e-15 * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for (x, y) in vp.iter_mut().zip(vq.iter_mut()) {
                    let (xp, yq) = (*x, *y);
                    *x = c * xp - s * yq;
                    *y = s * xp + c * yq;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let mut s: Vec<f64> = v.iter().map(|col| col.iter().map(|x| x * x).sum::<f64>().sqrt()).collect();
    s.sort_by(|a, b| b.total_cmp(a));
    s
}

/// Mean of λ = s² and variance of λ over the eigenvalues of JJᵀ (population variance): the
/// dynamical-isometry measure (mean ≈ 1 and variance ≈ 0 for an isometry).
pub fn isometry_stats(singular: &[f64]) -> (f64, f64) {
    let n = singular.len().max(1) as f64;
    let mean = singular.iter().map(|s| s * s).sum::<f64>() / n;
    let var = singular.iter().map(|s| (s * s - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Householder reflection I − 2uuᵀ/|u|² applied to the rows of a row-major n×n matrix.
    fn reflect(a: &mut [f64], n: usize, u: &[f64]) {
        let uu: f64 = u.iter().map(|x| x * x).sum();
        for j in 0..n {
            let dot: f64 = (0..n).map(|i| u[i] * a[i * n + j]).sum();
            for i in 0..n {
                a[i * n + j] -= 2.0 * u[i] * dot / uu;
            }
        }
    }

    #[test]
    fn recovers_a_prescribed_spectrum() {
        // A = H₁ H₂ diag(d) H₃: orthogonal factors around a known diagonal.
        let n = 7;
        let d = [5.0, 3.0, 2.5, 1.0, 0.3, 1e-6, 0.0];
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = d[i];
        }
        let u1: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() + 0.1).collect();
        let u2: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
        reflect(&mut a, n, &u1);
        reflect(&mut a, n, &u2);
        // Right multiplication by a reflection: reflect the transpose.
        let mut t: Vec<f64> = (0..n * n).map(|k| a[(k % n) * n + k / n]).collect();
        reflect(&mut t, n, &u2.iter().rev().copied().collect::<Vec<_>>());
        let a: Vec<f64> = (0..n * n).map(|k| t[(k % n) * n + k / n]).collect();
        let s = singular_values(&a, n, n);
        for (got, want) in s.iter().zip(d) {
            assert!((got - want).abs() < 1e-12, "{s:?}");
        }
        let (mean, var) = isometry_stats(&s);
        let lam: Vec<f64> = d.iter().map(|x| x * x).collect();
        let m = lam.iter().sum::<f64>() / 7.0;
        assert!(
            (mean - m).abs() < 1e-12 && (var - lam.iter().map(|l| (l - m).powi(2)).sum::<f64>() / 7.0).abs() < 1e-10
        );
    }

    #[test]
    fn rectangular_and_rank_one() {
        // u vᵀ with |u| = 3, |v| = 5: one singular value 15, the others 0; both orientations.
        let (u, v) = ([1.0, 2.0, 2.0], [3.0, 0.0, 4.0, 0.0, 0.0]);
        let a: Vec<f64> = u.iter().flat_map(|x| v.iter().map(move |y| x * y)).collect();
        let s = singular_values(&a, 3, 5);
        assert_eq!(s.len(), 3);
        assert!((s[0] - 15.0).abs() < 1e-12 && s[1].abs() < 1e-12 && s[2].abs() < 1e-12);
        let at: Vec<f64> = (0..15).map(|k| a[(k % 3) * 5 + k / 3]).collect();
        assert!((singular_values(&at, 5, 3)[0] - 15.0).abs() < 1e-12);
        // [[1, 1], [0, 1]]: singular values √((3 ± √5)/2) (the golden ratio and its inverse).
        let s = singular_values(&[1.0, 1.0, 0.0, 1.0], 2, 2);
        let phi = (1.0 + 5f64.sqrt()) / 2.0;
        assert!((s[0] - phi).abs() < 1e-14 && (s[1] - 1.0 / phi).abs() < 1e-14);
    }
}
