use super::*;
use crate::autograd::gradcheck::{dot, gradcheck, GradcheckOpts};

fn args(k: (usize, usize), s: (usize, usize), p: (usize, usize), d: (usize, usize), ceil: bool) -> Pool2dArgs {
    Pool2dArgs { kernel: k, stride: s, padding: p, dilation: d, ceil_mode: ceil }
}

/// Distinct values 0.1 apart (a permutation of a grid), so no window has a tie for its maximum and
/// a ±0.01 finite-difference step never changes which element wins.
fn distinct(shape: &[usize]) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(shape.to_vec(), (0..n).map(|i| ((i * 37) % n) as f32 * 0.1 - 7.0).collect()).unwrap()
}

#[test]
fn output_sizes_match_torch_including_ceil_mode() {
    // (input, kernel, stride, pad, ceil) → torch's F.max_pool2d output size.
    for (i, k, s, p, c, want) in [
        (5, 2, 2, 1, true, 3), // the last window would start in the padding: dropped
        (5, 2, 2, 0, true, 3),
        (5, 2, 2, 0, false, 2),
        (6, 3, 2, 1, true, 4),
        (7, 3, 3, 1, true, 3),
        (8, 2, 3, 1, true, 3),
    ] {
        assert_eq!(pool_output_size(i, k, s, p, 1, c), want, "{:?}", (i, k, s, p, c));
    }
    assert_eq!(pool_output_size(7, 3, 1, 0, 2, false), 3); // dilation 2: effective kernel 5
}

#[test]
fn values_and_gradients_match_torch() {
    // x: [2, 3, 5, 5] of distinct values; y and x.grad dotted with sin(0.05·i + 0.3) weights
    // (the upstream gradient), against the same sums from torch in float64.
    let x = distinct(&[2, 3, 5, 5]);
    let wsum = |a: &ArrayD<f32>| dot(a, |i| (0.05 * i + 0.3).sin());
    type Pooling = Box<dyn Fn(&Tensor) -> Result<Tensor>>;
    let cases: Vec<(&str, Pooling, [usize; 4], f64, f64)> = vec![
        (
            "max k3 s2 p1 ceil",
            Box::new(|t| max_pool2d(t, &args((3, 3), (2, 2), (1, 1), (1, 1), true))),
            [2, 3, 3, 3],
            220.5074569926711,
            -1.647381072748899,
        ),
        (
            "max k(2,3) s(1,2) p1 d(2,1)",
            Box::new(|t| max_pool2d(t, &args((2, 3), (1, 2), (1, 1), (2, 1), false))),
            [2, 3, 5, 3],
            116.79863255673169,
            5.007995286822194,
        ),
        (
            "avg k3 s2 p1 ceil include_pad",
            Box::new(|t| avg_pool2d(t, &args((3, 3), (2, 2), (1, 1), (1, 1), true), true, None)),
            [2, 3, 3, 3],
            12.434680035165025,
            -0.9337426999493255,
        ),
        (
            "avg k3 s2 p1 ceil exclude_pad",
            Box::new(|t| avg_pool2d(t, &args((3, 3), (2, 2), (1, 1), (1, 1), true), false, None)),
            [2, 3, 3, 3],
            19.249297393618725,
            -1.5909427623452284,
        ),
        (
            "avg k2 s2 ceil divisor 3",
            Box::new(|t| avg_pool2d(t, &args((2, 2), (2, 2), (0, 0), (1, 1), true), true, Some(3))),
            [2, 3, 3, 3],
            17.40867403777803,
            -1.7722918122321276,
        ),
        (
            "adaptive (2, 3)",
            Box::new(|t| adaptive_avg_pool2d(t, (Some(2), Some(3)))),
            [2, 3, 2, 3],
            10.562448555854981,
            0.10942217138740234,
        ),
        (
            "adaptive (4, None)",
            Box::new(|t| adaptive_avg_pool2d(t, (Some(4), None))),
            [2, 3, 4, 5],
            9.099230106420153,
            37.500037704474956,
        ),
    ];
    for (name, f, shape, want_y, want_gx) in cases {
        let xt = Tensor::param(x.clone());
        let y = f(&xt).unwrap();
        assert_eq!(y.shape(), shape, "{name}");
        let g = crate::autograd::gradcheck::indexed(&y.shape(), |i| (0.05 * i + 0.3).sin());
        y.backward_with(g).unwrap();
        let (got_y, got_gx) = (wsum(&y.to_array()), wsum(&xt.grad().unwrap()));
        assert!((got_y - want_y).abs() < 1e-4 * want_y.abs().max(1.0), "{name}: y {got_y} vs {want_y}");
        assert!((got_gx - want_gx).abs() < 1e-4 * want_gx.abs().max(1.0), "{name}: grad {got_gx} vs {want_gx}");
    }
}

#[test]
fn max_pool_by_hand_and_three_d_input() {
    // One 3×3 plane, kernel 2, stride 1: each output is the max of a 2×2 block.
    let x = Tensor::param(ArrayD::from_shape_vec(vec![1, 3, 3], vec![1., 5., 2., 4., 3., 9., 0., 8., 7.]).unwrap());
    let y = max_pool2d(&x, &args((2, 2), (1, 1), (0, 0), (1, 1), false)).unwrap();
    assert_eq!((y.shape(), y.to_vec()), (vec![1, 2, 2], vec![5., 9., 8., 9.]));
    y.sum_all().backward().unwrap();
    // 9 wins twice, so it collects two gradients.
    assert_eq!(x.grad().unwrap().iter().copied().collect::<Vec<_>>(), vec![0., 1., 0., 0., 0., 2., 0., 1., 0.]);
}

#[test]
fn gradcheck_every_pooling() {
    let o = GradcheckOpts::default();
    let x = distinct(&[2, 2, 5, 6]);
    let a = args((3, 2), (2, 1), (1, 1), (1, 2), true);
    gradcheck(|t| max_pool2d(&t[0], &a), &[x.clone()], o).unwrap();
    gradcheck(|t| max_pool2d(&t[0], &args((2, 2), (2, 2), (0, 0), (1, 1), false)), &[x.clone()], o).unwrap();
    let a = args((3, 3), (2, 2), (1, 1), (1, 1), true);
    gradcheck(|t| avg_pool2d(&t[0], &a, true, None), &[x.clone()], o).unwrap();
    gradcheck(|t| avg_pool2d(&t[0], &a, false, None), &[x.clone()], o).unwrap();
    gradcheck(|t| avg_pool2d(&t[0], &a, true, Some(5)), &[x.clone()], o).unwrap();
    gradcheck(|t| adaptive_avg_pool2d(&t[0], (Some(3), Some(4))), &[x.clone()], o).unwrap();
    gradcheck(|t| adaptive_avg_pool2d(&t[0], (Some(1), Some(1))), &[x], o).unwrap();
}

#[test]
fn errors_name_the_geometry() {
    let x = Tensor::zeros(&[1, 1, 4, 4]);
    let e = max_pool2d(&x, &args((2, 2), (2, 2), (2, 0), (1, 1), false)).unwrap_err().to_string();
    assert!(e.contains("pad should be smaller than or equal to half of kernel size"), "{e}");
    let e = avg_pool2d(&x, &args((5, 5), (1, 1), (0, 0), (1, 1), false), true, None).unwrap_err().to_string();
    assert!(e.contains("[1, 1, 4, 4]") && e.contains("too small"), "{e}");
    let e = max_pool2d(&Tensor::zeros(&[4, 4]), &args((2, 2), (2, 2), (0, 0), (1, 1), false)).unwrap_err();
    assert!(e.to_string().contains("3D [C, H, W] or 4D"), "{e}");
    let e = avg_pool2d(&x, &args((2, 2), (2, 2), (0, 0), (1, 1), false), true, Some(0)).unwrap_err();
    assert!(e.to_string().contains("divisor_override"), "{e}");
}
