//! `C ← α·A·Bᵀ' + β·C` when k is contiguous in both operands: A row-major (`a.cs == 1`) and B
//! given as the transpose of a row-major matrix (`b.rs == 1`) — the layout of a Linear forward
//! (x·Wᵀ) and of w4. matrixmultiply packs such operands with strided gathers (78% of w4's time);
//! here every element of C is a dot product of two contiguous rows, computed with AVX2/FMA (found
//! at run time; `None` without it, and the caller falls back to matrixmultiply).
//!
//! Each dot product sums 8 lanes over k in order (the last k % 8 values as one masked block), then
//! the lanes in a fixed tree: the order depends only on k, so results are the same whatever the
//! tiling or thread count.

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

    /// `R` rows of A against `C` (≤ 4) rows of Bᵀ: R·C vector accumulators.
    #[inline(always)]
    unsafe fn tile<const R: usize, const C: usize, const PF: bool>(
        o: &Nt,
        i0: usize,
        j0: usize,
        k: usize,
        alpha: f32,
        beta: f32,
    ) {
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        let a: [*const f32; R] = std::array::from_fn(|r| o.a.add((i0 + r) * o.lda));
        let b: [*const f32; C] = std::array::from_fn(|c| o.b.add((j0 + c) * o.ldb));
        let k8 = k / 8 * 8;
        let mut p = 0;
        while p < k8 {
            // Plain loops, not array::from_fn: a closure would not inherit AVX2 and every load
            // would become a call.
            let mut bv = [_mm256_setzero_ps(); C];
            for c in 0..C {
                bv[c] = _mm256_loadu_ps(b[c].add(p));
                if PF && p % 16 == 0 {
                    // The first pass over these rows also asks for the next group's rows (the
                    // weights of a deep net come from memory; short streams defeat the hardware
                    // prefetcher). A prefetch never faults, even past the end.
                    _mm_prefetch::<_MM_HINT_T0>(b[c].wrapping_add(p + C * o.ldb) as *const i8);
                }
            }
            for r in 0..R {
                let av = _mm256_loadu_ps(a[r].add(p));
                for c in 0..C {
                    acc[r][c] = _mm256_fmadd_ps(av, bv[c], acc[r][c]);
                }
            }
            p += 8;
        }
        if k8 < k {
            // The last k % 8 values as one masked block (masked lanes read nothing, load 0).
            let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((k - k8) as i32), lanes);
            let mut bv = [_mm256_setzero_ps(); C];
            for c in 0..C {
                bv[c] = _mm256_maskload_ps(b[c].add(k8), mask);
            }
            for r in 0..R {
                let av = _mm256_maskload_ps(a[r].add(k8), mask);
                for c in 0..C {
                    acc[r][c] = _mm256_fmadd_ps(av, bv[c], acc[r][c]);
                }
            }
        }
        for (r, row) in acc.iter().enumerate() {
            let mut q = [_mm256_setzero_ps(); 4];
            q[..C].copy_from_slice(row);
            let mut dots = [0.0f32; 4];
            _mm_storeu_ps(dots.as_mut_ptr(), hsum4(q[0], q[1], q[2], q[3]));
            for (c, &d) in dots[..C].iter().enumerate() {
                store(o, i0 + r, j0 + c, alpha, beta, d);
            }
        }
    }

    /// Columns `j0..j0+C` for every row: full 2-row tiles, then a last row alone.
    #[inline(always)]
    unsafe fn column_group<const C: usize>(o: &Nt, m: usize, j0: usize, k: usize, alpha: f32, beta: f32) {
        if m < 2 {
            if m == 1 {
                tile::<1, C, true>(o, 0, j0, k, alpha, beta);
            }
            return;
        }
        tile::<2, C, true>(o, 0, j0, k, alpha, beta);
        let mut i = 2;
        while i + 2 <= m {
            tile::<2, C, false>(o, i, j0, k, alpha, beta);
            i += 2;
        }
        if i < m {
            tile::<1, C, false>(o, i, j0, k, alpha, beta);
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn run(m: usize, k: usize, n: usize, alpha: f32, beta: f32, o: Nt) {
        // Four rows of Bᵀ stay in L1 while every row of A streams past them.
        let mut j = 0;
        while j + 4 <= n {
            column_group::<4>(&o, m, j, k, alpha, beta);
            j += 4;
        }
        match n - j {
            1 => column_group::<1>(&o, m, j, k, alpha, beta),
            2 => column_group::<2>(&o, m, j, k, alpha, beta),
            3 => column_group::<3>(&o, m, j, k, alpha, beta),
            _ => {}
        }
    }
}
