//! Comparisons beyond one machine: `compare --shard K/N` runs every N-th run of the grid (run r
//! belongs to shard r mod N + 1) and writes its per-run CSVs plus `shard.json` (the config and the
//! runs it holds); `merge` reads shards back, checks that their configs agree and that every run of
//! the grid is present exactly once, and returns the results in grid order, so the merged
//! `metrics.csv` is byte-identical to an unsharded run's.

use crate::io::write_atomic;
use crate::lab::experiments::compare::{prepare, CompareConfig, Prepared, RunResult};
use crate::lab::sweeps::output::{ensure_dir, write_runs};
use crate::lab::sweeps::results::read_dir;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "shard.json";
const FORMAT: &str = "initlab-compare-shard/1";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// `[K, N]`.
    pub shard: [usize; 2],
    pub config: CompareConfig,
    /// Run indices of the grid held here (run r = init r / seeds, seed index r mod seeds).
    pub runs: Vec<usize>,
}

/// Writes one shard's results and manifest into `dir`.
pub fn write_shard(
    dir: &Path,
    p: &Prepared,
    shard: (usize, usize),
    runs: &[usize],
    results: &[RunResult],
) -> Result<()> {
    ensure_dir(dir)?;
    write_runs(dir, p, results)?;
    let m =
        Manifest { format: FORMAT.into(), shard: [shard.0, shard.1], config: p.config.clone(), runs: runs.to_vec() };
    let text = serde_json::to_string_pretty(&m).map_err(|e| Error::invalid("shard manifest", e))?;
    write_atomic(dir.join(MANIFEST), text.as_bytes())
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::file(
            &path,
            format!("cannot read shard manifest ({e}); merge takes directories written by compare --shard K/N"),
        )
    })?;
    let m: Manifest =
        serde_json::from_str(&text).map_err(|e| Error::file(&path, format!("not a shard manifest: {e}")))?;
    if m.format != FORMAT {
        return Err(Error::file(&path, format!("format '{}' is not {FORMAT}", m.format)));
    }
    Ok(m)
}

/// Field names whose values differ between two configs.
fn differences(a: &CompareConfig, b: &CompareConfig) -> Vec<String> {
    let (a, b) = (serde_json::to_value(a).unwrap_or_default(), serde_json::to_value(b).unwrap_or_default());
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return vec!["config".into()] };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| format!("{k} ({v} vs {})", b.get(k).cloned().unwrap_or_default()))
        .collect()
}

/// Reads and checks the shards in `dirs`; returns the prepared comparison and every run's result
/// in grid order.
pub fn merge(dirs: &[PathBuf]) -> Result<(Prepared, Vec<RunResult>)> {
    let Some(first) = dirs.first() else {
        return Err(Error::invalid("merge", "no shard directories given"));
    };
    let manifests: Vec<Manifest> = dirs.iter().map(|d| read_manifest(d)).collect::<Result<_>>()?;
    let base = &manifests[0];
    for (d, m) in dirs.iter().zip(&manifests).skip(1) {
        let diff = differences(&base.config, &m.config);
        if !diff.is_empty() {
            return Err(Error::invalid(
                format!("merge {} and {}", first.display(), d.display()),
                format!("the shards come from different comparisons; they differ in {}", diff.join(", ")),
            ));
        }
    }
    let p = prepare(&base.config)?;
    let total = p.config.num_runs();
    let mut owner: Vec<Option<&PathBuf>> = vec![None; total];
    let name = |r: usize| {
        let (k, s) = p.config.run_at(r);
        format!("run (init '{}', seed {})", p.config.inits[k].0, p.config.seed + s as u64)
    };
    let mut results: Vec<Option<RunResult>> = vec![None; total];
    for (d, m) in dirs.iter().zip(&manifests) {
        let read = read_dir(&p, d)?;
        let listed: Vec<usize> = read.keys().copied().collect();
        if listed != m.runs {
            return Err(Error::file(
                d,
                format!("holds {} runs but its {MANIFEST} lists {}", listed.len(), m.runs.len()),
            ));
        }
        for (r, res) in read {
            if r >= total {
                return Err(Error::file(d, format!("run {r} is outside the grid of {total} runs")));
            }
            if let Some(prev) = owner[r] {
                return Err(Error::invalid(
                    "merge",
                    format!("{} is in both {} and {}; give each shard once", name(r), prev.display(), d.display()),
                ));
            }
            owner[r] = Some(d);
            results[r] = Some(res);
        }
    }
    let missing: Vec<usize> = (0..total).filter(|&r| results[r].is_none()).collect();
    if let Some(&r) = missing.first() {
        let n = base.shard[1];
        let mut have: Vec<usize> = manifests.iter().map(|m| m.shard[0]).collect();
        have.sort_unstable();
        let absent: Vec<String> = (1..=n).filter(|k| !have.contains(k)).map(|k| format!("{k}/{n}")).collect();
        return Err(Error::invalid(
            "merge",
            format!(
                "{} of {total} runs are missing, e.g. {}; shards given: {:?} of {n}, missing shards: {}",
                missing.len(),
                name(r),
                have,
                if absent.is_empty() { "none (the shards were cut differently)".into() } else { absent.join(", ") }
            ),
        ));
    }
    Ok((p, results.into_iter().map(|r| r.expect("checked above")).collect()))
}
