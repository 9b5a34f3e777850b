//! `phase --shard K/N`: every N-th cell of the grid, its `phase.csv` rows and `shard.json`; and
//! the merge of such shards back into the grid's rows in order, so the merged `phase.csv` is
//! byte-identical to an unsharded run's.

use crate::io::write_atomic;
use crate::lab::experiments::phase::{PhaseConfig, CSV_HEADER};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "initlab-phase-shard/1";
const MANIFEST: &str = "shard.json";

#[derive(Debug, Serialize, Deserialize)]
pub struct PhaseManifest {
    pub format: String,
    pub shard: [usize; 2],
    pub config: PhaseConfig,
    /// Cells held here, in the order of the rows of the shard's `phase.csv`.
    pub runs: Vec<usize>,
}

/// Whether `dir` holds a phase shard (rather than a compare shard).
pub fn is_phase_shard(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v["format"] == FORMAT)
}

/// The CSV text: header and rows.
pub fn csv_text(rows: &[String]) -> String {
    let mut s = String::from(CSV_HEADER);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

pub fn write_shard(dir: &Path, c: &PhaseConfig, shard: (usize, usize), runs: &[usize], rows: &[String]) -> Result<()> {
    write_atomic(dir.join("phase.csv"), csv_text(rows).as_bytes())?;
    let m = PhaseManifest { format: FORMAT.into(), shard: [shard.0, shard.1], config: c.clone(), runs: runs.to_vec() };
    let text = serde_json::to_string_pretty(&m).map_err(|e| Error::invalid("shard manifest", e))?;
    write_atomic(dir.join(MANIFEST), text.as_bytes())
}

/// Reads the shards; checks one config and that every cell is present exactly once; returns the
/// config and the rows in grid order.
pub fn merge(dirs: &[PathBuf]) -> Result<(PhaseConfig, Vec<String>)> {
    let mut config: Option<PhaseConfig> = None;
    let mut rows: Vec<Option<String>> = Vec::new();
    for dir in dirs {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
        let m: PhaseManifest =
            serde_json::from_str(&text).map_err(|e| Error::file(&path, format!("not a phase shard manifest: {e}")))?;
        if m.format != FORMAT {
            return Err(Error::file(
                &path,
                format!("format '{}' is not {FORMAT}; shards of different commands do not merge", m.format),
            ));
        }
        match &config {
            None => {
                rows = vec![None; m.config.num_cells()];
                config = Some(m.config.clone());
            }
            Some(c) if *c != m.config => {
                return Err(Error::file(
                    &path,
                    "this shard comes from a different phase experiment (its config differs)",
                ))
            }
            _ => {}
        }
        let csv_path = dir.join("phase.csv");
        let text =
            std::fs::read_to_string(&csv_path).map_err(|e| Error::file(&csv_path, format!("cannot read: {e}")))?;
        let mut lines = text.lines();
        if lines.next() != Some(CSV_HEADER) {
            return Err(Error::file(&csv_path, "not a phase.csv (header differs)"));
        }
        let lines: Vec<&str> = lines.collect();
        if lines.len() != m.runs.len() {
            return Err(Error::file(
                &csv_path,
                format!("{} rows for {} cells in shard.json", lines.len(), m.runs.len()),
            ));
        }
        for (&r, line) in m.runs.iter().zip(lines) {
            let slot = rows.get_mut(r).ok_or_else(|| Error::file(&path, format!("cell {r} is outside the grid")))?;
            if slot.is_some() {
                return Err(Error::file(&path, format!("cell {r} is in two shards")));
            }
            *slot = Some(line.to_string());
        }
    }
    let config = config.ok_or_else(|| Error::invalid("merge", "no shard directories given"))?;
    let missing: Vec<usize> = rows.iter().enumerate().filter(|(_, r)| r.is_none()).map(|(i, _)| i).collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "merge",
            format!("{} cells of the grid are in no shard (first: {})", missing.len(), missing[0]),
        ));
    }
    Ok((config, rows.into_iter().flatten().collect()))
}
