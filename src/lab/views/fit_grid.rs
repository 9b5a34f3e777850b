//! The fitted-curve grid of a comparison (1-D regression), the counterpart of
//! [`super::figures::boundary_grid`].

use crate::lab::experiments::compare::{Prepared, RunResult};
use crate::lab::views::figures::first_views;
use crate::lab::views::plot::fit::FitGrid;

/// The fitted curves of the first seed of every init (1-D regression data only; not for runs
/// read back from shards, which do not keep them).
pub fn fit_grid<'a>(p: &'a Prepared, results: &'a [RunResult]) -> Option<FitGrid<'a>> {
    let span = p.line?;
    let rows: Vec<(String, &[crate::lab::instruments::curve::Curve])> = first_views(p, results)
        .into_iter()
        .filter(|(_, v)| !v.curves.is_empty())
        .map(|(l, v)| (l.to_string(), &v.curves[..]))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let c = &p.config;
    let test = p.test.as_deref().map(crate::lab::instruments::curve::points_of).unwrap_or_default();
    Some(FitGrid {
        title: format!(
            "Fitted curve, seed {} — {} on {} (training points grey{})",
            c.seed,
            c.model,
            c.data,
            if test.is_empty() { "" } else { ", test points orange" }
        ),
        rows,
        epochs: c.snapshot_epochs(),
        span,
        train: crate::lab::instruments::curve::points_of(&p.data),
        test,
        label_chars: c.inits.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0),
    })
}
