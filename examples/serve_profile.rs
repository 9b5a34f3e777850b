//! Where a playground run's time goes, per optimizer step, on the default model on spiral (one
//! init, full batch, one thread): the bare `Run` without and with its held-out evaluation, an
//! instrument snapshot, and an epoch event's JSON. CPU time of this thread only (a shared machine's
//! wall clock counts other programs' turns).
//!
//!   cargo run --release --example serve_profile [STEPS]

use initlab::lab::experiments::compare::{prepare, split_label, CompareConfig};
use initlab::lab::train::Run;
use std::time::Instant;

fn cpu() -> f64 {
    // CLOCK_THREAD_CPUTIME_ID through /proc: this thread's utime + stime in clock ticks.
    let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let f: Vec<&str> = s.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn main() {
    let steps: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let config = CompareConfig {
        inits: vec![split_label("kaiming_normal(nonlinearity=relu)")],
        seeds: 1,
        epochs: steps,
        ..CompareConfig::default()
    };
    let p = prepare(&config).expect("prepare");
    initlab::kernels::serial(|| {
        let make = |test: bool| {
            Run::from_init_param(&p.spec, p.base.as_ref(), &p.rules[0], 0, p.data.clone(), p.train.clone())
                .unwrap()
                .with_test(if test { p.test.clone() } else { None })
        };
        for (what, test) in [("steps, no held-out evaluation", false), ("steps with the held-out evaluation", true)] {
            let mut run = make(test);
            let (c, w) = (cpu(), Instant::now());
            for _ in 0..steps {
                run.step_epoch().unwrap();
            }
            let (c, w) = (cpu() - c, w.elapsed().as_secs_f64());
            println!("{what}: {:.0} per CPU-second ({:.0} by the wall clock)", steps as f64 / c, steps as f64 / w);
        }
        let mut run = make(true);
        let n = 30;
        let c = cpu();
        for e in 0..n {
            std::hint::black_box(initlab::serve::snapshot::snapshot(&p, 0, run.model_mut(), e).unwrap());
        }
        println!("one instrument snapshot: {:.2} ms of CPU", (cpu() - c) / n as f64 * 1e3);
        let r = run.step_epoch().unwrap().cloned().unwrap();
        let c = cpu();
        for _ in 0..steps * 10 {
            std::hint::black_box(
                serde_json::json!({"type": "epoch", "init": "k", "init_index": 0, "seed": 0, "epoch": 1, "loss": r.loss,
                    "accuracy": r.accuracy, "test_loss": r.test_loss, "test_accuracy": r.test_accuracy,
                    "grad_norms": r.grad_norms})
                .to_string(),
            );
        }
        println!("one epoch event's JSON: {:.1} µs of CPU", (cpu() - c) / (steps * 10) as f64 * 1e6);
    });
}
