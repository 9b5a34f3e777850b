//! The width figures: mup's coord-check layout (a panel per step, l1 against width on log–log
//! axes, a line per module; SP's row above μP's) and the lr-transfer figure (final loss against
//! learning rate, a line per width; SP beside μP).

use crate::lab::experiments::width::coord::{means, modules, CoordRecord};
use crate::lab::experiments::width::lr::{mean_loss, LrRun};
use crate::lab::experiments::width::WidthConfig;
use crate::lab::views::plot::{Figure, Panel, Series};

fn title(p: &str) -> &'static str {
    if p == "mup" {
        "μP"
    } else {
        "SP"
    }
}

/// x positions for widths on a log2 axis: 1 + log2(w / w0), and the tick names when every
/// position is whole (doubling widths).
fn width_axis(widths: &[usize]) -> (Vec<f64>, Vec<String>, String) {
    let x: Vec<f64> = widths.iter().map(|&w| 1.0 + (w as f64 / widths[0] as f64).log2()).collect();
    if x.iter().all(|v| (v - v.round()).abs() < 1e-9) {
        let mut names: Vec<String> = Vec::new();
        let last = x.last().copied().unwrap_or(1.0).round() as usize;
        for k in 1..=last {
            names.push((widths[0] << (k - 1)).to_string());
        }
        (x, names, "width (log scale)".into())
    } else {
        (x, vec![], format!("1 + log2(width / {})", widths[0]))
    }
}

/// The coord check: one row per parametrization, one panel per step.
pub fn coord_figure(c: &WidthConfig, records: &[CoordRecord]) -> Figure {
    let (x, names, x_label) = width_axis(&c.widths);
    let mut panels = Vec::new();
    for p in &c.params {
        let mods = modules(records, p.name());
        for step in 1..=c.steps {
            let series = mods
                .iter()
                .map(|(m, t)| Series {
                    label: format!("{m} {t}"),
                    x: x.clone(),
                    y: means(records, p.name(), m, step, &c.widths),
                    ..Default::default()
                })
                .collect();
            panels.push(Panel {
                title: format!("{} t={step}", title(p.name())),
                x_label: x_label.clone(),
                y_label: if step == 1 { "l1 = mean |x|".into() } else { String::new() },
                log_y: true,
                series,
                x_names: names.clone(),
                ..Default::default()
            });
        }
    }
    Figure {
        title: format!(
            "coord check: {} MLP, {} hidden layers, {} lr={}, {} seeds, {} (SP row above μP)",
            c.activation, c.hidden, c.optimizer, c.lr, c.seeds, c.data
        ),
        panels,
        columns: c.steps,
        panel_size: Some((340, 300)),
    }
}

/// Final loss against log2 lr, a line per width, one panel per parametrization.
pub fn lr_figure(c: &WidthConfig, runs: &[LrRun]) -> Figure {
    let x: Vec<f64> = c.lrs.iter().map(|lr| lr.log2()).collect();
    let panels = c
        .params
        .iter()
        .map(|p| Panel {
            title: title(p.name()).to_string(),
            x_label: "log2 learning rate".into(),
            y_label: format!("training loss after {} steps", c.steps),
            log_y: true,
            series: c
                .widths
                .iter()
                .map(|&w| Series {
                    label: format!("width {w}"),
                    x: x.clone(),
                    y: c.lrs.iter().map(|&lr| mean_loss(runs, p.name(), w, lr)).collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    Figure {
        title: format!(
            "learning rate across width: {} MLP, {} hidden layers, {}, {} full-batch steps on {}",
            c.activation, c.hidden, c.optimizer, c.steps, c.data
        ),
        panels,
        columns: 0,
        panel_size: None,
    }
}
