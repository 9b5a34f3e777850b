//! The symmetry study's records, resume and shards, compare's way ([`super::records`]): each
//! finished run (start k, seed s; index k·seeds + s) is recorded in `--out/.initlab-symmetry/`
//! with its losses and measurements as bits, the runs in flight as their run's snapshot plus the
//! measurements so far; `symmetry --resume` trains only what is missing. `symmetry --shard K/N`
//! trains every N-th run and writes `symmetry-shard.json`, merged back as [`super::shard_file`] says.

use crate::lab::experiments::compare::shard_runs;
use crate::lab::experiments::symmetry::{prepare, run_one_from, LayerEpoch, Prepared, SymRun, SymmetryConfig};
use crate::lab::sweeps::records::{data_fingerprint, Kind, Records};
use crate::lab::sweeps::shard_file::{self, ShardKind};
use crate::lab::train::{Snapshot, TrainConfig};
use crate::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The records' folder inside `--out`.
pub const SYMMETRY_DIR: &str = ".initlab-symmetry";
/// A shard's manifest and results.
pub const SHARD_FILE: &str = "symmetry-shard.json";
const SHARD_FORMAT: &str = "initlab-symmetry-shard/1";

static KIND: Kind = Kind {
    dir: SYMMETRY_DIR,
    manifest: "study.json",
    format: "initlab-symmetry-sweep/1",
    record_format: "initlab-symmetry-run/1",
    item: "run",
    grid: "symmetry study",
    fingerprinted: "the model spec or the data file",
};

/// [`SymmetryConfig`] as the records keep it (what resumes and shards must agree on).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub model: String,
    pub data: String,
    pub starts: Vec<String>,
    pub seeds: usize,
    pub seed: u64,
    pub optimizer: String,
    pub lr: f64,
    pub momentum: f32,
    pub weight_decay: f32,
    pub epochs: usize,
    pub batch_size: Option<usize>,
    pub threshold: f64,
    /// `--task` / `--standardize`: they change what is trained, so shards and resumes must agree.
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub standardize: bool,
}

impl Key {
    pub fn of(c: &SymmetryConfig) -> Key {
        let t = &c.train;
        Key {
            model: c.model.clone(),
            data: c.data.clone(),
            starts: c.starts.clone(),
            seeds: c.seeds,
            seed: c.seed,
            optimizer: t.optimizer.to_string(),
            lr: t.lr,
            momentum: t.momentum,
            weight_decay: t.weight_decay,
            epochs: t.epochs,
            batch_size: t.batch_size,
            threshold: c.threshold,
            task: c.task.clone(),
            standardize: c.standardize,
        }
    }

    pub fn config(&self) -> Result<SymmetryConfig> {
        Ok(SymmetryConfig {
            model: self.model.clone(),
            data: self.data.clone(),
            starts: self.starts.clone(),
            seeds: self.seeds,
            seed: self.seed,
            train: TrainConfig {
                optimizer: self.optimizer.parse()?,
                lr: self.lr,
                momentum: self.momentum,
                weight_decay: self.weight_decay,
                epochs: self.epochs,
                batch_size: self.batch_size,
            },
            threshold: self.threshold,
            task: self.task.clone(),
            standardize: self.standardize,
        })
    }

    pub fn num_runs(&self) -> usize {
        self.starts.len() * self.seeds
    }
}

/// One run's record: floats as bits.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Body {
    losses: Vec<u64>,
    diverged: bool,
    /// (epoch, layer, distinct, units, spread bits) per measurement.
    measures: Vec<[u64; 5]>,
}

fn measures_bits(m: &[LayerEpoch]) -> Vec<[u64; 5]> {
    m.iter().map(|m| [m.epoch as u64, m.layer as u64, m.distinct as u64, m.units as u64, m.spread.to_bits()]).collect()
}

fn measures_of(b: &[[u64; 5]]) -> Vec<LayerEpoch> {
    b.iter()
        .map(|m| LayerEpoch {
            epoch: m[0] as usize,
            layer: m[1] as usize,
            distinct: m[2] as usize,
            units: m[3] as usize,
            spread: f64::from_bits(m[4]),
        })
        .collect()
}

impl Body {
    fn of(r: &SymRun) -> Body {
        Body {
            losses: r.losses.iter().map(|x| x.to_bits()).collect(),
            diverged: r.diverged,
            measures: measures_bits(&r.measures),
        }
    }

    fn run(&self, p: &Prepared, r: usize) -> SymRun {
        SymRun {
            start: r / p.config.seeds,
            seed: r % p.config.seeds,
            losses: self.losses.iter().map(|&b| f64::from_bits(b)).collect(),
            diverged: self.diverged,
            measures: measures_of(&self.measures),
        }
    }
}

/// A run in flight.
#[derive(Serialize, Deserialize)]
struct Partial {
    snapshot: Snapshot,
    measures: Vec<[u64; 5]>,
}

/// The study's records in `--out`.
pub struct SymSweep {
    records: Records<Key>,
}

impl SymSweep {
    /// Opens the records of `out` (see [`Records::open`]).
    pub fn open(out: &Path, p: &Prepared, shard: Option<(usize, usize)>, resume: bool) -> Result<SymSweep> {
        let specs: Vec<String> = p.specs.iter().map(|s| s.to_string()).collect();
        let fingerprint = data_fingerprint(&specs.join("\n"), &p.data);
        let key = Key::of(&p.config);
        Ok(SymSweep { records: Records::open(&KIND, out, key, Key::num_runs, shard, fingerprint, resume)? })
    }

    /// Runs already recorded.
    pub fn done(&self) -> &std::collections::BTreeSet<usize> {
        &self.records.done
    }

    /// Damaged or foreign records found; their runs are trained again.
    pub fn discarded(&self) -> &[String] {
        &self.records.discarded
    }

    /// Trains `runs` (none recorded yet), as compare's [`super::resume::Sweep::train`].
    pub fn train(
        &self,
        p: &Prepared,
        runs: &[usize],
        threads: usize,
        stop: &AtomicBool,
        warn: &(dyn Fn(String) + Sync),
    ) -> Result<usize> {
        let work = |r: usize, from: Option<Partial>, pause: &mut dyn FnMut(&dyn Fn() -> Partial) -> Result<bool>| {
            let from = from.map(|f| (f.snapshot, measures_of(&f.measures)));
            let (k, s) = (r / p.config.seeds, r % p.config.seeds);
            let mut at = |run: &crate::lab::train::Run, m: &[LayerEpoch]| {
                pause(&|| Partial { snapshot: run.snapshot(), measures: measures_bits(m) })
            };
            Ok(run_one_from(p, k, s, from, &mut at)?.map(|res| Body::of(&res)))
        };
        self.records.train(runs, threads, stop, warn, &work)
    }

    /// Every run of `runs` from its record, in that order.
    pub fn results(&self, p: &Prepared, runs: &[usize]) -> Result<Vec<SymRun>> {
        runs.iter().map(|&r| self.records.read::<Body>(r).map(|(_, b)| b.run(p, r))).collect()
    }

    /// The records themselves (counts, folder, removal).
    pub fn records(&self) -> &Records<Key> {
        &self.records
    }
}

/// The runs of shard `k` of `n` (or all of them).
pub fn runs_of(p: &Prepared, shard: Option<(usize, usize)>) -> Vec<usize> {
    let total = p.starts.len() * p.config.seeds;
    match shard {
        Some((k, n)) => shard_runs(total, k, n),
        None => (0..total).collect(),
    }
}

static SHARD: ShardKind = ShardKind { file: SHARD_FILE, format: SHARD_FORMAT, grid: "symmetry study" };

/// Writes shard `shard`'s results into `dir` (atomically, one file).
pub fn write_shard(dir: &Path, p: &Prepared, shard: (usize, usize), runs: &[usize], results: &[SymRun]) -> Result<()> {
    let bodies: Vec<Body> = results.iter().map(Body::of).collect();
    shard_file::write(&SHARD, dir, shard, &Key::of(&p.config), runs, &bodies)
}

/// Whether `dir` holds a shard of `symmetry`.
pub fn is_symmetry_shard(dir: &Path) -> bool {
    shard_file::is_shard(&SHARD, dir)
}

/// Reads and checks the shards in `dirs`: the prepared study and every run in grid order.
pub fn merge(dirs: &[PathBuf]) -> Result<(Prepared, Vec<SymRun>)> {
    let (key, bodies) = shard_file::merge::<Key, Body>(&SHARD, dirs, Key::num_runs)?;
    let p = prepare(&key.config()?)?;
    let runs = bodies.iter().enumerate().map(|(r, b)| b.run(&p, r)).collect();
    Ok((p, runs))
}
