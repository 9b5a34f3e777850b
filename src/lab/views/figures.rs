//! The line figures of a comparison: loss (train solid, held-out test dashed), accuracy, gradient
//! flow and activation std per layer. Curves are means over the seeds with a min–max band; a
//! diverged run is left out of the means from the epoch its loss stopped being finite and marked
//! with a cross where it did; the loss axis is cut at ten times the largest initial loss so that
//! a run on its way to infinity does not flatten the others; curves that coincide say so in the
//! legend instead of hiding each other.

use crate::lab::data::Target;
use crate::lab::experiments::compare::{Prepared, RunResult, RunViews};
use crate::lab::sweeps::results::layer_names;
use crate::lab::train::EpochRecord;
use crate::lab::views::plot::boundaries::BoundaryGrid;
use crate::lab::views::plot::{Figure, Marker, Panel, Series};

pub use crate::lab::views::plot::count;

/// The loss axis ends at this multiple of the largest initial loss.
pub const LOSS_CAP: f64 = 10.0;

/// Mean, min and max over the runs of `vals` (one list per run) at each position, over the
/// finite values there; positions without one are NaN (not drawn).
pub fn stats(vals: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let len = vals.iter().map(Vec::len).max().unwrap_or(0);
    let (mut x, mut m, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..len {
        let col: Vec<f64> = vals.iter().filter_map(|v| v.get(i).copied()).filter(|v| v.is_finite()).collect();
        x.push(i as f64);
        if col.is_empty() {
            m.push(f64::NAN);
            lo.push(f64::NAN);
            hi.push(f64::NAN);
            continue;
        }
        m.push(col.iter().sum::<f64>() / col.len() as f64);
        lo.push(col.iter().copied().fold(f64::INFINITY, f64::min));
        hi.push(col.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    }
    (x, m, lo, hi)
}

/// From which index on two curves are the same to the eye (every point within 0.1%, relative,
/// to the end); `None` if they differ at the end or in length.
fn coincide_from(a: &[f64], b: &[f64]) -> Option<usize> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let same = |(x, y): (&f64, &f64)| (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-3 * x.abs().max(y.abs());
    let differ = a.iter().zip(b).rposition(|p| !same(p));
    match differ {
        None => Some(0),
        Some(i) if i + 1 < a.len() => Some(i + 1),
        _ => None,
    }
}

/// What a legend appends to a curve that another init's curve hides (see [`note_coinciding`]).
pub const SAME_CURVE: &str = " (same curve as ";

/// Appends "(same curve as label)" to every labelled series whose curve coincides with an
/// earlier one's (so one hides the other), or "(same curve as label from <x_word> i on)" when it
/// does from i on, for at least the second half of the curve (`x_word` empty: only whole
/// coincidences count). The inits differ; their curves are what coincide.
pub fn note_coinciding(series: &mut [Series], x_word: &str) {
    for k in 1..series.len() {
        if series[k].label.is_empty() {
            continue;
        }
        let same = (0..k).filter(|&j| !series[j].label.is_empty()).find_map(|j| {
            let from = coincide_from(&series[j].y, &series[k].y)?;
            (from == 0 || (!x_word.is_empty() && 2 * from <= series[k].y.len())).then_some((j, from))
        });
        if let Some((j, from)) = same {
            let first = series[j].label.split(SAME_CURVE).next().unwrap_or("").to_string();
            series[k].label = match from {
                0 => format!("{}{SAME_CURVE}{first})", series[k].label),
                i => format!("{}{SAME_CURVE}{first} from {x_word} {i} on)", series[k].label),
            };
        }
    }
}

fn per_init(results: &[RunResult], k: usize) -> Vec<&RunResult> {
    results.iter().filter(|r| r.init == k).collect()
}

/// One value per epoch of every run of init `k`.
fn curves(results: &[RunResult], k: usize, f: impl Fn(&EpochRecord) -> Option<f64>) -> Vec<Vec<f64>> {
    per_init(results, k).iter().map(|r| r.log.epochs.iter().map(|e| f(e).unwrap_or(f64::NAN)).collect()).collect()
}

/// A solid train series (with band) and a dashed unlabelled test series in the same colour.
fn train_test(
    label: &str,
    k: usize,
    train: &[Vec<f64>],
    test: Option<&[Vec<f64>]>,
    out: &mut Vec<Series>,
    tests: &mut Vec<Series>,
) {
    let (x, y, lo, hi) = stats(train);
    out.push(Series { label: label.to_string(), x, y, band: Some((lo, hi)), color: Some(k), ..Default::default() });
    if let Some(t) = test {
        let (x, y, _, _) = stats(t);
        tests.push(Series { x, y, color: Some(k), dashed: true, ..Default::default() });
    }
}

/// The figures, named by file stem: `loss`, `accuracy` (classification), `gradflow`,
/// `activations`.
pub fn figures(p: &Prepared, results: &[RunResult]) -> Vec<(&'static str, Figure)> {
    let c = &p.config;
    let has_test = p.test.is_some();
    let classes = p.data.is_classification();
    let names = layer_names(p);
    let (mut loss, mut loss_test, mut acc, mut acc_test) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut flow0, mut flow, mut acts) = (Vec::new(), Vec::new(), Vec::new());
    let mut markers = Vec::new();
    let initial = results.iter().filter_map(|r| r.log.epochs.first()).map(|e| e.loss).filter(|l| l.is_finite());
    let cap = LOSS_CAP * initial.fold(0.0, f64::max);
    let cap = (cap > 0.0).then_some(cap);
    let mut cut = false;
    for (k, (label, _)) in c.inits.iter().enumerate() {
        let runs = per_init(results, k);
        let train = curves(results, k, |e| Some(e.loss));
        cut |= train.iter().flatten().any(|&l| cap.is_some_and(|cap| l > cap));
        let test = curves(results, k, |e| e.test_loss);
        train_test(label, k, &train, has_test.then_some(&test[..]), &mut loss, &mut loss_test);
        if classes {
            let train = curves(results, k, |e| e.accuracy);
            let test = curves(results, k, |e| e.test_accuracy);
            train_test(label, k, &train, has_test.then_some(&test[..]), &mut acc, &mut acc_test);
        }
        for r in runs.iter().filter(|r| r.log.diverged) {
            let at = r.log.epochs.len().saturating_sub(1) as f64;
            let y = cap
                .unwrap_or_else(|| r.log.epochs.iter().map(|e| e.loss).filter(|l| l.is_finite()).fold(1.0, f64::max));
            markers.push(Marker { x: at, y, color: k });
        }
        let layer_norms = |e: &EpochRecord| -> Vec<f64> {
            p.weight_params.iter().map(|&i| e.grad_norms.get(i).copied().unwrap_or(f64::NAN)).collect()
        };
        let at0: Vec<Vec<f64>> = runs.iter().filter_map(|r| r.log.epochs.first().map(layer_norms)).collect();
        let (_, y0, _, _) = stats(&at0);
        let layer_x = |n: usize| (1..=n).map(|i| i as f64).collect();
        flow0.push(Series { label: label.clone(), x: layer_x(y0.len()), y: y0, ..Default::default() });
        let means: Vec<Vec<f64>> = runs
            .iter()
            .map(|r| {
                r.log
                    .epochs
                    .iter()
                    .map(|e| {
                        let v = layer_norms(e);
                        v.iter().sum::<f64>() / v.len().max(1) as f64
                    })
                    .collect()
            })
            .collect();
        let (x, y, _, _) = stats(&means);
        flow.push(Series { label: label.clone(), x, y, ..Default::default() });
        let stds: Vec<Vec<f64>> = runs.iter().map(|r| r.init_stds.clone()).collect();
        let (_, y, _, _) = stats(&stds);
        acts.push(Series { label: label.clone(), x: layer_x(y.len()), y, ..Default::default() });
    }
    for s in [&mut loss, &mut acc, &mut flow] {
        note_coinciding(s, "epoch");
    }
    for s in [&mut flow0, &mut acts] {
        note_coinciding(s, "");
    }
    let mut loss_notes = Vec::new();
    if has_test {
        loss_notes.push("solid: training set".to_string());
        loss_notes.push("dashed: held-out test set".to_string());
    }
    if !markers.is_empty() {
        loss_notes.push("×: a run diverged (loss NaN/inf)".to_string());
    }
    if cut {
        loss_notes.push(format!("axis cut at {LOSS_CAP} × the largest initial loss"));
    }
    let acc_notes = if has_test { loss_notes[..2].to_vec() } else { Vec::new() };
    loss.extend(loss_test);
    acc.extend(acc_test);
    let title = format!("{} on {}, {}", c.model, c.data, count(c.seeds, "seed"));
    let panel = |t: &str, xl: &str, yl: &str, series| Panel {
        title: t.into(),
        x_label: xl.into(),
        y_label: yl.into(),
        log_y: true,
        series,
        ..Default::default()
    };
    let what = if has_test { "Training and test loss" } else { "Training loss" };
    let mut loss_panel = panel("loss", "epoch", "loss", loss);
    (loss_panel.y_cap, loss_panel.markers, loss_panel.notes) = (cap, markers, loss_notes);
    let mut figs = vec![(
        "loss",
        Figure {
            title: format!("{what}: mean and min–max over seeds — {title}"),
            panels: vec![loss_panel],
            ..Default::default()
        },
    )];
    if classes {
        let mut acc_panel = panel("accuracy", "epoch", "accuracy", acc);
        (acc_panel.log_y, acc_panel.notes) = (false, acc_notes);
        let what = if has_test { "Training and test accuracy" } else { "Training accuracy" };
        figs.push((
            "accuracy",
            Figure {
                title: format!("{what}: mean and min–max over seeds — {title}"),
                panels: vec![acc_panel],
                ..Default::default()
            },
        ));
    }
    let mut f0 = panel("at epoch 0, per layer", "layer", "‖∇W‖", flow0);
    f0.x_names = names.clone();
    let mut a = panel("output std at init", "layer", "std", acts);
    a.x_names = names;
    figs.push((
        "gradflow",
        Figure {
            title: format!("Gradient flow (weight gradients, L2) — {title}"),
            panels: vec![f0, panel("mean over layers, during training", "epoch", "mean ‖∇W‖", flow)],
            ..Default::default()
        },
    ));
    figs.push((
        "activations",
        Figure {
            title: format!("Std of each layer's output at init, on the training data — {title}"),
            panels: vec![a],
            ..Default::default()
        },
    ));
    figs
}

/// The first seed of each init that captured views, with its label.
pub(crate) fn first_views<'a>(p: &'a Prepared, results: &'a [RunResult]) -> Vec<(&'a str, &'a RunViews)> {
    p.config
        .inits
        .iter()
        .enumerate()
        .filter_map(|(k, (label, _))| {
            results
                .iter()
                .find(|r| r.init == k && r.views.is_some())
                .and_then(|r| r.views.as_ref())
                .map(|v| (label.as_str(), v))
        })
        .collect()
}

/// The decision boundaries of the first seed of every init (2-D classification data only; not
/// for runs read back from shards, which do not keep them).
pub fn boundary_grid<'a>(p: &'a Prepared, results: &'a [RunResult]) -> Option<BoundaryGrid<'a>> {
    let extent = p.plane?;
    let rows: Vec<(String, &[crate::lab::instruments::captures::Boundary])> = first_views(p, results)
        .into_iter()
        .filter(|(_, v)| !v.boundaries.is_empty())
        .map(|(l, v)| (l.to_string(), &v.boundaries[..]))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let Target::Classes { labels, num_classes } = &p.data.target else { return None };
    let points = p.data.input.rows().into_iter().zip(labels).map(|(r, &l)| (r[0] as f64, r[1] as f64, l)).collect();
    let c = &p.config;
    let label_chars = c.inits.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    Some(BoundaryGrid {
        title: format!("Decision boundaries, seed {} — {} on {} (training points on top)", c.seed, c.model, c.data),
        rows,
        epochs: c.snapshot_epochs(),
        extent,
        points,
        num_classes: *num_classes,
        label_chars,
    })
}

/// Histograms of every hidden layer's activations and back-propagated gradients, at init and at
/// the end, of the first seed: one row of four panels per init, one curve per layer.
pub fn histogram_figure(p: &Prepared, results: &[RunResult]) -> Option<Figure> {
    let views = first_views(p, results);
    if views.is_empty() || views.iter().all(|(_, v)| v.histograms.iter().all(|h| h.layers.is_empty())) {
        return None;
    }
    let mut panels = Vec::new();
    for (label, v) in &views {
        let (Some(start), Some(end)) = (v.histograms.first(), v.histograms.last()) else { continue };
        let after = format!("after {}", count(end.epoch, "epoch"));
        let cells = [
            (start, false, "activation at init".to_string()),
            (end, false, format!("activation {after}")),
            (start, true, "∂loss/∂activation at init".to_string()),
            (end, true, format!("∂loss/∂activation {after}")),
        ];
        for (c, (set, grad, what)) in cells.into_iter().enumerate() {
            let series = set
                .layers
                .iter()
                .enumerate()
                .map(|(j, l)| {
                    let h = if grad { &l.grad } else { &l.act };
                    let w = (h.hi - h.lo) / h.fractions.len() as f64;
                    Series {
                        label: if c == 3 { format!("{} ({})", l.name, l.type_name) } else { String::new() },
                        x: (0..h.fractions.len()).map(|b| h.lo + (b as f64 + 0.5) * w).collect(),
                        y: if h.non_finite == h.count {
                            vec![f64::NAN; h.fractions.len()]
                        } else {
                            h.fractions.clone()
                        },
                        color: Some(j),
                        ..Default::default()
                    }
                })
                .collect();
            panels.push(Panel {
                title: label.to_string(),
                x_label: what,
                y_label: "fraction".into(),
                series,
                ..Default::default()
            });
        }
    }
    let c = &p.config;
    Some(Figure {
        title: format!(
            "Hidden layers, seed {}: activations and back-propagated gradients — {} on {}",
            c.seed, c.model, c.data
        ),
        panels,
        columns: 4,
        panel_size: Some((330, 250)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_seed_and_five_seeds() {
        assert_eq!(
            (count(1, "seed"), count(5, "seed"), count(0, "epoch")),
            ("1 seed".into(), "5 seeds".into(), "0 epochs".into())
        );
    }

    #[test]
    fn stats_leave_non_finite_values_out() {
        let (x, m, lo, hi) = stats(&[vec![1.0, 2.0, f64::NAN], vec![3.0, f64::INFINITY]]);
        assert_eq!((x, m[0], lo[0], hi[0], m[1]), (vec![0.0, 1.0, 2.0], 2.0, 1.0, 3.0, 2.0));
        assert!(m[2].is_nan());
    }

    #[test]
    fn coinciding_curves_are_named_in_the_legend() {
        let s = |l: &str, y: Vec<f64>| Series { label: l.into(), x: vec![0.0; y.len()], y, ..Default::default() };
        let mut v = vec![s("zeros", vec![1.0986, 1.0986]), s("ones", vec![1.0986, 1.09861]), s("he", vec![1.0, 0.5])];
        v.push(s("uniform", vec![1.0986, 1.0986]));
        v.push(s("late", vec![9.0, 1.0986]));
        v.push(s("later", vec![9.0, 9.0, 1.0986]));
        let mut w = v.clone();
        note_coinciding(&mut v, "epoch");
        let labels: Vec<&str> = v.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "zeros",
                "ones (same curve as zeros)",
                "he",
                "uniform (same curve as zeros)",
                "late (same curve as zeros from epoch 1 on)",
                "later"
            ]
        );
        note_coinciding(&mut w, "");
        assert_eq!(w[4].label, "late", "layer axes: whole coincidences only");
    }
}
