//! Resumable `phase` grids on [`super::records`], as compare's: each finished cell is recorded in
//! `--out/.initlab-phase/` as it completes (`cell-NNNNNN.json`: its final loss and accuracy in
//! Rust's shortest round-trip text, read back bit for bit, and the divergence flag), and the cells
//! in flight are saved as their run's snapshot every minute and on Ctrl-C, so a killed phase
//! costs at most a minute of each cell in flight and `phase … --resume` trains only the rest. The
//! manifest `phase.json` holds the config, the shard and a fingerprint of the data's bytes (a
//! data file can change under the same flags).
//!
//! `phase.csv` and the map are always built from the records, so a resumed phase writes exactly
//! the bytes of an uninterrupted one (a cell is a pure function of the config and its index).

use crate::lab::data::Dataset;
use crate::lab::experiments::phase::{run_cell_counted, run_cell_from, Cell, PhaseConfig};
use crate::lab::sweeps::inflight::for_each_pending;
use crate::lab::sweeps::records::{data_fingerprint, Kind, Records};
use crate::lab::train::progress::EpochTick;
use crate::lab::train::{Run, Snapshot};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The records' folder inside `--out`.
pub const PHASE_DIR: &str = ".initlab-phase";

static KIND: Kind = Kind {
    dir: PHASE_DIR,
    manifest: "phase.json",
    format: "initlab-phase-sweep/2",
    record_format: "initlab-phase-cell/2",
    item: "cell",
    grid: "phase grid",
    fingerprinted: "the data file",
};

#[derive(Debug, Serialize, Deserialize)]
struct Body {
    final_loss: String,
    final_accuracy: String,
    diverged: bool,
}

#[cfg(test)]
fn record_name(r: usize) -> String {
    format!("cell-{r:06}.json")
}

/// A phase grid's records in `--out`.
pub struct PhaseSweep {
    records: Records<PhaseConfig>,
    /// Cells already recorded (valid records).
    pub done: BTreeSet<usize>,
    /// Damaged or foreign records found (each named, with why); their cells are trained again.
    pub discarded: Vec<String>,
}

impl PhaseSweep {
    /// Opens the records of `out`. An unfinished grid there is an error unless `resume`, and
    /// with `resume` its flags, shard and data must be these (else the first difference is
    /// named). Nothing is created until the first cell finishes.
    pub fn open(
        out: &Path,
        c: &PhaseConfig,
        data: &Dataset,
        shard: Option<(usize, usize)>,
        resume: bool,
    ) -> Result<PhaseSweep> {
        let fingerprint = data_fingerprint(&c.data, data);
        let mut records = Records::open(&KIND, out, c.clone(), PhaseConfig::num_cells, shard, fingerprint, resume)?;
        let mut discarded = std::mem::take(&mut records.discarded);
        let mut done = BTreeSet::new();
        for r in std::mem::take(&mut records.done) {
            match read_cell(&records, r) {
                Ok(_) => {
                    done.insert(r);
                }
                Err(e) => {
                    discarded.push(e.to_string());
                    let _ = std::fs::remove_file(records.dir().join(format!("cell-{r:06}.json")));
                }
            }
        }
        records.done = done.clone();
        Ok(PhaseSweep { records, done, discarded })
    }

    /// Writes cell `r`'s record (creating the folder and manifest with the first one).
    pub fn record(&self, r: usize, cell: &Cell) -> Result<()> {
        self.records.record(r, &body(cell))
    }

    /// Every cell of `runs` from its record, in that order.
    pub fn results(&self, runs: &[usize]) -> Result<Vec<Cell>> {
        runs.iter().map(|&r| read_cell(&self.records, r)).collect()
    }

    /// Trains the cells `runs` (none recorded yet) as [`super::resume::Sweep::train`] trains
    /// compare's runs (the grid of the config it was opened with): from their in-flight snapshots when there are some, saving the ones in
    /// flight, each recorded as it finishes. Returns how many finished.
    pub fn train(
        &self,
        data: &Arc<Dataset>,
        runs: &[usize],
        threads: usize,
        stop: &AtomicBool,
        tick: EpochTick,
        warn: &(dyn Fn(String) + Sync),
    ) -> Result<usize> {
        let c = self.records.config();
        let work = |r: usize, from: Option<Snapshot>, pause: &mut dyn FnMut(&dyn Fn() -> Snapshot) -> Result<bool>| {
            let cell = run_cell_from(c, data, r, from, tick, &mut |run: &Run| pause(&|| run.snapshot()))?;
            Ok(cell.map(|cell| body(&cell)))
        };
        self.records.train(runs, threads, stop, warn, &work)
    }

    /// The records themselves (counts, folder, removal).
    pub fn records(&self) -> &Records<PhaseConfig> {
        &self.records
    }
}

fn body(cell: &Cell) -> Body {
    Body {
        final_loss: cell.final_loss.to_string(),
        final_accuracy: cell.final_accuracy.to_string(),
        diverged: cell.diverged,
    }
}

/// Cell `r` read back from its record.
fn read_cell(records: &Records<PhaseConfig>, r: usize) -> Result<Cell> {
    let (path, body): (PathBuf, Body) = records.read(r)?;
    let bad = |m: &str| Error::file(&path, format!("{m}; its cell is trained again"));
    let c = records.config();
    if r >= c.num_cells() {
        return Err(bad("cell outside the grid"));
    }
    let num = |t: &str| t.parse::<f64>().map_err(|_| bad("unreadable numbers"));
    let (sigma_w2, depth) = c.cell_at(r);
    Ok(Cell {
        sigma_w2,
        depth,
        final_loss: num(&body.final_loss)?,
        final_accuracy: num(&body.final_accuracy)?,
        diverged: body.diverged,
    })
}

/// Trains the cells `runs` on `threads` threads (0: all cores), each single-threaded inside,
/// handing every finished cell to `done` as it completes and every epoch to `tick`. Once `stop`
/// is set no new cell starts. (Without records of cells in flight: [`PhaseSweep::train`].)
pub fn run_pending_cells(
    c: &PhaseConfig,
    data: &Arc<Dataset>,
    runs: &[usize],
    threads: usize,
    stop: &AtomicBool,
    tick: EpochTick,
    done: &(dyn Fn(usize, Cell) -> Result<()> + Sync),
) -> Result<()> {
    for_each_pending(runs, threads, stop, &|r| done(r, run_cell_counted(c, data, r, tick)?).map(|_| true)).map(|_| ())
}

#[cfg(test)]
#[path = "phase_resume_tests.rs"]
mod tests;
