//! The epoch counting of [`crate::lab::train::progress`] as compare and phase use it.

use crate::lab::experiments::compare::{prepare, run_one, run_one_counted, CompareConfig};
use crate::lab::experiments::phase::{dataset, run_cell, run_cell_counted, PhaseConfig};
use crate::lab::sweeps::resume::run_pending;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

#[test]
fn every_epoch_of_every_run_is_counted_once_and_a_diverged_run_is_filled() {
    // On sine (MSE) at lr 0.5 zeros trains all 40 epochs; normal(std=30) blows up in epoch 3.
    let config = CompareConfig {
        model: "mlp:in-16-out".into(),
        data: "sine".into(),
        threshold: 0.05,
        inits: vec![("z".into(), "zeros".into()), ("big".into(), "normal(std=30)".into())],
        seeds: 2,
        epochs: 40,
        lr: 0.5,
        snapshots: vec![0],
        ..CompareConfig::default()
    };
    let p = prepare(&config).unwrap();
    let mut diverged = 0;
    for r in 0..config.num_runs() {
        let (k, s) = config.run_at(r);
        let ticks = Mutex::new(Vec::new());
        let res = run_one_counted(&p, k, s, &|n| ticks.lock().unwrap().push(n)).unwrap();
        let ticks = ticks.into_inner().unwrap();
        let trained = res.log.epochs.len();
        // one call per epoch trained, every one of them 1 but the last, which carries the rest
        assert_eq!(ticks.len(), trained, "run {r}");
        assert!(ticks[..trained - 1].iter().all(|&n| n == 1), "run {r}: {ticks:?}");
        assert_eq!(ticks.iter().sum::<u64>(), 40, "run {r}: {ticks:?}");
        assert_eq!(*ticks.last().unwrap(), 1 + (40 - trained) as u64, "run {r}");
        if res.log.diverged {
            diverged += 1;
            assert!(trained < 40, "run {r} diverged at the very end: nothing to fill");
        }
        // counting changes nothing
        assert_eq!(format!("{res:?}"), format!("{:?}", run_one(&p, k, s).unwrap()), "run {r}");
    }
    assert_eq!(diverged, 2, "both seeds of the big init diverge, neither of zeros does");
    // Over the grid on two threads: runs × epochs, whatever the interleaving.
    let total = AtomicU64::new(0);
    let tick = |n: u64| {
        total.fetch_add(n, Ordering::SeqCst);
    };
    run_pending(&p, &[0, 1, 2, 3], 2, &AtomicBool::new(false), &tick, &|_, _| Ok(())).unwrap();
    assert_eq!(total.load(Ordering::SeqCst), 4 * 40);
}

#[test]
fn a_phase_cell_counts_its_epochs_and_trains_the_same_bits() {
    let c = PhaseConfig { sigma_w2: vec![1.0, 40.0], depths: vec![2], epochs: 30, lr: 5.0, ..PhaseConfig::default() };
    let data = dataset(&c).unwrap();
    for r in 0..2 {
        let total = AtomicU64::new(0);
        let cell = run_cell_counted(&c, &data, r, &|n| {
            total.fetch_add(n, Ordering::SeqCst);
        })
        .unwrap();
        assert_eq!(total.load(Ordering::SeqCst), 30, "cell {r}");
        let plain = run_cell(&c, &data, r).unwrap();
        assert_eq!(
            (cell.final_loss.to_bits(), cell.final_accuracy.to_bits(), cell.diverged),
            (plain.final_loss.to_bits(), plain.final_accuracy.to_bits(), plain.diverged)
        );
    }
}
