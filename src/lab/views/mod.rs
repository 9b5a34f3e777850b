//! Views: what a person looks at. Line plots, heatmaps and decision-boundary grids as PNG and SVG
//! ([`plot`]), the figures of a comparison ([`figures`]), the per-init summary and its tables
//! ([`summary`]), and the self-contained HTML report and terminal tables ([`report`]). Views read
//! results; they train nothing and measure nothing.

pub mod figures;
pub mod fit_grid;
pub mod plot;
pub mod probe_figure;
pub mod report;
pub mod summary;
pub mod width;
