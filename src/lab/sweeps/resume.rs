//! Resumable sweeps: `compare` records each finished run in `--out/.initlab-sweep/` as it
//! completes, and the runs in flight as their [`Run`](crate::lab::train::Run) snapshots every
//! minute and on Ctrl-C, so an interruption (Ctrl-C, a pre-empted cluster job, SIGKILL) costs at
//! most a minute of each run in flight, and `compare … --resume` trains only what is missing.
//! The records are [`super::records`]' (manifest `sweep.json` with the config, shard and a
//! fingerprint of the model spec and the data's bytes; `run-NNNNNN.json` holding the run's rows
//! of `metrics.csv`, `symmetry.csv` and `runs.csv` and the first seed's decision boundaries and
//! histograms; `part-NNNNNN.json` a run in flight).
//!
//! The final outputs are always built from the records (numbers in Rust's shortest round-trip
//! form, see `results`), so a resumed sweep writes exactly the bytes an uninterrupted one does;
//! a run is a pure function of (config, init, seed), whoever ran it and whenever.

use crate::lab::experiments::compare::{run_one_counted, run_one_from, CompareConfig, Partial, Prepared, RunResult};
use crate::lab::sweeps::inflight::for_each_pending;
use crate::lab::sweeps::records::{data_fingerprint, Kind, Records};
use crate::lab::sweeps::results::{metrics_csv, read_texts, runs_csv, symmetry_csv};
use crate::lab::train::progress::EpochTick;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub use crate::lab::sweeps::records::{checksum, first_difference, shard_text};

/// The records' folder inside `--out`.
pub const SWEEP_DIR: &str = ".initlab-sweep";

static KIND: Kind = Kind {
    dir: SWEEP_DIR,
    manifest: "sweep.json",
    format: "initlab-sweep/2",
    record_format: "initlab-run/3",
    item: "run",
    grid: "sweep",
    fingerprinted: "the model spec or the data file",
};

/// A finished run's record: its rows of the CSVs (exact text) and the first seed's pictures.
#[derive(Debug, Serialize, Deserialize)]
struct Body {
    metrics: String,
    symmetry: String,
    runs: String,
    /// The first seed's decision boundaries and histograms (JSON), empty for other runs.
    views: String,
}

/// A sweep's records in `--out`.
pub struct Sweep {
    records: Records<CompareConfig>,
    /// Runs already recorded (valid records), by run index.
    pub done: BTreeMap<usize, PathBuf>,
    /// Damaged or foreign records found (each named, with why); their runs are trained again.
    pub discarded: Vec<String>,
}

impl Sweep {
    /// Opens the sweep of `out`. An existing partial sweep is an error unless `resume`, and with
    /// `resume` its flags, shard and data must be this comparison's (else the first difference
    /// is named). Nothing is created until the first run finishes.
    pub fn open(out: &Path, p: &Prepared, shard: Option<(usize, usize)>, resume: bool) -> Result<Sweep> {
        let fingerprint = data_fingerprint(&p.spec.to_string(), &p.data);
        let mut records =
            Records::open(&KIND, out, p.config.clone(), CompareConfig::num_runs, shard, fingerprint, resume)?;
        let mut discarded = std::mem::take(&mut records.discarded);
        let mut done = BTreeMap::new();
        for r in std::mem::take(&mut records.done) {
            match read_run(&records, p, r) {
                Ok(_) => {
                    done.insert(r, records.dir().join(format!("run-{r:06}.json")));
                }
                Err(e) => {
                    discarded.push(e.to_string());
                    let _ = std::fs::remove_file(records.dir().join(format!("run-{r:06}.json")));
                }
            }
        }
        records.done = done.keys().copied().collect();
        Ok(Sweep { records, done, discarded })
    }

    /// Writes run `r`'s record (creating the folder and manifest with the first one).
    pub fn record(&self, p: &Prepared, r: usize, res: &RunResult) -> Result<()> {
        self.records.record(r, &self.body(p, res)?)
    }

    fn body(&self, p: &Prepared, res: &RunResult) -> Result<Body> {
        let text = |b: Vec<u8>| String::from_utf8(b).map_err(|e| Error::invalid("run record", e));
        let one = std::slice::from_ref(res);
        let body = Body {
            metrics: text(metrics_csv(p, one)?)?,
            symmetry: text(symmetry_csv(p, one)?)?,
            runs: text(runs_csv(p, one)?)?,
            views: match &res.views {
                Some(v) => serde_json::to_string(v).map_err(|e| Error::invalid("run record", e))?,
                None => String::new(),
            },
        };
        Ok(body)
    }

    /// Every run of `runs` from its record, in that order.
    pub fn results(&self, p: &Prepared, runs: &[usize]) -> Result<Vec<RunResult>> {
        runs.iter().map(|&r| read_run(&self.records, p, r)).collect()
    }

    /// Trains `runs` (none of them recorded yet) on `threads` threads (0: all cores), each run
    /// going on from its in-flight snapshot when there is one, recording each as it finishes and
    /// saving the ones in flight (see [`crate::lab::sweeps::inflight::Saver`]); once `stop` is set no new run starts and the
    /// ones in flight save where they are and stop. Returns how many runs finished. Bad
    /// snapshots are reported to `warn` and their runs start over.
    pub fn train(
        &self,
        p: &Prepared,
        runs: &[usize],
        threads: usize,
        stop: &AtomicBool,
        tick: EpochTick,
        warn: &(dyn Fn(String) + Sync),
    ) -> Result<usize> {
        let work = |r: usize, from: Option<Partial>, pause: &mut dyn FnMut(&dyn Fn() -> Partial) -> Result<bool>| {
            let (k, s) = p.config.run_at(r);
            let from = from.filter(|f| {
                let ok = serde_json::from_str::<crate::lab::experiments::compare::RunViews>(&f.views).is_ok();
                if !ok {
                    warn(format!("run {r}'s in-flight snapshot has unreadable pictures; it starts over"));
                }
                ok
            });
            match run_one_from(p, k, s, from, tick, pause)? {
                Some(res) => Ok(Some(self.body(p, &res)?)),
                None => Ok(None),
            }
        };
        self.records.train(runs, threads, stop, warn, &work)
    }

    /// The records themselves (counts, folder, removal).
    pub fn records(&self) -> &Records<CompareConfig> {
        &self.records
    }
}

/// Run `r` read back from its record.
fn read_run(records: &Records<CompareConfig>, p: &Prepared, r: usize) -> Result<RunResult> {
    let (path, body): (PathBuf, Body) = records.read(r)?;
    let bad = |m: &str| Error::file(&path, format!("{m}; its run is trained again"));
    let read = read_texts(p, &path, [body.metrics.as_bytes(), body.symmetry.as_bytes(), body.runs.as_bytes()])
        .map_err(|e| bad(&format!("unreadable rows ({e})")))?;
    let views = match body.views.as_str() {
        "" => None,
        v => Some(serde_json::from_str(v).map_err(|_| bad("unreadable decision boundaries or histograms"))?),
    };
    match read.into_iter().collect::<Vec<_>>().as_slice() {
        [(i, res)] if *i == r => Ok(RunResult { views, ..res.clone() }),
        _ => Err(bad("record does not hold exactly its run")),
    }
}

/// Trains `runs` on a pool of `threads` (0: all cores), each single-threaded inside, handing every
/// finished run to `done` (which records it) as it completes, and every epoch to `tick`. Once
/// `stop` is set no new run starts; the ones in flight finish and are handed over. Returns how
/// many runs finished. (Without records of runs in flight: [`Sweep::train`] has those.)
pub fn run_pending(
    p: &Prepared,
    runs: &[usize],
    threads: usize,
    stop: &AtomicBool,
    tick: EpochTick,
    done: &(dyn Fn(usize, RunResult) -> Result<()> + Sync),
) -> Result<usize> {
    for_each_pending(runs, threads, stop, &|r| {
        let (k, s) = p.config.run_at(r);
        done(r, run_one_counted(p, k, s, tick)?).map(|_| true)
    })
}
