//! initlab side of the benchmark workloads of `scripts/torch_bench.py` (w1–w5), with the
//! same warmup and step counts and the same output line:
//!   initlab <workload> threads=<n> us_per_step=<median> steps_per_s=<..> gemm_us=<..> [extra]
//!
//! `gemm_us` is the time of only the workload's GEMMs per timed step (mean), measured by the GEMM
//! layer's own timer inside the same steps (same kernels, same threads), so us_per_step − gemm_us
//! is the overhead outside GEMM.
//!
//! Usage: `cargo run --release --example train_bench -- WORKLOAD [THREADS]`
//!   WORKLOAD: w1 w2 w3 w4 w5, or `gemm` (GEMM efficiency of w2 against raw sgemm), or `kernels`
//!   (every GEMM kernel's GFLOPS on w1, w2 and w4's shapes, one thread); THREADS
//!   (default 1) sizes the rayon pool. w5 runs `initlab compare`'s grid (the lab's training loop)
//!   with its runs spread over THREADS threads, each run single-threaded inside.
//!
//! Every line ends with `peak_rss_kb=` (VmHWM of this process) so memory can be compared even
//! where `/usr/bin/time` is missing. w1–w4 also print `allocs_per_step=` and `alloc_kb_per_step=`:
//! the heap allocations (and their bytes) of the median timed step, counted by this binary's
//! global allocator, so what the buffer pool leaves to malloc is a measured figure.

use initlab::kernels::gemm as kgemm;
use initlab::lab::experiments::compare::{prepare, run_grid, CompareConfig};
use initlab::nn::{BatchNorm2d, BatchNormOptions, Conv2d, Conv2dOptions, Flatten, Linear, Module, ReLU, Sequential};
use initlab::ops::cross_entropy;
use initlab::optim::{Optimizer, Sgd, SgdConfig};
use initlab::{manual_seed, no_grad, Rng, Tensor};
use ndarray::{ArrayD, IxDyn};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// The system allocator, counting allocations and their bytes (reallocations count as one).
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(l.size() as u64, Relaxed);
        System.alloc(l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(l.size() as u64, Relaxed);
        System.alloc_zeroed(l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(new as u64, Relaxed);
        System.realloc(p, l, new)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, bytes) so far, over every thread.
fn alloc_count() -> (u64, u64) {
    (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed))
}

/// Each timed step's (allocations, bytes).
static STEP_ALLOCS: std::sync::Mutex<Vec<(u64, u64)>> = std::sync::Mutex::new(Vec::new());

fn alloc_step(before: (u64, u64)) {
    let now = alloc_count();
    STEP_ALLOCS.lock().expect("not poisoned").push((now.0 - before.0, now.1 - before.1));
}

fn mlp(inp: usize, hid: usize, out: usize, depth: usize) -> Sequential {
    let mut layers: Vec<Box<dyn Module>> = Vec::new();
    let mut d = inp;
    for _ in 0..depth {
        layers.push(Box::new(Linear::new(d, hid, true)));
        layers.push(Box::new(ReLU));
        d = hid;
    }
    layers.push(Box::new(Linear::new(d, out, true)));
    Sequential::new(layers)
}

fn conv_net() -> Sequential {
    let conv = |i, o, stride| {
        let opts = Conv2dOptions { stride: (stride, stride), padding: (1, 1), ..Conv2dOptions::default() };
        Box::new(Conv2d::new(i, o, (3, 3), opts).expect("valid conv")) as Box<dyn Module>
    };
    let bn = |c| Box::new(BatchNorm2d::new(c, BatchNormOptions::default())) as Box<dyn Module>;
    Sequential::new(vec![
        conv(1, 16, 1),
        bn(16),
        Box::new(ReLU),
        conv(16, 32, 2),
        bn(32),
        Box::new(ReLU),
        Box::new(Flatten::default()),
        Box::new(Linear::new(32 * 14 * 14, 10, true)),
    ])
}

fn randn(shape: &[usize], rng: &mut Rng) -> Tensor {
    let mut a = ArrayD::zeros(IxDyn(shape));
    rng.normal_(a.as_slice_mut().expect("fresh"), 0.0, 1.0);
    Tensor::new(a)
}

/// torch_bench.py's `train_steps`: SGD lr 0.01, cross-entropy; 5 warmup steps, then `steps` timed.
fn train_steps(model: &Sequential, x: &Tensor, y: &[usize], steps: usize) -> Vec<f64> {
    let mut opt = Sgd::new((model as &dyn Module).parameters(), SgdConfig { lr: 0.01, ..SgdConfig::default() });
    let mut times = Vec::with_capacity(steps);
    for i in 0..steps + 5 {
        kgemm::take_timing();
        let a = alloc_count();
        let t = Instant::now();
        opt.zero_grad();
        let l = cross_entropy(&model.forward(x).expect("forward"), y).expect("loss");
        l.backward().expect("backward");
        opt.step();
        l.item().expect("scalar");
        if i >= 5 {
            times.push(t.elapsed().as_secs_f64());
            gemm_step();
            alloc_step(a);
        }
    }
    times
}

/// Each timed step's GEMM time (seconds), from the GEMM layer's timer.
static GEMM_TIMES: std::sync::Mutex<Vec<kgemm::GemmTiming>> = std::sync::Mutex::new(Vec::new());

fn gemm_step() {
    GEMM_TIMES.lock().expect("not poisoned").push(kgemm::take_timing());
}

fn take_gemm_steps() -> Vec<kgemm::GemmTiming> {
    std::mem::take(&mut *GEMM_TIMES.lock().expect("not poisoned"))
}

/// The median of `v` (statistics.median: the mean of the two middle values for an even count).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let h = v.len() / 2;
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 0 => (v[h - 1] + v[h]) / 2.0,
        _ => v[h],
    }
}

fn std_of(t: &Tensor) -> f64 {
    let v = t.to_vec();
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    (v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn w4() -> (Vec<f64>, String) {
    let mut rng = Rng::new(0);
    let layers: Vec<Linear> = (0..100)
        .map(|_| {
            let l = Linear::with_rng(256, 256, false, &mut rng);
            rng.normal_(l.weight.data_mut().as_slice_mut().expect("contiguous"), 0.0, (1.0f64 / 256.0).sqrt());
            l
        })
        .collect();
    let x = randn(&[16, 256], &mut rng);
    let _g = no_grad();
    let mut times = Vec::new();
    let mut h = x.clone();
    for i in 0..205 {
        kgemm::take_timing();
        let a = alloc_count();
        let t = Instant::now();
        h = x.clone();
        for l in &layers {
            h = l.forward(&h).expect("forward");
        }
        std::hint::black_box(std_of(&h));
        if i >= 5 {
            times.push(t.elapsed().as_secs_f64());
            gemm_step();
            alloc_step(a);
        }
    }
    (times, format!("final_std={:.3}", std_of(&h)))
}

fn w5(threads: usize) -> (Vec<f64>, String) {
    let t = Instant::now();
    // torch_bench.py's w5 is the default sweep at lr 0.1 (compare's default is now 0.05): the same
    // work either way, but the final losses printed beside it are then the same too.
    let cfg = CompareConfig { lr: 0.1, ..CompareConfig::default() };
    let mut p = prepare(&cfg).expect("default compare config is valid");
    // torch_bench.py's w5 trains and nothing else: no held-out evaluation per epoch and no
    // decision-boundary snapshots, so the two sides do the same work. (`initlab compare` does
    // both; README, Speed, gives its own time.)
    p.test = None;
    p.plane = None;
    let runs: Vec<usize> = (0..cfg.num_runs()).collect();
    let results = run_grid(&p, &runs, threads, &|| {}).expect("sweep");
    let elapsed = t.elapsed().as_secs_f64();
    let extra = cfg
        .inits
        .iter()
        .enumerate()
        .map(|(k, (label, _))| {
            let finals: Vec<f64> = results
                .iter()
                .filter(|r| r.init == k)
                .map(|r| r.log.epochs.last().map_or(f64::NAN, |e| e.loss))
                .collect();
            format!("{label}={:.3}", finals.iter().sum::<f64>() / finals.len() as f64)
        })
        .collect::<Vec<_>>()
        .join(" ");
    (vec![elapsed], extra)
}

/// GEMM efficiency in w2: `matrixmultiply::sgemm` alone on w2's shapes (in the layouts the ops
/// use) against the GEMM calls inside real w2 steps, timed by the kernel's own timer.
fn gemm_check() {
    // (m, k, n, a transposed, b transposed) of one w2 step, batch 128: forward x·Wᵀ, backward
    // g·W (grad input) and gᵀ·x (grad weight), for layers 784→512, 512→512, 512→10.
    let mut shapes = Vec::new();
    for (i, o) in [(784, 512), (512, 512), (512, 10)] {
        shapes.push((128, i, o, false, true));
        if i != 784 {
            shapes.push((128, o, i, false, false));
        }
        shapes.push((o, 128, i, true, false));
    }
    let reps = 50;
    let flops_step: f64 = shapes.iter().map(|&(m, k, n, _, _)| 2.0 * (m * k * n) as f64).sum();
    let mut rng = Rng::new(1);
    let bufs: Vec<_> = shapes
        .iter()
        .map(|&(m, k, n, _, _)| {
            let mut a = vec![0.0; m * k];
            let mut b = vec![0.0; k * n];
            rng.normal_(&mut a, 0.0, 1.0);
            rng.normal_(&mut b, 0.0, 1.0);
            (a, b, vec![0.0; m * n])
        })
        .collect();
    let raw = |bufs: &mut Vec<(Vec<f32>, Vec<f32>, Vec<f32>)>| {
        let t = Instant::now();
        for _ in 0..reps {
            for (&(m, k, n, at, bt), (a, b, c)) in shapes.iter().zip(bufs.iter_mut()) {
                let (ars, acs) = if at { (1, m) } else { (k, 1) };
                let (brs, bcs) = if bt { (1, k) } else { (n, 1) };
                // SAFETY: a is m·k, b is k·n and c is m·n floats, and the strides stay inside them.
                unsafe {
                    matrixmultiply::sgemm(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr(),
                        ars as isize,
                        acs as isize,
                        b.as_ptr(),
                        brs as isize,
                        bcs as isize,
                        0.0,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    )
                };
            }
        }
        flops_step * reps as f64 / t.elapsed().as_secs_f64() / 1e9
    };
    manual_seed(0);
    let model = mlp(784, 512, 10, 2);
    let mut r = Rng::new(0);
    let x = randn(&[128, 784], &mut r);
    let y: Vec<usize> = (0..128).map(|i| i % 10).collect();
    let in_step = || {
        train_steps(&model, &x, &y, 5);
        kgemm::set_timing(true);
        kgemm::take_timing();
        take_gemm_steps();
        let step_time: f64 = train_steps(&model, &x, &y, reps).iter().sum();
        kgemm::set_timing(false);
        let steps = take_gemm_steps();
        let (nanos, flops) = steps.iter().fold((0u64, 0u64), |(n, f), t| (n + t.nanos, f + t.flops));
        (flops as f64 / nanos as f64, nanos as f64 * 1e-9 / step_time, flops as f64)
    };
    let mut bufs = bufs;
    let (mut best_raw, mut best_in, mut share, mut flops) = (0f64, 0f64, 0.0, 0.0);
    for _ in 0..3 {
        best_raw = best_raw.max(raw(&mut bufs));
        let (g, s, f) = in_step();
        if g > best_in {
            (best_in, share, flops) = (g, s, f);
        }
    }
    let per_step = flops / reps as f64;
    println!(
        "initlab gemm raw_sgemm_gflops={best_raw:.1} w2_gemm_gflops={best_in:.1} efficiency={:.0}% \
         w2_gemm_share_of_step={:.0}% w2_gemm_mflop_per_step={:.1} expected={:.1}",
        100.0 * best_in / best_raw,
        100.0 * share,
        per_step / 1e6,
        flops_step / 1e6
    );
}

/// Every kernel that can run each GEMM shape of w1, w2 and w4 (forward x·Wᵀ, grad input g·W,
/// grad weight gᵀ·x) and of w3's convolutions, single-threaded: GFLOPS of each and the one
/// [`kgemm::gemm`] picks. The figures the GEMM layer's choice was made from.
fn kernels() {
    use kgemm::{gemm_with, Kernel, MatMut, MatRef};
    // (batch, in, out) of each Linear layer.
    let layers = [
        ("w1", 300, 2, 100),
        ("w1", 300, 100, 100),
        ("w1", 300, 100, 3),
        ("w2", 128, 784, 512),
        ("w2", 128, 512, 512),
        ("w2", 128, 512, 10),
        ("w4", 16, 256, 256),
    ];
    let mut rng = Rng::new(2);
    // (workload, what, m, k, n, a transposed, b transposed)
    let mut shapes: Vec<(&str, String, usize, usize, usize, bool, bool)> = Vec::new();
    for (w, rows, inp, out) in layers {
        shapes.push((w, "fwd".into(), rows, inp, out, false, true));
        shapes.push((w, "gx".into(), rows, out, inp, false, false));
        shapes.push((w, "gw".into(), out, rows, inp, true, false));
    }
    // w3's convolutions, per sample: the forward W·col (W as stored, and from a transposed copy
    // of W), the input gradient Wᵀ·dy, the weight gradient dy·colᵀ.
    for (conv, c_out, kg, p) in [("conv1", 16, 9, 784), ("conv2", 32, 144, 196)] {
        shapes.push(("w3", format!("{conv}-fwd"), c_out, kg, p, false, false));
        shapes.push(("w3", format!("{conv}-fwd-wt"), c_out, kg, p, true, false));
        shapes.push(("w3", format!("{conv}-gx"), kg, c_out, p, true, false));
        shapes.push(("w3", format!("{conv}-gw"), c_out, p, kg, false, true));
    }
    for (w, what, m, k, n, at, bt) in shapes {
        let mut a = vec![0.0; m * k];
        let mut b = vec![0.0; k * n];
        rng.normal_(&mut a, 0.0, 1.0);
        rng.normal_(&mut b, 0.0, 1.0);
        let am = if at { MatRef::row_major_t(&a, m, k) } else { MatRef::row_major(&a, m, k) };
        let bm = if bt { MatRef::row_major_t(&b, k, n) } else { MatRef::row_major(&b, k, n) };
        let mut c = vec![0.0; m * n];
        let mut line = format!("initlab kernels {w} {what} {m}x{k}x{n}");
        let flops = 2.0 * (m * k * n) as f64;
        let reps = ((2e8 / flops) as usize).clamp(3, 20000);
        for kernel in [Kernel::Auto, Kernel::Matrixmultiply, Kernel::GemmCrate, Kernel::Dot, Kernel::RowSum] {
            if (kernel == Kernel::Dot && (at || !bt)) || (kernel == Kernel::RowSum && (!at || bt)) {
                continue;
            }
            let mut best = f64::INFINITY;
            for _ in 0..5 {
                let t = Instant::now();
                for _ in 0..reps {
                    gemm_with(kernel, 1.0, am, bm, 0.0, MatMut::row_major(&mut c, m, n));
                }
                best = best.min(t.elapsed().as_secs_f64() / reps as f64);
            }
            line += &format!(" {kernel:?}={:.1}", flops / best / 1e9);
        }
        println!("{line}");
    }
}

fn peak_rss_kb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l[6..].trim().trim_end_matches(" kB").to_string())
        })
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let w = args.get(1).map(String::as_str).unwrap_or("w1");
    let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    if w != "w5" {
        // The whole workload runs on a pool worker, so the kernels' joins are cheap local pushes
        // (a join from outside the pool hands every job over to the pool and waits).
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        return pool.install(|| run(w, threads));
    }
    run(w, threads)
}

fn run(w: &str, threads: usize) {
    manual_seed(0);
    // Time every GEMM of the timed steps with the kernels and threads the workload uses.
    kgemm::set_timing(w != "gemm");
    let mut rng = Rng::new(0);
    let labels = |n: usize, k: usize| (0..n).map(|i| i % k).collect::<Vec<_>>();
    let (mut times, extra): (Vec<f64>, String) = match w {
        "w1" => (train_steps(&mlp(2, 100, 3, 2), &randn(&[300, 2], &mut rng), &labels(300, 3), 1000), String::new()),
        "w2" => {
            (train_steps(&mlp(784, 512, 10, 2), &randn(&[128, 784], &mut rng), &labels(128, 10), 200), String::new())
        }
        "w3" => (train_steps(&conv_net(), &randn(&[32, 1, 28, 28], &mut rng), &labels(32, 10), 60), String::new()),
        "w4" => w4(),
        "w5" => w5(threads),
        "gemm" => return gemm_check(),
        "kernels" => return kernels(),
        _ => {
            eprintln!("unknown workload {w} (w1 w2 w3 w4 w5 gemm kernels)");
            std::process::exit(2);
        }
    };
    // The median step's GEMM time; for w5 (one 'step', its runs spread over the threads) the GEMM
    // time summed over the threads, divided by them: the sweep's wall time if it did only GEMMs.
    let gt = kgemm::take_timing();
    let mut gemm_times: Vec<f64> = take_gemm_steps().iter().map(|t| t.nanos as f64 * 1e-9).collect();
    let gemm_us = 1e6 * if w == "w5" { gt.nanos as f64 * 1e-9 / threads as f64 } else { median(&mut gemm_times) };
    let med = median(&mut times);
    let mut extra = if extra.is_empty() { String::new() } else { format!(" {extra}") };
    let steps = std::mem::take(&mut *STEP_ALLOCS.lock().expect("not poisoned"));
    if !steps.is_empty() {
        let mut n: Vec<f64> = steps.iter().map(|s| s.0 as f64).collect();
        let mut kb: Vec<f64> = steps.iter().map(|s| s.1 as f64 / 1024.0).collect();
        extra += &format!(" allocs_per_step={} alloc_kb_per_step={:.1}", median(&mut n), median(&mut kb));
    }
    println!(
        "initlab {w} threads={threads} us_per_step={:.1} steps_per_s={:.2} gemm_us={gemm_us:.1}\
{extra} peak_rss_kb={}",
        med * 1e6,
        1.0 / med,
        peak_rss_kb()
    );
}
