//! The summary of a comparison, per init over its seeds: final loss (mean ± sample std; NaN or
//! inf when a run diverged), final accuracy (mean), epochs to reach the loss threshold (mean over
//! the seeds that reached it, and how many did), dead-ReLU fraction (mean), distinct units (mean
//! and min over hidden layers and seeds) and diverged runs.

use crate::lab::compare::{Prepared, RunResult};

/// One init's row.
#[derive(Clone, Debug, PartialEq)]
pub struct InitSummary {
    pub label: String,
    pub loss_mean: f64,
    pub loss_std: f64,
    pub accuracy: Option<f64>,
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
            let losses: Vec<f64> = runs.iter().map(|r| last(r).loss).collect();
            let accs: Vec<f64> = runs.iter().filter_map(|r| last(r).accuracy).collect();
            let hits: Vec<f64> =
                runs.iter().filter_map(|r| r.log.epochs.iter().position(|e| e.loss <= thr).map(|e| e as f64)).collect();
            let dead: Vec<f64> = runs.iter().filter_map(|r| r.dead_relu).collect();
            let distinct: Vec<usize> = runs.iter().flat_map(|r| r.symmetry.iter().map(|s| s.distinct)).collect();
            InitSummary {
                label: label.clone(),
                loss_mean: mean(&losses),
                loss_std: std(&losses),
                accuracy: (!accs.is_empty()).then(|| mean(&accs)),
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
        format!("{v}")
    }
}

fn of<T>(v: Option<T>, g: impl Fn(T) -> String) -> String {
    v.map_or(String::new(), g)
}

pub const CSV_HEADER: [&str; 12] = [
    "init",
    "final_loss_mean",
    "final_loss_std",
    "accuracy_mean",
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
            format!("{}", s.loss_mean),
            format!("{}", s.loss_std),
            of(s.accuracy, |v| format!("{v}")),
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

/// Header and rows for the terminal and the HTML report (rounded).
pub fn table(p: &Prepared, rows: &[InitSummary]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
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
    let body = rows
        .iter()
        .map(|s| {
            vec![
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
            ]
        })
        .collect();
    (header, body)
}
