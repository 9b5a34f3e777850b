//! The slice-level conv2d loops behind `ops::conv2d`: forward, input, weight and bias gradients
//! through im2col/col2im and one GEMM per sample per group. The batch is split across threads only
//! by size, and the weight gradient sums fixed per-chunk partials in a fixed order, so results are
//! bit-identical on any thread count.

use super::pool::Pooled;
use super::{col2im, gemm, im2col, worth_parallel, zip_chunks, Geom2d, MatMut, MatRef};
use rayon::prelude::*;

/// Sizes of one conv2d call, shared by the forward and the backward.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub g: Geom2d,
    pub n: usize,
    pub c_out: usize,
    pub groups: usize,
}

impl Plan {
    fn cout_g(&self) -> usize {
        self.c_out / self.groups
    }
    /// Rows of one group's column block (and columns of its weight matrix).
    fn k_g(&self) -> usize {
        self.g.col_rows() / self.groups
    }
    fn p(&self) -> usize {
        self.g.col_cols()
    }
    fn out_len(&self) -> usize {
        self.c_out * self.p()
    }
    /// A 1×1 kernel with stride 1 and no padding: the column matrix is the image itself.
    fn identity_cols(&self) -> bool {
        self.g.kernel == (1, 1) && self.g.stride == (1, 1) && self.g.padding == (0, 0)
    }
    fn col_len(&self) -> usize {
        if self.identity_cols() {
            0
        } else {
            self.g.col_rows() * self.p()
        }
    }
    fn parallel(&self) -> bool {
        worth_parallel(self.n, self.c_out * self.k_g() * self.p() + self.g.col_rows() * self.p())
    }
    pub(crate) fn out_shape(&self) -> [usize; 4] {
        [self.n, self.c_out, self.g.oh, self.g.ow]
    }
}

/// One sample's column matrix: `img` itself for 1×1 stride-1 kernels, else im2col into `col`.
fn columns<'a>(plan: &Plan, img: &'a [f32], col: &'a mut [f32]) -> &'a [f32] {
    if plan.identity_cols() {
        img
    } else {
        im2col(img, &plan.g, col);
        col
    }
}

/// From this depth on (a group's C_in·kh·kw), the forward multiplies by a transposed copy of W,
/// which the GEMM layer gives to its row-sum kernel: w3's 32×144·144×196 runs at 100 GFLOPS
/// there against 89 in the gemm crate, which also allocates a 147 KB packing buffer per call
/// (32 per w3 step); at depth 9 (a 1-channel input) the gemm crate is faster, 81 against 51
/// (`train_bench kernels`, one thread).
const ROWSUM_MIN_K: usize = 64;

pub(crate) fn forward(x: &[f32], w: &[f32], b: Option<&[f32]>, plan: &Plan) -> Vec<f32> {
    let (cg, kg, p) = (plan.cout_g(), plan.k_g(), plan.p());
    // Each group's W_g (cg × kg) as kg × cg, made once for the whole batch (W is small).
    let wt: Option<Vec<f32>> = (kg >= ROWSUM_MIN_K && super::gemm_nt::available()).then(|| {
        let mut t = vec![0.0f32; w.len()];
        for (src, dst) in w.chunks_exact(cg * kg).zip(t.chunks_exact_mut(cg * kg)) {
            for (r, row) in src.chunks_exact(kg).enumerate() {
                for (j, v) in row.iter().enumerate() {
                    dst[j * cg + r] = *v;
                }
            }
        }
        t
    });
    // Every element is written below (bias fill or a beta = 0 GEMM per group).
    let mut out = crate::kernels::pool::take(plan.n * plan.out_len());
    // im2col writes every element of the columns.
    let init = || Pooled::new(plan.col_len());
    zip_chunks(plan.parallel(), &mut out, plan.out_len(), x, plan.g.img_len(), init, |col, o, xi| {
        let cols = columns(plan, xi, &mut col.0);
        if let Some(b) = b {
            for (oc, bv) in o.chunks_exact_mut(p).zip(b) {
                oc.fill(*bv);
            }
        }
        let beta = if b.is_some() { 1.0 } else { 0.0 };
        for gi in 0..plan.groups {
            let block = gi * cg * kg..(gi + 1) * cg * kg;
            let a = match &wt {
                Some(t) => MatRef::row_major_t(&t[block], cg, kg),
                None => MatRef::row_major(&w[block], cg, kg),
            };
            let bm = MatRef::row_major(&cols[gi * kg * p..(gi + 1) * kg * p], kg, p);
            gemm(1.0, a, bm, beta, MatMut::row_major(&mut o[gi * cg * p..(gi + 1) * cg * p], cg, p));
        }
    });
    out
}

/// dx: per sample and group, dcol = W_gᵀ · dy_g, then col2im.
pub(crate) fn grad_input(gy: &[f32], w: &[f32], plan: &Plan) -> Vec<f32> {
    let (cg, kg, p) = (plan.cout_g(), plan.k_g(), plan.p());
    // col2im adds into gx; the GEMMs write every element of the columns (beta = 0).
    let mut gx = super::pool::take_zeroed(plan.n * plan.g.img_len());
    let init = || Pooled::new(plan.col_len());
    zip_chunks(plan.parallel(), &mut gx, plan.g.img_len(), gy, plan.out_len(), init, |dcol, gxi, gyi| {
        let dcol = &mut dcol.0;
        let direct = plan.identity_cols();
        for gi in 0..plan.groups {
            let a = MatRef::row_major_t(&w[gi * cg * kg..(gi + 1) * cg * kg], kg, cg);
            let bm = MatRef::row_major(&gyi[gi * cg * p..(gi + 1) * cg * p], cg, p);
            let dst = if direct {
                &mut gxi[gi * kg * p..(gi + 1) * kg * p]
            } else {
                &mut dcol[gi * kg * p..(gi + 1) * kg * p]
            };
            gemm(1.0, a, bm, 0.0, MatMut::row_major(dst, kg, p));
        }
        if !direct {
            col2im(dcol, &plan.g, gxi);
        }
    });
    gx
}

/// dW_g = Σ_n dy_g[n] · col_g[n]ᵀ. The batch is cut into chunks by size alone; each chunk
/// accumulates its samples in order into its own buffer and the buffers are summed in order.
pub(crate) fn grad_weight(gy: &[f32], x: &[f32], plan: &Plan) -> Vec<f32> {
    let (cg, kg, p, n) = (plan.cout_g(), plan.k_g(), plan.p(), plan.n);
    let w_len = plan.c_out * kg;
    let parts = if plan.parallel() { n.min(8) } else { 1 };
    let chunk = n.div_ceil(parts.max(1)).max(1);
    let partial = |part: usize| -> Vec<f32> {
        let mut dw = vec![0.0f32; w_len];
        let mut col = Pooled::new(plan.col_len());
        for (i, s) in (part * chunk..((part + 1) * chunk).min(n)).enumerate() {
            let xi = &x[s * plan.g.img_len()..(s + 1) * plan.g.img_len()];
            let gyi = &gy[s * plan.out_len()..(s + 1) * plan.out_len()];
            let cols = columns(plan, xi, &mut col.0);
            let beta = if i == 0 { 0.0 } else { 1.0 };
            for gi in 0..plan.groups {
                let a = MatRef::row_major(&gyi[gi * cg * p..(gi + 1) * cg * p], cg, p);
                let bm = MatRef::row_major_t(&cols[gi * kg * p..(gi + 1) * kg * p], p, kg);
                gemm(1.0, a, bm, beta, MatMut::row_major(&mut dw[gi * cg * kg..(gi + 1) * cg * kg], cg, kg));
            }
        }
        dw
    };
    let parts = n.div_ceil(chunk);
    let partials: Vec<Vec<f32>> =
        if parts > 1 { (0..parts).into_par_iter().map(partial).collect() } else { (0..parts).map(partial).collect() };
    let mut it = partials.into_iter();
    let mut dw = it.next().unwrap_or_else(|| vec![0.0; w_len]);
    for part in it {
        dw.iter_mut().zip(&part).for_each(|(a, b)| *a += *b);
    }
    dw
}

/// db[c] = Σ over batch and positions of dy[:, c], accumulated in f64.
pub(crate) fn grad_bias(gy: &[f32], plan: &Plan) -> Vec<f32> {
    let (p, len) = (plan.p(), plan.out_len().max(1));
    if p == 0 {
        return vec![0.0; plan.c_out];
    }
    (0..plan.c_out)
        .map(|c| {
            crate::kernels::sum::sum_planes(gy.chunks_exact(len).map(|s| &s[c * p..(c + 1) * p]), |v| v as f64) as f32
        })
        .collect()
}
