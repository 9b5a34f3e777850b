//! The summary of a comparison, per init over its seeds: final loss (mean ± sample std), final
//! accuracy, final test loss and accuracy and the generalization gap (train − test accuracy; for
//! regression test − train loss) — all over the runs that did not diverge, with the diverged
//! count beside them (empty when every run diverged) — epochs to reach the loss threshold (mean over
//! the seeds that reached it, and how many did), dead-ReLU fraction (mean), distinct units (mean
//! and min over hidden layers and seeds) and diverged runs.

use crate::lab::experiments::compare::{Prepared, RunResult};

/// One init's row.
#[derive(Clone, Debug, PartialEq)]
pub struct InitSummary {
    pub label: String,
    pub loss_mean: f64,
    pub loss_std: f64,
    pub accuracy: Option<f64>,
    pub test_loss: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Train − test accuracy (classification) or test − train loss (regression), mean over runs.
    pub gap: Option<f64>,
    /// Mean epoch index at which the loss first was ≤ threshold, over the seeds that got there.
    pub epochs_to_threshold: Option<f64>,
    pub reached: usize,
    pub seeds: usize,
    pub dead_relu: Option<f64>,
    pub distinct_mean: Option<f64>,
    pub distinct_min: Option<usize>,
    pub diverged: usize,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample std (n − 1); 0 for one value.
fn std(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Per init, in the config's order; `results` holds every run of the grid.
pub fn summarize(p: &Prepared, results: &[RunResult]) -> Vec<InitSummary> {
    let thr = p.config.threshold;
    p.config
        .inits
        .iter()
        .enumerate()
        .map(|(k, (label, _))| {
            let runs: Vec<&RunResult> = results.iter().filter(|r| r.init == k).collect();
            let last = |r: &RunResult| r.log.epochs.last().expect("at least one epoch").clone();
            let kept: Vec<_> = runs.iter().filter(|r| !r.log.diverged).map(|r| last(r)).collect();
            let losses: Vec<f64> = kept.iter().map(|e| e.loss).collect();
            let accs: Vec<f64> = kept.iter().filter_map(|e| e.accuracy).collect();
            let test_losses: Vec<f64> = kept.iter().filter_map(|e| e.test_loss).collect();
            let test_accs: Vec<f64> = kept.iter().filter_map(|e| e.test_accuracy).collect();
            let gaps: Vec<f64> = kept
                .iter()
                .filter_map(|e| match (e.accuracy, e.test_accuracy, e.test_loss) {
                    (Some(a), Some(t), _) => Some(a - t),
                    (None, None, Some(t)) => Some(t - e.loss),
                    _ => None,
                })
                .collect();
            let some = |v: &[f64]| (!v.is_empty()).then(|| mean(v));
            let hits: Vec<f64> =
                runs.iter().filter_map(|r| r.log.epochs.iter().position(|e| e.loss <= thr).map(|e| e as f64)).collect();
            let dead: Vec<f64> = runs.iter().filter_map(|r| r.dead_relu).collect();
            let distinct: Vec<usize> = runs.iter().flat_map(|r| r.symmetry.iter().map(|s| s.distinct)).collect();
            InitSummary {
                label: label.clone(),
                loss_mean: if losses.is_empty() { f64::NAN } else { mean(&losses) },
                loss_std: if losses.is_empty() { f64::NAN } else { std(&losses) },
                accuracy: some(&accs),
                test_loss: some(&test_losses),
                test_accuracy: some(&test_accs),
                gap: some(&gaps),
                epochs_to_threshold: (!hits.is_empty()).then(|| mean(&hits)),
                reached: hits.len(),
                seeds: runs.len(),
                dead_relu: (!dead.is_empty()).then(|| mean(&dead)),
                distinct_mean: (!distinct.is_empty())
                    .then(|| distinct.iter().sum::<usize>() as f64 / distinct.len() as f64),
                distinct_min: distinct.iter().copied().min(),
                diverged: runs.iter().filter(|r| r.log.diverged).count(),
            }
        })
        .collect()
}

fn f(v: f64, prec: usize) -> String {
    if v.is_finite() {
        format!("{v:.prec$}")
    } else {
        String::new()
    }
}

/// A CSV number: full precision, empty for "none" (NaN: every run diverged).
fn full(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

fn of<T>(v: Option<T>, g: impl Fn(T) -> String) -> String {
    v.map_or(String::new(), g)
}

pub const CSV_HEADER: [&str; 15] = [
    "init",
    "final_loss_mean",
    "final_loss_std",
    "accuracy_mean",
    "test_loss_mean",
    "test_accuracy_mean",
    "generalization_gap",
    "epochs_to_threshold_mean",
    "reached_threshold",
    "seeds",
    "dead_relu_fraction",
    "distinct_units_mean",
    "distinct_units_min",
    "diverged",
    "threshold",
];

/// `summary.csv`: full precision.
pub fn summary_csv(p: &Prepared, rows: &[InitSummary]) -> crate::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| crate::Error::invalid("summary.csv", e);
    w.write_record(CSV_HEADER).map_err(err)?;
    for s in rows {
        w.write_record([
            s.label.clone(),
            full(s.loss_mean),
            full(s.loss_std),
            of(s.accuracy, |v| format!("{v}")),
            of(s.test_loss, |v| format!("{v}")),
            of(s.test_accuracy, |v| format!("{v}")),
            of(s.gap, |v| format!("{v}")),
            of(s.epochs_to_threshold, |v| format!("{v}")),
            s.reached.to_string(),
            s.seeds.to_string(),
            of(s.dead_relu, |v| format!("{v}")),
            of(s.distinct_mean, |v| format!("{v}")),
            of(s.distinct_min, |v| v.to_string()),
            s.diverged.to_string(),
            format!("{}", p.config.threshold),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| crate::Error::invalid("summary.csv", e))
}

/// Header and rows for the terminal and the HTML report (rounded). Loss, accuracy, test and gap
/// are over the runs that did not diverge (the last column counts the others).
pub fn table(p: &Prepared, rows: &[InitSummary]) -> (Vec<String>, Vec<Vec<String>>) {
    let classes = p.data.is_classification();
    let has_test = p.test.is_some();
    let mut header = [
        "init".to_string(),
        "final loss".into(),
        "± std".into(),
        "accuracy".into(),
        format!("epochs to loss ≤ {}", p.config.threshold),
        "reached".into(),
        "dead ReLU".into(),
        "distinct units (mean)".into(),
        "(min)".into(),
        "diverged".into(),
    ]
    .to_vec();
    if has_test {
        let (t, g) =
            if classes { ("test accuracy", "gap (train − test)") } else { ("test loss", "gap (test − train)") };
        header.splice(4..4, [t.to_string(), g.to_string()]);
    }
    let body = rows
        .iter()
        .map(|s| {
            let mut row = vec![
                s.label.clone(),
                f(s.loss_mean, 4),
                f(s.loss_std, 4),
                of(s.accuracy, |v| f(v, 3)),
                of(s.epochs_to_threshold, |v| f(v, 1)),
                format!("{}/{}", s.reached, s.seeds),
                of(s.dead_relu, |v| f(v, 3)),
                of(s.distinct_mean, |v| f(v, 1)),
                of(s.distinct_min, |v| v.to_string()),
                format!("{}/{}", s.diverged, s.seeds),
            ];
            if has_test {
                let t = if classes { of(s.test_accuracy, |v| f(v, 3)) } else { of(s.test_loss, |v| f(v, 4)) };
                row.splice(4..4, [t, of(s.gap, |v| format!("{v:+.3}"))]);
            }
            row
        })
        .collect();
    (header, body)
}
