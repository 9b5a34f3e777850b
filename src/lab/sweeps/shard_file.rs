//! Shards of a grid whose record bodies hold all of a run (the symmetry study, the lr sweep):
//! `--shard K/N` trains every N-th run (run r in shard r mod N + 1) and writes one file into its
//! `--out` (the grid's config, its runs, each run's record body); `merge` reads the shards back,
//! checks they are of one grid and hold every run once, and gives the bodies in grid order, so
//! the merged outputs are the unsharded grid's, byte for byte.

use crate::io::write_atomic;
use crate::lab::sweeps::output::ensure_dir;
use crate::lab::sweeps::records::first_difference;
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a kind of grid calls its shard file.
#[derive(Debug)]
pub struct ShardKind {
    /// The file in the shard's folder (`symmetry-shard.json`).
    pub file: &'static str,
    pub format: &'static str,
    /// The grid in messages (`symmetry study`, `lr sweep`).
    pub grid: &'static str,
}

#[derive(Serialize, Deserialize)]
struct ShardFile<K, B> {
    format: String,
    shard: [usize; 2],
    config: K,
    runs: Vec<usize>,
    results: Vec<B>,
}

/// Writes shard `shard`'s runs and their record bodies into `dir` (atomically, one file).
pub fn write<K: Serialize, B: Serialize>(
    kind: &ShardKind,
    dir: &Path,
    shard: (usize, usize),
    config: &K,
    runs: &[usize],
    results: &[B],
) -> Result<()> {
    ensure_dir(dir)?;
    let f = ShardFile {
        format: kind.format.into(),
        shard: [shard.0, shard.1],
        config,
        runs: runs.to_vec(),
        results: results.iter().collect::<Vec<_>>(),
    };
    let text = serde_json::to_string(&f).map_err(|e| Error::invalid(kind.file, e))?;
    write_atomic(dir.join(kind.file), text.as_bytes())
}

/// Whether `dir` holds a shard of this kind.
pub fn is_shard(kind: &ShardKind, dir: &Path) -> bool {
    dir.join(kind.file).is_file()
}

/// Reads and checks the shards in `dirs` (`total` counts a config's runs): the config and every
/// run's body in grid order.
pub fn merge<K: Serialize + DeserializeOwned, B: DeserializeOwned>(
    kind: &ShardKind,
    dirs: &[PathBuf],
    total: impl Fn(&K) -> usize,
) -> Result<(K, Vec<B>)> {
    let Some(first) = dirs.first() else {
        return Err(Error::invalid("merge", "no shard directories given"));
    };
    let mut files: Vec<ShardFile<K, B>> = Vec::new();
    for d in dirs {
        let path = d.join(kind.file);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::file(&path, format!("cannot read ({e})")))?;
        let f: ShardFile<K, B> =
            serde_json::from_str(&text).map_err(|e| Error::file(&path, format!("not a {} shard: {e}", kind.grid)))?;
        if f.format != kind.format || f.runs.len() != f.results.len() {
            return Err(Error::file(&path, format!("not a whole {} file", kind.format)));
        }
        files.push(f);
    }
    for (d, f) in dirs.iter().zip(&files).skip(1) {
        if let Some(diff) = first_difference(&files[0].config, &f.config) {
            return Err(Error::invalid(
                format!("merge {} and {}", first.display(), d.display()),
                format!("the shards are not of one {} ({diff})", kind.grid),
            ));
        }
    }
    let total = total(&files[0].config);
    let n = files[0].shard[1];
    let have: Vec<String> = files.iter().map(|f| format!("{}/{n}", f.shard[0])).collect();
    let mut files = files.into_iter();
    let head = files.next().expect("one shard at least");
    let config = head.config;
    let mut slots: Vec<Option<B>> = std::iter::repeat_with(|| None).take(total).collect();
    let parts = std::iter::once((head.runs, head.results)).chain(files.map(|f| (f.runs, f.results)));
    for (d, (runs, results)) in dirs.iter().zip(parts) {
        for (r, body) in runs.into_iter().zip(results) {
            if r >= total {
                return Err(Error::file(d, format!("run {r} is outside the {}'s {total} runs", kind.grid)));
            }
            if slots[r].is_some() {
                return Err(Error::invalid("merge", format!("run {r} is in two shards; give each shard once")));
            }
            slots[r] = Some(body);
        }
    }
    let missing = slots.iter().filter(|s| s.is_none()).count();
    if missing > 0 {
        return Err(Error::invalid(
            "merge",
            format!("{missing} of {total} runs are missing (shards given: {}); give every shard", have.join(", ")),
        ));
    }
    Ok((config, slots.into_iter().map(|s| s.expect("checked above")).collect()))
}
