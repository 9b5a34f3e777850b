//! `Run` driven every way: batch by batch, epoch by epoch, snapshotted and restored mid-epoch
//! (through JSON), read by instruments between steps — always the same bits.

use super::*;
use crate::init::rules::Rules;
use crate::lab::data::{synthetic, Dataset};
use crate::lab::models::{build, ModelSpec};
use crate::Rng;
use std::sync::Arc;

fn spiral() -> (serde_json::Value, Arc<Dataset>) {
    let data = synthetic("spiral", 0).unwrap();
    let spec = ModelSpec::parse("mlp:2-16-16-3:relu:bn").unwrap().to_json(&data).unwrap();
    (spec, Arc::new(data))
}

fn run(cfg: &TrainConfig) -> Run {
    let (spec, data) = spiral();
    let init = Rules::parse_nonempty("kaiming_normal(nonlinearity=relu)").unwrap();
    let (_, test) = crate::lab::data::synthetic_split("spiral", 0).unwrap();
    Run::from_init(&spec, &init, 5, data, cfg.clone()).unwrap().with_test(Some(Arc::new(test)))
}

fn minibatch(optimizer: OptimizerKind) -> TrainConfig {
    let momentum = if optimizer == OptimizerKind::Sgd { 0.9 } else { 0.0 };
    TrainConfig { optimizer, lr: 0.01, momentum, epochs: 4, batch_size: Some(64), ..TrainConfig::default() }
}

#[test]
fn stepping_one_batch_at_a_time_gives_the_bits_of_whole_epochs() {
    for opt in [OptimizerKind::Sgd, OptimizerKind::Adam] {
        let cfg = minibatch(opt);
        let mut whole = run(&cfg);
        whole.finish().unwrap();
        let mut steps = run(&cfg);
        // 300 samples in batches of 64: five batches an epoch, the last of 44.
        assert_eq!(steps.batches_per_epoch(), 5);
        let mut taken = 0;
        while steps.step(1).unwrap() == 1 {
            taken += 1;
            assert_eq!((steps.epoch(), steps.batch_in_epoch()), (taken / 5, taken % 5), "{taken}");
        }
        assert_eq!((taken, steps.steps()), (20, 20));
        assert_eq!(steps.log(), whole.log());
        let mut odd = run(&cfg);
        assert_eq!(odd.step(7).unwrap(), 7);
        assert_eq!(odd.step_epoch().unwrap().unwrap(), &whole.log().epochs[1]);
        assert_eq!(odd.step(100).unwrap(), 10);
        assert_eq!(odd.log(), whole.log());
        assert!(odd.step_epoch().unwrap().is_none() && odd.is_done());
        let (a, b) = (odd.model().state_dict(), whole.model().state_dict());
        for ((n, x), (_, y)) in a.iter().zip(&b) {
            assert_eq!(x.to_vec(), y.to_vec(), "{n}");
        }
    }
}

#[test]
fn a_snapshot_mid_epoch_restores_through_json_to_the_same_run() {
    for opt in [OptimizerKind::Sgd, OptimizerKind::Adam] {
        let cfg = minibatch(opt);
        let mut whole = run(&cfg);
        whole.finish().unwrap();
        let mut first = run(&cfg);
        first.step(8).unwrap(); // epoch 1, three batches in
        let snap = first.snapshot();
        assert!(snap.position.as_ref().is_some_and(|p| p.batches == 3 && p.order.len() == 300));
        let json = serde_json::to_string(&snap).unwrap();
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, snap);
        let (spec, data) = spiral();
        // Any weights: restoring overwrites them (and the batch-norm buffers).
        let test = first.test().cloned();
        let mut again = Run::restore(build(&spec, &mut Rng::new(99)).unwrap(), data, &back).unwrap().with_test(test);
        assert_eq!(again.snapshot(), snap);
        again.finish().unwrap();
        assert_eq!(again.log(), whole.log());
        assert_eq!(again.steps(), whole.steps());
        first.finish().unwrap();
        assert_eq!(first.log(), whole.log());
    }
}

#[test]
fn a_diverged_run_snapshots_its_nan_and_restores_it() {
    let (spec, data) = spiral();
    let model = build(&spec, &mut Rng::new(0)).unwrap();
    model.parameters().last().unwrap().data_mut().fill(f32::NAN);
    let mut r =
        Run::new(model, data.clone(), TrainConfig { epochs: 9, ..TrainConfig::default() }, Rng::new(0)).unwrap();
    r.finish().unwrap();
    assert!(r.log().diverged && r.epoch() == 1 && r.steps() == 0);
    let json = serde_json::to_string(&r.snapshot()).unwrap();
    let back =
        Run::restore(build(&spec, &mut Rng::new(0)).unwrap(), data, &serde_json::from_str(&json).unwrap()).unwrap();
    assert!(back.log().epochs[0].loss.is_nan() && back.is_done());
    assert!(back.model().parameters().last().unwrap().to_vec().iter().all(|v| v.is_nan()));
}

#[test]
fn reading_instruments_mid_epoch_changes_nothing() {
    let cfg = minibatch(OptimizerKind::Sgd);
    let mut plain = run(&cfg);
    plain.finish().unwrap();
    let mut read = run(&cfg);
    let plane = read.plane().unwrap();
    while !read.is_done() {
        read.step(3).unwrap();
        let h = read.histograms().unwrap();
        assert_eq!(h.epoch, read.epoch());
        assert_eq!(read.boundary(plane).unwrap().classes.len(), 80 * 80);
        assert_eq!(read.symmetry().len(), 2);
        assert!(read.dead_relu().unwrap().is_some() && read.layer_output_stds().unwrap().len() == 3);
    }
    for (i, (a, b)) in read.log().epochs.iter().zip(&plain.log().epochs).enumerate() {
        assert_eq!(a, b, "epoch {i}");
    }
    assert_eq!(read.log(), plain.log());
}

#[test]
fn a_snapshot_that_does_not_fit_is_an_error_naming_what() {
    let cfg = minibatch(OptimizerKind::Adam);
    let mut r = run(&cfg);
    r.step(2).unwrap();
    let snap = r.snapshot();
    let data = synthetic("spiral", 0).unwrap();
    let other = ModelSpec::parse("mlp:2-8-3").unwrap().to_json(&data).unwrap();
    let e = Run::restore(build(&other, &mut Rng::new(0)).unwrap(), data.clone(), &snap).err().unwrap().to_string();
    assert!(e.contains("run snapshot") && e.contains("0.weight"), "{e}");
    let (spec, _) = spiral();
    let mut short = snap.clone();
    short.rng.words.pop();
    let e = Run::restore(build(&spec, &mut Rng::new(0)).unwrap(), data.clone(), &short).err().unwrap().to_string();
    assert!(e.contains("624 words"), "{e}");
    let mut far = snap.clone();
    far.position.as_mut().unwrap().order[0] = 300;
    let e = Run::restore(build(&spec, &mut Rng::new(0)).unwrap(), data, &far).err().unwrap().to_string();
    assert!(e.contains("2 batches into an epoch of 5"), "{e}");
}
