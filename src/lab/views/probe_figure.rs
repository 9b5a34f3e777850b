//! The picture of `initlab probe`: activation and gradient std against depth, one curve per
//! (init, module type) — a Linear and a Tanh row of the same net are different quantities and
//! must not be joined into one zig-zag — measured solid (wide and light) with the theory's
//! prediction dashed on top in the same colour, so that neither hides the other, and a cross at
//! each init's first non-finite layer.

use crate::lab::instruments::taps::{first_non_finite, LayerStat};
use crate::lab::views::plot::{Figure, Marker, Panel, Series};
use crate::theory::StepPrediction;

/// One init's probe: its label, the measured rows and, where the theory applies, one
/// prediction per row.
pub struct ProbeRun<'a> {
    pub label: &'a str,
    pub stats: &'a [LayerStat],
    pub predicted: Option<&'a [StepPrediction]>,
}

/// Module types in order of first appearance.
fn kinds(stats: &[LayerStat]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in stats {
        if !out.contains(&s.type_name.as_str()) {
            out.push(&s.type_name);
        }
    }
    out
}

type Value = fn(&LayerStat) -> f64;
type Predicted = fn(&StepPrediction) -> f64;

fn curves(runs: &[ProbeRun], measured: Value, theory: Predicted) -> (Vec<Series>, Vec<Marker>, bool) {
    let (mut out, mut marks, mut any_theory) = (Vec::new(), Vec::new(), false);
    let mut color = 0;
    let one_init = runs.len() == 1;
    for run in runs {
        let ks = kinds(run.stats);
        let first_color = color;
        for kind in &ks {
            let rows: Vec<usize> = (0..run.stats.len()).filter(|&i| run.stats[i].type_name == *kind).collect();
            let x: Vec<f64> = rows.iter().map(|&i| run.stats[i].depth as f64).collect();
            let label = match (one_init, ks.len()) {
                (true, _) => format!("{kind} outputs"),
                (false, 1) => run.label.to_string(),
                (false, _) => format!("{}: {kind} outputs", run.label),
            };
            let y = rows.iter().map(|&i| measured(&run.stats[i])).collect();
            out.push(Series { label, x: x.clone(), y, color: Some(color), faint: true, ..Default::default() });
            if let Some(p) = run.predicted.filter(|p| p.len() == run.stats.len()) {
                let y = rows.iter().map(|&i| theory(&p[i])).collect();
                out.push(Series { x, y, color: Some(color), dashed: true, ..Default::default() });
                any_theory = true;
            }
            color += 1;
        }
        if let Some(bad) = first_non_finite(run.stats) {
            let at = run.stats.iter().position(|s| std::ptr::eq(s, bad)).unwrap_or(0);
            let y = run.stats[..at].iter().map(measured).rfind(|v| v.is_finite() && *v > 0.0);
            marks.push(Marker { x: bad.depth as f64, y: y.unwrap_or(1.0), color: first_color });
        }
    }
    (out, marks, any_theory)
}

/// The two-panel figure of a probe of `model`.
pub fn probe_figure(model: &str, runs: &[ProbeRun]) -> Figure {
    let panel = |title: &str, y: &str, (series, markers, theory): (Vec<Series>, Vec<Marker>, bool)| {
        let mut notes = vec!["solid: measured".to_string()];
        if theory {
            notes.push("dashed: theory (realized variances)".to_string());
        }
        if !markers.is_empty() {
            notes.push("×: first layer whose output is not finite".to_string());
        }
        Panel {
            title: title.into(),
            x_label: "depth (leaf module)".into(),
            y_label: y.into(),
            log_y: true,
            series,
            markers,
            notes,
            ..Default::default()
        }
    };
    let (g, _, t) = curves(runs, |s| s.grad_std, |p| p.grad_std);
    Figure {
        title: format!("Signal propagation at init — {model}"),
        panels: vec![
            panel("activation std", "std of the module's output", curves(runs, |s| s.act_std, |p| p.act_std)),
            panel("gradient std", "std of the gradient at the output", (g, Vec::new(), t)),
        ],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(depth: usize, ty: &str, std: f64) -> LayerStat {
        LayerStat {
            name: (depth - 1).to_string(),
            type_name: ty.into(),
            depth,
            act_mean: 0.0,
            act_std: std,
            grad_std: 1.0 / std,
            finite: std.is_finite(),
        }
    }

    #[test]
    fn one_curve_per_module_type_measured_under_dashed_theory() {
        // Linear, Tanh, Linear, Tanh, …: stds alternate 1.6 and 0.6.
        let stats: Vec<LayerStat> =
            (1..=6).map(|d| if d % 2 == 1 { stat(d, "Linear", 1.6) } else { stat(d, "Tanh", 0.6) }).collect();
        let pred: Vec<StepPrediction> =
            stats.iter().map(|s| StepPrediction { q: None, act_std: s.act_std * 1.01, grad_std: 1.0 }).collect();
        let runs = [ProbeRun { label: "xavier", stats: &stats, predicted: Some(&pred) }];
        let fig = probe_figure("mlp:8x4:tanh", &runs);
        let act = &fig.panels[0];
        let labels: Vec<&str> = act.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Linear outputs", "", "Tanh outputs", ""]);
        // No curve joins a Linear row to a Tanh row: each is flat.
        for s in &act.series {
            assert!(s.y.windows(2).all(|w| w[0] == w[1]), "{:?}", s.y);
        }
        assert_eq!(act.series[0].x, [1.0, 3.0, 5.0]);
        assert_eq!(act.series[2].x, [2.0, 4.0, 6.0]);
        // Measured solid and faint, theory dashed after it (drawn on top), in the same colour.
        assert!(act.series[0].faint && !act.series[0].dashed);
        assert!(act.series[1].dashed && act.series[1].color == act.series[0].color);
        assert_ne!(act.series[0].color, act.series[2].color);
        assert!(act.notes.iter().any(|n| n.starts_with("dashed: theory")));
        assert_eq!(act.series[1].y, [1.6 * 1.01; 3]);
    }

    #[test]
    fn several_inits_get_their_own_colours_and_a_cross_where_they_blow_up() {
        let good: Vec<LayerStat> = (1..=4).map(|d| stat(d, "Linear", 1.0)).collect();
        let mut bad: Vec<LayerStat> = (1..=4).map(|d| stat(d, "Linear", 16f64.powi(d as i32))).collect();
        bad[3].act_std = f64::NAN;
        bad[3].finite = false;
        let runs = [
            ProbeRun { label: "std=1/16", stats: &good, predicted: None },
            ProbeRun { label: "std=1", stats: &bad, predicted: None },
        ];
        let fig = probe_figure("mlp:16x5:linear", &runs);
        let act = &fig.panels[0];
        assert_eq!(act.series.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["std=1/16", "std=1"]);
        assert_eq!((act.series[0].color, act.series[1].color), (Some(0), Some(1)));
        assert_eq!(act.markers, [Marker { x: 4.0, y: 4096.0, color: 1 }]);
        assert_eq!(act.notes, ["solid: measured", "×: first layer whose output is not finite"]);
        assert!(fig.panels[1].markers.is_empty());
    }
}
