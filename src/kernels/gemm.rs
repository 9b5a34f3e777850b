//! `C ← α·A·B + β·C` over strided f32 slices, on the kernel `choose` picks for the layout (see
//! [`Kernel`]). The slice bounds are checked once per call against the strides, so the unsafe
//! calls cannot read or write outside them.

use super::gemm_nt::{self, Nt};
use super::gemm_tn::{self, Tn};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

static TIMING: AtomicBool = AtomicBool::new(false);
static CALLS: AtomicU64 = AtomicU64::new(0);
static FLOPS: AtomicU64 = AtomicU64::new(0);
static NANOS: AtomicU64 = AtomicU64::new(0);

/// What [`gemm`] did while timing was on (for benchmarks: GEMM efficiency inside a training step).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GemmTiming {
    pub calls: u64,
    /// 2·m·k·n summed over calls.
    pub flops: u64,
    pub nanos: u64,
}

/// Turns the process-wide GEMM timer on or off (off by default: one relaxed load per call).
pub fn set_timing(on: bool) {
    TIMING.store(on, Relaxed);
}

/// The totals since the last call, resetting them.
pub fn take_timing() -> GemmTiming {
    GemmTiming { calls: CALLS.swap(0, Relaxed), flops: FLOPS.swap(0, Relaxed), nanos: NANOS.swap(0, Relaxed) }
}

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
    gemm_with(Kernel::Auto, alpha, a, b, beta, c)
}

/// [`gemm`] with every leaf on `kernel` (benchmarks; `Dot` and `RowSum` need their layout and
/// AVX2/FMA, else this panics).
pub fn gemm_with(kernel: Kernel, alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: MatMut<'_>) {
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
    let t0 = TIMING.load(Relaxed).then(Instant::now);
    // SAFETY: every index the kernel touches, i*rs + j*cs for i < rows, j < cols, was checked to lie
    // inside its slice above; `c` is a unique borrow so it does not alias `a` or `b`.
    unsafe {
        let v = Views {
            a: a.data.as_ptr(),
            ars: a.rs as isize,
            acs: a.cs as isize,
            b: b.data.as_ptr(),
            brs: b.rs as isize,
            bcs: b.cs as isize,
            c: c.data.as_mut_ptr(),
            crs: c.rs as isize,
            ccs: c.cs as isize,
        };
        if matches!(kernel, Kernel::Dot | Kernel::RowSum) {
            let (ok_dot, ok_row) = (v.acs == 1 && v.brs == 1, v.ars == 1 && v.bcs == 1);
            let ok = if kernel == Kernel::Dot { ok_dot } else { ok_row };
            assert!(ok && gemm_nt::available(), "gemm: {kernel:?} cannot run this layout here");
        }
        split_sgemm(m, k, n, alpha, beta, v, kernel);
    }
    if let Some(t0) = t0 {
        NANOS.fetch_add(t0.elapsed().as_nanos() as u64, Relaxed);
        FLOPS.fetch_add(2 * (m * k * n) as u64, Relaxed);
        CALLS.fetch_add(1, Relaxed);
    }
}

/// Raw strided views of one GEMM (checked by [`gemm`] before any use).
#[derive(Clone, Copy)]
struct Views {
    a: *const f32,
    ars: isize,
    acs: isize,
    b: *const f32,
    brs: isize,
    bcs: isize,
    c: *mut f32,
    crs: isize,
    ccs: isize,
}

// SAFETY: the pieces handed to other threads write disjoint column (or row) blocks of C and only
// read A and B, all of which outlive the `rayon::join` that uses them.
unsafe impl Send for Views {}
unsafe impl Sync for Views {}

/// The dot-product kernel streams A past four rows of Bᵀ; above this many elements A would no
/// longer stay in L2 and matrixmultiply's blocking wins.
const NT_MAX_A: usize = 1 << 18;
/// Below this depth the per-element horizontal sums and k tails cost more than matrixmultiply's
/// gathers (w1's 300x100x100 forward ran at 35 GFLOPS in the dot kernel).
const NT_MIN_K: usize = 64;

/// The kernels a leaf of [`gemm`] can run (public for the benchmarks that compare them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The choice [`gemm`] makes (by shape, layout and CPU features only).
    Auto,
    /// `matrixmultiply::sgemm`.
    Matrixmultiply,
    /// The `gemm` crate, single-threaded.
    GemmCrate,
    /// The dot-product kernel (k contiguous in both operands; AVX2/FMA).
    Dot,
    /// The blocked row-sum kernel (rows of both operands along k; AVX2/FMA).
    RowSum,
}

/// Which kernel runs an `m × k · k × n` leaf with these strides. A function of the shape, the
/// layout and the CPU's features only, so a given machine gives the same bits every run.
fn choose(m: usize, k: usize, n: usize, v: &Views) -> Kernel {
    let simd = gemm_nt::available();
    if simd && v.ars == 1 && v.bcs == 1 {
        // Aᵀ·B with the sum along both operands' rows: a weight gradient summed over the batch.
        // Blocked sums keep it as accurate as torch's (issue 15.4).
        return Kernel::RowSum;
    }
    if simd && v.acs == 1 && v.brs == 1 && k >= NT_MIN_K && m * k <= NT_MAX_A {
        return Kernel::Dot;
    }
    if v.acs == 1 && v.bcs == 1 && k >= GEMM_CRATE_MIN_K {
        // Both row-major (a grad input g·W, a conv forward): the gemm crate's packed kernels
        // beat matrixmultiply's here by 1.2–2× on these shapes (`train_bench kernels`).
        return Kernel::GemmCrate;
    }
    let _ = n;
    Kernel::Matrixmultiply
}

/// Below this depth matrixmultiply matches the gemm crate on row-major operands (w1's
/// 300×3×100 grad input: 40 against 36 GFLOPS).
const GEMM_CRATE_MIN_K: usize = 8;

/// GEMMs of at least this many flops are cut in two (the halves run under `rayon::join` when
/// kernels may split).
const SPLIT_FLOPS: usize = 1 << 21;

/// Cuts C into column (or row, when taller than wide) blocks while a block has ≥ `SPLIT_FLOPS`,
/// halving at multiples of 16 (the widest kernel), and runs the blocks in parallel when kernels
/// may split, one after the other otherwise. The cuts depend on the sizes alone, so each leaf's
/// shape — hence its kernel and its summation order — is the same on any number of threads, and
/// results are bit-identical (the tests compare 1, 2 and 3 threads).
///
/// # Safety
/// The views must be valid for an `m × k · k × n` product into `m × n`, with C not aliasing A/B.
unsafe fn split_sgemm(m: usize, k: usize, n: usize, alpha: f32, beta: f32, v: Views, kernel: Kernel) {
    let big = 2 * m * k * n >= SPLIT_FLOPS;
    let par = big && super::may_split();
    let both = |f: &(dyn Fn() + Sync), g: &(dyn Fn() + Sync)| {
        if par {
            rayon::join(f, g);
        } else {
            f();
            g();
        }
    };
    if big && n >= m && n >= 32 {
        let h = (n / 2).div_ceil(16) * 16;
        let right = Views { b: v.b.offset(h as isize * v.bcs), c: v.c.offset(h as isize * v.ccs), ..v };
        both(&|| split_sgemm(m, k, h, alpha, beta, v, kernel), &|| {
            split_sgemm(m, k, n - h, alpha, beta, right, kernel)
        });
    } else if big && m > n && m >= 32 {
        let h = (m / 2).div_ceil(16) * 16;
        let low = Views { a: v.a.offset(h as isize * v.ars), c: v.c.offset(h as isize * v.crs), ..v };
        both(&|| split_sgemm(h, k, n, alpha, beta, v, kernel), &|| split_sgemm(m - h, k, n, alpha, beta, low, kernel));
    } else {
        leaf(m, k, n, alpha, beta, v, kernel);
    }
}

/// One block of C with the chosen (or asked-for) kernel.
///
/// # Safety
/// As [`split_sgemm`]; a forced `Dot` or `RowSum` needs its layout and AVX2/FMA.
unsafe fn leaf(m: usize, k: usize, n: usize, alpha: f32, beta: f32, v: Views, kernel: Kernel) {
    let kernel = if kernel == Kernel::Auto { choose(m, k, n, &v) } else { kernel };
    match kernel {
        Kernel::Dot => {
            let nt = Nt { a: v.a, lda: v.ars as usize, b: v.b, ldb: v.bcs as usize, c: v.c, crs: v.crs, ccs: v.ccs };
            gemm_nt::gemm_nt(m, k, n, alpha, beta, nt);
        }
        Kernel::RowSum => {
            let tn = Tn { a: v.a, lda: v.acs as usize, b: v.b, ldb: v.brs as usize, c: v.c, crs: v.crs, ccs: v.ccs };
            gemm_tn::gemm_tn(m, k, n, alpha, beta, tn);
        }
        Kernel::GemmCrate => {
            // gemm's convention: dst ← α·dst + β·lhs·rhs, dst not read when `read_dst` is false.
            ::gemm::gemm(
                m,
                n,
                k,
                v.c,
                v.ccs,
                v.crs,
                beta != 0.0,
                v.a,
                v.acs,
                v.ars,
                v.b,
                v.bcs,
                v.brs,
                beta,
                alpha,
                false,
                false,
                false,
                ::gemm::Parallelism::None,
            );
        }
        Kernel::Matrixmultiply | Kernel::Auto => {
            matrixmultiply::sgemm(m, k, n, alpha, v.a, v.ars, v.acs, v.b, v.brs, v.bcs, beta, v.c, v.crs, v.ccs);
        }
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

    #[test]
    fn split_gemm_is_correct_and_bit_identical_on_any_thread_count() {
        // Every layout the ops use (dot kernel for A·Bᵀ, matrixmultiply for the others), at sizes
        // that are cut (in n, in m, with ragged edges) on several threads and not on one.
        for (m, k, n) in [(96, 300, 600), (600, 70, 90), (37, 1000, 101), (130, 17, 2000)] {
            let a: Vec<f32> = (0..m * k).map(|v| ((v * 7 % 13) as f32 - 6.0) * 0.1).collect();
            let b: Vec<f32> = (0..k * n).map(|v| ((v * 5 % 11) as f32 - 5.0) * 0.1).collect();
            for (at, bt) in [(false, true), (false, false), (true, false)] {
                let am = if at { MatRef::row_major_t(&a, m, k) } else { MatRef::row_major(&a, m, k) };
                let bm = if bt { MatRef::row_major_t(&b, k, n) } else { MatRef::row_major(&b, k, n) };
                let run = |threads: usize| {
                    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                    let mut c = vec![0.5; m * n];
                    pool.install(|| gemm(1.0, am, bm, 1.0, MatMut::row_major(&mut c, m, n)));
                    c
                };
                let one = run(1);
                assert_eq!(one, run(2), "{m}x{k}x{n} at={at} bt={bt}");
                assert_eq!(one, run(3), "{m}x{k}x{n} at={at} bt={bt}");
                let want = naive(&am, &bm);
                assert!(one.iter().zip(&want).all(|(g, w)| (g - w - 0.5).abs() < 1e-3 * (1.0 + w.abs())));
            }
        }
    }

    #[test]
    fn k_contiguous_operands_take_the_dot_kernel_and_match_naive() {
        // Odd sizes exercise every tile edge and the scalar k tail; beta both 0 (NaN ignored) and 1.
        for (m, k, n) in [(1, 1, 1), (3, 13, 5), (7, 64, 9), (16, 256, 256), (5, 3, 6)] {
            let a: Vec<f32> = (0..m * k).map(|v| ((v * 7 % 13) as f32 - 6.0) * 0.1).collect();
            let b: Vec<f32> = (0..k * n).map(|v| ((v * 5 % 11) as f32 - 5.0) * 0.1).collect();
            let (am, bm) = (MatRef::row_major(&a, m, k), MatRef::row_major_t(&b, k, n));
            let want = naive(&am, &bm);
            let mut c = vec![f32::NAN; m * n];
            gemm(1.0, am, bm, 0.0, MatMut::row_major(&mut c, m, n));
            assert!(c.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-4 * (1.0 + w.abs())), "{m}x{k}x{n}");
            let mut c2 = vec![1.0; m * n];
            gemm(2.0, am, bm, 1.0, MatMut::row_major(&mut c2, m, n));
            assert!(c2.iter().zip(&c).all(|(g, w)| (g - (2.0 * w + 1.0)).abs() < 1e-4 * (1.0 + w.abs())));
        }
    }
}
