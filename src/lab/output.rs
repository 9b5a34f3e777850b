//! Writing a comparison: the per-run CSVs, `summary.csv`, the plots (`loss`, `gradflow`,
//! `activations`, each PNG + SVG) and `report.html`. Every file goes through a temporary file and
//! a rename, so a reader never sees a half-written one.

use crate::io::write_atomic;
use crate::lab::compare::{Prepared, RunResult};
use crate::lab::figures::{boundary_grid, histogram_figure};
use crate::lab::plot::boundaries::{save_boundaries, save_boundaries_png, BoundaryGrid};
use crate::lab::plot::{save, save_png, Figure};
use crate::lab::report::interactive::{render, Extras, InitImage};
use crate::lab::results::{metrics_csv, runs_csv, symmetry_csv, METRICS, RUNS, SYMMETRY};
use crate::lab::summary::{summarize, summary_csv, table, InitSummary};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Creates `dir` (and parents); errors naming it when that is impossible.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::file(dir, "--out must be a directory, but a file of that name exists"));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create output directory: {e}")))
}

/// The per-run files (what a shard writes, and part of a full comparison).
pub fn write_runs(dir: &Path, p: &Prepared, results: &[RunResult]) -> Result<()> {
    write_atomic(dir.join(METRICS), &metrics_csv(p, results)?)?;
    write_atomic(dir.join(SYMMETRY), &symmetry_csv(p, results)?)?;
    write_atomic(dir.join(RUNS), &runs_csv(p, results)?)
}

pub use crate::lab::figures::figures;

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
    // Boundaries and histograms: the whole grids as files, one PNG per init for the report.
    let mut extras = Extras { summary: (&header, &body), rows: &rows, boundaries: Vec::new(), histograms: Vec::new() };
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
        if let Some(fig) = histogram_figure(p, results) {
            for f in save(&fig, &staging.join("histograms"))? {
                files.push(move_into(&f, dir)?);
            }
            for (k, row) in fig.panels.chunks(4).enumerate() {
                let one = Figure { title: String::new(), panels: row.to_vec(), ..fig.clone() };
                let png = staging.join(format!("h{k}.png"));
                save_png(&one, &png)?;
                let init = p.config.inits.iter().position(|(l, _)| row[0].title == *l).unwrap_or(k);
                extras.histograms.push(InitImage { init, png: read(&png)? });
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staging);
    pictured?;
    write_atomic(dir.join("report.html"), render(p, results, &extras).as_bytes())?;
    files.push(dir.join("report.html"));
    Ok(Written { summary: rows, files, table: crate::lab::report::text_table(&header, &body) })
}
