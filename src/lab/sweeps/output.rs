//! Writing a comparison: the per-run CSVs, `summary.csv`, the plots (`loss`, `gradflow`,
//! `activations`, each PNG + SVG) and `report.html`. Every file goes through a temporary file and
//! a rename, so a reader never sees a half-written one; and the whole set is written into a
//! temporary sibling directory and swapped in by [`commit_set`], so `--out` holds all the new
//! outputs or all the old ones, never a mix.

use crate::io::write_atomic;
use crate::lab::experiments::compare::{Prepared, RunResult};
use crate::lab::sweeps::results::{metrics_csv, runs_csv, symmetry_csv, METRICS, RUNS, SYMMETRY};
use crate::lab::views::figures::{boundary_grid, histogram_figure};
use crate::lab::views::fit_grid::fit_grid;
use crate::lab::views::plot::boundaries::{save_boundaries, save_boundaries_png, BoundaryGrid};
use crate::lab::views::plot::fit::{save_fit, save_fit_png, FitGrid};
use crate::lab::views::plot::save;
use crate::lab::views::report::interactive::{render, Extras, InitImage};
use crate::lab::views::summary::{summarize, summary_csv, table, InitSummary};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Creates `dir` (and parents); errors naming it when that is impossible.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::file(dir, "--out must be a directory, but a file of that name exists"));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create output directory: {e}")))
}

/// The names a comparison writes into `--out`, for checking before any work that none of them is
/// in the way (a directory of that name).
pub const OUTPUT_NAMES: [&str; 11] = [
    METRICS,
    SYMMETRY,
    RUNS,
    "summary.csv",
    "loss.png",
    "loss.svg",
    "gradflow.png",
    "gradflow.svg",
    "activations.png",
    "activations.svg",
    "report.html",
];

/// Errors (before any work) when `out` is a file, or when an output of `names` in it is a
/// directory: the set could not be swapped in.
pub fn check_out_dir(out: &Path, names: &[&str]) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(Error::file(out, "--out must be a directory, but a file of that name exists"));
    }
    for n in names {
        let f = out.join(n);
        if f.is_dir() {
            return Err(Error::file(&f, "is a directory where an output file goes; move it away and run again"));
        }
    }
    Ok(())
}

/// A fresh temporary sibling of `out` (`.NAME.new-PID`) to write the output set into.
pub fn staging_dir(out: &Path) -> Result<PathBuf> {
    let name = out.file_name().map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::file(parent, format!("cannot create directory: {e}")))?;
    let dir = parent.join(format!(".{name}.new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).map_err(|e| Error::file(&dir, format!("cannot create directory: {e}")))?;
    Ok(dir)
}

/// Moves every file of `staged` into `out` as one step: when `out` does not exist the staged
/// directory is renamed to it; otherwise each old file of the same name is moved aside first and,
/// should any move fail, every file moved so far goes back, so `out` is exactly as it was. Other
/// files in `out` are left alone. `staged` is removed in every case.
pub fn commit_set(staged: &Path, out: &Path) -> Result<()> {
    let r = commit_inner(staged, out);
    let _ = std::fs::remove_dir_all(staged);
    r
}

fn commit_inner(staged: &Path, out: &Path) -> Result<()> {
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(staged)
        .map_err(|e| Error::file(staged, format!("cannot read: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    if !out.exists() {
        return std::fs::rename(staged, out).map_err(|e| Error::file(out, format!("cannot create: {e}")));
    }
    let names: Vec<String> = names.iter().map(|n| n.to_string_lossy().into_owned()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    check_out_dir(out, &refs)?;
    swap_files(staged, out, &refs)
}

/// The swap of [`commit_set`] for the files `names`, with its roll-back.
pub(crate) fn swap_files(staged: &Path, out: &Path, names: &[&str]) -> Result<()> {
    let backup = staged.with_extension("old");
    let _ = std::fs::remove_dir_all(&backup);
    std::fs::create_dir(&backup).map_err(|e| Error::file(&backup, format!("cannot create directory: {e}")))?;
    // (name, old file moved aside?, new file moved in?)
    let mut done: Vec<(&str, bool, bool)> = Vec::new();
    let mut failure = None;
    for &n in names {
        let (old, new, aside) = (out.join(n), staged.join(n), backup.join(n));
        let mut step = (n, false, false);
        if old.exists() {
            if let Err(e) = std::fs::rename(&old, &aside) {
                failure = Some(Error::file(&old, format!("cannot replace: {e}")));
                break;
            }
            step.1 = true;
        }
        if let Err(e) = std::fs::rename(&new, &old) {
            done.push(step);
            failure = Some(Error::file(&old, format!("cannot write: {e}")));
            break;
        }
        step.2 = true;
        done.push(step);
    }
    if let Some(e) = failure {
        for (n, moved_aside, moved_in) in done.into_iter().rev() {
            if moved_in {
                let _ = std::fs::rename(out.join(n), staged.join(n));
            }
            if moved_aside {
                let _ = std::fs::rename(backup.join(n), out.join(n));
            }
        }
        let _ = std::fs::remove_dir_all(&backup);
        return Err(Error::invalid(e, "the previous outputs are left as they were"));
    }
    let _ = std::fs::remove_dir_all(&backup);
    Ok(())
}

/// The per-run files (what a shard writes, and part of a full comparison).
pub fn write_runs(dir: &Path, p: &Prepared, results: &[RunResult]) -> Result<()> {
    write_atomic(dir.join(METRICS), &metrics_csv(p, results)?)?;
    write_atomic(dir.join(SYMMETRY), &symmetry_csv(p, results)?)?;
    write_atomic(dir.join(RUNS), &runs_csv(p, results)?)
}

pub use crate::lab::views::figures::figures;

fn move_into(f: &Path, dir: &Path) -> Result<PathBuf> {
    let to = dir.join(f.file_name().expect("file name"));
    std::fs::rename(f, &to).map_err(|e| Error::file(&to, format!("cannot write: {e}")))?;
    Ok(to)
}

fn read(f: &Path) -> Result<Vec<u8>> {
    std::fs::read(f).map_err(|e| Error::file(f, format!("cannot read back: {e}")))
}

/// What `write_all` wrote.
pub struct Written {
    pub summary: Vec<InitSummary>,
    pub files: Vec<PathBuf>,
    pub table: String,
}

/// Everything of a full comparison into `dir`.
pub fn write_all(dir: &Path, p: &Prepared, results: &[RunResult]) -> Result<Written> {
    ensure_dir(dir)?;
    write_runs(dir, p, results)?;
    let mut files: Vec<PathBuf> = [METRICS, SYMMETRY, RUNS].iter().map(|f| dir.join(f)).collect();
    let rows = summarize(p, results);
    write_atomic(dir.join("summary.csv"), &summary_csv(p, &rows)?)?;
    files.push(dir.join("summary.csv"));
    // Plots are drawn into a private folder, then renamed into place.
    let staging = dir.join(format!(".plots-tmp-{}", std::process::id()));
    let drawn = (|| -> Result<()> {
        for (stem, fig) in figures(p, results) {
            for f in save(&fig, &staging.join(stem))? {
                files.push(move_into(&f, dir)?);
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staging);
    drawn?;
    let (header, body) = table(p, &rows);
    // Boundaries and histograms: the whole grids as files, one boundary (or fitted-curve) PNG per
    // init for the report (which draws the histograms itself from their numbers).
    let mut extras = Extras { summary: (&header, &body), rows: &rows, boundaries: Vec::new(), fits: Vec::new() };
    let pictured = (|| -> Result<()> {
        std::fs::create_dir_all(&staging).map_err(|e| Error::file(&staging, format!("cannot create: {e}")))?;
        if let Some(grid) = boundary_grid(p, results) {
            for f in save_boundaries(&grid, &staging.join("boundaries"))? {
                files.push(move_into(&f, dir)?);
            }
            for (k, (label, _)) in p.config.inits.iter().enumerate() {
                let Some(row) = grid.rows.iter().find(|(l, _)| l == label) else { continue };
                let one = BoundaryGrid {
                    title: String::new(),
                    rows: vec![row.clone()],
                    points: grid.points.clone(),
                    epochs: grid.epochs.clone(),
                    ..grid
                };
                let png = staging.join(format!("b{k}.png"));
                save_boundaries_png(&one, &png)?;
                extras.boundaries.push(InitImage { init: k, png: read(&png)? });
            }
        }
        if let Some(grid) = fit_grid(p, results) {
            for f in save_fit(&grid, &staging.join("fit"))? {
                files.push(move_into(&f, dir)?);
            }
            for (k, (label, _)) in p.config.inits.iter().enumerate() {
                let Some(row) = grid.rows.iter().find(|(l, _)| l == label) else { continue };
                let one = FitGrid {
                    title: String::new(),
                    rows: vec![row.clone()],
                    train: grid.train.clone(),
                    test: grid.test.clone(),
                    epochs: grid.epochs.clone(),
                    ..grid
                };
                let png = staging.join(format!("f{k}.png"));
                save_fit_png(&one, &png)?;
                extras.fits.push(InitImage { init: k, png: read(&png)? });
            }
        }
        if let Some(fig) = histogram_figure(p, results) {
            for f in save(&fig, &staging.join("histograms"))? {
                files.push(move_into(&f, dir)?);
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staging);
    pictured?;
    write_atomic(dir.join("report.html"), render(p, results, &extras).as_bytes())?;
    files.push(dir.join("report.html"));
    Ok(Written { summary: rows, files, table: crate::lab::views::report::text_table(&header, &body) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("initlab-output-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_swap_that_fails_midway_puts_every_old_file_back() {
        let (out, staged) = (dir("out"), dir("staged"));
        for (n, v) in [("a.csv", "old a"), ("b.csv", "old b"), ("keep.txt", "mine")] {
            std::fs::write(out.join(n), v).unwrap();
        }
        std::fs::write(staged.join("a.csv"), "new a").unwrap();
        // "b.csv" is listed but was never staged: its move fails after a.csv was swapped.
        let e = swap_files(&staged, &out, &["a.csv", "b.csv"]).unwrap_err().to_string();
        assert!(e.contains("b.csv") && e.contains("left as they were"), "{e}");
        for (n, v) in [("a.csv", "old a"), ("b.csv", "old b"), ("keep.txt", "mine")] {
            assert_eq!(std::fs::read_to_string(out.join(n)).unwrap(), v, "{n}");
        }
        assert_eq!(std::fs::read_to_string(staged.join("a.csv")).unwrap(), "new a");
        // A complete set swaps in; files not in it stay.
        std::fs::write(staged.join("b.csv"), "new b").unwrap();
        commit_set(&staged, &out).unwrap();
        for (n, v) in [("a.csv", "new a"), ("b.csv", "new b"), ("keep.txt", "mine")] {
            assert_eq!(std::fs::read_to_string(out.join(n)).unwrap(), v, "{n}");
        }
        assert!(!staged.exists() && !staged.with_extension("old").exists());
        let _ = std::fs::remove_dir_all(&out);
    }
}
