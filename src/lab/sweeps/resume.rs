//! Resumable sweeps: `compare` records each finished run in `--out/.initlab-sweep/` as it
//! completes, so an interruption (Ctrl-C, a pre-empted cluster job, SIGKILL) costs only the runs
//! in flight, and `compare … --resume` trains only the missing ones.
//!
//! - `sweep.json`: format tag, the comparison's config, the shard (if any) and a fingerprint of
//!   what the flags do not show (the model spec and the data's bytes). Written once, atomically.
//! - `run-NNNNNN.json`: one finished run — format tag, the sweep fingerprint, run index, its rows
//!   of `metrics.csv`, `symmetry.csv` and `runs.csv`, the first seed's decision boundaries and
//!   histograms, and a CRC-32 of all of it. Written to a
//!   temporary file, synced and renamed, so a record is whole or absent; a torn, foreign or
//!   damaged one is detected on resume, reported, and its run trained again.
//!
//! The final outputs are always built from the records (numbers in Rust's shortest round-trip
//! form, see `results`), so a resumed sweep writes exactly the bytes an uninterrupted one does;
//! a run is a pure function of (config, init, seed), whoever ran it and whenever.

use crate::io::write_atomic;
use crate::lab::experiments::compare::{run_one_counted, CompareConfig, Prepared, RunResult};
use crate::lab::sweeps::results::{metrics_csv, read_texts, runs_csv, symmetry_csv};
use crate::lab::train::progress::EpochTick;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The records' folder inside `--out`.
pub const SWEEP_DIR: &str = ".initlab-sweep";
const MANIFEST: &str = "sweep.json";
const FORMAT: &str = "initlab-sweep/1";
const RECORD_FORMAT: &str = "initlab-run/2";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    config: CompareConfig,
    shard: Option<[usize; 2]>,
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    format: String,
    sweep: String,
    run: usize,
    metrics: String,
    symmetry: String,
    runs: String,
    /// The first seed's decision boundaries and histograms (JSON), empty for other runs.
    views: String,
    crc32: String,
}

impl Record {
    fn checksum(&self) -> String {
        checksum(&[
            self.format.as_str(),
            &self.sweep,
            &self.run.to_string(),
            &self.metrics,
            &self.symmetry,
            &self.runs,
            &self.views,
        ])
    }
}

/// CRC-32 of `parts` (each followed by a NUL), in hex: a record's checksum.
pub(crate) fn checksum(parts: &[&str]) -> String {
    let mut h = crc32fast::Hasher::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    format!("{:08x}", h.finalize())
}

/// CRC-32 of the model spec and the data, in hex: what decides results beyond the flags.
fn fingerprint(p: &Prepared) -> String {
    data_fingerprint(&p.spec.to_string(), &p.data)
}

/// CRC-32 of `text` and the bytes of `data`, in hex.
pub(crate) fn data_fingerprint(text: &str, data: &crate::lab::data::Dataset) -> String {
    let mut h = crc32fast::Hasher::new();
    h.update(text.as_bytes());
    for v in data.input.iter() {
        h.update(&v.to_le_bytes());
    }
    match &data.target {
        crate::lab::data::Target::Classes { labels, num_classes } => {
            h.update(&(*num_classes as u64).to_le_bytes());
            labels.iter().for_each(|l| h.update(&(*l as u64).to_le_bytes()));
        }
        crate::lab::data::Target::Values(v) => v.iter().for_each(|x| h.update(&x.to_le_bytes())),
    }
    h.update(format!("{:?}", data.input.shape()).as_bytes());
    format!("{:08x}", h.finalize())
}

/// The first field in which `now` differs from `then`, as `field (then vs now)`.
pub(crate) fn first_difference<T: Serialize>(then: &T, now: &T) -> Option<String> {
    let (a, b) = (serde_json::to_value(then).ok()?, serde_json::to_value(now).ok()?);
    let (a, b) = (a.as_object()?, b.as_object()?);
    a.iter().find(|(k, v)| b.get(*k) != Some(v)).map(|(k, v)| {
        let flag = match k.as_str() {
            "inits" => "--init".to_string(),
            k => format!("--{}", k.replace('_', "-")),
        };
        format!("{flag}: {v} when the sweep started, {} now", b.get(k).cloned().unwrap_or_default())
    })
}

pub(crate) fn shard_text(s: Option<[usize; 2]>) -> String {
    s.map_or("no --shard".into(), |[k, n]| format!("--shard {k}/{n}"))
}

/// A sweep's records in `--out`.
pub struct Sweep {
    dir: PathBuf,
    manifest: Manifest,
    /// Whether `dir` and its manifest exist yet (created with the first record).
    created: Mutex<bool>,
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
        let dir = out.join(SWEEP_DIR);
        let manifest = Manifest {
            format: FORMAT.into(),
            config: p.config.clone(),
            shard: shard.map(|(k, n)| [k, n]),
            fingerprint: fingerprint(p),
        };
        let mut sweep =
            Sweep { dir, manifest, created: Mutex::new(false), done: BTreeMap::new(), discarded: Vec::new() };
        let mpath = sweep.dir.join(MANIFEST);
        if !sweep.dir.exists() {
            return Ok(sweep);
        }
        let start_over = format!("delete {} to start over", sweep.dir.display());
        let old: Option<Manifest> = std::fs::read_to_string(&mpath).ok().and_then(|t| serde_json::from_str(&t).ok());
        let Some(old) = old.filter(|m| m.format == FORMAT) else {
            if !mpath.exists() && std::fs::read_dir(&sweep.dir).map_or(0, |d| d.count()) == 0 {
                return Ok(sweep); // an empty folder left by a kill before the first record
            }
            return Err(Error::file(&mpath, format!("not a readable {FORMAT} sweep manifest; {start_over}")));
        };
        let finished = std::fs::read_dir(&sweep.dir)
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("run-")).count())
            .unwrap_or(0);
        if !resume {
            return Err(Error::invalid(
                out.display(),
                format!(
                    "holds an unfinished sweep ({finished} of {} runs recorded); add --resume (with the same flags) to \
                     finish it, or {start_over}",
                    old.config.num_runs()
                ),
            ));
        }
        let mismatch = |what: String| {
            Error::invalid(
                format!("--resume {}", out.display()),
                format!("the unfinished sweep there was started with other settings: {what}; rerun with the flags it was started with, or {start_over}"),
            )
        };
        if let Some(d) = first_difference(&old.config, &sweep.manifest.config) {
            return Err(mismatch(d));
        }
        if old.shard != sweep.manifest.shard {
            return Err(mismatch(format!(
                "{} when the sweep started, {} now",
                shard_text(old.shard),
                shard_text(sweep.manifest.shard)
            )));
        }
        if old.fingerprint != sweep.manifest.fingerprint {
            return Err(mismatch("the model spec or the data file changed (same flags, different contents)".into()));
        }
        *sweep.created.get_mut().unwrap_or_else(|e| e.into_inner()) = true;
        sweep.load_done(p)?;
        Ok(sweep)
    }

    /// Reads every record, keeping the valid ones; removes the others (and stray temporaries).
    fn load_done(&mut self, p: &Prepared) -> Result<()> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| Error::file(&self.dir, format!("cannot read: {e}")))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name == MANIFEST {
                continue;
            }
            if !(name.starts_with("run-") && name.ends_with(".json")) {
                let _ = std::fs::remove_file(&path); // a temporary from a write cut short
                continue;
            }
            match self.read_record(p, &path) {
                Ok((r, _)) if name == record_name(r) => {
                    self.done.insert(r, path);
                }
                Ok(_) => {
                    self.discarded.push(format!("{}: run index does not match the file name", path.display()));
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

    /// Reads and checks one record.
    fn read_record(&self, p: &Prepared, path: &Path) -> Result<(usize, RunResult)> {
        let bad = |m: &str| Error::file(path, format!("{m}; its run is trained again"));
        let text = std::fs::read_to_string(path).map_err(|_| bad("unreadable record"))?;
        let rec: Record = serde_json::from_str(&text).map_err(|_| bad("torn or damaged record (not valid JSON)"))?;
        if rec.format != RECORD_FORMAT {
            return Err(bad("not an initlab run record"));
        }
        if rec.crc32 != rec.checksum() {
            return Err(bad("damaged record (checksum mismatch)"));
        }
        if rec.sweep != self.manifest.fingerprint {
            return Err(bad("record of another sweep"));
        }
        let read = read_texts(p, path, [rec.metrics.as_bytes(), rec.symmetry.as_bytes(), rec.runs.as_bytes()])
            .map_err(|e| bad(&format!("unreadable rows ({e})")))?;
        let views = match rec.views.as_str() {
            "" => None,
            v => Some(serde_json::from_str(v).map_err(|_| bad("unreadable decision boundaries or histograms"))?),
        };
        match read.into_iter().collect::<Vec<_>>().as_slice() {
            [(r, res)] if *r == rec.run => Ok((*r, RunResult { views, ..res.clone() })),
            _ => Err(bad("record does not hold exactly its run")),
        }
    }

    /// Writes run `r`'s record (creating the folder and manifest with the first one).
    pub fn record(&self, p: &Prepared, r: usize, res: &RunResult) -> Result<()> {
        {
            let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
            if !*created {
                std::fs::create_dir_all(&self.dir)
                    .map_err(|e| Error::file(&self.dir, format!("cannot create: {e}")))?;
                let text = serde_json::to_string_pretty(&self.manifest).map_err(|e| Error::invalid("sweep.json", e))?;
                write_atomic(self.dir.join(MANIFEST), text.as_bytes())?;
                *created = true;
            }
        }
        let text = |b: Vec<u8>| String::from_utf8(b).map_err(|e| Error::invalid("run record", e));
        let one = std::slice::from_ref(res);
        let mut rec = Record {
            format: RECORD_FORMAT.into(),
            sweep: self.manifest.fingerprint.clone(),
            run: r,
            metrics: text(metrics_csv(p, one)?)?,
            symmetry: text(symmetry_csv(p, one)?)?,
            runs: text(runs_csv(p, one)?)?,
            views: match &res.views {
                Some(v) => serde_json::to_string(v).map_err(|e| Error::invalid("run record", e))?,
                None => String::new(),
            },
            crc32: String::new(),
        };
        rec.crc32 = rec.checksum();
        let json = serde_json::to_string(&rec).map_err(|e| Error::invalid("run record", e))?;
        write_atomic(self.dir.join(record_name(r)), json.as_bytes())
    }

    /// Every run of `runs` from its record, in that order.
    pub fn results(&self, p: &Prepared, runs: &[usize]) -> Result<Vec<RunResult>> {
        runs.iter()
            .map(|&r| {
                let path = self.dir.join(record_name(r));
                self.read_record(p, &path).map(|(_, res)| res)
            })
            .collect()
    }

    /// How many records exist.
    pub fn recorded(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("run-")).count())
            .unwrap_or(0)
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

fn record_name(r: usize) -> String {
    format!("run-{r:06}.json")
}

/// Trains `runs` on a pool of `threads` (0: all cores), each single-threaded inside, handing every
/// finished run to `done` (which records it) as it completes, and every epoch to `tick`. Once
/// `stop` is set no new run starts; the ones in flight finish and are handed over. Returns how
/// many runs finished.
pub fn run_pending(
    p: &Prepared,
    runs: &[usize],
    threads: usize,
    stop: &AtomicBool,
    tick: EpochTick,
    done: &(dyn Fn(usize, RunResult) -> Result<()> + Sync),
) -> Result<usize> {
    let pool = crate::lab::run_pool(threads)?;
    let finished = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        runs.par_iter().with_max_len(1).try_for_each(|&r| {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (k, s) = p.config.run_at(r);
            let res = crate::kernels::serial(|| run_one_counted(p, k, s, tick))?;
            done(r, res)?;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    })?;
    Ok(finished.load(Ordering::SeqCst))
}
