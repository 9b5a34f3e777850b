//! 2-D convolution (torch's F.conv2d) over NCHW tensors, with stride, padding, dilation and groups.
//! This file checks shapes as torch does and records the backward; the loops (im2col/col2im and
//! one GEMM per sample per group, bit-identical on any thread count) are in `kernels::conv`.

use crate::autograd::GradFn;
use crate::error::{shape_str, Error, Result};
use crate::kernels::conv::{forward, grad_bias, grad_input, grad_weight, Plan};
use crate::kernels::Geom2d;
use crate::tensor::Tensor;
use ndarray::{ArrayD, IxDyn};

/// Hyper-parameters of [`conv2d`], each a (height, width) pair like torch's `_pair`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dArgs {
    pub stride: (usize, usize),
    pub padding: (usize, usize),
    pub dilation: (usize, usize),
    pub groups: usize,
}

impl Default for Conv2dArgs {
    fn default() -> Self {
        Conv2dArgs { stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1 }
    }
}

struct Conv2dBackward {
    plan: Plan,
}

fn to_array(shape: &[usize], v: Vec<f32>) -> ArrayD<f32> {
    ArrayD::from_shape_vec(IxDyn(shape), v).expect("kernel output fills its shape")
}

impl GradFn for Conv2dBackward {
    fn name(&self) -> &'static str {
        "ConvolutionBackward"
    }
    fn backward(&self, g: &ArrayD<f32>, inputs: &[Tensor]) -> Vec<Option<ArrayD<f32>>> {
        let plan = &self.plan;
        let gs = g.as_standard_layout();
        let gy = gs.as_slice().expect("standard layout");
        let (x, w) = (&inputs[0], &inputs[1]);
        let gx = x.requires_grad().then(|| {
            let wd = w.data();
            let ws = wd.as_standard_layout();
            to_array(&[plan.n, plan.g.c, plan.g.h, plan.g.w], grad_input(gy, ws.as_slice().expect("standard"), plan))
        });
        let gw = w.requires_grad().then(|| {
            let xd = x.data();
            let xs = xd.as_standard_layout();
            let (kh, kw) = plan.g.kernel;
            let shape = [plan.c_out, plan.g.c / plan.groups, kh, kw];
            to_array(&shape, grad_weight(gy, xs.as_slice().expect("standard"), plan))
        });
        let mut out = vec![gx, gw];
        if let Some(b) = inputs.get(2) {
            out.push(b.requires_grad().then(|| to_array(&[plan.c_out], grad_bias(gy, plan))));
        }
        out
    }
}

/// Checks shapes and arguments the way torch does, and returns the plan.
fn plan(xs: &[usize], ws: &[usize], bs: Option<&[usize]>, args: &Conv2dArgs) -> Result<Plan> {
    let err = |m: String| Err(Error::shape("conv2d", m));
    if xs.len() != 4 {
        return err(format!("expected a 4-D input [N, C_in, H, W], got input of size {}", shape_str(xs)));
    }
    if ws.len() != 4 {
        return err(format!(
            "expected a 4-D weight [C_out, C_in/groups, kH, kW], got weight of size {}",
            shape_str(ws)
        ));
    }
    let Conv2dArgs { stride, padding, dilation, groups } = *args;
    if groups == 0 {
        return Err(Error::invalid("conv2d", "non-positive groups is not supported (groups = 0)"));
    }
    if stride.0 == 0 || stride.1 == 0 {
        return Err(Error::invalid("conv2d", format!("non-positive stride is not supported (stride = {stride:?})")));
    }
    if dilation.0 == 0 || dilation.1 == 0 {
        return Err(Error::invalid(
            "conv2d",
            format!("dilation should be greater than zero (dilation = {dilation:?})"),
        ));
    }
    if !ws[0].is_multiple_of(groups) {
        return err(format!(
            "given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of size {} instead",
            shape_str(ws)
        ));
    }
    if xs[1] != ws[1] * groups {
        return err(format!(
            "given groups={groups}, weight of size {}, expected input {} to have {} channels, but got {} channels instead",
            shape_str(ws),
            shape_str(xs),
            ws[1] * groups,
            xs[1]
        ));
    }
    if let Some(bs) = bs {
        if bs != [ws[0]] {
            return err(format!(
                "given weight of size {}, expected bias to be 1-dimensional with {} elements, but got bias of size {} instead",
                shape_str(ws),
                ws[0],
                shape_str(bs)
            ));
        }
    }
    let (kh, kw) = (ws[2], ws[3]);
    let Some(g) = Geom2d::new((xs[1], xs[2], xs[3]), (kh, kw), stride, padding, dilation) else {
        let (dkh, dkw) = (dilation.0 * kh.max(1) - dilation.0 + 1, dilation.1 * kw.max(1) - dilation.1 + 1);
        return err(format!(
            "input of size {} with padding {padding:?}: calculated padded input size per channel: ({} x {}); kernel size \
             (dilated): ({dkh} x {dkw}); weight of size {}: kernel size can't be greater than actual input size",
            shape_str(xs),
            xs[2] + 2 * padding.0,
            xs[3] + 2 * padding.1,
            shape_str(ws)
        ));
    };
    Ok(Plan { g, n: xs[0], c_out: ws[0], groups })
}

/// torch.nn.functional.conv2d: x [N, C_in, H, W], weight [C_out, C_in/groups, kH, kW], bias
/// [C_out]; output [N, C_out, ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1, …].
pub fn conv2d(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, args: Conv2dArgs) -> Result<Tensor> {
    let (plan, out) = {
        let (xd, wd) = (x.data(), weight.data());
        let bd = bias.map(|b| b.data());
        let plan = plan(xd.shape(), wd.shape(), bd.as_ref().map(|b| b.shape()), &args)?;
        let (xs, ws) = (xd.as_standard_layout(), wd.as_standard_layout());
        let bs = bd.as_ref().map(|b| b.as_standard_layout());
        let b = bs.as_ref().map(|b| b.as_slice().expect("standard layout"));
        let out = forward(xs.as_slice().expect("standard"), ws.as_slice().expect("standard"), b, &plan);
        (plan, to_array(&plan.out_shape(), out))
    };
    let mut inputs = vec![x, weight];
    inputs.extend(bias);
    Ok(Tensor::from_op(out, &inputs, Conv2dBackward { plan }))
}

#[cfg(test)]
mod tests {
    use super::{conv2d, Conv2dArgs};
    use crate::autograd::gradcheck::{dot, indexed};
    use crate::autograd::gradcheck::{gradcheck, test_input, GradcheckOpts};
    use crate::tensor::Tensor;
    use ndarray::{ArrayD, IxDyn};

    fn args(stride: (usize, usize), padding: (usize, usize), dilation: (usize, usize), groups: usize) -> Conv2dArgs {
        Conv2dArgs { stride, padding, dilation, groups }
    }

    /// The definition, as direct loops in f64.
    fn naive(x: &ArrayD<f32>, w: &ArrayD<f32>, b: Option<&ArrayD<f32>>, a: Conv2dArgs) -> ArrayD<f32> {
        let (xs, ws) = (x.shape(), w.shape());
        let (n, h, wd, co, cig, kh, kw) = (xs[0], xs[2], xs[3], ws[0], ws[1], ws[2], ws[3]);
        let oh = (h + 2 * a.padding.0 - a.dilation.0 * (kh - 1) - 1) / a.stride.0 + 1;
        let ow = (wd + 2 * a.padding.1 - a.dilation.1 * (kw - 1) - 1) / a.stride.1 + 1;
        let cog = co / a.groups;
        ArrayD::from_shape_fn(IxDyn(&[n, co, oh, ow]), |i| {
            let (s, o, oy, ox) = (i[0], i[1], i[2], i[3]);
            let mut acc = b.map_or(0.0, |b| b[[o]] as f64);
            for ci in 0..cig {
                let c = (o / cog) * cig + ci;
                for ki in 0..kh {
                    for kj in 0..kw {
                        let iy = (oy * a.stride.0 + ki * a.dilation.0) as isize - a.padding.0 as isize;
                        let ix = (ox * a.stride.1 + kj * a.dilation.1) as isize - a.padding.1 as isize;
                        if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd {
                            acc += x[[s, c, iy as usize, ix as usize]] as f64 * w[[o, ci, ki, kj]] as f64;
                        }
                    }
                }
            }
            acc as f32
        })
    }

    #[test]
    fn forward_matches_direct_loops() {
        // (x shape, weight shape, args, bias)
        let cases = [
            ([2, 3, 7, 6], [4, 3, 3, 3], args((1, 1), (0, 0), (1, 1), 1), true),
            ([3, 2, 9, 8], [5, 2, 3, 3], args((2, 2), (1, 1), (1, 1), 1), true),
            ([2, 2, 9, 9], [3, 2, 3, 3], args((1, 1), (2, 2), (2, 2), 1), false),
            ([2, 4, 6, 7], [6, 2, 3, 3], args((1, 2), (1, 0), (1, 1), 2), true),
            ([2, 3, 5, 5], [6, 1, 3, 3], args((1, 1), (1, 1), (1, 1), 3), true),
            ([1, 2, 8, 7], [3, 2, 3, 2], args((2, 3), (1, 2), (1, 1), 1), true),
            ([2, 4, 5, 6], [3, 4, 1, 1], args((1, 1), (0, 0), (1, 1), 1), true),
            ([2, 4, 5, 6], [4, 2, 1, 1], args((2, 1), (1, 0), (1, 1), 2), false),
            ([4, 8, 12, 12], [8, 8, 3, 3], args((1, 1), (1, 1), (1, 1), 1), true),
            ([2, 1, 3, 3], [2, 1, 3, 3], args((3, 3), (4, 4), (1, 1), 1), true),
        ];
        for (k, (xs, ws, a, has_b)) in cases.into_iter().enumerate() {
            let x = test_input(&xs, 10 + k as u64, 0.0);
            let w = test_input(&ws, 20 + k as u64, 0.0);
            let b = test_input(&[ws[0]], 30 + k as u64, 0.0);
            let bt = Tensor::new(b.clone());
            let got = conv2d(&Tensor::new(x.clone()), &Tensor::new(w.clone()), has_b.then_some(&bt), a).unwrap();
            let want = naive(&x, &w, has_b.then_some(&b), a);
            assert_eq!(got.shape(), want.shape(), "case {k}");
            let err = got.to_vec().iter().zip(want.iter()).map(|(g, w)| (g - w).abs()).fold(0.0f32, f32::max);
            assert!(err < 1e-4, "case {k}: max error {err}");
        }
    }

    fn check(xs: &[usize], ws: &[usize], a: Conv2dArgs, bias: bool, seed: u64) {
        let o = GradcheckOpts::default();
        let x = test_input(xs, seed, 0.0);
        let w = test_input(ws, seed + 1, 0.0);
        if bias {
            let b = test_input(&[ws[0]], seed + 2, 0.0);
            gradcheck(|t| conv2d(&t[0], &t[1], Some(&t[2]), a), &[x, w, b], o).unwrap();
        } else {
            gradcheck(|t| conv2d(&t[0], &t[1], None, a), &[x, w], o).unwrap();
        }
    }

    #[test]
    fn gradcheck_plain_strided_dilated() {
        check(&[2, 2, 5, 5], &[3, 2, 3, 3], Conv2dArgs::default(), true, 1);
        check(&[2, 2, 6, 5], &[3, 2, 3, 3], args((2, 2), (1, 1), (1, 1), 1), true, 4);
        check(&[1, 2, 7, 7], &[2, 2, 3, 3], args((1, 1), (1, 1), (2, 2), 1), true, 7);
        check(&[2, 3, 4, 4], &[2, 3, 1, 1], Conv2dArgs::default(), true, 8);
    }

    #[test]
    fn gradcheck_groups_depthwise_nonsquare_nobias() {
        check(&[2, 4, 5, 4], &[4, 2, 3, 3], args((1, 1), (1, 1), (1, 1), 2), true, 10);
        check(&[2, 3, 5, 5], &[3, 1, 3, 3], args((1, 1), (1, 1), (1, 1), 3), true, 13);
        check(&[2, 2, 7, 6], &[3, 2, 3, 2], args((2, 1), (1, 2), (1, 1), 1), true, 16);
        check(&[2, 2, 5, 5], &[3, 2, 3, 3], args((1, 2), (0, 1), (1, 1), 1), false, 19);
    }

    #[test]
    fn batch_parallel_results_are_bit_identical_across_thread_counts() {
        let x = test_input(&[8, 8, 12, 12], 40, 0.0);
        let w = test_input(&[8, 8, 3, 3], 41, 0.0);
        let b = test_input(&[8], 42, 0.0);
        let r = test_input(&[8, 8, 6, 6], 43, 0.0);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let (xt, wt, bt) = (Tensor::param(x.clone()), Tensor::param(w.clone()), Tensor::param(b.clone()));
                let y = conv2d(&xt, &wt, Some(&bt), args((2, 2), (1, 1), (1, 1), 1)).unwrap();
                y.backward_with(r.clone()).unwrap();
                let bits = |a: ArrayD<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                (bits(y.to_array()), bits(xt.grad().unwrap()), bits(wt.grad().unwrap()), bits(bt.grad().unwrap()))
            })
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
    }

    #[test]
    fn shape_errors_name_conv2d_and_the_shapes() {
        let e = |xs: &[usize], ws: &[usize], bs: Option<&[usize]>, a: Conv2dArgs| {
            let b = bs.map(Tensor::zeros);
            conv2d(&Tensor::zeros(xs), &Tensor::zeros(ws), b.as_ref(), a).unwrap_err().to_string()
        };
        let d = Conv2dArgs::default();
        assert_eq!(
            e(&[1, 3, 5], &[2, 3, 3, 3], None, d),
            "conv2d: expected a 4-D input [N, C_in, H, W], got input of size [1, 3, 5]"
        );
        assert!(e(&[1, 3, 5, 5], &[2, 3, 3], None, d).contains("4-D weight"));
        assert_eq!(
            e(&[1, 2, 5, 5], &[2, 3, 3, 3], None, d),
            "conv2d: given groups=1, weight of size [2, 3, 3, 3], expected input [1, 2, 5, 5] to have 3 channels, but \
             got 2 channels instead"
        );
        assert!(e(&[1, 4, 5, 5], &[3, 2, 3, 3], None, args((1, 1), (0, 0), (1, 1), 2)).contains("divisible by 2"));
        let m = e(&[1, 1, 2, 2], &[1, 1, 3, 3], None, d);
        assert!(m.starts_with("conv2d: input of size [1, 1, 2, 2]") && m.contains("can't be greater"), "{m}");
        assert!(e(&[1, 1, 5, 5], &[1, 1, 3, 3], None, args((1, 1), (0, 0), (3, 3), 1)).contains("(7 x 7)"));
        assert!(e(&[1, 1, 5, 5], &[2, 1, 3, 3], Some(&[3]), d).contains("bias of size [3]"));
        assert!(e(&[1, 1, 5, 5], &[2, 1, 3, 3], None, args((1, 1), (0, 0), (1, 1), 0)).contains("groups"));
        assert!(e(&[1, 1, 5, 5], &[2, 1, 3, 3], None, args((0, 1), (0, 0), (1, 1), 1)).contains("stride"));
        assert!(e(&[1, 1, 5, 5], &[2, 1, 3, 3], None, args((1, 1), (0, 0), (1, 0), 1)).contains("dilation"));
        // Padding lets a kernel larger than the image fit, as in torch.
        let y =
            conv2d(&Tensor::ones(&[1, 1, 2, 2]), &Tensor::ones(&[1, 1, 3, 3]), None, args((1, 1), (1, 1), (1, 1), 1));
        assert_eq!(y.unwrap().to_vec(), vec![4.0; 4]);
    }
    #[test]
    fn matches_torch_reference() {
        // torch 2.15: x = sin(0.37i + 0.1) [2,4,7,6], w = 0.5cos(0.11i) [6,2,3,2], b = 0.1i − 0.2,
        // F.conv2d(x, w, b, stride=(2,1), padding=(1,2), dilation=(2,1), groups=2), loss = Σ y·sin(0.05i).
        let x = Tensor::param(indexed(&[2, 4, 7, 6], |i| (0.37 * i + 0.1).sin()));
        let w = Tensor::param(indexed(&[6, 2, 3, 2], |i| 0.5 * (0.11 * i).cos()));
        let b = Tensor::param(indexed(&[6], |i| 0.1 * i - 0.2));
        let y = conv2d(&x, &w, Some(&b), args((2, 1), (1, 2), (2, 1), 2)).unwrap();
        assert_eq!(y.shape(), vec![2, 6, 3, 9]);
        y.backward_with(indexed(&y.shape(), |i| (0.05 * i).sin())).unwrap();
        let got = [
            dot(&y.to_array(), |i| (0.05 * i).sin()),
            dot(&x.grad().unwrap(), |i| (0.07 * i).sin()),
            dot(&w.grad().unwrap(), |i| (0.13 * i).cos()),
            dot(&b.grad().unwrap(), |i| i),
        ];
        let want = [21.387033314017838, 59.89143658673518, 39.83733881745527, 109.2282485961914];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-4 * w.abs().max(1.0), "{got:?} vs {want:?}");
        }
    }
}
