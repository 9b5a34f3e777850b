//! One training step of w1 (2-100-100-3, batch 300) and w2 (784-512-512-10, batch 128) as in
//! examples/train_bench.rs, and `compare` (the lab's grid) on a small grid: 2 inits × 2 seeds ×
//! 30 epochs of the spiral MLP. Short by default: `cargo bench --bench train`.

use criterion::{criterion_group, criterion_main, Criterion};
use initlab::lab::experiments::compare::{prepare, run_grid, CompareConfig};
use initlab::nn::{Linear, Module, ReLU, Sequential};
use initlab::ops::cross_entropy;
use initlab::optim::{Optimizer, Sgd, SgdConfig};
use initlab::{manual_seed, Rng, Tensor};
use ndarray::{ArrayD, IxDyn};
use std::hint::black_box;
use std::time::Duration;

fn mlp(sizes: &[usize]) -> Sequential {
    let mut layers: Vec<Box<dyn Module>> = Vec::new();
    for (i, w) in sizes.windows(2).enumerate() {
        if i > 0 {
            layers.push(Box::new(ReLU));
        }
        layers.push(Box::new(Linear::new(w[0], w[1], true)));
    }
    Sequential::new(layers)
}

fn bench_step(c: &mut Criterion, name: &str, sizes: &[usize], batch: usize) {
    manual_seed(0);
    let model = mlp(sizes);
    let mut x = ArrayD::zeros(IxDyn(&[batch, sizes[0]]));
    Rng::new(0).normal_(x.as_slice_mut().expect("fresh"), 0.0, 1.0);
    let x = Tensor::new(x);
    let classes = *sizes.last().expect("sizes");
    let y: Vec<usize> = (0..batch).map(|i| i % classes).collect();
    let mut opt = Sgd::new((&model as &dyn Module).parameters(), SgdConfig { lr: 0.01, ..SgdConfig::default() });
    c.bench_function(name, |b| {
        b.iter(|| {
            opt.zero_grad();
            let l = cross_entropy(&model.forward(&x).expect("forward"), &y).expect("loss");
            l.backward().expect("backward");
            opt.step();
            black_box(l.item().expect("scalar"))
        })
    });
}

fn bench_steps(c: &mut Criterion) {
    bench_step(c, "train_step_w1_2-100-100-3_b300", &[2, 100, 100, 3], 300);
    bench_step(c, "train_step_w2_784-512-512-10_b128", &[784, 512, 512, 10], 128);
}

fn bench_compare(c: &mut Criterion) {
    let cfg = CompareConfig {
        inits: vec![
            ("kaiming".into(), "kaiming_normal(nonlinearity=relu)".into()),
            ("xavier".into(), "xavier_uniform".into()),
        ],
        seeds: 2,
        epochs: 30,
        ..CompareConfig::default()
    };
    let p = prepare(&cfg).expect("valid config");
    let runs: Vec<usize> = (0..cfg.num_runs()).collect();
    c.bench_function("compare_2inits_2seeds_30epochs_1thread", |b| {
        b.iter(|| black_box(run_grid(&p, &runs, 1, &|| {}).expect("grid").len()))
    });
}

fn short() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! { name = benches; config = short(); targets = bench_steps, bench_compare }
criterion_main!(benches);
