//! im2col / col2im for one NCHW image. The column matrix has one row per (channel, ki, kj), in that
//! order, and one column per output position (oy, ox): a convolution is then `W[C_out, C·kh·kw] ·
//! col`, and a group's channels are a contiguous block of rows. Padding reads as zero. The row
//! moves themselves are `strided.rs`'s.

use super::strided::{self, gather, scatter_add, Rows, Tap};

/// The geometry of a 2-D convolution over one image of `c × h × w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geom2d {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    pub oh: usize,
    pub ow: usize,
}

/// torch's output size floor((n + 2p − d(k−1) − 1)/s) + 1, or None when the dilated kernel does not
/// fit the padded input (or k, s or d is 0).
pub fn out_size(n: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
    if k == 0 || s == 0 || d == 0 {
        return None;
    }
    let span = d * (k - 1) + 1;
    (n + 2 * p).checked_sub(span).map(|r| r / s + 1)
}

impl Geom2d {
    /// The geometry, or None when the kernel does not fit (see [`out_size`]).
    pub fn new(
        (c, h, w): (usize, usize, usize),
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
    ) -> Option<Geom2d> {
        let oh = out_size(h, kernel.0, stride.0, padding.0, dilation.0)?;
        let ow = out_size(w, kernel.1, stride.1, padding.1, dilation.1)?;
        Some(Geom2d { c, h, w, kernel, stride, padding, dilation, oh, ow })
    }
    /// Rows of the column matrix: c·kh·kw.
    pub fn col_rows(&self) -> usize {
        self.c * self.kernel.0 * self.kernel.1
    }
    /// Columns of the column matrix: oh·ow.
    pub fn col_cols(&self) -> usize {
        self.oh * self.ow
    }
    pub fn img_len(&self) -> usize {
        self.c * self.h * self.w
    }
}

/// Outputs o in [lo, hi) (with hi ≤ n_out) whose input index o·s + off lies in [0, n_in).
fn valid_range(off: isize, s: usize, n_in: usize, n_out: usize) -> (usize, usize) {
    let s = s as isize;
    let lo = if off >= 0 { 0 } else { (-off + s - 1) / s };
    let room = n_in as isize - off;
    let hi = if room <= 0 { 0 } else { ((room + s - 1) / s).min(n_out as isize) };
    let lo = lo.min(hi);
    (lo as usize, hi as usize)
}

fn rows(g: &Geom2d) -> Rows {
    Rows { h: g.h, w: g.w, oh: g.oh, ow: g.ow, sy: g.stride.0, sx: g.stride.1 }
}

/// For each (ki, kj) row offset: the valid output ranges and the input offsets, per axis.
fn taps(g: &Geom2d) -> Vec<Tap> {
    let (kh, kw) = g.kernel;
    let mut out = Vec::with_capacity(kh * kw);
    for ki in 0..kh {
        let offy = (ki * g.dilation.0) as isize - g.padding.0 as isize;
        for kj in 0..kw {
            let offx = (kj * g.dilation.1) as isize - g.padding.1 as isize;
            let y = valid_range(offy, g.stride.0, g.h, g.oh);
            let x = valid_range(offx, g.stride.1, g.w, g.ow);
            out.push(Tap { y, offy, x, offx });
        }
    }
    out
}

/// Fills `col` (`col_rows × col_cols`, row-major) from `img` (`c × h × w`).
pub fn im2col(img: &[f32], g: &Geom2d, col: &mut [f32]) {
    assert_eq!(img.len(), g.img_len(), "im2col: image length");
    assert_eq!(col.len(), g.col_rows() * g.col_cols(), "im2col: column length");
    let taps = taps(g);
    if col.is_empty() || !strided::im2col_wide(img, &rows(g), &taps, col, strided::wide()) {
        im2col_rows(img, g, &taps, col);
    }
}

/// Adds `col` (`col_rows × col_cols`) back into `img` (`c × h × w`): the adjoint of [`im2col`].
/// `img` is accumulated into, not overwritten.
pub fn col2im(col: &[f32], g: &Geom2d, img: &mut [f32]) {
    assert_eq!(img.len(), g.img_len(), "col2im: image length");
    assert_eq!(col.len(), g.col_rows() * g.col_cols(), "col2im: column length");
    let taps = taps(g);
    if col.is_empty() || g.h * g.w == 0 || !strided::col2im_wide(col, &rows(g), &taps, img, strided::wide()) {
        col2im_rows(col, g, &taps, img);
    }
}

crate::simd_fn! {
    /// [`im2col`] one row at a time (any stride, any CPU).
    fn im2col_rows(img: &[f32], g: &Geom2d, taps: &[Tap], col: &mut [f32]) {
        let (ow, plane) = (g.ow, g.col_cols());
        if plane == 0 || col.is_empty() {
            return;
        }
        if g.h * g.w == 0 {
            col.fill(0.0);
            return;
        }
        let (sy, sx, w) = (g.stride.0, g.stride.1, g.w);
        let mut rows = col.chunks_exact_mut(plane);
        for ch in img.chunks_exact(g.h * w) {
            for t in taps {
                let row = rows.next().expect("one row per channel and tap");
                let ((ylo, yhi), (xlo, xhi)) = (t.y, t.x);
                if xlo == xhi {
                    row.fill(0.0);
                    continue;
                }
                row[..ylo * ow].fill(0.0);
                row[yhi * ow..].fill(0.0);
                let ix0 = ((xlo * sx) as isize + t.offx) as usize;
                for (oy, orow) in row.chunks_exact_mut(ow).enumerate().take(yhi).skip(ylo) {
                    let iy = ((oy * sy) as isize + t.offy) as usize;
                    let irow = &ch[iy * w..(iy + 1) * w];
                    // Guarded: a fill of unknown length is a memset call, and most are empty.
                    if xlo > 0 {
                        orow[..xlo].fill(0.0);
                    }
                    if xhi < ow {
                        orow[xhi..].fill(0.0);
                    }
                    gather(&mut orow[xlo..xhi], &irow[ix0..], sx);
                }
            }
        }
    }
}

crate::simd_fn! {
    /// [`col2im`] one row at a time (any stride, any CPU).
    fn col2im_rows(col: &[f32], g: &Geom2d, taps: &[Tap], img: &mut [f32]) {
        let (ow, plane) = (g.ow, g.col_cols());
        if plane == 0 || g.h * g.w == 0 || col.is_empty() {
            return;
        }
        let (sy, sx, w) = (g.stride.0, g.stride.1, g.w);
        let mut rows = col.chunks_exact(plane);
        for ch in img.chunks_exact_mut(g.h * w) {
            for t in taps {
                let row = rows.next().expect("one row per channel and tap");
                let (xlo, xhi) = t.x;
                if xlo == xhi {
                    continue;
                }
                let ix0 = ((xlo * sx) as isize + t.offx) as usize;
                for (oy, orow) in row.chunks_exact(ow).enumerate().take(t.y.1).skip(t.y.0) {
                    let iy = ((oy * sy) as isize + t.offy) as usize;
                    let irow = &mut ch[iy * w..(iy + 1) * w];
                    scatter_add(&mut irow[ix0..], &orow[xlo..xhi], sx);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, as (column index, image index) pairs in im2col's row order (channel, tap,
    /// position): col[(c,ki,kj), (oy,ox)] = img[c, oy·s + ki·d − p, ox·s + kj·d − p], and the
    /// column positions whose input is padding are missing (zero).
    fn definition(g: &Geom2d) -> Vec<(usize, usize)> {
        let (kh, kw) = g.kernel;
        let mut pairs = Vec::new();
        for c in 0..g.c {
            for ki in 0..kh {
                for kj in 0..kw {
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let iy = (oy * g.stride.0 + ki * g.dilation.0) as isize - g.padding.0 as isize;
                            let ix = (ox * g.stride.1 + kj * g.dilation.1) as isize - g.padding.1 as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w {
                                let r = (c * kh + ki) * kw + kj;
                                pairs.push((
                                    r * g.col_cols() + oy * g.ow + ox,
                                    (c * g.h + iy as usize) * g.w + ix as usize,
                                ));
                            }
                        }
                    }
                }
            }
        }
        pairs
    }

    fn naive_im2col(img: &[f32], g: &Geom2d) -> Vec<f32> {
        let mut col = vec![0.0; g.col_rows() * g.col_cols()];
        for (ci, ii) in definition(g) {
            col[ci] = img[ii];
        }
        col
    }

    /// col2im by its definition into `img`, adding in im2col's row order.
    fn naive_col2im(col: &[f32], g: &Geom2d, mut img: Vec<f32>) -> Vec<f32> {
        for (ci, ii) in definition(g) {
            img[ii] += col[ci];
        }
        img
    }

    #[test]
    fn im2col_and_col2im_match_their_definitions_on_both_paths() {
        let cases = [
            ((2, 5, 6), (3, 3), (1, 1), (1, 1), (1, 1)),
            ((1, 7, 5), (3, 2), (2, 3), (2, 1), (1, 1)),
            ((3, 6, 6), (2, 3), (1, 2), (0, 3), (2, 2)),
            ((1, 2, 2), (3, 3), (3, 3), (2, 2), (1, 1)),
            // w3's two layers, rows of 28 at stride 1 and of 14 at stride 2.
            ((1, 28, 28), (3, 3), (1, 1), (1, 1), (1, 1)),
            ((3, 28, 28), (3, 3), (2, 2), (1, 1), (1, 1)),
            // Rows longer than 16 positions, with and without a tail, wide padding, dilation.
            ((2, 9, 40), (3, 3), (2, 2), (1, 1), (1, 1)),
            ((1, 5, 77), (1, 4), (1, 2), (0, 2), (1, 1)),
            ((2, 4, 35), (2, 5), (1, 1), (1, 4), (1, 3)),
            ((1, 3, 50), (1, 3), (3, 2), (0, 20), (1, 2)),
            ((2, 3, 3), (3, 3), (1, 2), (5, 5), (1, 1)),
        ];
        for (chw, k, s, p, d) in cases {
            let g = Geom2d::new(chw, k, s, p, d).unwrap();
            let img: Vec<f32> = (0..g.img_len()).map(|i| (i as f32 * 0.37).sin()).collect();
            let want = naive_im2col(&img, &g);
            let y: Vec<f32> = (0..want.len()).map(|i| (i as f32 * 0.11).cos()).collect();
            let base: Vec<f32> = (0..g.img_len()).map(|i| (i as f32 * 0.7).cos() * 1e-3).collect();
            let want_back = naive_col2im(&y, &g, base.clone());
            for wide in [false, true] {
                let mut col = vec![f32::NAN; want.len()];
                let mut back = base.clone();
                if wide {
                    if !strided::wide() {
                        continue;
                    }
                    im2col(&img, &g, &mut col);
                    col2im(&y, &g, &mut back);
                } else {
                    im2col_rows(&img, &g, &taps(&g), &mut col);
                    col2im_rows(&y, &g, &taps(&g), &mut back);
                }
                assert_eq!(col, want, "im2col {g:?} wide={wide}");
                // Each image element gets its additions in the definition's order, so bit for
                // bit (the accumulated-into base included).
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&back), bits(&want_back), "col2im {g:?} wide={wide}");
            }
        }
        assert_eq!(out_size(28, 3, 2, 1, 1), Some(14));
        assert_eq!(out_size(2, 3, 1, 0, 1), None);
        assert_eq!(out_size(5, 3, 1, 0, 2), Some(1));
    }
}
