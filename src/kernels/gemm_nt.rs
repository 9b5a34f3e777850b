//! `C ← α·A·Bᵀ' + β·C` when k is contiguous in both operands: A row-major (`a.cs == 1`) and B
//! given as the transpose of a row-major matrix (`b.rs == 1`) — the layout of a Linear forward
//! (x·Wᵀ) and of w4. matrixmultiply packs such operands with strided gathers (78% of w4's time);
//! here every element of C is a dot product of two contiguous rows, computed with AVX2/FMA (found
//! at run time; `None` without it, and the caller falls back to matrixmultiply).
//!
//! Each dot product sums 8 lanes (16 with AVX-512, whose lanes l and l + 8 are then added) over k
//! in order (the last values as one masked block), then the lanes in a fixed tree: the order
//! depends only on k and the CPU, so results are the same whatever the tiling or thread count.

/// Whether this CPU runs the kernel.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Raw operands: A `m × k` at `a` with row stride `lda`, Bᵀ as `n` rows of k at `b` with row
/// stride `ldb`, C `m × n` at `c` with strides `(crs, ccs)`.
#[derive(Clone, Copy)]
pub(crate) struct Nt {
    pub a: *const f32,
    pub lda: usize,
    pub b: *const f32,
    pub ldb: usize,
    pub c: *mut f32,
    pub crs: isize,
    pub ccs: isize,
}

/// # Safety
/// `available()` must be true and the operands valid for `m × k · (n × k)ᵀ` into `m × n`.
pub(crate) unsafe fn gemm_nt(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Nt) {
    #[cfg(target_arch = "x86_64")]
    {
        x86::run(m, k, n, alpha, beta, o)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, k, n, alpha, beta, o);
        unreachable!("gemm_nt needs x86_64 with AVX2 and FMA")
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Nt;
    use std::arch::x86_64::*;

    /// The lane sums of four vectors, `[Σa, Σb, Σc, Σd]`, each in the same fixed tree
    /// ((0+1)+(2+3)) + ((4+5)+(6+7)); a zero vector in a slot leaves the others unchanged, so a
    /// dot product gets the same bits in a tile of one column as in a tile of four.
    #[inline(always)]
    unsafe fn hsum4(a: __m256, b: __m256, c: __m256, d: __m256) -> __m128 {
        let abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
        _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1))
    }

    #[inline(always)]
    unsafe fn store(o: &Nt, i: usize, j: usize, alpha: f32, beta: f32, dot: f32) {
        let p = o.c.offset(i as isize * o.crs + j as isize * o.ccs);
        *p = if beta == 0.0 { alpha * dot } else { alpha * dot + beta * *p };
    }

    /// The vector width a tile sums in: AVX2's 8 lanes, or AVX-512's 16 (fewer instructions per
    /// k; each lane then holds every 16th product, and lanes l and l + 8 are added first).
    pub(super) trait Lanes {
        const N: usize;
        type V: Copy;
        type M: Copy;
        unsafe fn zero() -> Self::V;
        unsafe fn mask(nv: usize) -> Self::M;
        unsafe fn load(p: *const f32) -> Self::V;
        unsafe fn load_masked(p: *const f32, m: Self::M) -> Self::V;
        unsafe fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
        unsafe fn to8(v: Self::V) -> __m256;
    }

    pub(super) struct Avx2;
    impl Lanes for Avx2 {
        const N: usize = 8;
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
        unsafe fn fma(a: __m256, b: __m256, c: __m256) -> __m256 {
            _mm256_fmadd_ps(a, b, c)
        }
        #[inline(always)]
        unsafe fn to8(v: __m256) -> __m256 {
            v
        }
    }

    pub(super) struct Avx512;
    impl Lanes for Avx512 {
        const N: usize = 16;
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
        unsafe fn fma(a: __m512, b: __m512, c: __m512) -> __m512 {
            _mm512_fmadd_ps(a, b, c)
        }
        #[inline(always)]
        unsafe fn to8(v: __m512) -> __m256 {
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
            _mm256_add_ps(_mm512_castps512_ps256(v), hi)
        }
    }

    /// `R` rows of A against `C` (≤ 4) rows of Bᵀ: R·C vector accumulators.
    #[inline(always)]
    unsafe fn tile<S: Lanes, const R: usize, const C: usize, const PF: bool>(
        o: &Nt,
        i0: usize,
        j0: usize,
        k: usize,
        alpha: f32,
        beta: f32,
    ) {
        let mut acc = [[S::zero(); C]; R];
        let a: [*const f32; R] = std::array::from_fn(|r| o.a.add((i0 + r) * o.lda));
        let b: [*const f32; C] = std::array::from_fn(|c| o.b.add((j0 + c) * o.ldb));
        let kv = k / S::N * S::N;
        let mut p = 0;
        while p < kv {
            // Plain loops, not array::from_fn: a closure would not inherit AVX2 and every load
            // would become a call.
            let mut bv = [S::zero(); C];
            for c in 0..C {
                bv[c] = S::load(b[c].add(p));
                if PF && p % 16 == 0 {
                    // The first pass over these rows also asks for the next group's rows (the
                    // weights of a deep net come from memory; short streams defeat the hardware
                    // prefetcher). A prefetch never faults, even past the end.
                    _mm_prefetch::<_MM_HINT_T0>(b[c].wrapping_add(p + C * o.ldb) as *const i8);
                }
            }
            for r in 0..R {
                let av = S::load(a[r].add(p));
                for c in 0..C {
                    acc[r][c] = S::fma(av, bv[c], acc[r][c]);
                }
            }
            p += S::N;
        }
        if kv < k {
            // The last k % N values as one masked block (masked lanes read nothing, load 0).
            let mask = S::mask(k - kv);
            let mut bv = [S::zero(); C];
            for c in 0..C {
                bv[c] = S::load_masked(b[c].add(kv), mask);
            }
            for r in 0..R {
                let av = S::load_masked(a[r].add(kv), mask);
                for c in 0..C {
                    acc[r][c] = S::fma(av, bv[c], acc[r][c]);
                }
            }
        }
        for (r, row) in acc.iter().enumerate() {
            let mut q = [_mm256_setzero_ps(); 4];
            for (qc, &v) in q.iter_mut().zip(row) {
                *qc = S::to8(v);
            }
            let mut dots = [0.0f32; 4];
            _mm_storeu_ps(dots.as_mut_ptr(), hsum4(q[0], q[1], q[2], q[3]));
            for (c, &d) in dots[..C].iter().enumerate() {
                store(o, i0 + r, j0 + c, alpha, beta, d);
            }
        }
    }

    /// Columns `j0..j0+C` for every row: full tiles of `T` rows (the first one also prefetching
    /// the next group of Bᵀ), then the last rows. T·C accumulators, C vectors of Bᵀ and one of A
    /// must fit the registers; T + C loads feed T·C FMAs. No tiling changes a dot product's order.
    #[inline(always)]
    unsafe fn column_group<S: Lanes, const C: usize, const T: usize>(
        o: &Nt,
        m: usize,
        j0: usize,
        k: usize,
        alpha: f32,
        beta: f32,
    ) {
        const { assert!(T >= 1 && T <= 6, "the last rows are matched up to 5") };
        let mut i = 0;
        while i + T <= m {
            if i == 0 {
                tile::<S, T, C, true>(o, 0, j0, k, alpha, beta);
            } else {
                tile::<S, T, C, false>(o, i, j0, k, alpha, beta);
            }
            i += T;
        }
        let pf = i == 0;
        match (m - i, pf) {
            (1, true) => tile::<S, 1, C, true>(o, i, j0, k, alpha, beta),
            (1, false) => tile::<S, 1, C, false>(o, i, j0, k, alpha, beta),
            (2, true) => tile::<S, 2, C, true>(o, i, j0, k, alpha, beta),
            (2, false) => tile::<S, 2, C, false>(o, i, j0, k, alpha, beta),
            (3, true) => tile::<S, 3, C, true>(o, i, j0, k, alpha, beta),
            (3, false) => tile::<S, 3, C, false>(o, i, j0, k, alpha, beta),
            (4, true) => tile::<S, 4, C, true>(o, i, j0, k, alpha, beta),
            (4, false) => tile::<S, 4, C, false>(o, i, j0, k, alpha, beta),
            (5, true) => tile::<S, 5, C, true>(o, i, j0, k, alpha, beta),
            (5, false) => tile::<S, 5, C, false>(o, i, j0, k, alpha, beta),
            _ => {}
        }
    }

    #[inline(always)]
    unsafe fn columns<S: Lanes, const T: usize>(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Nt) {
        // Four rows of Bᵀ stay in L1 while every row of A streams past them, T at a time.
        let mut j = 0;
        while j + 4 <= n {
            column_group::<S, 4, T>(&o, m, j, k, alpha, beta);
            j += 4;
        }
        match n - j {
            1 => column_group::<S, 1, T>(&o, m, j, k, alpha, beta),
            2 => column_group::<S, 2, T>(&o, m, j, k, alpha, beta),
            3 => column_group::<S, 3, T>(&o, m, j, k, alpha, beta),
            _ => {}
        }
    }

    /// AVX2's 16 registers hold 2×4 accumulators; AVX-512's 32 hold 4×4, whose 8 loads per 16
    /// FMAs make the kernel FMA-bound (w2's 128×784×512 forward: 73 → 100 GFLOPS).
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn run_avx2(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Nt) {
        columns::<Avx2, 2>(m, k, n, alpha, beta, o)
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn run_avx512(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Nt) {
        columns::<Avx512, 4>(m, k, n, alpha, beta, o)
    }

    /// The 16-lane tiles where the CPU has AVX-512F (a function of the CPU only).
    pub(super) unsafe fn run(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Nt) {
        if std::is_x86_feature_detected!("avx512f") {
            run_avx512(m, k, n, alpha, beta, o)
        } else {
            run_avx2(m, k, n, alpha, beta, o)
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// Both widths match a float64 dot product on every tile edge and k tail (the auto path is
    /// tested through kernels::gemm).
    #[test]
    fn avx2_and_avx512_tiles_match_float64() {
        if !available() {
            return;
        }
        let wide = std::is_x86_feature_detected!("avx512f");
        for (m, k, n) in [(1, 1, 1), (3, 13, 5), (5, 31, 7), (4, 100, 9)] {
            let a: Vec<f32> = (0..m * k).map(|v| ((v * 7 % 13) as f32 - 6.0) * 0.1).collect();
            let b: Vec<f32> = (0..k * n).map(|v| ((v * 5 % 11) as f32 - 5.0) * 0.1).collect();
            for w in [false, true] {
                if w && !wide {
                    continue;
                }
                let mut c = vec![0.0f32; m * n];
                let o = Nt { a: a.as_ptr(), lda: k, b: b.as_ptr(), ldb: k, c: c.as_mut_ptr(), crs: n as isize, ccs: 1 };
                // SAFETY: A is m×k, Bᵀ n×k, C m×n; the wide tiles only where the CPU has them.
                unsafe {
                    if w {
                        x86::run_avx512(m, k, n, 1.0, 0.0, o)
                    } else {
                        x86::run_avx2(m, k, n, 1.0, 0.0, o)
                    }
                }
                for i in 0..m {
                    for j in 0..n {
                        let want: f64 = (0..k).map(|p| a[i * k + p] as f64 * b[j * k + p] as f64).sum();
                        assert!((c[i * n + j] as f64 - want).abs() < 1e-5 * (1.0 + want.abs()), "{m}x{k}x{n} wide={w}");
                    }
                }
            }
        }
    }
}
