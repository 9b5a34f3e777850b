//! `report.html` of a comparison: one self-contained page (inline CSS, inline JavaScript written
//! for it in `app.js`, pictures as `data:` PNGs; nothing fetched) with interactive charts of the
//! loss, accuracy, gradient flow and activation std, the decision boundaries and histograms per
//! init, and the summary, symmetry, per-run and settings tables. Every figure says in two
//! sentences what it shows and what to look for. The legend hides or shows an init everywhere.

use super::series::{base64, histogram_charts, line};
use super::tables::{runs_table, settings, symmetry, table};
use super::{escape_html, section};
use crate::lab::experiments::compare::{Prepared, RunResult};
use crate::lab::sweeps::results::layer_names;
use crate::lab::views::figures::{figures, stats, LOSS_CAP};
use crate::lab::views::summary::InitSummary;
use serde_json::{json, Value};
use std::fmt::Write as _;

const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");

/// A picture of one init (a row of the decision boundaries or of the histograms), as PNG bytes.
pub struct InitImage {
    pub init: usize,
    pub png: Vec<u8>,
}

/// What the page shows besides the runs: the summary table and the per-init pictures.
pub struct Extras<'a> {
    pub summary: (&'a [String], &'a [Vec<String>]),
    pub rows: &'a [InitSummary],
    pub boundaries: Vec<InitImage>,
    /// The fitted curve per init (1-D regression).
    pub fits: Vec<InitImage>,
}

/// The charts' data: one line per run (loss, accuracy) or per init (per-layer means).
fn charts(p: &Prepared, results: &[RunResult]) -> Vec<Value> {
    let c = &p.config;
    let has_test = p.test.is_some();
    let (mut loss, mut acc, mut markers) = (Vec::new(), Vec::new(), Vec::new());
    for r in results {
        let seed = c.seed + r.seed as u64;
        let e = &r.log.epochs;
        let x = (0.0, 1.0);
        let col = |f: &dyn Fn(&crate::lab::train::EpochRecord) -> Option<f64>| -> Vec<f64> {
            e.iter().map(|r| f(r).unwrap_or(f64::NAN)).collect()
        };
        loss.push(line(r.init, Some(seed), "train loss", false, x, &col(&|r| Some(r.loss))));
        if has_test {
            loss.push(line(r.init, Some(seed), "test loss", true, x, &col(&|r| r.test_loss)));
        }
        if p.data.is_classification() {
            acc.push(line(r.init, Some(seed), "train accuracy", false, x, &col(&|r| r.accuracy)));
            if has_test {
                acc.push(line(r.init, Some(seed), "test accuracy", true, x, &col(&|r| r.test_accuracy)));
            }
        }
        if r.log.diverged {
            markers.push(json!({"init": r.init, "x": e.len().saturating_sub(1), "y": f64::MAX}));
        }
    }
    let initial = results.iter().filter_map(|r| r.log.epochs.first()).map(|e| e.loss).filter(|l| l.is_finite());
    let cap = LOSS_CAP * initial.fold(0.0, f64::max);
    let names = layer_names(p);
    let (mut flow, mut acts) = (Vec::new(), Vec::new());
    for k in 0..c.inits.len() {
        let runs: Vec<&RunResult> = results.iter().filter(|r| r.init == k).collect();
        let at0: Vec<Vec<f64>> = runs
            .iter()
            .filter_map(|r| r.log.epochs.first())
            .map(|e| p.weight_params.iter().map(|&i| e.grad_norms.get(i).copied().unwrap_or(f64::NAN)).collect())
            .collect();
        flow.push(line(k, None, "‖∇W‖ at epoch 0", false, (1.0, 1.0), &stats(&at0).1));
        let stds: Vec<Vec<f64>> = runs.iter().map(|r| r.init_stds.clone()).collect();
        acts.push(line(k, None, "output std at init", false, (1.0, 1.0), &stats(&stds).1));
    }
    let mut out = vec![json!({"id": "loss", "title": "loss", "xlabel": "epoch", "ylabel": "loss", "log": true,
        "zoom": true, "cap": (cap > 0.0).then_some(cap), "lines": loss, "markers": markers})];
    if p.data.is_classification() {
        out.push(json!({"id": "accuracy", "title": "accuracy", "xlabel": "epoch", "ylabel": "accuracy",
            "log": false, "zoom": true, "lines": acc}));
    }
    out.push(json!({"id": "gradflow", "title": "gradient norm per layer at epoch 0", "xlabel": "layer",
        "ylabel": "‖∇W‖ (mean over seeds)", "log": true, "xnames": names, "lines": flow}));
    out.push(json!({"id": "activations", "title": "output std per layer at init", "xlabel": "layer",
        "ylabel": "std (mean over seeds)", "log": true, "xnames": names, "lines": acts}));
    out
}

/// The whole page.
pub fn render(p: &Prepared, results: &[RunResult], x: &Extras) -> String {
    let c = &p.config;
    let classes = p.data.is_classification();
    let has_test = p.test.is_some();
    let title = format!("initlab compare — {} on {}", c.model, c.data);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{APP_CSS}</style>\n</head>\n<body>\n<h1>{t}</h1>\n",
        t = escape_html(&title)
    );
    let test_txt = match &p.test {
        Some(t) => format!("a held-out test set of {} samples", t.len()),
        None => "no test set".to_string(),
    };
    let _ = writeln!(
        h,
        "<p>{} inits × {} seeds ({}…{}), {} epochs of {} (lr {}{}), batch {}; {} training samples of shape {:?}{}, {}.</p>",
        c.inits.len(),
        c.seeds,
        c.seed,
        c.seed + c.seeds as u64 - 1,
        c.epochs,
        c.optimizer,
        c.lr,
        if c.optimizer == "sgd" { format!(", momentum {}", c.momentum) } else { String::new() },
        c.batch_size.map_or("full".to_string(), |b| b.to_string()),
        p.data.len(),
        p.data.input_shape(),
        if classes { format!(", {} classes", p.data.num_outputs()) } else { ", regression".to_string() },
        test_txt,
    );
    h.push_str("<div id=\"legend\" class=\"legend\" aria-label=\"inits\"></div>\n");
    // Curves hidden under others: the notes the static loss plot puts in its legend.
    let same: Vec<String> = figures(p, results)
        .into_iter()
        .filter(|(stem, _)| *stem == "loss")
        .flat_map(|(_, f)| f.panels.into_iter().flat_map(|p| p.series))
        .filter_map(|s| {
            let (a, b) = s.label.split_once(crate::lab::views::figures::SAME_CURVE)?;
            Some(format!("{a}: the same curve as {}", b.trim_end_matches(')')))
        })
        .collect();
    if !same.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"what\">Mean training loss curves that coincide (one hides the other): {}.</p>",
            escape_html(&same.join("; "))
        );
    }
    h.push_str(
        "\
         <p class=\"what\">Click an init above to hide or show it in every chart, picture and table. \
         Hover a chart to read a run's values; drag across the loss or accuracy chart to zoom into those \
         epochs, double-click to zoom out.</p>\n",
    );
    section(
        &mut h,
        "Loss",
        &format!(
            "The loss of every run, one colour per init: {} on a log scale, cut at {LOSS_CAP} × the largest \
             initial loss, a cross where a run diverged. Look for the inits that fall fastest and lowest; a flat \
             line at ln(classes) is a network that never broke the symmetry of its units{}.",
            if has_test {
                "solid on the training set, dashed on the held-out test set,"
            } else {
                "on the training set,"
            },
            if has_test { ", and a dashed line far above its solid one is overfitting" } else { "" }
        ),
    );
    h.push_str("<div class=\"chartbox\" id=\"chart-loss\"></div>\n</section>\n");
    if classes {
        section(
            &mut h,
            "Accuracy",
            &format!(
                "The fraction of samples each run classifies correctly{}, per epoch. A network that predicts \
                 one class everywhere scores that class's share ({}); the gap between the solid and dashed \
                 curves is what the network memorised rather than learned.",
                if has_test { " (solid: training set, dashed: held-out test set)" } else { "" },
                match p.data.class_counts() {
                    Some(c) if c.iter().all(|&n| n == c[0]) =>
                        format!("1/{} here, the classes being balanced", c.len()),
                    _ => "see the class counts under Settings".to_string(),
                }
            ),
        );
        h.push_str("<div class=\"chartbox\" id=\"chart-accuracy\"></div>\n</section>\n");
    }
    if !x.boundaries.is_empty() {
        section(
            &mut h,
            "Decision boundaries",
            "The class the first seed's network predicts over the plane, at init, along the way and at the end \
             (darker where it is surer), with the training points on top. Look for inits that stay one colour \
             (no learning), and for how early and how smoothly the regions take the shape of the data.",
        );
        images(&mut h, &x.boundaries, "decision boundaries");
        h.push_str("</section>\n");
    }
    if !x.fits.is_empty() {
        section(
            &mut h,
            "Fitted curve",
            "The first seed's network output over x (blue) at init, along the way and at the end, over the training \
             points (grey) and the test points (orange). Look for inits whose curve stays flat or far off the data \
             (no learning), and for how early the curve takes the shape of the data.",
        );
        images(&mut h, &x.fits, "fitted curve");
        h.push_str("</section>\n");
    }
    let hists = histogram_charts(p, results);
    if !hists.is_empty() {
        section(
            &mut h,
            "Histograms of activations and gradients",
            "For the first seed, the distribution of every hidden layer's outputs and of the gradients of the \
             loss reaching them, at init and at the end, one curve per layer (as Glorot & Bengio 2010 plot them). \
             Look for layers that saturate (mass at ±1 for tanh, at 0 for ReLU) and for gradient curves that \
             narrow from the last layer to the first: a vanishing signal.",
        );
        for (k, specs) in &hists {
            let _ = write!(h, "<div data-init-row=\"{k}\" class=\"hists\"><h3>{}</h3>", escape_html(&c.inits[*k].0));
            for spec in specs {
                let _ = write!(
                    h,
                    "<div class=\"chartbox small\" id=\"chart-{}\"></div>",
                    spec["id"].as_str().unwrap_or("")
                );
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    section(
        &mut h,
        "Gradient flow at epoch 0",
        "The L2 norm of each weight layer's gradient on the first batch, mean over seeds. Good inits keep it of \
         the same order in every layer; a norm falling or growing by orders of magnitude across layers is a \
         vanishing or exploding gradient.",
    );
    h.push_str("<div class=\"chartbox\" id=\"chart-gradflow\"></div>\n</section>\n");
    section(
        &mut h,
        "Activation std at init",
        "The standard deviation of each weight layer's output on the training data before training, mean over \
         seeds. An init that preserves variance keeps this flat across layers; one that shrinks or blows it up \
         shows a line that falls or climbs.",
    );
    h.push_str("<div class=\"chartbox\" id=\"chart-activations\"></div>\n</section>\n");

    section(
        &mut h,
        "Summary per init",
        "Final loss, accuracy, test numbers and gap are over the runs that did not diverge (the last column \
         counts the others). Epochs to threshold is the mean over the seeds that reached it.",
    );
    let (header, body) = x.summary;
    let rows: Vec<(Option<usize>, Vec<String>)> = body.iter().enumerate().map(|(k, r)| (Some(k), r.clone())).collect();
    table(&mut h, header, &rows);
    h.push_str("</section>\n");
    symmetry(&mut h, p, results);
    runs_table(&mut h, p, results, x.rows);
    settings(&mut h, p);
    let mut all = charts(p, results);
    all.extend(hists.into_iter().flat_map(|(_, specs)| specs));
    let data = json!({"inits": c.inits.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(), "charts": all});
    let data = data.to_string().replace("</", "<\\/");
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"initlab-data\">{data}</script>\n<script>\n{APP_JS}</script>\n</body>\n</html>\n"
    );
    h
}

fn images(h: &mut String, imgs: &[InitImage], what: &str) {
    for img in imgs {
        let _ = writeln!(
            h,
            "<div data-init-row=\"{}\"><img class=\"view\" alt=\"{}\" src=\"data:image/png;base64,{}\"></div>",
            img.init,
            escape_html(what),
            base64(&img.png)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")];
        for (plain, enc) in cases {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }
}
