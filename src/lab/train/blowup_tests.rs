//! The regression divergence rule of the training loop ([`REGRESSION_BLOWUP`]).

use super::train_loop::*;
use super::Run;
use crate::lab::data::{Dataset, Target};
use crate::lab::models::{build, ModelSpec};
use crate::Rng;
use ndarray::{ArrayD, IxDyn};

/// Linear(1, 1) fitting y = 0 at x = 1 by full-batch SGD (no momentum) at lr 3: the error s =
/// w + b becomes s·(1 − 4·3) each epoch, so the MSE grows 121× per epoch and stays finite for
/// some 18 epochs. Past 10⁶ times the first epoch's loss (epoch 3) the run counts as diverged
/// and stops, as a NaN would stop it.
#[test]
fn a_regression_loss_that_blows_up_counts_as_diverged() {
    let x = ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1.0f32, 1.0]).unwrap();
    let y = Target::Values(ArrayD::zeros(IxDyn(&[2, 1])));
    let data = Dataset::new("line", x, y).unwrap();
    let spec = ModelSpec::parse("mlp:1-1").unwrap().to_json(&data).unwrap();
    let m = build(&spec, &mut Rng::new(0)).unwrap();
    let cfg = TrainConfig { lr: 3.0, momentum: 0.0, epochs: 50, batch_size: None, ..TrainConfig::default() };
    let mut run = Run::new(m, data.clone(), cfg.clone(), Rng::new(0)).unwrap();
    let log = run.finish().unwrap().clone();
    assert!(log.diverged);
    let l: Vec<f64> = log.epochs.iter().map(|e| e.loss).collect();
    assert_eq!(l.len(), 4, "{l:?}");
    assert!(l.iter().all(|v| v.is_finite()), "finite all along: {l:?}");
    assert!((l[1] / l[0] - 121.0).abs() < 0.01 && l[3] > 1e6 * l[0], "{l:?}");
    // A stable rate is not affected.
    let m = build(&spec, &mut Rng::new(0)).unwrap();
    let ok = TrainConfig { lr: 0.1, ..cfg };
    assert!(!Run::new(m, data, ok, Rng::new(0)).unwrap().finish().unwrap().diverged);
}
