//! `C ← α·A·B + β·C` over strided f32 slices, through `matrixmultiply::sgemm`. The slice bounds are
//! checked once per call against the strides, so the unsafe call cannot read or write outside them.

/// A read-only strided `rows × cols` matrix view of a slice: element (i, j) is `data[i*rs + j*cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

/// A mutable strided matrix view; strides must not alias distinct elements.
#[derive(Debug)]
pub struct MatMut<'a> {
    pub data: &'a mut [f32],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major (contiguous) matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        MatRef { data, rows, cols, rs: cols, cs: 1 }
    }
    /// The transpose of a row-major `cols × rows` matrix, without copying.
    pub fn row_major_t(data: &'a [f32], rows: usize, cols: usize) -> Self {
        MatRef { data, rows, cols, rs: 1, cs: rows }
    }
}

impl<'a> MatMut<'a> {
    pub fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        MatMut { data, rows, cols, rs: cols, cs: 1 }
    }
}

/// Panics (an internal bug, never user input) when the view reaches past its slice.
fn check(len: usize, rows: usize, cols: usize, rs: usize, cs: usize, what: &str) {
    if rows == 0 || cols == 0 {
        return;
    }
    let last = (rows - 1) * rs + (cols - 1) * cs;
    assert!(last < len, "gemm: {what} view {rows}x{cols} (strides {rs},{cs}) exceeds slice of {len}");
}

/// `c ← alpha·a·b + beta·c`. With `beta == 0` the old contents of `c` are not read (NaNs in it do
/// not propagate), as in BLAS.
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: MatMut<'_>) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(b.rows == k && c.rows == m && c.cols == n, "gemm: {m}x{k} · {}x{n} into {}x{}", b.rows, c.rows, c.cols);
    check(a.data.len(), m, k, a.rs, a.cs, "A");
    check(b.data.len(), k, n, b.rs, b.cs, "B");
    check(c.data.len(), m, n, c.rs, c.cs, "C");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                let v = &mut c.data[i * c.rs + j * c.cs];
                *v = if beta == 0.0 { 0.0 } else { *v * beta };
            }
        }
        return;
    }
    // SAFETY: every index the kernel touches, i*rs + j*cs for i < rows, j < cols, was checked to lie
    // inside its slice above; `c` is a unique borrow so it does not alias `a` or `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.data.as_mut_ptr(),
            c.rs as isize,
            c.cs as isize,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &MatRef<'_>, b: &MatRef<'_>) -> Vec<f32> {
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                out[i * b.cols + j] =
                    (0..a.cols).map(|p| a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs]).sum();
            }
        }
        out
    }

    #[test]
    fn gemm_matches_naive_with_strides_and_accumulate() {
        let a: Vec<f32> = (0..12).map(|v| v as f32 * 0.5 - 2.0).collect();
        let b: Vec<f32> = (0..20).map(|v| (v as f32).sin()).collect();
        // A 3x4 row-major, B 4x5 given as the transpose of a row-major 5x4.
        let (am, bm) = (MatRef::row_major(&a, 3, 4), MatRef::row_major_t(&b, 4, 5));
        let want = naive(&am, &bm);
        let mut c = vec![1.0; 15];
        gemm(2.0, am, bm, 0.5, MatMut::row_major(&mut c, 3, 5));
        for (got, w) in c.iter().zip(&want) {
            assert!((got - (2.0 * w + 0.5)).abs() < 1e-5, "{got} vs {}", 2.0 * w + 0.5);
        }
        // beta = 0 ignores NaN garbage; k = 0 yields beta·C.
        let mut c = vec![f32::NAN; 15];
        gemm(1.0, am, bm, 0.0, MatMut::row_major(&mut c, 3, 5));
        assert!(c.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-5));
        let mut c = vec![3.0; 6];
        gemm(1.0, MatRef::row_major(&[], 2, 0), MatRef::row_major(&[], 0, 3), 2.0, MatMut::row_major(&mut c, 2, 3));
        assert_eq!(c, vec![6.0; 6]);
    }
}
