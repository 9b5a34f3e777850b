//! Resumable `phase` grids: the machinery of [`super::resume`] for phase's cells. Each finished
//! cell is recorded in `--out/.initlab-phase/` as it completes, so a killed phase costs only
//! the cells in flight and `phase … --resume` trains only the missing ones.
//!
//! - `phase.json`: format tag, the grid's config, the shard (if any) and a fingerprint of the
//!   data's bytes (a data file can change under the same flags). Written once, atomically.
//! - `cell-NNNNNN.json`: one finished cell — format tag, the grid's fingerprint, the cell index,
//!   its final loss and accuracy (Rust's shortest round-trip text, so read back bit for bit), the
//!   divergence flag and a CRC-32 of all of it; written to a temporary file, synced and renamed.
//!   A torn, foreign or damaged record is reported on resume and its cell trained again.
//!
//! `phase.csv` and the map are always built from the records, so a resumed phase writes exactly
//! the bytes of an uninterrupted one (a cell is a pure function of the config and its index).

use crate::io::write_atomic;
use crate::lab::data::Dataset;
use crate::lab::experiments::phase::{run_cell_counted, Cell, PhaseConfig};
use crate::lab::sweeps::resume::{checksum, data_fingerprint, first_difference, shard_text};
use crate::lab::train::progress::EpochTick;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The records' folder inside `--out`.
pub const PHASE_DIR: &str = ".initlab-phase";
const MANIFEST: &str = "phase.json";
const FORMAT: &str = "initlab-phase-sweep/1";
const RECORD_FORMAT: &str = "initlab-phase-cell/1";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    config: PhaseConfig,
    shard: Option<[usize; 2]>,
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    format: String,
    sweep: String,
    cell: usize,
    final_loss: String,
    final_accuracy: String,
    diverged: bool,
    crc32: String,
}

impl Record {
    fn checksum(&self) -> String {
        checksum(&[
            &self.format,
            &self.sweep,
            &self.cell.to_string(),
            &self.final_loss,
            &self.final_accuracy,
            &self.diverged.to_string(),
        ])
    }
}

fn record_name(r: usize) -> String {
    format!("cell-{r:06}.json")
}

fn count_records(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("cell-")).count())
        .unwrap_or(0)
}

/// A phase grid's records in `--out`.
pub struct PhaseSweep {
    dir: PathBuf,
    manifest: Manifest,
    created: Mutex<bool>,
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
        let manifest = Manifest {
            format: FORMAT.into(),
            config: c.clone(),
            shard: shard.map(|(k, n)| [k, n]),
            fingerprint: data_fingerprint(&c.data, data),
        };
        let mut sweep = PhaseSweep {
            dir: out.join(PHASE_DIR),
            manifest,
            created: Mutex::new(false),
            done: BTreeSet::new(),
            discarded: Vec::new(),
        };
        if !sweep.dir.exists() {
            return Ok(sweep);
        }
        let mpath = sweep.dir.join(MANIFEST);
        let start_over = format!("delete {} to start over", sweep.dir.display());
        let old: Option<Manifest> = std::fs::read_to_string(&mpath).ok().and_then(|t| serde_json::from_str(&t).ok());
        let Some(old) = old.filter(|m| m.format == FORMAT) else {
            if !mpath.exists() && std::fs::read_dir(&sweep.dir).map_or(0, |d| d.count()) == 0 {
                return Ok(sweep); // an empty folder left by a kill before the first record
            }
            return Err(Error::file(&mpath, format!("not a readable {FORMAT} manifest; {start_over}")));
        };
        if !resume {
            return Err(Error::invalid(
                out.display(),
                format!(
                    "holds an unfinished phase grid ({} of {} cells recorded); add --resume (with the same flags) \
                     to finish it, or {start_over}",
                    count_records(&sweep.dir),
                    old.config.num_cells()
                ),
            ));
        }
        let mismatch = |what: String| {
            Error::invalid(
                format!("--resume {}", out.display()),
                format!(
                    "the unfinished phase grid there was started with other settings: {what}; rerun with the flags \
                     it was started with, or {start_over}"
                ),
            )
        };
        if let Some(d) = first_difference(&old.config, &sweep.manifest.config) {
            return Err(mismatch(d));
        }
        if old.shard != sweep.manifest.shard {
            return Err(mismatch(format!(
                "{} when the grid started, {} now",
                shard_text(old.shard),
                shard_text(sweep.manifest.shard)
            )));
        }
        if old.fingerprint != sweep.manifest.fingerprint {
            return Err(mismatch("the data file changed (same flags, different contents)".into()));
        }
        *sweep.created.get_mut().unwrap_or_else(|e| e.into_inner()) = true;
        sweep.load_done()?;
        Ok(sweep)
    }

    /// Reads every record, keeping the valid ones; removes the others (and stray temporaries).
    fn load_done(&mut self) -> Result<()> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| Error::file(&self.dir, format!("cannot read: {e}")))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name == MANIFEST {
                continue;
            }
            if !(name.starts_with("cell-") && name.ends_with(".json")) {
                let _ = std::fs::remove_file(&path); // a temporary from a write cut short
                continue;
            }
            match self.read_record(&path) {
                Ok((r, _)) if name == record_name(r) => {
                    self.done.insert(r);
                }
                Ok(_) => {
                    self.discarded.push(format!("{}: cell index does not match the file name", path.display()));
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => {
                    self.discarded.push(e.to_string());
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(())
    }

    fn read_record(&self, path: &Path) -> Result<(usize, Cell)> {
        let bad = |m: &str| Error::file(path, format!("{m}; its cell is trained again"));
        let text = std::fs::read_to_string(path).map_err(|_| bad("unreadable record"))?;
        let rec: Record = serde_json::from_str(&text).map_err(|_| bad("torn or damaged record (not valid JSON)"))?;
        if rec.format != RECORD_FORMAT {
            return Err(bad("not an initlab phase cell record"));
        }
        if rec.crc32 != rec.checksum() {
            return Err(bad("damaged record (checksum mismatch)"));
        }
        if rec.sweep != self.manifest.fingerprint {
            return Err(bad("record of another phase grid"));
        }
        let c = &self.manifest.config;
        if rec.cell >= c.num_cells() {
            return Err(bad("cell outside the grid"));
        }
        let num = |t: &str| t.parse::<f64>().map_err(|_| bad("unreadable numbers"));
        let (sigma_w2, depth) = c.cell_at(rec.cell);
        let cell = Cell {
            sigma_w2,
            depth,
            final_loss: num(&rec.final_loss)?,
            final_accuracy: num(&rec.final_accuracy)?,
            diverged: rec.diverged,
        };
        Ok((rec.cell, cell))
    }

    /// Writes cell `r`'s record (creating the folder and manifest with the first one).
    pub fn record(&self, r: usize, cell: &Cell) -> Result<()> {
        {
            let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
            if !*created {
                std::fs::create_dir_all(&self.dir)
                    .map_err(|e| Error::file(&self.dir, format!("cannot create: {e}")))?;
                let text = serde_json::to_string_pretty(&self.manifest).map_err(|e| Error::invalid(MANIFEST, e))?;
                write_atomic(self.dir.join(MANIFEST), text.as_bytes())?;
                *created = true;
            }
        }
        let mut rec = Record {
            format: RECORD_FORMAT.into(),
            sweep: self.manifest.fingerprint.clone(),
            cell: r,
            final_loss: cell.final_loss.to_string(),
            final_accuracy: cell.final_accuracy.to_string(),
            diverged: cell.diverged,
            crc32: String::new(),
        };
        rec.crc32 = rec.checksum();
        let json = serde_json::to_string(&rec).map_err(|e| Error::invalid("cell record", e))?;
        write_atomic(self.dir.join(record_name(r)), json.as_bytes())
    }

    /// Every cell of `runs` from its record, in that order.
    pub fn results(&self, runs: &[usize]) -> Result<Vec<Cell>> {
        runs.iter().map(|&r| self.read_record(&self.dir.join(record_name(r))).map(|(_, c)| c)).collect()
    }

    /// How many records exist.
    pub fn recorded(&self) -> usize {
        count_records(&self.dir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the records once the outputs are written.
    pub fn finish(&self) -> Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(|e| Error::file(&self.dir, format!("cannot remove: {e}")))?;
        }
        Ok(())
    }
}

/// Trains the cells `runs` on `threads` threads (0: all cores), each single-threaded inside,
/// handing every finished cell to `done` as it completes and every epoch to `tick`. Once `stop`
/// is set no new cell starts.
pub fn run_pending_cells(
    c: &PhaseConfig,
    data: &Arc<Dataset>,
    runs: &[usize],
    threads: usize,
    stop: &AtomicBool,
    tick: EpochTick,
    done: &(dyn Fn(usize, Cell) -> Result<()> + Sync),
) -> Result<()> {
    let pool = crate::lab::run_pool(threads)?;
    pool.install(|| {
        runs.par_iter().with_max_len(1).try_for_each(|&r| {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let cell = crate::kernels::serial(|| run_cell_counted(c, data, r, tick))?;
            done(r, cell)
        })
    })
}

#[cfg(test)]
#[path = "phase_resume_tests.rs"]
mod tests;
