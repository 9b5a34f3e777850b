//! The per-channel plane loops behind `ops::batch_norm`: an [N, C, *] tensor seen as N·C planes,
//! split across threads only by size (the per-channel sums themselves run in a fixed order).

use super::worth_parallel;
use rayon::prelude::*;

/// The layout of an [N, C, *] tensor as N·C planes of `s` contiguous values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub n: usize,
    pub c: usize,
    pub s: usize,
}

impl Layout {
    /// Values per channel.
    pub(crate) fn m(&self) -> usize {
        self.n * self.s
    }
    pub(crate) fn parallel(&self) -> bool {
        worth_parallel(self.c, self.m() * 4)
    }
    /// `f(c)` for every channel, in channel order (in parallel when large).
    pub(crate) fn per_channel<T: Send>(&self, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
        if self.parallel() {
            (0..self.c).into_par_iter().map(f).collect()
        } else {
            (0..self.c).map(f).collect()
        }
    }
    /// The planes of channel `c` in `data`, one per sample.
    pub(crate) fn planes<'a>(&self, data: &'a [f32], c: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (cc, s) = (self.c, self.s);
        (0..self.n).map(move |i| &data[(i * cc + c) * s..(i * cc + c + 1) * s])
    }
    /// Runs `f(channel, out_plane, in_planes...)` over every plane of `out` (per sample in parallel
    /// when large); `ins` are tensors of the same layout.
    pub(crate) fn map_planes(
        &self,
        out: &mut [f32],
        ins: [&[f32]; 2],
        f: impl Fn(usize, &mut [f32], &[f32], &[f32]) + Sync,
    ) {
        let (cs, s) = (self.c * self.s, self.s);
        if cs == 0 {
            return;
        }
        let sample = |(o, (a, b)): (&mut [f32], (&[f32], &[f32]))| {
            for (c, ((op, ap), bp)) in o.chunks_exact_mut(s).zip(a.chunks_exact(s)).zip(b.chunks_exact(s)).enumerate() {
                f(c, op, ap, bp);
            }
        };
        if worth_parallel(self.n, cs * 4) {
            out.par_chunks_mut(cs).zip(ins[0].par_chunks(cs).zip(ins[1].par_chunks(cs))).for_each(sample);
        } else {
            out.chunks_mut(cs).zip(ins[0].chunks(cs).zip(ins[1].chunks(cs))).for_each(sample);
        }
    }
}
