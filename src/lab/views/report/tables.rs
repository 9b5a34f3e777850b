//! The tables of `report.html`: the generic HTML table, and the symmetry, per-run and settings
//! sections built from a comparison's results.

use super::{escape_html, section};
use crate::lab::experiments::compare::{Prepared, RunResult};
use crate::lab::views::summary::InitSummary;
use std::fmt::Write as _;

pub(super) fn table(h: &mut String, header: &[String], rows: &[(Option<usize>, Vec<String>)]) {
    h.push_str("<table><thead><tr>");
    for c in header {
        let _ = write!(h, "<th>{}</th>", escape_html(c));
    }
    h.push_str("</tr></thead><tbody>\n");
    for (init, row) in rows {
        match init {
            Some(k) => {
                let _ = write!(h, "<tr data-init-row=\"{k}\">");
            }
            None => h.push_str("<tr>"),
        }
        for cell in row {
            let num = cell.trim().trim_start_matches('+').parse::<f64>().is_ok();
            let _ = write!(h, "<td{}>{}</td>", if num { " class=\"num\"" } else { "" }, escape_html(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

/// `prec` decimals, or 3 significant digits in scientific notation below 10^-prec.
fn num(v: Option<f64>, prec: usize) -> String {
    let small = 10f64.powi(-(prec as i32));
    v.filter(|v| v.is_finite()).map_or(String::new(), |v| {
        if v != 0.0 && v.abs() < small {
            format!("{v:.2e}")
        } else {
            format!("{v:.prec$}")
        }
    })
}

pub(super) fn symmetry(h: &mut String, p: &Prepared, results: &[RunResult]) {
    section(
        h,
        "Symmetry at the end",
        "Distinct units per hidden layer: units whose incoming weights and bias agree within 1e-5 of the row's \
         norm count as one. An init that gives every unit the same weights (zeros, ones) keeps one distinct unit \
         per layer forever.",
    );
    let header = ["init", "layer", "units", "distinct (mean over seeds)", "distinct (min)"].map(String::from);
    let mut rows = Vec::new();
    for (k, (label, _)) in p.config.inits.iter().enumerate() {
        let runs: Vec<&RunResult> = results.iter().filter(|r| r.init == k).collect();
        let Some(first) = runs.first() else { continue };
        for (i, layer) in first.symmetry.iter().enumerate() {
            let d: Vec<usize> = runs.iter().filter_map(|r| r.symmetry.get(i)).map(|s| s.distinct).collect();
            let mean = d.iter().sum::<usize>() as f64 / d.len().max(1) as f64;
            let min = d.iter().min().copied().unwrap_or(0);
            rows.push((
                Some(k),
                vec![
                    label.clone(),
                    layer.layer.clone(),
                    layer.units.to_string(),
                    format!("{mean:.1}"),
                    min.to_string(),
                ],
            ));
        }
    }
    table(h, &header, &rows);
    h.push_str("</section>\n");
}

pub(super) fn runs_table(h: &mut String, p: &Prepared, results: &[RunResult], _rows: &[InitSummary]) {
    section(
        h,
        "Every run",
        "One row per (init, seed): epochs trained, whether the loss stopped being finite, and the last epoch's \
         numbers (the model as it entered that epoch). The same numbers are in runs.csv and metrics.csv.",
    );
    let mut header = vec!["init".to_string(), "seed".into(), "epochs".into(), "diverged".into(), "final loss".into()];
    if p.data.is_classification() {
        header.push("accuracy".into());
    }
    if p.test.is_some() {
        header.push("test loss".into());
        if p.data.is_classification() {
            header.push("test accuracy".into());
        }
    }
    header.push("dead ReLU".into());
    let mut rows = Vec::new();
    for r in results {
        let last = r.log.epochs.last();
        let mut row = vec![
            p.config.inits[r.init].0.clone(),
            (p.config.seed + r.seed as u64).to_string(),
            r.log.epochs.len().to_string(),
            if r.log.diverged { "yes".into() } else { "no".into() },
            last.map_or(String::new(), |e| if e.loss.is_finite() { num(Some(e.loss), 4) } else { e.loss.to_string() }),
        ];
        if p.data.is_classification() {
            row.push(num(last.and_then(|e| e.accuracy), 3));
        }
        if p.test.is_some() {
            row.push(num(last.and_then(|e| e.test_loss), 4));
            if p.data.is_classification() {
                row.push(num(last.and_then(|e| e.test_accuracy), 3));
            }
        }
        // Final weights of a diverged run are not finite: nothing to count dead.
        row.push(if r.log.diverged { "n/a".into() } else { num(r.dead_relu, 3) });
        rows.push((Some(r.init), row));
    }
    table(h, &header, &rows);
    h.push_str("</section>\n");
}

pub(super) fn settings(h: &mut String, p: &Prepared) {
    section(h, "Settings", "Everything that decides these results; the same run again gives the same bits.");
    let c = &p.config;
    let mut rows: Vec<(Option<usize>, Vec<String>)> = vec![
        (None, vec!["model".into(), c.model.clone()]),
        (None, vec!["data".into(), c.data.clone()]),
        (None, vec!["training samples".into(), format!("{} of shape {:?}", p.data.len(), p.data.input_shape())]),
        (None, vec!["test samples".into(), p.test.as_ref().map_or("none".into(), |t| t.len().to_string())]),
        (
            None,
            vec![
                "task".into(),
                match &c.task {
                    Some(t) => format!("{t} (--task)"),
                    None => {
                        format!("{} (from the targets; --task changes it)", crate::lab::data::task::describe(&p.data))
                    }
                },
            ],
        ),
    ];
    if let Some(s) = &p.standardization {
        let show = |v: &[f64]| v.iter().map(|x| format!("{x:.6}")).collect::<Vec<_>>().join(", ");
        rows.push((
            None,
            vec![
                "standardized inputs (--standardize, fitted on the training split)".into(),
                format!("mean [{}], std [{}]", show(&s.mean), show(&s.std)),
            ],
        ));
    }
    if let Some(counts) = p.data.class_counts() {
        rows.push((
            None,
            vec!["classes (training samples per class)".into(), format!("{} ({counts:?})", counts.len())],
        ));
    }
    for (k, v) in [
        ("seeds", format!("{} (from {})", c.seeds, c.seed)),
        ("epochs", c.epochs.to_string()),
        ("optimizer", c.optimizer.clone()),
        ("learning rate", c.lr.to_string()),
        ("momentum", c.momentum.to_string()),
        ("weight decay", c.weight_decay.to_string()),
        ("batch size", c.batch_size.map_or("full batch".into(), |b| b.to_string())),
        ("loss threshold", c.threshold.to_string()),
        ("boundary snapshots (epochs)", format!("{:?}", c.snapshot_epochs())),
    ] {
        rows.push((None, vec![k.to_string(), v]));
    }
    for (label, rules) in &c.inits {
        rows.push((None, vec![format!("init {label}"), rules.clone()]));
    }
    table(h, &["setting".to_string(), "value".to_string()], &rows);
    h.push_str("</section>\n");
}
