//! The symmetry study's outputs: `symmetry.csv`, `loss.csv`, `summary.csv`, the figures
//! `symmetry` (distinct units and spread against epoch, per start and hidden layer) and `loss`
//! (PNG + SVG), and `report.html`. Written as one set, compare's way: into a staging directory,
//! then swapped in, so `--out` holds all the new outputs or all the old ones.

use super::symmetry::{Prepared, SymRun};
use crate::io::write_atomic;
use crate::lab::sweeps::output::{check_out_dir, commit_set, staging_dir};
use crate::lab::views::plot::{render_svg_string, save, Figure, Panel, Series};
use crate::lab::views::report::write_html;
use crate::Result;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Every file the study writes into `--out`.
pub const OUTPUT_NAMES: [&str; 9] = [
    "symmetry.csv",
    "loss.csv",
    "summary.csv",
    "symmetry.png",
    "symmetry.svg",
    "loss.png",
    "loss.svg",
    "report.html",
    "config.json",
];

fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// `start,seed,epoch,layer,distinct_units,units,spread`: every hidden layer at every epoch.
pub fn symmetry_csv(p: &Prepared, runs: &[SymRun]) -> String {
    let mut s = String::from("start,seed,epoch,layer,distinct_units,units,spread\n");
    for r in runs {
        for m in &r.measures {
            let seed = p.config.seed + r.seed as u64;
            let _ = writeln!(
                s,
                "{},{seed},{},{},{},{},{}",
                csv_cell(&p.starts[r.start].label),
                m.epoch,
                csv_cell(&p.layers[m.layer]),
                m.distinct,
                m.units,
                num(m.spread)
            );
        }
    }
    s
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `start,seed,epoch,loss`.
pub fn loss_csv(p: &Prepared, runs: &[SymRun]) -> String {
    let mut s = String::from("start,seed,epoch,loss\n");
    for r in runs {
        for (e, l) in r.losses.iter().enumerate() {
            let _ = writeln!(s, "{},{},{e},{l}", csv_cell(&p.starts[r.start].label), p.config.seed + r.seed as u64);
        }
    }
    s
}

/// One row per start: does it train (mean final loss under the threshold), the final loss, and
/// per hidden layer the epoch it first has all units distinct (the latest over seeds; `never`
/// when some seed never gets there).
pub fn summary(p: &Prepared, runs: &[SymRun]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["start".to_string(), "trains".into(), "final_loss".into()];
    header.extend(p.layers.iter().map(|l| format!("all_distinct_epoch[{l}]")));
    header.push("distinct_at_end".into());
    let rows = (0..p.starts.len())
        .map(|k| {
            let mine: Vec<&SymRun> = runs.iter().filter(|r| r.start == k).collect();
            let finals: Vec<f64> = mine.iter().map(|r| *r.losses.last().unwrap_or(&f64::NAN)).collect();
            let mean = finals.iter().sum::<f64>() / finals.len().max(1) as f64;
            let trains = mean.is_finite() && mean < p.config.threshold && !mine.iter().any(|r| r.diverged);
            let mut row =
                vec![p.starts[k].label.clone(), if trains { "yes" } else { "no" }.into(), format!("{mean:.4}")];
            for l in 0..p.layers.len() {
                let firsts: Option<Vec<usize>> = mine.iter().map(|r| r.first_distinct(l)).collect();
                row.push(firsts.and_then(|f| f.into_iter().max()).map_or("never".into(), |e| e.to_string()));
            }
            let end: Vec<String> = (0..p.layers.len())
                .map(|l| {
                    let last = mine[0].measures.iter().rev().find(|m| m.layer == l);
                    last.map_or(String::new(), |m| format!("{}/{}", m.distinct, m.units))
                })
                .collect();
            row.push(end.join(" "));
            row
        })
        .collect();
    (header, rows)
}

fn to_csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut s = header.iter().map(|h| csv_cell(h)).collect::<Vec<_>>().join(",") + "\n";
    for r in rows {
        s += &(r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",") + "\n");
    }
    s
}

/// Mean over seeds of `f(run, epoch)` for start `k`, epochs 0..=max.
fn mean_curve(runs: &[&SymRun], len: usize, f: impl Fn(&SymRun, usize) -> Option<f64>) -> (Vec<f64>, Vec<f64>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for e in 0..len {
        let v: Vec<f64> = runs.iter().filter_map(|r| f(r, e)).filter(|v| v.is_finite()).collect();
        if !v.is_empty() {
            x.push(e as f64);
            y.push(v.iter().sum::<f64>() / v.len() as f64);
        }
    }
    (x, y)
}

/// Distinct units (top row) and spread (bottom row, log scale) against epoch, one panel per hidden
/// layer, one line per start (mean over seeds).
pub fn symmetry_figure(p: &Prepared, runs: &[SymRun]) -> Figure {
    let epochs = p.config.train.epochs + 1;
    let mut panels = Vec::new();
    for (what, log_y) in [("distinct units", false), ("spread", true)] {
        for (l, name) in p.layers.iter().enumerate() {
            let series = (0..p.starts.len())
                .map(|k| {
                    let mine: Vec<&SymRun> = runs.iter().filter(|r| r.start == k).collect();
                    let (x, y) = mean_curve(&mine, epochs, |r, e| {
                        r.measures.iter().find(|m| m.layer == l && m.epoch == e).map(|m| {
                            if log_y {
                                // zero spread cannot show on a log axis: drawn at 1e-12
                                m.spread.max(1e-12)
                            } else {
                                m.distinct as f64
                            }
                        })
                    });
                    Series { label: p.starts[k].label.clone(), x, y, color: Some(k), ..Series::default() }
                })
                .collect();
            panels.push(Panel {
                title: format!("layer {name}: {what}"),
                x_label: "epoch".into(),
                y_label: what.into(),
                log_y,
                series,
                ..Panel::default()
            });
        }
    }
    Figure {
        title: "Symmetry: distinct units and spread of each hidden layer (mean over seeds)".into(),
        columns: p.layers.len(),
        panels,
        ..Figure::default()
    }
}

/// Training loss against epoch per start (mean over seeds).
pub fn loss_figure(p: &Prepared, runs: &[SymRun]) -> Figure {
    let series = (0..p.starts.len())
        .map(|k| {
            let mine: Vec<&SymRun> = runs.iter().filter(|r| r.start == k).collect();
            let (x, y) = mean_curve(&mine, p.config.train.epochs, |r, e| r.losses.get(e).copied());
            Series { label: p.starts[k].label.clone(), x, y, color: Some(k), ..Series::default() }
        })
        .collect();
    Figure {
        title: "Training loss per start (mean over seeds)".into(),
        panels: vec![Panel {
            title: "loss".into(),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            log_y: true,
            series,
            ..Panel::default()
        }],
        ..Figure::default()
    }
}

/// The study's config as JSON (what the outputs came from).
fn config_json(p: &Prepared) -> String {
    let c = &p.config;
    let starts: Vec<serde_json::Value> = p
        .starts
        .iter()
        .map(|s| serde_json::json!({"label": s.label, "rules": s.rules, "perturb": s.perturb, "dropout": s.dropout}))
        .collect();
    let v = serde_json::json!({
        "model": c.model, "data": c.data, "seeds": c.seeds, "seed": c.seed, "epochs": c.train.epochs,
        "optimizer": c.train.optimizer.to_string(), "lr": c.train.lr, "momentum": c.train.momentum,
        "batch_size": c.train.batch_size, "threshold": c.threshold, "starts": starts,
        "unit_tolerance": crate::lab::instruments::units::UNIT_TOL,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// Checks `out` can take the set (before any run).
pub fn check_out(out: &Path) -> Result<()> {
    check_out_dir(out, &OUTPUT_NAMES)
}

/// Writes the whole set into `out`, all or nothing; returns the files written.
pub fn write_all(out: &Path, p: &Prepared, runs: &[SymRun]) -> Result<Vec<PathBuf>> {
    let dir = staging_dir(out)?;
    let r = write_into(&dir, p, runs);
    if let Err(e) = r {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    commit_set(&dir, out)?;
    Ok(OUTPUT_NAMES.iter().map(|n| out.join(n)).collect())
}

fn write_into(dir: &Path, p: &Prepared, runs: &[SymRun]) -> Result<()> {
    write_atomic(dir.join("symmetry.csv"), symmetry_csv(p, runs).as_bytes())?;
    write_atomic(dir.join("loss.csv"), loss_csv(p, runs).as_bytes())?;
    let (h, rows) = summary(p, runs);
    write_atomic(dir.join("summary.csv"), to_csv(&h, &rows).as_bytes())?;
    write_atomic(dir.join("config.json"), config_json(p).as_bytes())?;
    let (sym, loss) = (symmetry_figure(p, runs), loss_figure(p, runs));
    save(&sym, &dir.join("symmetry"))?;
    save(&loss, &dir.join("loss"))?;
    let intro = format!(
        "<p>{} on {}, {} seeds, {} epochs of {} (lr {}). Units of a layer count as one when their rows \
         (incoming weights and bias) are within a relative distance of {} of each other; the spread is the \
         smallest distance between two rows over the RMS row norm.</p>",
        crate::lab::views::report::escape_html(&p.config.model),
        crate::lab::views::report::escape_html(&p.config.data),
        p.config.seeds,
        p.config.train.epochs,
        p.config.train.optimizer,
        p.config.train.lr,
        crate::lab::instruments::units::UNIT_TOL
    );
    let figures = vec![
        ("Distinct units and spread per hidden layer".to_string(), render_svg_string(&sym)?),
        ("Training loss".to_string(), render_svg_string(&loss)?),
    ];
    write_html(&dir.join("report.html"), "initlab symmetry", &intro, &figures, &[("Per start".into(), h, rows)])
}
