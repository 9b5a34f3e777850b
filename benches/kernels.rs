//! GEMM (GFLOPS via element throughput = flops) on w2's shapes, and conv2d forward/backward on
//! w3's second conv. Short by default: `cargo bench --bench kernels`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use initlab::kernels::{gemm, MatMut, MatRef};
use initlab::ops::{conv2d, Conv2dArgs};
use initlab::{Rng, Tensor};
use ndarray::{ArrayD, IxDyn};
use std::hint::black_box;
use std::time::Duration;

fn randv(n: usize, rng: &mut Rng) -> Vec<f32> {
    let mut v = vec![0.0; n];
    rng.normal_(&mut v, 0.0, 1.0);
    v
}

fn bench_gemm(c: &mut Criterion) {
    let mut rng = Rng::new(0);
    let mut g = c.benchmark_group("gemm");
    // (name, m, k, n, B transposed): w2's forward x·Wᵀ, grad input g·W, grad weight gᵀ·x.
    for (name, m, k, n, bt) in [
        ("w2_fwd_128x784x512", 128, 784, 512, true),
        ("w2_gx_128x512x512", 128, 512, 512, false),
        ("w2_gw_512x128x784", 512, 128, 784, false),
        ("w4_fwd_16x256x256", 16, 256, 256, true),
        ("w1_fwd_300x100x100", 300, 100, 100, true),
    ] {
        let (a, b) = (randv(m * k, &mut rng), randv(k * n, &mut rng));
        let mut out = vec![0.0; m * n];
        g.throughput(Throughput::Elements((2 * m * k * n) as u64));
        g.bench_function(name, |bch| {
            bch.iter(|| {
                let bm = if bt { MatRef::row_major_t(&b, k, n) } else { MatRef::row_major(&b, k, n) };
                gemm(1.0, MatRef::row_major(&a, m, k), bm, 0.0, MatMut::row_major(&mut out, m, n));
                black_box(&out);
            })
        });
    }
    g.finish();
}

fn tensor(shape: &[usize], rng: &mut Rng, param: bool) -> Tensor {
    let n = shape.iter().product();
    let a = ArrayD::from_shape_vec(IxDyn(shape), randv(n, rng)).expect("fills shape");
    if param {
        Tensor::param(a)
    } else {
        Tensor::new(a)
    }
}

fn bench_conv(c: &mut Criterion) {
    let mut rng = Rng::new(1);
    let args = Conv2dArgs { stride: (2, 2), padding: (1, 1), ..Conv2dArgs::default() };
    let x = tensor(&[32, 16, 28, 28], &mut rng, true);
    let w = tensor(&[32, 16, 3, 3], &mut rng, true);
    let b = tensor(&[32], &mut rng, true);
    let mut g = c.benchmark_group("conv2d_w3_16to32_s2");
    g.bench_function("forward", |bch| {
        bch.iter(|| initlab::with_no_grad(|| black_box(conv2d(&x, &w, Some(&b), args).expect("conv"))))
    });
    g.bench_function("forward_backward", |bch| {
        bch.iter(|| {
            let y = conv2d(&x, &w, Some(&b), args).expect("conv");
            y.sum_all().backward().expect("backward");
            black_box(w.grad());
            for t in [&x, &w, &b] {
                t.zero_grad();
            }
        })
    });
    g.finish();
}

fn short() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = short(); targets = bench_gemm, bench_conv }
criterion_main!(benches);
