//! The structured schemes of `torch.nn.init`: eye, dirac, orthogonal, sparse.

use crate::error::{shape_str, Error, Result};
use crate::rng::{with_default_rng, Rng};
use crate::tensor::Tensor;

/// `eye_(tensor)`: the identity on a 2-D tensor (ones on the main diagonal, as many as fit).
pub fn eye_(t: &Tensor) -> Result<()> {
    check_eye(&t.shape())?;
    let mut d = t.data_mut();
    d.fill(0.0);
    let n = d.shape()[0].min(d.shape()[1]);
    for i in 0..n {
        d[[i, i].as_slice()] = 1.0;
    }
    Ok(())
}

pub(crate) fn check_eye(shape: &[usize]) -> Result<()> {
    if shape.len() != 2 {
        return Err(Error::shape(
            "eye_",
            format!("Only tensors with 2 dimensions are supported, got shape {}", shape_str(shape)),
        ));
    }
    Ok(())
}

/// `dirac_(tensor, groups=1)`: for a conv weight [out, in, *k], ones at
/// [g·out/groups + d, d, centre] for d < min(out/groups, in), so the conv passes its input through.
pub fn dirac_(t: &Tensor, groups: usize) -> Result<()> {
    let shape = t.shape();
    check_dirac(&shape, groups)?;
    let per_group = shape[0] / groups;
    let centre: Vec<usize> = shape[2..].iter().map(|k| k / 2).collect();
    let mut d = t.data_mut();
    d.fill(0.0);
    for g in 0..groups {
        for c in 0..per_group.min(shape[1]) {
            let mut idx = vec![g * per_group + c, c];
            idx.extend_from_slice(&centre);
            d[idx.as_slice()] = 1.0;
        }
    }
    Ok(())
}

pub(crate) fn check_dirac(shape: &[usize], groups: usize) -> Result<()> {
    if !(3..=5).contains(&shape.len()) {
        return Err(Error::shape(
            "dirac_",
            format!("Only tensors with 3, 4, or 5 dimensions are supported, got shape {}", shape_str(shape)),
        ));
    }
    if groups == 0 || !shape[0].is_multiple_of(groups) {
        return Err(Error::shape(
            "dirac_",
            format!("dim 0 must be divisible by groups: shape {} with groups={groups}", shape_str(shape)),
        ));
    }
    Ok(())
}

/// `orthogonal_(tensor, gain=1)`: a (semi-)orthogonal matrix of [rows, ∏ rest], from the QR of a
/// normal matrix with Q's columns signed by diag(R) (so Q is Haar-distributed), times `gain`.
pub fn orthogonal_(t: &Tensor, gain: f64) -> Result<()> {
    with_default_rng(|r| orthogonal_with(t, gain, r))
}

pub fn orthogonal_with(t: &Tensor, gain: f64, rng: &mut Rng) -> Result<()> {
    let shape = t.shape();
    check_orthogonal(&shape)?;
    if t.numel() == 0 {
        return Ok(());
    }
    let rows = shape[0];
    let cols = t.numel() / rows;
    // Draw [rows, cols] row-major like torch, then work on the tall orientation (m >= n).
    // torch: `tensor.new_empty((rows, cols)).normal_(0, 1)` in float32, then a float32 QR; the
    // QR here runs in f64 on the same draws, so the result agrees with torch's to about 1e-7.
    let mut drawn = vec![0f32; rows * cols];
    rng.normal_(&mut drawn, 0.0, 1.0);
    let flat: Vec<f64> = drawn.iter().map(|&v| v as f64).collect();
    let (m, n) = if rows < cols { (cols, rows) } else { (rows, cols) };
    let at = |i: usize, j: usize| if rows < cols { flat[j * cols + i] } else { flat[i * cols + j] };
    let mut a: Vec<f64> = (0..m * n).map(|k| at(k / n, k % n)).collect();
    let q = householder_q(&mut a, m, n);
    let mut d = t.data_mut();
    let out = d.as_slice_mut().expect("parameters are contiguous");
    for i in 0..rows {
        for j in 0..cols {
            let v = if rows < cols { q[j * n + i] } else { q[i * n + j] };
            out[i * cols + j] = (gain * v) as f32;
        }
    }
    Ok(())
}

pub(crate) fn check_orthogonal(shape: &[usize]) -> Result<()> {
    if shape.len() < 2 {
        return Err(Error::shape(
            "orthogonal_",
            format!("Only tensors with 2 or more dimensions are supported, got shape {}", shape_str(shape)),
        ));
    }
    Ok(())
}

/// Householder QR of the row-major m×n matrix `a` (m >= n), overwritten; returns the m×n Q with
/// each column multiplied by sign(R_jj), i.e. the Q of the QR with a positive diagonal.
fn householder_q(a: &mut [f64], m: usize, n: usize) -> Vec<f64> {
    let mut vs: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut rdiag = vec![0.0; n];
    for k in 0..n {
        let norm = (k..m).map(|i| a[i * n + k].powi(2)).sum::<f64>().sqrt();
        let x0 = a[k * n + k];
        let alpha = if x0 >= 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (k..m).map(|i| a[i * n + k]).collect();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        rdiag[k] = alpha;
        if vnorm2 > 0.0 {
            for j in k..n {
                let dot: f64 = (k..m).map(|i| v[i - k] * a[i * n + j]).sum();
                let s = 2.0 * dot / vnorm2;
                for i in k..m {
                    a[i * n + j] -= s * v[i - k];
                }
            }
        }
        vs.push(v);
    }
    // Q = H_0 H_1 … H_{n-1} applied to the first n columns of the identity.
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * n + j] = 1.0;
    }
    for k in (0..n).rev() {
        let v = &vs[k];
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        for j in 0..n {
            let dot: f64 = (k..m).map(|i| v[i - k] * q[i * n + j]).sum();
            let s = 2.0 * dot / vnorm2;
            for i in k..m {
                q[i * n + j] -= s * v[i - k];
            }
        }
    }
    for (j, r) in rdiag.iter().enumerate() {
        if *r < 0.0 {
            for i in 0..m {
                q[i * n + j] = -q[i * n + j];
            }
        }
    }
    q
}

/// `sparse_(tensor, sparsity, std=0.01)`: N(0, std²), then in every column exactly
/// ceil(sparsity·rows) entries, at random rows, set to zero. 2-D only.
pub fn sparse_(t: &Tensor, sparsity: f64, std: f64) -> Result<()> {
    with_default_rng(|r| sparse_with(t, sparsity, std, r))
}

pub fn sparse_with(t: &Tensor, sparsity: f64, std: f64, rng: &mut Rng) -> Result<()> {
    let shape = t.shape();
    check_sparse(&shape, sparsity, std)?;
    let (rows, cols) = (shape[0], shape[1]);
    let zeros = (sparsity * rows as f64).ceil() as usize;
    crate::init::schemes::draw_normal(t, 0.0, std, rng);
    let mut d = t.data_mut();
    for c in 0..cols {
        for &r in &rng.randperm(rows)[..zeros] {
            d[[r, c].as_slice()] = 0.0;
        }
    }
    Ok(())
}

pub(crate) fn check_sparse(shape: &[usize], sparsity: f64, std: f64) -> Result<()> {
    if shape.len() != 2 {
        return Err(Error::shape(
            "sparse_",
            format!("Only tensors with 2 dimensions are supported, got shape {}", shape_str(shape)),
        ));
    }
    if !(0.0..=1.0).contains(&sparsity) {
        return Err(Error::invalid("sparse_", format!("sparsity must be in [0, 1], got {sparsity}")));
    }
    if !(std.is_finite() && std >= 0.0) {
        return Err(Error::invalid("sparse_", format!("std must be finite and >= 0, got {std}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::schemes::tests::{stats, std_tol};

    #[test]
    fn eye_exact_and_2d_only() {
        let t = Tensor::ones(&[2, 3]);
        eye_(&t).unwrap();
        assert_eq!(t.to_vec(), vec![1., 0., 0., 0., 1., 0.]);
        let t = Tensor::ones(&[3, 2]);
        eye_(&t).unwrap();
        assert_eq!(t.to_vec(), vec![1., 0., 0., 1., 0., 0.]);
        let e = eye_(&Tensor::zeros(&[4, 2, 3, 3])).unwrap_err().to_string();
        assert!(e.contains("Only tensors with 2 dimensions") && e.contains("[4, 2, 3, 3]"), "{e}");
    }

    #[test]
    fn dirac_layout_matches_torch() {
        // torch.nn.init.dirac_(torch.empty(4, 2, 3)) : ones at [0,0,1] and [1,1,1]
        let t = Tensor::ones(&[4, 2, 3]);
        dirac_(&t, 1).unwrap();
        let mut want = vec![0f32; 24];
        want[1] = 1.0; // [0, 0, 1]
        want[(2 + 1) * 3 + 1] = 1.0; // [1, 1, 1]
        assert_eq!(t.to_vec(), want);
        // groups=2 on [4, 2, 3, 3]: per group 2 outputs; ones at [0,0,1,1], [1,1,1,1], [2,0,1,1], [3,1,1,1]
        let t = Tensor::ones(&[4, 2, 3, 3]);
        dirac_(&t, 2).unwrap();
        let at = |o: usize, i: usize| ((o * 2 + i) * 3 + 1) * 3 + 1;
        let mut want = vec![0f32; 72];
        for (o, i) in [(0, 0), (1, 1), (2, 0), (3, 1)] {
            want[at(o, i)] = 1.0;
        }
        assert_eq!(t.to_vec(), want);
        // even kernel: centre is k/2 = 1 of [0, 1]; 5-D
        let t = Tensor::ones(&[1, 1, 2, 2, 2]);
        dirac_(&t, 1).unwrap();
        let mut want = vec![0f32; 8];
        want[7] = 1.0;
        assert_eq!(t.to_vec(), want);
        let e = dirac_(&Tensor::zeros(&[3, 3]), 1).unwrap_err().to_string();
        assert!(e.contains("3, 4, or 5 dimensions") && e.contains("[3, 3]"), "{e}");
        let e = dirac_(&Tensor::zeros(&[3, 2, 3, 3]), 2).unwrap_err().to_string();
        assert!(e.contains("divisible by groups") && e.contains("groups=2"), "{e}");
    }

    #[test]
    fn dirac_conv_is_identity() {
        use crate::ops::{conv2d, Conv2dArgs};
        use ndarray::Dimension;
        let x = Tensor::new(ndarray::ArrayD::from_shape_fn(vec![2, 6, 5, 5], |ix| {
            ix.slice().iter().sum::<usize>() as f32 * 0.1 - 1.0
        }));
        // groups=1 and groups=2 (6 → 6 channels as two groups of 3), kernel 3 with padding 1.
        for (groups, w_shape) in [(1, [6, 6, 3, 3]), (2, [6, 3, 3, 3])] {
            let w = Tensor::zeros(&w_shape);
            dirac_(&w, groups).unwrap();
            let args = Conv2dArgs { padding: (1, 1), groups, ..Conv2dArgs::default() };
            let y = conv2d(&x, &w, None, args).unwrap();
            assert_eq!(y.to_vec(), x.to_vec(), "groups={groups}");
        }
    }

    fn gram(t: &Tensor, rows_side: bool) -> Vec<Vec<f64>> {
        let s = t.shape();
        let (r, c) = (s[0], t.numel() / s[0]);
        let v = t.to_vec();
        let (n, at): (usize, Box<dyn Fn(usize, usize) -> f64>) = if rows_side {
            (r, Box::new(|i, k| v[i * c + k] as f64))
        } else {
            (c, Box::new(|j, k| v[k * c + j] as f64))
        };
        let len = if rows_side { c } else { r };
        (0..n).map(|i| (0..n).map(|j| (0..len).map(|k| at(i, k) * at(j, k)).sum()).collect()).collect()
    }

    #[test]
    fn orthogonal_tall_wide_and_conv() {
        // tall [50, 20]: QᵀQ = gain²·I (20×20); wide [20, 50]: QQᵀ = gain²·I (20×20)
        for (shape, rows_side) in [(vec![50, 20], false), (vec![20, 50], true), (vec![8, 4, 3, 3], true)] {
            let t = Tensor::zeros(&shape);
            orthogonal_with(&t, 2.0, &mut Rng::new(10)).unwrap();
            let g = gram(&t, rows_side);
            for (i, row) in g.iter().enumerate() {
                for (j, v) in row.iter().enumerate() {
                    let want = if i == j { 4.0 } else { 0.0 };
                    assert!((v - want).abs() < 1e-4, "{shape:?} [{i},{j}] = {v}");
                }
            }
        }
        let e = orthogonal_with(&Tensor::zeros(&[5]), 1.0, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("2 or more dimensions") && e.contains("[5]"), "{e}");
    }

    #[test]
    fn orthogonal_of_square_is_deterministic_and_haar_signed() {
        let a = Tensor::zeros(&[6, 6]);
        let b = Tensor::zeros(&[6, 6]);
        orthogonal_with(&a, 1.0, &mut Rng::new(3)).unwrap();
        orthogonal_with(&b, 1.0, &mut Rng::new(3)).unwrap();
        assert_eq!(a.to_vec(), b.to_vec());
        // Entries of a Haar orthogonal n×n matrix have variance 1/n (the squares sum to n
        // exactly; the std about the sample mean is within the 5-sigma bound of that).
        let t = Tensor::zeros(&[200, 200]);
        orthogonal_with(&t, 1.0, &mut Rng::new(4)).unwrap();
        let (mean, std, _, _) = stats(&t);
        let want = (1.0f64 / 200.0).sqrt();
        assert!((std - want).abs() < std_tol(want, 40000) && mean.abs() < 5.0 * want / 200.0, "{std} {mean}");
    }

    #[test]
    fn sparse_zero_counts_exact() {
        let t = Tensor::zeros(&[10, 300]);
        sparse_with(&t, 0.25, 0.5, &mut Rng::new(12)).unwrap();
        let v = t.to_vec();
        for c in 0..300 {
            let z = (0..10).filter(|r| v[r * 300 + c] == 0.0).count();
            assert_eq!(z, 3, "column {c}: ceil(0.25*10) = 3 zeros");
        }
        // non-zeros are N(0, 0.5²): 2100 samples, 5-sigma tolerance
        let nz: Vec<f64> = v.iter().filter(|x| **x != 0.0).map(|&x| x as f64).collect();
        let std = (nz.iter().map(|x| x * x).sum::<f64>() / nz.len() as f64).sqrt();
        assert!((std - 0.5).abs() < std_tol(0.5, nz.len()), "{std}");
        let e = sparse_with(&Tensor::zeros(&[2, 2, 2]), 0.1, 0.01, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("2 dimensions") && e.contains("[2, 2, 2]"), "{e}");
        let e = sparse_with(&t, 1.5, 0.01, &mut Rng::new(0)).unwrap_err().to_string();
        assert!(e.contains("sparsity must be in [0, 1]") && e.contains("1.5"), "{e}");
    }
}
