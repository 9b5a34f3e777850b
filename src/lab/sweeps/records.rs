//! The records every resumable grid keeps in `--out` (compare's runs, phase's cells, the symmetry
//! study's runs), one implementation behind [`super::resume`], [`super::phase_resume`] and
//! `symmetry --resume`.
//!
//! - the manifest (`sweep.json`, …): format tag, the grid's config, the shard (if any) and a
//!   fingerprint of what the flags do not show (model spec, the data's bytes). Written once,
//!   atomically, with the first record.
//! - `<item>-NNNNNN.json`: one finished item — format tag, the grid's fingerprint, its index, its
//!   body (the experiment's own JSON) and a CRC-32 of all of it; written to a temporary file,
//!   synced and renamed, so a record is whole or absent. A torn, foreign or damaged record is
//!   reported on resume and its item trained again.
//! - `part-NNNNNN.json`: an item in flight, as the [`Run::snapshot`](crate::lab::train::Run::snapshot)
//!   of its run plus what the experiment had read off it so far, in the same envelope. Saved
//!   every [`Saver`] period and when Ctrl-C stops the grid; a resumed item restores its run and
//!   steps on from there, to the bits it would have reached uninterrupted (a restored run is
//!   exact). Removed when the item's record is written.
//!
//! The outputs are always built from the records, so a resumed grid writes exactly the bytes of
//! an uninterrupted one.

use crate::io::write_atomic;
use crate::lab::sweeps::inflight::{for_each_pending, Pause, Saver};
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

/// What a kind of grid calls its records and items.
#[derive(Debug)]
pub struct Kind {
    /// The records' folder inside `--out`.
    pub dir: &'static str,
    pub manifest: &'static str,
    pub format: &'static str,
    pub record_format: &'static str,
    /// File name prefix of a finished item's record (`run`, `cell`).
    pub item: &'static str,
    /// The grid in messages (`sweep`, `phase grid`).
    pub grid: &'static str,
    /// What beyond the flags the fingerprint covers, for the mismatch message.
    pub fingerprinted: &'static str,
}

const PARTIAL_FORMAT: &str = "initlab-partial/1";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest<C> {
    format: String,
    config: C,
    shard: Option<[usize; 2]>,
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: String,
    sweep: String,
    index: usize,
    /// The experiment's JSON (strings, integers and booleans: floats are kept as text or bits,
    /// so the checksum over its compact text is stable).
    body: serde_json::Value,
    crc32: String,
}

impl Envelope {
    fn checksum(&self) -> String {
        checksum(&[&self.format, &self.sweep, &self.index.to_string(), &self.body.to_string()])
    }
}

pub use crate::lab::sweeps::identity::{checksum, data_fingerprint, first_difference, shard_text};

/// One grid's records in `--out`.
pub struct Records<C> {
    kind: &'static Kind,
    dir: PathBuf,
    manifest: Manifest<C>,
    /// Whether `dir` and its manifest exist yet (created with the first record).
    created: Mutex<bool>,
    /// Items already recorded (valid records).
    pub done: BTreeSet<usize>,
    /// Damaged or foreign records found (each named, with why); their items are trained again.
    pub discarded: Vec<String>,
}

impl<C: Serialize + DeserializeOwned> Records<C> {
    /// Opens the records of `out`. An unfinished grid there is an error unless `resume`, and with
    /// `resume` its flags, shard and fingerprint must be these (else the first difference is
    /// named). `total` counts a config's items (for the message). Nothing is created until the
    /// first record is written.
    pub fn open(
        kind: &'static Kind,
        out: &Path,
        config: C,
        total: impl Fn(&C) -> usize,
        shard: Option<(usize, usize)>,
        fingerprint: String,
        resume: bool,
    ) -> Result<Records<C>> {
        let manifest = Manifest { format: kind.format.into(), config, shard: shard.map(|(k, n)| [k, n]), fingerprint };
        let mut rec = Records {
            kind,
            dir: out.join(kind.dir),
            manifest,
            created: Mutex::new(false),
            done: BTreeSet::new(),
            discarded: Vec::new(),
        };
        if !rec.dir.exists() {
            return Ok(rec);
        }
        let mpath = rec.dir.join(kind.manifest);
        let start_over = format!("delete {} to start over", rec.dir.display());
        let old: Option<Manifest<C>> = std::fs::read_to_string(&mpath).ok().and_then(|t| serde_json::from_str(&t).ok());
        let Some(old) = old.filter(|m| m.format == kind.format) else {
            if !mpath.exists() && std::fs::read_dir(&rec.dir).map_or(0, |d| d.count()) == 0 {
                return Ok(rec); // an empty folder left by a kill before the first record
            }
            return Err(Error::file(&mpath, format!("not a readable {} manifest; {start_over}", kind.format)));
        };
        let grid = kind.grid;
        if !resume {
            return Err(Error::invalid(
                out.display(),
                format!(
                    "holds an unfinished {grid} ({} of {} {}s recorded); add --resume (with the same flags) to \
                     finish it, or {start_over}",
                    rec.recorded(),
                    total(&old.config),
                    kind.item
                ),
            ));
        }
        let mismatch = |what: String| {
            Error::invalid(
                format!("--resume {}", out.display()),
                format!(
                    "the unfinished {grid} there was started with other settings: {what}; rerun with the flags it \
                     was started with, or {start_over}"
                ),
            )
        };
        if let Some(d) = first_difference(&old.config, &rec.manifest.config) {
            return Err(mismatch(d));
        }
        if old.shard != rec.manifest.shard {
            let (then, now) = (shard_text(old.shard), shard_text(rec.manifest.shard));
            return Err(mismatch(format!(
                "{then} when the {} started, {now} now",
                grid.rsplit(' ').next().unwrap_or(grid)
            )));
        }
        if old.fingerprint != rec.manifest.fingerprint {
            return Err(mismatch(format!("{} changed (same flags, different contents)", kind.fingerprinted)));
        }
        *rec.created.get_mut().unwrap_or_else(|e| e.into_inner()) = true;
        rec.load_done()?;
        Ok(rec)
    }

    /// Reads every record, keeping the valid ones; removes the others (and stray temporaries).
    /// In-flight snapshots are kept (checked when their item is resumed).
    fn load_done(&mut self) -> Result<()> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| Error::file(&self.dir, format!("cannot read: {e}")))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let prefix = format!("{}-", self.kind.item);
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name == self.kind.manifest || (name.starts_with("part-") && name.ends_with(".json")) {
                continue;
            }
            if !(name.starts_with(&prefix) && name.ends_with(".json")) {
                let _ = std::fs::remove_file(&path); // a temporary from a write cut short
                continue;
            }
            match self.read_envelope(&path, self.kind.record_format) {
                Ok(env) if name == self.record_name(env.index) => {
                    self.done.insert(env.index);
                }
                Ok(_) => {
                    let what = format!("{}: {} index does not match the file name", path.display(), self.kind.item);
                    self.discarded.push(what);
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

    fn record_name(&self, r: usize) -> String {
        format!("{}-{r:06}.json", self.kind.item)
    }

    fn bad(&self, path: &Path, m: &str) -> Error {
        Error::file(path, format!("{m}; its {} is trained again", self.kind.item))
    }

    fn read_envelope(&self, path: &Path, format: &str) -> Result<Envelope> {
        let text = std::fs::read_to_string(path).map_err(|_| self.bad(path, "unreadable record"))?;
        let env: Envelope =
            serde_json::from_str(&text).map_err(|_| self.bad(path, "torn or damaged record (not valid JSON)"))?;
        if env.format != format {
            return Err(self.bad(path, &format!("not an initlab {} record", self.kind.item)));
        }
        if env.crc32 != env.checksum() {
            return Err(self.bad(path, "damaged record (checksum mismatch)"));
        }
        if env.sweep != self.manifest.fingerprint {
            return Err(self.bad(path, &format!("record of another {}", self.kind.grid)));
        }
        Ok(env)
    }

    fn ensure_created(&self) -> Result<()> {
        let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        if !*created {
            std::fs::create_dir_all(&self.dir).map_err(|e| Error::file(&self.dir, format!("cannot create: {e}")))?;
            let text =
                serde_json::to_string_pretty(&self.manifest).map_err(|e| Error::invalid(self.kind.manifest, e))?;
            write_atomic(self.dir.join(self.kind.manifest), text.as_bytes())?;
            *created = true;
        }
        Ok(())
    }

    fn write_envelope(&self, name: String, format: &str, r: usize, body: serde_json::Value) -> Result<()> {
        self.ensure_created()?;
        let mut env = Envelope {
            format: format.into(),
            sweep: self.manifest.fingerprint.clone(),
            index: r,
            body,
            crc32: String::new(),
        };
        env.crc32 = env.checksum();
        let json = serde_json::to_string(&env).map_err(|e| Error::invalid("record", e))?;
        write_atomic(self.dir.join(name), json.as_bytes())
    }

    /// Writes item `r`'s record (creating the folder and manifest with the first one) and drops
    /// its in-flight snapshot.
    pub fn record<B: Serialize>(&self, r: usize, body: &B) -> Result<()> {
        let body = serde_json::to_value(body).map_err(|e| Error::invalid("record", e))?;
        self.write_envelope(self.record_name(r), self.kind.record_format, r, body)?;
        let _ = std::fs::remove_file(self.dir.join(partial_name(r)));
        Ok(())
    }

    /// Item `r`'s record, checked and read back: the path (for errors) and the body.
    pub fn read<B: DeserializeOwned>(&self, r: usize) -> Result<(PathBuf, B)> {
        let path = self.dir.join(self.record_name(r));
        let env = self.read_envelope(&path, self.kind.record_format)?;
        if env.index != r {
            return Err(self.bad(&path, "record does not hold exactly its item"));
        }
        let body = serde_json::from_value(env.body).map_err(|e| self.bad(&path, &format!("unreadable body ({e})")))?;
        Ok((path, body))
    }

    /// Saves item `r`'s state in flight (see the module comment).
    pub fn save_partial<P: Serialize>(&self, r: usize, state: &P) -> Result<()> {
        let body = serde_json::to_value(state).map_err(|e| Error::invalid("in-flight snapshot", e))?;
        self.write_envelope(partial_name(r), PARTIAL_FORMAT, r, body)
    }

    /// Item `r`'s saved state in flight, if a valid one exists; an invalid one is removed and
    /// reported in the `Err` (its item starts over).
    pub fn partial<P: DeserializeOwned>(&self, r: usize) -> std::result::Result<Option<P>, String> {
        let path = self.dir.join(partial_name(r));
        if !path.exists() {
            return Ok(None);
        }
        let got = self
            .read_envelope(&path, PARTIAL_FORMAT)
            .and_then(|env| {
                if env.index != r {
                    return Err(self.bad(&path, "snapshot of another item"));
                }
                serde_json::from_value(env.body).map_err(|e| self.bad(&path, &format!("unreadable snapshot ({e})")))
            })
            .map_err(|e| e.to_string().replace("is trained again", "starts over"));
        if got.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        got.map(Some)
    }

    /// Trains `items` (none recorded yet) on `threads` threads (0: all cores), each single-threaded
    /// inside: `work(r, from, pause)` runs item `r` from its saved state in flight (`from`, when
    /// a valid one exists; a bad one is reported to `warn` and the item starts over), showing
    /// `pause` a way to take its state between epochs; `pause` saves it every [`Saver`] period
    /// and, once `stop` is set, saves it and answers `true` (the item stops, `work` returns
    /// `None`). A finished item's body is recorded. Returns how many items finished.
    #[allow(clippy::type_complexity)]
    pub fn train<P: Serialize + DeserializeOwned, B: Serialize>(
        &self,
        items: &[usize],
        threads: usize,
        stop: &AtomicBool,
        warn: &(dyn Fn(String) + Sync),
        work: &(dyn Fn(usize, Option<P>, &mut dyn FnMut(&dyn Fn() -> P) -> Result<bool>) -> Result<Option<B>> + Sync),
    ) -> Result<usize>
    where
        C: Sync,
    {
        for_each_pending(items, threads, stop, &|r| {
            let from: Option<P> = self.partial(r).unwrap_or_else(|e| {
                warn(e);
                None
            });
            let mut saver = Saver::new(stop);
            let mut pause = |state: &dyn Fn() -> P| match saver.poll() {
                Pause::Go => Ok(false),
                Pause::Save => self.save_partial(r, &state()).map(|_| false),
                Pause::Stop => self.save_partial(r, &state()).map(|_| true),
            };
            match work(r, from, &mut pause)? {
                Some(body) => self.record(r, &body).map(|_| true),
                None => Ok(false),
            }
        })
    }

    /// How many finished records exist.
    pub fn recorded(&self) -> usize {
        let prefix = format!("{}-", self.kind.item);
        std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with(&prefix)).count())
            .unwrap_or(0)
    }

    /// How many in-flight snapshots exist.
    pub fn in_flight(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("part-")).count())
            .unwrap_or(0)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The config the records are of.
    pub fn config(&self) -> &C {
        &self.manifest.config
    }

    /// Removes the records once the outputs are written.
    pub fn finish(&self) -> Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(|e| Error::file(&self.dir, format!("cannot remove: {e}")))?;
        }
        Ok(())
    }
}

fn partial_name(r: usize) -> String {
    format!("part-{r:06}.json")
}
