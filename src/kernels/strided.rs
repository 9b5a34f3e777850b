//! The row moves of im2col and col2im. A convolution over a small image has many short output
//! rows (a stride-2 layer on 28×28 has rows of 14), and a scalar loop per row spends more on the
//! row than on its floats. On AVX-512, x-strides 1 and 2 move 16 positions at a time: masked
//! loads read an input row with padding as masked-off lanes, a permute keeps the even lanes at
//! stride 2, and col2im adds with masks into the image. Each output element is the same move, or
//! the same addition in the same order, on either path, so the bits do not depend on the path.

/// The sizes the row moves need: one image's `h × w` per channel, the output's `oh × ow`, and the
/// strides along y and x.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rows {
    pub h: usize,
    pub w: usize,
    pub oh: usize,
    pub ow: usize,
    pub sy: usize,
    pub sx: usize,
}

/// One kernel tap (ki, kj): the output rows and columns [lo, hi) whose input lies inside the
/// image, and the input offsets (iy = oy·sy + offy, ix = ox·sx + offx).
pub(crate) struct Tap {
    pub y: (usize, usize),
    pub offy: isize,
    pub x: (usize, usize),
    pub offx: isize,
}

/// Whether the wide paths may run on this CPU (checked once per im2col/col2im call).
pub(crate) fn wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `dst[j] = src[j·s]` for every j.
#[inline(always)]
pub(crate) fn gather(dst: &mut [f32], src: &[f32], s: usize) {
    if s == 1 {
        dst.copy_from_slice(&src[..dst.len()]);
        return;
    }
    let Some(last) = dst.len().checked_sub(1) else { return };
    assert!(last * s < src.len(), "gather: source too short");
    for (j, o) in dst.iter_mut().enumerate() {
        // SAFETY: j ≤ last, so j·s ≤ last·s < src.len(), checked above.
        *o = unsafe { *src.get_unchecked(j * s) };
    }
}

/// `dst[j·s] += src[j]` for every j.
#[inline(always)]
pub(crate) fn scatter_add(dst: &mut [f32], src: &[f32], s: usize) {
    if s == 1 {
        for (d, v) in dst[..src.len()].iter_mut().zip(src) {
            *d += *v;
        }
        return;
    }
    let Some(last) = src.len().checked_sub(1) else { return };
    assert!(last * s < dst.len(), "scatter_add: destination too short");
    for (j, v) in src.iter().enumerate() {
        // SAFETY: j ≤ last, so j·s ≤ last·s < dst.len(), checked above.
        unsafe { *dst.get_unchecked_mut(j * s) += *v };
    }
}

/// im2col on AVX-512 for x-strides 1 and 2: each output row is written 16 positions at a time
/// from one or two masked loads of its input row (a permute keeps the even lanes at stride 2),
/// padding being the masked-off lanes. False (and nothing written) when this path does not apply.
pub(crate) fn im2col_wide(img: &[f32], g: &Rows, taps: &[Tap], col: &mut [f32], wide: bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    if wide && matches!(g.sx, 1 | 2) && g.h * g.w > 0 {
        // SAFETY: `wide` says the CPU has AVX-512F; im2col checked the lengths.
        unsafe { x86::im2col(img, g, taps, col) };
        return true;
    }
    let _ = (img, g, taps, col, wide);
    false
}

/// col2im on AVX-512 for x-strides 1 and 2, 16 positions of a row at a time (masked adds into
/// the image row); the same additions in the same order as the scalar loop.
pub(crate) fn col2im_wide(col: &[f32], g: &Rows, taps: &[Tap], img: &mut [f32], wide: bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    if wide && matches!(g.sx, 1 | 2) {
        // SAFETY: `wide` says the CPU has AVX-512F; col2im checked the lengths.
        unsafe { x86::col2im(col, g, taps, img) };
        return true;
    }
    let _ = (col, g, taps, img, wide);
    false
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Rows, Tap};
    use std::arch::x86_64::*;

    /// The low `n` lanes (n ≤ 16).
    #[inline(always)]
    fn lanes(n: usize) -> __mmask16 {
        if n >= 16 {
            0xffff
        } else {
            ((1u32 << n) - 1) as __mmask16
        }
    }

    /// Lanes l with lo ≤ l < hi.
    #[inline(always)]
    fn range(lo: isize, hi: isize) -> __mmask16 {
        let (lo, hi) = (lo.clamp(0, 16) as usize, hi.clamp(0, 16) as usize);
        lanes(hi) & !lanes(lo)
    }

    const EVEN: __mmask16 = 0x5555;

    /// The load masks of each tap's 16-position chunks of a row: the lanes whose input
    /// position e0 + l (first vector) or e0 + 16 + l (second, stride 2 only) lies in [0, w). They
    /// depend on the tap and the chunk only, not on the channel or the output row.
    fn chunk_masks(g: &Rows, taps: &[Tap]) -> Vec<(__mmask16, __mmask16)> {
        let (w, sx, chunks) = (g.w as isize, g.sx, g.ow.div_ceil(16));
        let mut out = Vec::with_capacity(taps.len() * chunks);
        for t in taps {
            for c in 0..chunks {
                let e0 = t.offx + (sx * 16 * c) as isize;
                let second = if sx == 2 { range(-e0 - 16, w - e0 - 16) } else { 0 };
                out.push((range(-e0, w - e0), second));
            }
        }
        out
    }

    /// Writes the column matrix in address order, each output row in 16-lane chunks. A full
    /// chunk's lanes past the row's end land on positions written later, so only a chunk that
    /// would pass the end of `col` is stored masked.
    ///
    /// # Safety
    /// AVX-512F; x-stride 1 or 2; `img` and `col` of im2col's lengths, `taps` from `g`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn im2col(img: &[f32], g: &Rows, taps: &[Tap], col: &mut [f32]) {
        let Rows { h, w, oh, ow, sy, sx } = *g;
        let chunks = ow.div_ceil(16);
        let masks = chunk_masks(g, taps);
        let evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        let end = col.as_mut_ptr_range().end;
        let mut d = col.as_mut_ptr();
        let store = |p: *mut f32, left: usize, v: __m512| {
            if end.offset_from(p) >= 16 {
                _mm512_storeu_ps(p, v);
            } else {
                _mm512_mask_storeu_ps(p, lanes(left), v);
            }
        };
        for ch in img.chunks_exact(h * w) {
            for (t, tm) in taps.iter().zip(masks.chunks_exact(chunks)) {
                let (ylo, yhi) = t.y;
                for oy in 0..oh {
                    if (ylo..yhi).contains(&oy) {
                        let row = ch.as_ptr().add(((oy * sy) as isize + t.offy) as usize * w);
                        for (c, &(ma, mb)) in tm.iter().enumerate() {
                            let base = row.wrapping_offset(t.offx + (sx * 16 * c) as isize);
                            let a = _mm512_maskz_loadu_ps(ma, base);
                            let v = if sx == 1 {
                                a
                            } else {
                                let b = _mm512_maskz_loadu_ps(mb, base.wrapping_add(16));
                                _mm512_permutex2var_ps(a, evens, b)
                            };
                            store(d.add(16 * c), ow - 16 * c, v);
                        }
                    } else {
                        for c in 0..chunks {
                            store(d.add(16 * c), ow - 16 * c, _mm512_setzero_ps());
                        }
                    }
                    d = d.add(ow);
                }
            }
        }
    }

    /// Adds each column row into its input row, 16 positions at a time, touching only the
    /// image elements the scalar loop adds to.
    ///
    /// # Safety
    /// AVX-512F; x-stride 1 or 2; `col` and `img` of col2im's lengths, `taps` from `g`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn col2im(col: &[f32], g: &Rows, taps: &[Tap], img: &mut [f32]) {
        let Rows { h, w, oh, ow, sy, sx } = *g;
        let chunks = ow.div_ceil(16);
        // The load masks, narrowed to the positions a chunk has (and at stride 2 to the even
        // lanes of the 2n − 1 its n positions span): exactly the elements the scalar loop adds to.
        let masks: Vec<(__mmask16, __mmask16)> = chunk_masks(g, taps)
            .chunks_exact(chunks)
            .flat_map(|tm| {
                tm.iter().enumerate().map(move |(c, &(ma, mb))| {
                    let n = (ow - 16 * c).min(16);
                    if sx == 1 {
                        (ma & lanes(n), 0)
                    } else {
                        let span = 2 * n - 1;
                        (ma & EVEN & lanes(span), mb & EVEN & lanes(span.saturating_sub(16)))
                    }
                })
            })
            .collect();
        let lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        let hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
        let mut plane = col.as_ptr();
        for ch in img.chunks_exact_mut(h * w) {
            for (t, tm) in taps.iter().zip(masks.chunks_exact(chunks)) {
                for oy in t.y.0..t.y.1 {
                    let row = ch.as_mut_ptr().add(((oy * sy) as isize + t.offy) as usize * w);
                    let src = plane.add(oy * ow);
                    for (c, &(ma, mb)) in tm.iter().enumerate() {
                        let v = _mm512_maskz_loadu_ps(lanes(ow - 16 * c), src.add(16 * c));
                        let p = row.wrapping_offset(t.offx + (sx * 16 * c) as isize);
                        if sx == 1 {
                            let a = _mm512_maskz_loadu_ps(ma, p);
                            _mm512_mask_storeu_ps(p, ma, _mm512_add_ps(a, v));
                        } else {
                            let pb = p.wrapping_add(16);
                            let a = _mm512_maskz_loadu_ps(ma, p);
                            let b = _mm512_maskz_loadu_ps(mb, pb);
                            _mm512_mask_storeu_ps(p, ma, _mm512_add_ps(a, _mm512_permutexvar_ps(lo, v)));
                            _mm512_mask_storeu_ps(pb, mb, _mm512_add_ps(b, _mm512_permutexvar_ps(hi, v)));
                        }
                    }
                }
                plane = plane.add(oh * ow);
            }
        }
    }
}
