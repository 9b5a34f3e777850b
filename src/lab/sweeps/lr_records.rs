//! The lr sweep's records, resume and shards (`initlab width --lr-sweep`), compare's way
//! ([`super::records`]): each finished run (index in (parametrization, width, lr, seed) order,
//! see [`lr::run_at`]) is recorded in `--out/.initlab-lr-sweep/` with its final loss as bits, the
//! runs in flight as their run's snapshot; `--resume` trains only what is missing. `--shard K/N`
//! trains every N-th run and writes `lr-shard.json`, merged back as [`super::shard_file`] says.

use crate::lab::data::Dataset;
use crate::lab::experiments::compare::shard_runs;
use crate::lab::experiments::width::{lr, WidthConfig};
use crate::lab::models::param::Param;
use crate::lab::sweeps::records::{data_fingerprint, Kind, Records};
use crate::lab::sweeps::shard_file::{self, ShardKind};
use crate::lab::train::Snapshot;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The records' folder inside `--out`.
pub const LR_DIR: &str = ".initlab-lr-sweep";
/// A shard's config and results.
pub const SHARD_FILE: &str = "lr-shard.json";

static KIND: Kind = Kind {
    dir: LR_DIR,
    manifest: "lr-sweep.json",
    format: "initlab-lr-sweep/1",
    record_format: "initlab-lr-run/1",
    item: "run",
    grid: "lr sweep",
    fingerprinted: "the data set",
};

static SHARD: ShardKind = ShardKind { file: SHARD_FILE, format: "initlab-lr-shard/1", grid: "lr sweep" };

/// [`WidthConfig`] as the records keep it: what the lr sweep's runs depend on, each field named
/// as its flag (so a difference names the flag).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub lr_sweep: Vec<f64>,
    pub widths: Vec<usize>,
    pub param: String,
    pub base_width: Option<usize>,
    pub output_mult: Option<f64>,
    pub readout_zero_init: bool,
    pub hidden: usize,
    pub act: String,
    pub seeds: usize,
    pub steps: usize,
    pub optimizer: String,
    pub momentum: f32,
    pub data: String,
    pub batch_size: Option<usize>,
}

impl Key {
    pub fn of(c: &WidthConfig) -> Key {
        let mup = c.params.iter().find_map(|p| match p {
            Param::Mup { base_width, output_mult, readout_zero_init } => {
                Some((*base_width, *output_mult, *readout_zero_init))
            }
            Param::Sp => None,
        });
        let param = match c.params.as_slice() {
            [_, _] => "both",
            [p] => p.name(),
            _ => "none",
        };
        Key {
            lr_sweep: c.lrs.clone(),
            widths: c.widths.clone(),
            param: param.into(),
            base_width: mup.map(|m| m.0),
            output_mult: mup.map(|m| m.1),
            readout_zero_init: mup.is_some_and(|m| m.2),
            hidden: c.hidden,
            act: c.activation.clone(),
            seeds: c.seeds,
            steps: c.steps,
            optimizer: c.optimizer.to_string(),
            momentum: c.momentum,
            data: c.data.clone(),
            batch_size: c.batch_size,
        }
    }

    /// The config again (checked as the flags are).
    pub fn config(&self) -> Result<WidthConfig> {
        let mup = || Param::from_flags("mup", self.base_width, self.output_mult, self.readout_zero_init);
        let params = match self.param.as_str() {
            "both" => vec![Param::Sp, mup()?],
            "mup" => vec![mup()?],
            p => vec![Param::from_flags(p, None, None, false)?],
        };
        let c = WidthConfig {
            data: self.data.clone(),
            batch_size: self.batch_size,
            widths: self.widths.clone(),
            hidden: self.hidden,
            activation: self.act.clone(),
            seeds: self.seeds,
            steps: self.steps,
            optimizer: self.optimizer.parse()?,
            lrs: self.lr_sweep.clone(),
            params,
            momentum: self.momentum,
            ..WidthConfig::default()
        };
        c.check()?;
        Ok(c)
    }

    pub fn num_runs(&self) -> usize {
        self.lr_sweep.len() * self.widths.len() * self.seeds * if self.param == "both" { 2 } else { 1 }
    }
}

/// One run's record: the final loss as bits.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Body {
    final_loss: u64,
    diverged: bool,
}

impl Body {
    fn of(r: &lr::LrRun) -> Body {
        Body { final_loss: r.final_loss.to_bits(), diverged: r.diverged }
    }

    fn run(&self, c: &WidthConfig, r: usize) -> lr::LrRun {
        let (p, w, l, s) = lr::run_at(c, r);
        lr::LrRun {
            param: c.params[p].name().into(),
            width: c.widths[w],
            lr: c.lrs[l],
            seed: s,
            final_loss: f64::from_bits(self.final_loss),
            diverged: self.diverged,
        }
    }
}

/// The sweep's records in `--out`.
pub struct LrSweep {
    records: Records<Key>,
}

impl LrSweep {
    /// Opens the records of `out` (see [`Records::open`]).
    pub fn open(
        out: &Path,
        c: &WidthConfig,
        data: &Dataset,
        shard: Option<(usize, usize)>,
        resume: bool,
    ) -> Result<LrSweep> {
        let fingerprint = data_fingerprint(&c.model_text(c.widths[0]), data);
        Ok(LrSweep { records: Records::open(&KIND, out, Key::of(c), Key::num_runs, shard, fingerprint, resume)? })
    }

    /// Trains `runs` (none recorded yet), as compare's [`super::resume::Sweep::train`].
    pub fn train(
        &self,
        c: &WidthConfig,
        data: &Dataset,
        runs: &[usize],
        threads: usize,
        stop: &AtomicBool,
        warn: &(dyn Fn(String) + Sync),
    ) -> Result<usize> {
        let work = |r: usize, from: Option<Snapshot>, pause: &mut dyn FnMut(&dyn Fn() -> Snapshot) -> Result<bool>| {
            let mut at = |run: &crate::lab::train::Run| pause(&|| run.snapshot());
            Ok(lr::run_one_from(c, data, r, from, &mut at)?.map(|res| Body::of(&res)))
        };
        self.records.train(runs, threads, stop, warn, &work)
    }

    /// Every run of `runs` from its record, in that order.
    pub fn results(&self, c: &WidthConfig, runs: &[usize]) -> Result<Vec<lr::LrRun>> {
        runs.iter().map(|&r| self.records.read::<Body>(r).map(|(_, b)| b.run(c, r))).collect()
    }

    /// The records themselves (counts, folder, removal).
    pub fn records(&self) -> &Records<Key> {
        &self.records
    }
}

/// The runs of shard `k` of `n` (or all of them).
pub fn runs_of(c: &WidthConfig, shard: Option<(usize, usize)>) -> Vec<usize> {
    let total = lr::num_runs(c);
    match shard {
        Some((k, n)) => shard_runs(total, k, n),
        None => (0..total).collect(),
    }
}

/// Writes shard `shard`'s results into `dir` (atomically, one file).
pub fn write_shard(
    dir: &Path,
    c: &WidthConfig,
    shard: (usize, usize),
    runs: &[usize],
    results: &[lr::LrRun],
) -> Result<()> {
    let bodies: Vec<Body> = results.iter().map(Body::of).collect();
    shard_file::write(&SHARD, dir, shard, &Key::of(c), runs, &bodies)
}

/// Whether `dir` holds a shard of the lr sweep.
pub fn is_lr_shard(dir: &Path) -> bool {
    shard_file::is_shard(&SHARD, dir)
}

/// Reads and checks the shards in `dirs`: the sweep's config and every run in grid order.
pub fn merge(dirs: &[PathBuf]) -> Result<(WidthConfig, Vec<lr::LrRun>)> {
    let (key, bodies) = shard_file::merge::<Key, Body>(&SHARD, dirs, Key::num_runs)?;
    let c = key.config()?;
    let runs = bodies.iter().enumerate().map(|(r, b)| b.run(&c, r)).collect();
    Ok((c, runs))
}
