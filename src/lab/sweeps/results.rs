//! The per-run files of a comparison, written by `compare` (whole or one shard) and read back by
//! `merge`: `metrics.csv` (one row per run and epoch), `symmetry.csv` (one row per run and hidden
//! layer) and `runs.csv` (one row per run: epochs trained, diverged, dead-ReLU fraction, std of
//! each weight layer's output at init). Numbers are written in Rust's shortest round-trip form
//! (`NaN`, `inf` as such), so reading and writing again gives the same bytes.

use crate::lab::experiments::compare::{Prepared, RunResult};
use crate::lab::instruments::units::LayerSymmetry;
use crate::lab::train::{EpochRecord, TrainLog};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

pub const METRICS: &str = "metrics.csv";
pub const SYMMETRY: &str = "symmetry.csv";
pub const RUNS: &str = "runs.csv";

fn num(v: f64) -> String {
    format!("{v}")
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), num)
}

fn to_bytes(header: Vec<String>, rows: Vec<Vec<String>>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::invalid("csv", e);
    w.write_record(&header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::invalid("csv", e))
}

fn run_key(p: &Prepared, r: &RunResult) -> [String; 2] {
    [p.config.inits[r.init].0.clone(), (p.config.seed + r.seed as u64).to_string()]
}

/// Weight-layer names of the model (columns of `runs.csv`).
pub fn layer_names(p: &Prepared) -> Vec<String> {
    p.weight_params
        .iter()
        .map(|&i| p.param_names[i].trim_end_matches("weight").trim_end_matches('.').to_string())
        .collect()
}

/// `init,seed,epoch,loss,accuracy,test_loss,test_accuracy,grad_norm.<param>…` (test columns
/// empty without a test set, accuracies empty for regression).
pub fn metrics_header(p: &Prepared) -> Vec<String> {
    let mut header: Vec<String> =
        ["init", "seed", "epoch", "loss", "accuracy", "test_loss", "test_accuracy"].map(String::from).to_vec();
    header.extend(p.param_names.iter().map(|n| format!("grad_norm.{n}")));
    header
}

pub fn metrics_csv(p: &Prepared, results: &[RunResult]) -> Result<Vec<u8>> {
    let header = metrics_header(p);
    let mut rows = Vec::new();
    for r in results {
        for (e, rec) in r.log.epochs.iter().enumerate() {
            let mut row = run_key(p, r).to_vec();
            row.extend([e.to_string(), num(rec.loss), opt(rec.accuracy), opt(rec.test_loss), opt(rec.test_accuracy)]);
            row.extend(rec.grad_norms.iter().map(|&g| num(g)));
            rows.push(row);
        }
    }
    to_bytes(header, rows)
}

pub fn symmetry_csv(p: &Prepared, results: &[RunResult]) -> Result<Vec<u8>> {
    let header = ["init", "seed", "layer", "units", "distinct_units"].map(String::from).to_vec();
    let mut rows = Vec::new();
    for r in results {
        for s in &r.symmetry {
            let mut row = run_key(p, r).to_vec();
            row.extend([s.layer.clone(), s.units.to_string(), s.distinct.to_string()]);
            rows.push(row);
        }
    }
    to_bytes(header, rows)
}

pub fn runs_csv(p: &Prepared, results: &[RunResult]) -> Result<Vec<u8>> {
    let mut header: Vec<String> =
        ["init", "seed", "epochs", "diverged", "dead_relu_fraction"].map(String::from).to_vec();
    header.extend(layer_names(p).iter().map(|l| format!("init_std.{l}")));
    let mut rows = Vec::new();
    for r in results {
        let mut row = run_key(p, r).to_vec();
        row.extend([r.log.epochs.len().to_string(), r.log.diverged.to_string(), opt(r.dead_relu)]);
        row.extend(r.init_stds.iter().map(|&v| num(v)));
        rows.push(row);
    }
    to_bytes(header, rows)
}

/// Reads one CSV text (named `path` in errors), checking its header; returns its rows.
fn read(path: &Path, bytes: &[u8], want: &[String]) -> Result<Vec<csv::StringRecord>> {
    let mut rd = csv::Reader::from_reader(bytes);
    let head: Vec<String> =
        rd.headers().map_err(|e| Error::file(path, format!("bad CSV: {e}")))?.iter().map(String::from).collect();
    if head != want {
        return Err(Error::file(
            path,
            format!("header '{}' does not match this comparison's '{}'", head.join(","), want.join(",")),
        ));
    }
    rd.records().map(|r| r.map_err(|e| Error::file(path, format!("bad CSV: {e}")))).collect()
}

/// The run index of a row's (init, seed), an error naming the file and line otherwise.
fn run_of(p: &Prepared, path: &Path, row: &csv::StringRecord) -> Result<usize> {
    let line = row.position().map_or(0, |q| q.line());
    let at = |m: String| Error::file(path, format!("line {line}: {m}"));
    let k = p
        .config
        .inits
        .iter()
        .position(|(l, _)| l == &row[0])
        .ok_or_else(|| at(format!("unknown init '{}'", &row[0])))?;
    let seed: u64 = row[1].parse().map_err(|_| at(format!("seed '{}' is not a whole number", &row[1])))?;
    let s = seed.checked_sub(p.config.seed).map(|s| s as usize).filter(|&s| s < p.config.seeds);
    let s = s.ok_or_else(|| at(format!("seed {seed} is not one of this comparison's seeds")))?;
    Ok(k * p.config.seeds + s)
}

fn parse<T: std::str::FromStr>(path: &Path, row: &csv::StringRecord, col: usize, what: &str) -> Result<T> {
    row[col].parse().map_err(|_| {
        let line = row.position().map_or(0, |q| q.line());
        Error::file(path, format!("line {line}: {what} '{}' is not valid", &row[col]))
    })
}

/// Reads the per-run files of `dir` back into results (in the order of `runs.csv`); every run of
/// `runs.csv` must be among `expected` (run indices).
pub fn read_dir(p: &Prepared, dir: &Path) -> Result<BTreeMap<usize, RunResult>> {
    let load = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| Error::file(&path, format!("cannot read: {e}")))
    };
    let texts = [load(METRICS)?, load(SYMMETRY)?, load(RUNS)?];
    read_texts(p, dir, [&texts[0], &texts[1], &texts[2]])
}

/// [`read_dir`] on the three texts (metrics, symmetry, runs) as they would be in `dir`.
pub fn read_texts(
    p: &Prepared,
    dir: &Path,
    [metrics, symmetry, runs]: [&[u8]; 3],
) -> Result<BTreeMap<usize, RunResult>> {
    let mut out: BTreeMap<usize, RunResult> = BTreeMap::new();
    let layers = layer_names(p);
    let runs_path = dir.join(RUNS);
    let mut want: Vec<String> = ["init", "seed", "epochs", "diverged", "dead_relu_fraction"].map(String::from).to_vec();
    want.extend(layers.iter().map(|l| format!("init_std.{l}")));
    let mut epochs_of = BTreeMap::new();
    for row in read(&runs_path, runs, &want)? {
        let r = run_of(p, &runs_path, &row)?;
        let (init, seed) = p.config.run_at(r);
        let dead = if row[4].is_empty() { None } else { Some(parse(&runs_path, &row, 4, "dead_relu_fraction")?) };
        let init_stds = (0..layers.len()).map(|i| parse(&runs_path, &row, 5 + i, "init_std")).collect::<Result<_>>()?;
        epochs_of.insert(r, parse::<usize>(&runs_path, &row, 2, "epochs")?);
        let log = TrainLog { epochs: Vec::new(), diverged: parse(&runs_path, &row, 3, "diverged")? };
        let res = RunResult { init, seed, log, symmetry: Vec::new(), dead_relu: dead, init_stds, views: None };
        if out.insert(r, res).is_some() {
            return Err(Error::file(&runs_path, format!("run ({}, seed {}) is listed twice", &row[0], &row[1])));
        }
    }
    let mpath = dir.join(METRICS);
    for row in read(&mpath, metrics, &metrics_header(p))? {
        let r = run_of(p, &mpath, &row)?;
        let res = out
            .get_mut(&r)
            .ok_or_else(|| Error::file(&mpath, format!("run ({}, seed {}) is not in {RUNS}", &row[0], &row[1])))?;
        let maybe = |c: usize, what: &str| -> Result<Option<f64>> {
            if row[c].is_empty() {
                Ok(None)
            } else {
                parse(&mpath, &row, c, what).map(Some)
            }
        };
        let (accuracy, test_loss, test_accuracy) =
            (maybe(4, "accuracy")?, maybe(5, "test_loss")?, maybe(6, "test_accuracy")?);
        let grad_norms = (7..row.len()).map(|c| parse(&mpath, &row, c, "grad norm")).collect::<Result<_>>()?;
        let loss = parse(&mpath, &row, 3, "loss")?;
        res.log.epochs.push(EpochRecord { loss, accuracy, grad_norms, test_loss, test_accuracy });
    }
    let spath = dir.join(SYMMETRY);
    let want = ["init", "seed", "layer", "units", "distinct_units"].map(String::from).to_vec();
    for row in read(&spath, symmetry, &want)? {
        let r = run_of(p, &spath, &row)?;
        let res = out
            .get_mut(&r)
            .ok_or_else(|| Error::file(&spath, format!("run ({}, seed {}) is not in {RUNS}", &row[0], &row[1])))?;
        let (units, distinct) = (parse(&spath, &row, 3, "units")?, parse(&spath, &row, 4, "distinct_units")?);
        res.symmetry.push(LayerSymmetry { layer: row[2].to_string(), units, distinct });
    }
    for (r, res) in &out {
        if res.log.epochs.len() != epochs_of[r] {
            return Err(Error::file(
                &mpath,
                format!(
                    "run ({}, seed index {}) has {} epoch rows but {RUNS} says {}",
                    p.config.inits[res.init].0,
                    res.seed,
                    res.log.epochs.len(),
                    epochs_of[r]
                ),
            ));
        }
    }
    Ok(out)
}
