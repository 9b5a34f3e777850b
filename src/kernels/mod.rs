//! Raw-slice hot loops behind the ops: a GEMM layer choosing per layout between its own dot-product
//! and row-sum kernels, the `gemm` crate and `matrixmultiply`, and im2col/col2im for NCHW
//! convolutions (their AVX-512 row moves in `strided.rs`); `pool.rs` holds the per-thread buffers
//! a training step reuses; `fused.rs` holds torch's fused multiply-adds and `simd_fn!`, which
//! compiles the elementwise loops of the ops, optimizers and generator for AVX-512 and AVX2 as
//! well as the baseline (same bits). Kernels take plain slices and geometry; shape validation is
//! the op's job. Parallel helpers split work only by sizes, never by thread count, so results
//! are bit-identical on any number of threads.

pub(crate) mod conv;
pub mod fused;
pub mod gemm;
mod gemm_nt;
mod gemm_tn;
pub mod im2col;
pub(crate) mod planes;
pub mod pool;
mod strided;
pub mod sum;

pub use gemm::{gemm, gemm_with, Kernel, MatMut, MatRef};
pub use im2col::{col2im, im2col, Geom2d};

use rayon::prelude::*;

/// Runs `f(state, out_chunk, in_chunk)` over matching chunks of `out` and `inp` (one per sample),
/// in parallel when `parallel`, with per-worker scratch state from `init`. Each chunk is computed
/// by the same code whatever thread runs it.
pub fn zip_chunks<T, I, F>(
    parallel: bool,
    out: &mut [f32],
    out_chunk: usize,
    inp: &[f32],
    in_chunk: usize,
    init: I,
    f: F,
) where
    I: Fn() -> T + Sync + Send,
    F: Fn(&mut T, &mut [f32], &[f32]) + Sync + Send,
{
    if out_chunk == 0 {
        return;
    }
    if in_chunk == 0 {
        // Empty inputs (no input channels): every output chunk still gets its call.
        let mut s = init();
        out.chunks_mut(out_chunk).for_each(|o| f(&mut s, o, &[]));
        return;
    }
    if parallel {
        out.par_chunks_mut(out_chunk).zip(inp.par_chunks(in_chunk)).for_each_init(init, |s, (o, i)| f(s, o, i));
    } else {
        let mut s = init();
        out.chunks_mut(out_chunk).zip(inp.chunks(in_chunk)).for_each(|(o, i)| f(&mut s, o, i));
    }
}

thread_local! {
    static SERIAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every kernel on this thread single-threaded: for sweeps, whose runs are the
/// parallel unit (splitting a run's GEMMs as well would only add hand-offs). Results do not
/// change: no kernel's arithmetic depends on whether it was split.
pub fn serial<R>(f: impl FnOnce() -> R) -> R {
    let prev = SERIAL.with(|s| s.replace(true));
    let r = f();
    SERIAL.with(|s| s.set(prev));
    r
}

/// Whether kernels may split work across threads here (more than one thread, not in [`serial`]).
pub fn may_split() -> bool {
    !SERIAL.with(|s| s.get()) && rayon::current_num_threads() > 1
}

/// Whether a batch of `batch` samples of `work_per_sample` (roughly flops) is worth splitting.
pub fn worth_parallel(batch: usize, work_per_sample: usize) -> bool {
    batch >= 2 && batch.saturating_mul(work_per_sample) >= 1 << 17 && !SERIAL.with(|s| s.get())
}
