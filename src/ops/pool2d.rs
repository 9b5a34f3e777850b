//! 2-D pooling on [N, C, H, W] (or [C, H, W]) inputs, as torch's CPU kernels: max pooling with
//! padding, dilation and ceil mode; average pooling with padding, ceil mode, count_include_pad and
//! divisor_override; adaptive average pooling. Output sizes follow torch's
//! `pooling_output_shape`; each backward routes the gradient through the same windows.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::tensor::Tensor;
use ndarray::{ArrayD, IxDyn};

/// Window geometry of a max or average pooling (per axis: height, width).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pool2dArgs {
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    pub ceil_mode: bool,
}

/// torch's `pooling_output_shape`: ⌊(in + 2·pad − dil·(k−1) − 1 [+ stride − 1 in ceil mode]) /
/// stride⌋ + 1, minus one in ceil mode when the last window would start in the right padding.
pub fn pool_output_size(input: usize, k: usize, stride: usize, pad: usize, dil: usize, ceil: bool) -> i64 {
    let (i, k, s, p, d) = (input as i64, k as i64, stride as i64, pad as i64, dil as i64);
    let num = i + 2 * p - d * (k - 1) - 1 + if ceil { s - 1 } else { 0 };
    let mut out = num.div_euclid(s) + 1;
    if ceil && (out - 1) * s >= i + p {
        out -= 1;
    }
    out
}

/// (batch·channels, H, W) of an input, with its original shape; errors unless 3-D or 4-D.
fn planes(op: &str, shape: &[usize]) -> Result<(usize, usize, usize)> {
    match *shape {
        [n, c, h, w] => Ok((n * c, h, w)),
        [c, h, w] => Ok((c, h, w)),
        _ => Err(Error::shape(
            op,
            format!("expected a 3D [C, H, W] or 4D [N, C, H, W] input, got shape {}", shape_str(shape)),
        )),
    }
}

/// Checks the geometry as torch's `pool2d_shape_check` does and returns the output (H, W).
fn output_hw(op: &str, a: &Pool2dArgs, shape: &[usize], h: usize, w: usize) -> Result<(usize, usize)> {
    let bad = |msg: String| Err(Error::invalid(op, msg));
    if a.kernel.0 == 0 || a.kernel.1 == 0 {
        return bad(format!("kernel_size must be greater than zero, got {:?}", a.kernel));
    }
    if a.stride.0 == 0 || a.stride.1 == 0 {
        return bad(format!("stride must be greater than zero, got {:?}", a.stride));
    }
    if a.dilation.0 == 0 || a.dilation.1 == 0 {
        return bad(format!("dilation must be greater than zero, got {:?}", a.dilation));
    }
    if a.padding.0 > a.kernel.0 / 2 || a.padding.1 > a.kernel.1 / 2 {
        return bad(format!(
            "pad should be smaller than or equal to half of kernel size, but got padding={:?}, kernel_size={:?}",
            a.padding, a.kernel
        ));
    }
    let oh = pool_output_size(h, a.kernel.0, a.stride.0, a.padding.0, a.dilation.0, a.ceil_mode);
    let ow = pool_output_size(w, a.kernel.1, a.stride.1, a.padding.1, a.dilation.1, a.ceil_mode);
    if oh < 1 || ow < 1 {
        return bad(format!(
            "Given input size {}, calculated output size ({oh}, {ow}) is too small (kernel_size={:?}, stride={:?}, \
             padding={:?}, dilation={:?})",
            shape_str(shape),
            a.kernel,
            a.stride,
            a.padding,
            a.dilation
        ));
    }
    Ok((oh as usize, ow as usize))
}

fn out_shape(shape: &[usize], oh: usize, ow: usize) -> Vec<usize> {
    let mut s = shape.to_vec();
    let n = s.len();
    s[n - 2] = oh;
    s[n - 1] = ow;
    s
}

fn flat(a: &ArrayD<f32>) -> std::borrow::Cow<'_, [f32]> {
    match a.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().copied().collect()),
    }
}

/// A pooling whose output element `o` is Σ_(i, wt) over `taps[o]` of wt·x[i] (indices into the
/// input): average pooling's windows with their 1/divisor, max pooling's argmax with weight 1.
struct LinearPoolBackward {
    name: &'static str,
    in_shape: Vec<usize>,
    /// Per output element, its (input index, weight) taps, in CSR form.
    starts: Vec<usize>,
    taps: Vec<(usize, f32)>,
}

impl GradFn for LinearPoolBackward {
    fn name(&self) -> &'static str {
        self.name
    }
    fn backward(&self, g: &ArrayD<f32>, _inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let gv = flat(g);
        let mut gx = vec![0.0f32; self.in_shape.iter().product()];
        for (o, &go) in gv.iter().enumerate() {
            for &(i, wt) in &self.taps[self.starts[o]..self.starts[o + 1]] {
                gx[i] += go * wt;
            }
        }
        vec![Some(ArrayD::from_shape_vec(IxDyn(&self.in_shape), gx).expect("input size"))]
    }
}

/// Runs `window(plane, oh, ow, push)` for every output element; `push(index in plane, weight)`
/// records a tap. Returns the output (Σ weight·x over the taps, or the value `reduce` gives).
fn pool(
    name: &'static str,
    x: &Tensor,
    out_hw: (usize, usize),
    window: impl Fn(&[f32], usize, usize, &mut Vec<(usize, f32)>),
) -> Result<Tensor> {
    let shape = x.shape();
    let (p, h, w) = planes(name, &shape)?;
    let (oh, ow) = out_hw;
    let xd = x.data();
    let xv = flat(&xd);
    let mut y = Vec::with_capacity(p * oh * ow);
    let mut starts = vec![0];
    let mut taps = Vec::new();
    let mut local = Vec::new();
    for pi in 0..p {
        let plane = &xv[pi * h * w..(pi + 1) * h * w];
        for i in 0..oh {
            for j in 0..ow {
                local.clear();
                window(plane, i, j, &mut local);
                y.push(local.iter().map(|&(k, wt)| plane[k] * wt).sum::<f32>());
                taps.extend(local.iter().map(|&(k, wt)| (pi * h * w + k, wt)));
                starts.push(taps.len());
            }
        }
    }
    drop(xd);
    let out = ArrayD::from_shape_vec(IxDyn(&out_shape(&shape, oh, ow)), y).expect("output size");
    Ok(Tensor::from_op(out, &[x], LinearPoolBackward { name, in_shape: shape, starts, taps }))
}

/// torch's `F.max_pool2d`: the maximum over each (dilated) window, padding never chosen; the
/// first maximum in row-major window order wins (and receives the gradient); NaN propagates.
pub fn max_pool2d(x: &Tensor, a: &Pool2dArgs) -> Result<Tensor> {
    let shape = x.shape();
    let (_, h, w) = planes("max_pool2d", &shape)?;
    let hw = output_hw("max_pool2d", a, &shape, h, w)?;
    let a = *a;
    pool("MaxPool2DWithIndicesBackward", x, hw, move |plane, i, j, push| {
        let mut best: Option<(usize, f32)> = None;
        for ki in 0..a.kernel.0 {
            let r = (i * a.stride.0 + ki * a.dilation.0) as i64 - a.padding.0 as i64;
            if r < 0 || r >= h as i64 {
                continue;
            }
            for kj in 0..a.kernel.1 {
                let c = (j * a.stride.1 + kj * a.dilation.1) as i64 - a.padding.1 as i64;
                if c < 0 || c >= w as i64 {
                    continue;
                }
                let k = r as usize * w + c as usize;
                let v = plane[k];
                if best.is_none_or(|(_, b)| v > b || v.is_nan()) {
                    best = Some((k, v));
                    if v.is_nan() {
                        push.push((k, 1.0));
                        return;
                    }
                }
            }
        }
        if let Some((k, _)) = best {
            push.push((k, 1.0));
        }
    })
}

/// torch's `F.avg_pool2d`: the window sum divided by `divisor_override`, else by the window's
/// size clipped to the padded input (count_include_pad) or to the input itself.
pub fn avg_pool2d(
    x: &Tensor,
    a: &Pool2dArgs,
    count_include_pad: bool,
    divisor_override: Option<usize>,
) -> Result<Tensor> {
    let shape = x.shape();
    let (_, h, w) = planes("avg_pool2d", &shape)?;
    if a.dilation != (1, 1) {
        return Err(Error::invalid("avg_pool2d", "average pooling has no dilation"));
    }
    if divisor_override == Some(0) {
        return Err(Error::invalid("avg_pool2d", "divisor_override must be non-zero"));
    }
    let hw = output_hw("avg_pool2d", a, &shape, h, w)?;
    let a = *a;
    let (ph, pw) = (a.padding.0 as i64, a.padding.1 as i64);
    pool("AvgPool2DBackward", x, hw, move |_plane, i, j, push| {
        let (mut h0, mut w0) = (i as i64 * a.stride.0 as i64 - ph, j as i64 * a.stride.1 as i64 - pw);
        let (mut h1, mut w1) =
            ((h0 + a.kernel.0 as i64).min(h as i64 + ph), (w0 + a.kernel.1 as i64).min(w as i64 + pw));
        let pool_size = (h1 - h0) * (w1 - w0);
        (h0, w0, h1, w1) = (h0.max(0), w0.max(0), h1.min(h as i64), w1.min(w as i64));
        if h0 >= h1 || w0 >= w1 {
            return;
        }
        let div = match divisor_override {
            Some(d) => d as i64,
            None if count_include_pad => pool_size,
            None => (h1 - h0) * (w1 - w0),
        };
        let wt = 1.0 / div as f32;
        for r in h0..h1 {
            for c in w0..w1 {
                push.push((r as usize * w + c as usize, wt));
            }
        }
    })
}

/// torch's `F.adaptive_avg_pool2d`: output cell (i, j) averages rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1
/// and the same for columns; `None` keeps that input size.
pub fn adaptive_avg_pool2d(x: &Tensor, output_size: (Option<usize>, Option<usize>)) -> Result<Tensor> {
    let shape = x.shape();
    let (_, h, w) = planes("adaptive_avg_pool2d", &shape)?;
    let (oh, ow) = (output_size.0.unwrap_or(h), output_size.1.unwrap_or(w));
    if (oh == 0 || ow == 0) && shape.iter().product::<usize>() > 0 {
        return Err(Error::invalid(
            "adaptive_avg_pool2d",
            format!("output_size must be positive, got ({oh}, {ow}) for input of shape {}", shape_str(&shape)),
        ));
    }
    if (h == 0 || w == 0) && oh * ow > 0 {
        return Err(Error::shape(
            "adaptive_avg_pool2d",
            format!("input of shape {} has an empty spatial dimension", shape_str(&shape)),
        ));
    }
    let range = |o: usize, out: usize, inp: usize| (o * inp / out, ((o + 1) * inp).div_ceil(out));
    pool("AdaptiveAvgPool2DBackward", x, (oh, ow), move |_plane, i, j, push| {
        let ((r0, r1), (c0, c1)) = (range(i, oh, h), range(j, ow, w));
        let wt = 1.0 / ((r1 - r0) * (c1 - c0)) as f32;
        for r in r0..r1 {
            for c in c0..c1 {
                push.push((r * w + c, wt));
            }
        }
    })
}

#[cfg(test)]
#[path = "pool2d_tests.rs"]
mod tests;
