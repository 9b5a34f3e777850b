//! `C ← α·Aᵀ·B + β·C` when the rows of both operands run along the sum: A is `k × m` and B is
//! `k × n`, both row-major — the layout of a weight gradient gᵀ·x, whose sum runs over the batch.
//! Every element of C is summed over k in blocks of [`BLOCK`] rows (one FMA chain per block, in
//! registers), and the block sums are added in order: the rounding error of a long batch grows
//! with BLOCK + k/BLOCK terms instead of k, as accurate as the dot-product kernel on transposed
//! copies (issue 15.4) without making the copies. The order depends only on k, so the result is
//! the same whatever the tiling, the role swap below or the thread count.
//!
//! Outer-product tiles: R columns of A (broadcast) against V vectors of 8 columns of B (AVX2/FMA,
//! found at run time; callers fall back without it).

/// Rows per FMA chain: short chains keep each block's rounding small, long ones keep the adds of
/// the block sums few.
pub const BLOCK: usize = 16;

/// Raw operands: A `k × m` at `a` with row stride `lda`, B `k × n` at `b` with row stride `ldb`,
/// C `m × n` at `c` with strides `(crs, ccs)`.
#[derive(Clone, Copy)]
pub(crate) struct Tn {
    pub a: *const f32,
    pub lda: usize,
    pub b: *const f32,
    pub ldb: usize,
    pub c: *mut f32,
    pub crs: isize,
    pub ccs: isize,
}

/// # Safety
/// `super::gemm_nt::available()` must be true and the operands valid for `(k × m)ᵀ · (k × n)`
/// into `m × n`, C not aliasing A or B.
pub(crate) unsafe fn gemm_tn(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Tn) {
    #[cfg(target_arch = "x86_64")]
    {
        // A C with fewer columns than a wide vector and more rows is computed as Cᵀ = Bᵀ·A (the same
        // products in the same order, so the same bits), whose rows are long.
        let wide = x86::wide();
        if n < 16 && m > n {
            let t = Tn { a: o.b, lda: o.ldb, b: o.a, ldb: o.lda, c: o.c, crs: o.ccs, ccs: o.crs };
            return x86::run(n, k, m, alpha, beta, t, wide);
        }
        x86::run(m, k, n, alpha, beta, o, wide)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, k, n, alpha, beta, o);
        unreachable!("gemm_tn needs x86_64 with AVX2 and FMA")
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Tn, BLOCK};
    use std::arch::x86_64::*;

    /// The few vector operations a tile needs, for AVX2 (8 lanes) and AVX-512 (16 lanes). Each
    /// element gets the same FMAs and adds in the same order at either width, so both give the
    /// same bits.
    trait Simd {
        const LANES: usize;
        type V: Copy;
        type M: Copy;
        unsafe fn zero() -> Self::V;
        unsafe fn mask(nv: usize) -> Self::M;
        unsafe fn load(p: *const f32) -> Self::V;
        unsafe fn load_masked(p: *const f32, m: Self::M) -> Self::V;
        unsafe fn splat(p: *const f32) -> Self::V;
        unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
        unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
        unsafe fn store(p: *mut f32, v: Self::V);
        unsafe fn store_masked(p: *mut f32, m: Self::M, v: Self::V);
        unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
        unsafe fn set(x: f32) -> Self::V;
    }

    struct Avx2;
    impl Simd for Avx2 {
        const LANES: usize = 8;
        type V = __m256;
        type M = __m256i;
        #[inline(always)]
        unsafe fn zero() -> __m256 {
            _mm256_setzero_ps()
        }
        #[inline(always)]
        unsafe fn mask(nv: usize) -> __m256i {
            let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            _mm256_cmpgt_epi32(_mm256_set1_epi32(nv as i32), lanes)
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> __m256 {
            _mm256_loadu_ps(p)
        }
        #[inline(always)]
        unsafe fn load_masked(p: *const f32, m: __m256i) -> __m256 {
            _mm256_maskload_ps(p, m)
        }
        #[inline(always)]
        unsafe fn splat(p: *const f32) -> __m256 {
            _mm256_broadcast_ss(&*p)
        }
        #[inline(always)]
        unsafe fn fma(a: __m256, b: __m256, c: __m256) -> __m256 {
            _mm256_fmadd_ps(a, b, c)
        }
        #[inline(always)]
        unsafe fn add(a: __m256, b: __m256) -> __m256 {
            _mm256_add_ps(a, b)
        }
        #[inline(always)]
        unsafe fn store(p: *mut f32, v: __m256) {
            _mm256_storeu_ps(p, v)
        }
        #[inline(always)]
        unsafe fn store_masked(p: *mut f32, m: __m256i, v: __m256) {
            _mm256_maskstore_ps(p, m, v)
        }
        #[inline(always)]
        unsafe fn mul(a: __m256, b: __m256) -> __m256 {
            _mm256_mul_ps(a, b)
        }
        #[inline(always)]
        unsafe fn set(x: f32) -> __m256 {
            _mm256_set1_ps(x)
        }
    }

    struct Avx512;
    impl Simd for Avx512 {
        const LANES: usize = 16;
        type V = __m512;
        type M = __mmask16;
        #[inline(always)]
        unsafe fn zero() -> __m512 {
            _mm512_setzero_ps()
        }
        #[inline(always)]
        unsafe fn mask(nv: usize) -> __mmask16 {
            ((1u32 << nv) - 1) as __mmask16
        }
        #[inline(always)]
        unsafe fn load(p: *const f32) -> __m512 {
            _mm512_loadu_ps(p)
        }
        #[inline(always)]
        unsafe fn load_masked(p: *const f32, m: __mmask16) -> __m512 {
            _mm512_maskz_loadu_ps(m, p)
        }
        #[inline(always)]
        unsafe fn splat(p: *const f32) -> __m512 {
            _mm512_set1_ps(*p)
        }
        #[inline(always)]
        unsafe fn fma(a: __m512, b: __m512, c: __m512) -> __m512 {
            _mm512_fmadd_ps(a, b, c)
        }
        #[inline(always)]
        unsafe fn add(a: __m512, b: __m512) -> __m512 {
            _mm512_add_ps(a, b)
        }
        #[inline(always)]
        unsafe fn store(p: *mut f32, v: __m512) {
            _mm512_storeu_ps(p, v)
        }
        #[inline(always)]
        unsafe fn store_masked(p: *mut f32, m: __mmask16, v: __m512) {
            _mm512_mask_storeu_ps(p, m, v)
        }
        #[inline(always)]
        unsafe fn mul(a: __m512, b: __m512) -> __m512 {
            _mm512_mul_ps(a, b)
        }
        #[inline(always)]
        unsafe fn set(x: f32) -> __m512 {
            _mm512_set1_ps(x)
        }
    }

    /// Columns `i0..i0+R` of A against columns `j0..j0+nj` of B (`nj ≤ V·LANES`, the last vector
    /// masked when short).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile<S: Simd, const R: usize, const V: usize>(
        o: &Tn,
        i0: usize,
        j0: usize,
        nj: usize,
        k: usize,
        alpha: f32,
        beta: f32,
    ) {
        let last = nj - S::LANES * (V - 1);
        let lm = S::mask(last);
        let full = last == S::LANES;
        let mut tot = [[S::zero(); V]; R];
        let mut p0 = 0;
        while p0 < k {
            let pe = (p0 + BLOCK).min(k);
            let mut acc = [[S::zero(); V]; R];
            for p in p0..pe {
                let brow = o.b.add(p * o.ldb + j0);
                let arow = o.a.add(p * o.lda + i0);
                let mut bv = [S::zero(); V];
                for (v, b) in bv.iter_mut().enumerate() {
                    *b = if v + 1 < V || full {
                        S::load(brow.add(S::LANES * v))
                    } else {
                        S::load_masked(brow.add(S::LANES * v), lm)
                    };
                }
                for (r, accr) in acc.iter_mut().enumerate() {
                    let av = S::splat(arow.add(r));
                    for (a, &b) in accr.iter_mut().zip(&bv) {
                        *a = S::fma(av, b, *a);
                    }
                }
            }
            if p0 == 0 {
                tot = acc;
            } else {
                for (t, a) in tot.iter_mut().zip(&acc) {
                    for (tv, &av) in t.iter_mut().zip(a) {
                        *tv = S::add(*tv, av);
                    }
                }
            }
            p0 = pe;
        }
        if o.ccs == 1 {
            // Rows of C contiguous: α·s + β·c per vector, the same two roundings as below.
            let (va, vb) = (S::set(alpha), S::set(beta));
            for (r, row) in tot.iter().enumerate() {
                let crow = o.c.offset((i0 + r) as isize * o.crs + j0 as isize);
                for (v, &t) in row.iter().enumerate() {
                    let p = crow.add(S::LANES * v);
                    let part = v + 1 == V && !full;
                    let mut y = S::mul(va, t);
                    if beta != 0.0 {
                        let c = if part { S::load_masked(p, lm) } else { S::load(p) };
                        y = S::add(y, S::mul(vb, c));
                    }
                    if part {
                        S::store_masked(p, lm, y)
                    } else {
                        S::store(p, y)
                    }
                }
            }
            return;
        }
        for (r, row) in tot.iter().enumerate() {
            let mut vals = [0.0f32; 64];
            for (v, t) in row.iter().enumerate() {
                S::store(vals.as_mut_ptr().add(S::LANES * v), *t);
            }
            for (jj, &s) in vals[..nj].iter().enumerate() {
                let p = o.c.offset((i0 + r) as isize * o.crs + (j0 + jj) as isize * o.ccs);
                *p = if beta == 0.0 { alpha * s } else { alpha * s + beta * *p };
            }
        }
    }

    /// Rows of C per tile: 2·TILE_ROWS accumulators (and as many block totals) plus the loads
    /// fit AVX-512's 32 registers.
    const TILE_ROWS: usize = 6;

    /// Every row block of C for columns `j0..j0+nj`: tiles of `R` rows, then the rest.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn column_block<S: Simd, const V: usize>(
        o: &Tn,
        m: usize,
        j0: usize,
        nj: usize,
        k: usize,
        alpha: f32,
        beta: f32,
    ) {
        let mut i = 0;
        while i + TILE_ROWS <= m {
            tile::<S, TILE_ROWS, V>(o, i, j0, nj, k, alpha, beta);
            i += TILE_ROWS;
        }
        match m - i {
            1 => tile::<S, 1, V>(o, i, j0, nj, k, alpha, beta),
            2 => tile::<S, 2, V>(o, i, j0, nj, k, alpha, beta),
            3 => tile::<S, 3, V>(o, i, j0, nj, k, alpha, beta),
            4 => tile::<S, 4, V>(o, i, j0, nj, k, alpha, beta),
            5 => tile::<S, 5, V>(o, i, j0, nj, k, alpha, beta),
            _ => {}
        }
    }

    /// Two vectors of B's columns (a cache line or two per row) stay in L1 while A's columns
    /// pass; then the last columns in one or two vectors.
    #[inline(always)]
    unsafe fn columns<S: Simd>(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Tn) {
        let w = 2 * S::LANES;
        let mut j = 0;
        while j + w <= n {
            column_block::<S, 2>(&o, m, j, w, k, alpha, beta);
            j += w;
        }
        let rest = n - j;
        if rest > S::LANES {
            column_block::<S, 2>(&o, m, j, rest, k, alpha, beta);
        } else if rest > 0 {
            column_block::<S, 1>(&o, m, j, rest, k, alpha, beta);
        }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Tn) {
        columns::<Avx2>(m, k, n, alpha, beta, o)
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn run_avx512(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Tn) {
        columns::<Avx512>(m, k, n, alpha, beta, o)
    }

    /// Whether this CPU runs the 16-lane tiles (same bits as the 8-lane ones, fewer instructions).
    pub(super) fn wide() -> bool {
        std::is_x86_feature_detected!("avx512f")
    }

    /// `wide` picks the 16-lane tiles (only where [`wide`] holds).
    pub(super) unsafe fn run(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Tn, wide: bool) {
        if k == 0 {
            return;
        }
        if wide {
            run_avx512(m, k, n, alpha, beta, o)
        } else {
            run_avx2(m, k, n, alpha, beta, o)
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// The 8-lane and 16-lane tiles give the same bits, and the blocked sums beat one running
    /// float32 sum against float64 on a long batch.
    #[test]
    fn both_widths_agree_and_blocked_sums_are_accurate() {
        if !crate::kernels::gemm_nt::available() {
            return;
        }
        let (m, k, n) = (7, 4099, 37);
        let a: Vec<f32> = (0..k * m).map(|v| ((v * 7919 % 1013) as f32 / 1013.0) - 0.3).collect();
        let b: Vec<f32> = (0..k * n).map(|v| ((v * 104_729 % 997) as f32 / 997.0) - 0.2).collect();
        let run = |wide: bool| {
            let mut c = vec![0.0f32; m * n];
            let o = Tn { a: a.as_ptr(), lda: m, b: b.as_ptr(), ldb: n, c: c.as_mut_ptr(), crs: n as isize, ccs: 1 };
            // SAFETY: the operands are k×m, k×n and m×n; the wide tiles only where the CPU has them.
            unsafe { x86::run(m, k, n, 1.0, 0.0, o, wide) };
            c
        };
        let narrow = run(false);
        if x86::wide() {
            assert_eq!(narrow, run(true));
        }
        let (mut blocked, mut running) = (0f64, 0f64);
        for i in 0..m {
            for j in 0..n {
                let exact: f64 = (0..k).map(|p| a[p * m + i] as f64 * b[p * n + j] as f64).sum();
                let naive = (0..k).fold(0f32, |s, p| a[p * m + i].mul_add(b[p * n + j], s));
                blocked = blocked.max((narrow[i * n + j] as f64 - exact).abs());
                running = running.max((naive as f64 - exact).abs());
            }
        }
        assert!(blocked * 2.5 < running, "blocked {blocked:e} running {running:e}");
    }
}
