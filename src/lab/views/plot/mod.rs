//! Multi-panel line plots (panels side by side), written as PNG and SVG with plotters. Each
//! series may carry a min..max band drawn as a translucent polygon. A log-y panel plots log10 of
//! the data and labels ticks with the original values; points that cannot be drawn (non-finite,
//! or ≤ 0 on a log axis) are skipped and break the line, never panic.

use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle, RGBColor};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub mod boundaries;
pub mod fit;
mod heatmap;
mod panel;
pub mod ticks;
pub use heatmap::{save_heatmap, Heatmap};
use panel::{draw_panel, note};

/// `stem` with `ext` appended (`runs/loss` + `.png`), keeping any dots already in the stem.
fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

/// One line, optionally with a `(min, max)` band of the same length as `x`. An empty label
/// keeps the series out of the legend (e.g. the dashed test curve of a solid train curve).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub band: Option<(Vec<f64>, Vec<f64>)>,
    /// Palette index; `None`: the series' position.
    pub color: Option<usize>,
    pub dashed: bool,
    /// Drawn wider and lighter, for a line that another (a dashed prediction) is drawn over.
    pub faint: bool,
}

/// A mark on a panel: a cross at `(x, y)` in a series' colour (e.g. where a run diverged).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub color: usize,
}

/// One chart: axes, title and its series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_y: bool,
    pub series: Vec<Series>,
    /// Values above this are cut off (lines break, bands are clipped) and the axis ends there.
    pub y_cap: Option<f64>,
    pub markers: Vec<Marker>,
    /// Lines under the legend entries (what dashes and crosses mean).
    pub notes: Vec<String>,
    /// Names of the whole-number x positions 1, 2, … (layer names), used as tick labels.
    pub x_names: Vec<String>,
}

/// A titled row of panels, or a grid of them (`columns` per row).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figure {
    pub title: String,
    pub panels: Vec<Panel>,
    /// Panels per row; 0: all in one row.
    pub columns: usize,
    /// Size of each panel's plot (without its legend); `None`: 520 × 420.
    pub panel_size: Option<(u32, u32)>,
}

impl Figure {
    fn cols(&self) -> usize {
        if self.columns == 0 {
            self.panels.len().max(1)
        } else {
            self.columns
        }
    }

    fn panel_wh(&self) -> (u32, u32) {
        self.panel_size.unwrap_or((PANEL_W, PANEL_H))
    }

    /// Width of column `c`: its plot and the widest legend among its panels.
    fn col_width(&self, c: usize) -> u32 {
        let cols = self.cols();
        let legend = self.panels.iter().skip(c).step_by(cols).map(panel::legend_width).max().unwrap_or(0);
        self.panel_wh().0 + legend
    }
}

const PANEL_W: u32 = 520;
const PANEL_H: u32 = 420;
const TITLE_H: u32 = 36;
const FONT: &str = "sans-serif";

/// Twelve distinguishable colours (tab10, then black and goldenrod); more series cycle.
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(184, 134, 11),
];

/// Registers the bundled DejaVu Sans as "sans-serif" once (there are no system fonts).
fn ensure_font() -> Result<()> {
    static FONT_OK: OnceLock<bool> = OnceLock::new();
    let ok = *FONT_OK.get_or_init(|| {
        let bytes: &'static [u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/DejaVuSans.ttf"));
        register_font(FONT, FontStyle::Normal, bytes).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("plot", "the bundled font assets/DejaVuSans.ttf could not be loaded"))
    }
}

/// Writes `<stem>.png` and `<stem>.svg` (creating the parent directory) and returns both paths.
pub fn save(fig: &Figure, stem: &Path) -> Result<Vec<PathBuf>> {
    ensure_font()?;
    let with_ext = |ext: &str| {
        let mut s = stem.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    let (png, svg) = (with_ext(".png"), with_ext(".svg"));
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create directory: {e}")))?;
    }
    {
        let root = BitMapBackend::new(&png, size(fig)).into_drawing_area();
        draw(fig, &root).map_err(|m| Error::file(&png, format!("cannot draw figure: {m}")))?;
        root.present().map_err(|e| Error::file(&png, format!("cannot write PNG: {e}")))?;
    }
    let text = render_svg_string(fig)?;
    std::fs::write(&svg, text).map_err(|e| Error::file(&svg, format!("cannot write: {e}")))?;
    Ok(vec![png, svg])
}

/// Writes only the PNG of `fig` to `path`.
pub fn save_png(fig: &Figure, path: &Path) -> Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(path, size(fig)).into_drawing_area();
    draw(fig, &root).map_err(|m| Error::file(path, format!("cannot draw figure: {m}")))?;
    root.present().map_err(|e| Error::file(path, format!("cannot write PNG: {e}")))
}

/// The figure as an SVG document, for inline embedding in HTML.
pub fn render_svg_string(fig: &Figure) -> Result<String> {
    ensure_font()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size(fig)).into_drawing_area();
        draw(fig, &root).map_err(|m| Error::invalid(format!("plot '{}'", fig.title), m))?;
        root.present().map_err(|e| Error::invalid(format!("plot '{}'", fig.title), e))?;
    }
    Ok(out)
}

fn size(fig: &Figure) -> (u32, u32) {
    let cols = fig.cols();
    let rows = fig.panels.len().div_ceil(cols).max(1) as u32;
    let w: u32 = (0..cols.min(fig.panels.len().max(1))).map(|c| fig.col_width(c)).sum();
    let (pw, ph) = fig.panel_wh();
    (w.max(pw), ph * rows + TITLE_H)
}

/// The title's font size: 22 px, smaller when that would not fit the figure's width.
fn title_size(title: &str, width: u32) -> u32 {
    let chars = title.chars().count().max(1) as f64;
    // DejaVu Sans averages about 0.55 em per character.
    ((width as f64 - 20.0) / (0.55 * chars)).clamp(10.0, 22.0) as u32
}

type Draw = std::result::Result<(), String>;

fn draw<DB: DrawingBackend>(fig: &Figure, root: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(s)?;
    let body = root.titled(&fig.title, (FONT, title_size(&fig.title, root.dim_in_pixel().0))).map_err(s)?;
    if fig.panels.is_empty() {
        return note(&body, "", &["no panels".to_string()]);
    }
    let cols = fig.cols();
    let ph = fig.panel_wh().1 as i32;
    for (r, row) in fig.panels.chunks(cols).enumerate() {
        let mut x = 0i32;
        for (c, panel) in row.iter().enumerate() {
            let w = fig.col_width(c) as i32;
            let area = body.clone().shrink((x, ph * r as i32), (w as u32, ph as u32));
            draw_panel(panel, &area)?;
            x += w;
        }
    }
    Ok(())
}

/// `n` and the noun, plural unless `n` is 1 ("1 seed", "5 seeds").
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A series over x = 0, 1, 2, … (shared with the panel tests).
    pub(super) fn series(label: &str, y: Vec<f64>) -> Series {
        let x = (0..y.len()).map(|i| i as f64).collect();
        Series { label: label.into(), x, y, ..Default::default() }
    }

    fn tmp_stem(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("initlab-plot-{}", std::process::id())).join(name)
    }

    #[test]
    fn save_writes_png_and_svg_with_every_label() {
        let mut loss = series("kaiming & co", (1..50).map(|i| 1.0 / (i * i) as f64).collect());
        loss.band = Some((loss.y.iter().map(|v| v * 0.8).collect(), loss.y.iter().map(|v| v * 1.2).collect()));
        let panels = vec![
            Panel {
                title: "loss".into(),
                x_label: "step".into(),
                y_label: "loss".into(),
                log_y: true,
                series: vec![loss, series("xavier", vec![1.0, 0.5, 0.0, -1.0, 0.1])],
                ..Default::default()
            },
            Panel {
                title: "acc".into(),
                x_label: "step".into(),
                y_label: "%".into(),
                log_y: false,
                series: (0..12).map(|k| series(&format!("s{k}"), vec![k as f64, k as f64 + 1.0])).collect(),
                ..Default::default()
            },
        ];
        let fig = Figure { title: "init <comparison>".into(), panels, ..Default::default() };
        let paths = save(&fig, &tmp_stem("fig.v1")).unwrap();
        assert_eq!(paths[0].file_name().unwrap(), "fig.v1.png");
        let png = std::fs::read(&paths[0]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = std::fs::read_to_string(&paths[1]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("kaiming &amp; co") && svg.contains("init &lt;comparison"));
        for k in 0..12 {
            assert!(svg.contains(&format!("\ns{k}\n")), "legend entry s{k}");
        }
        assert!(svg.contains("<polygon") && svg.contains("opacity=\"0.18"), "translucent band");
        assert_eq!(svg, render_svg_string(&fig).unwrap());
    }

    #[test]
    fn degenerate_data_does_not_panic() {
        let panel = |log_y, series| Panel { title: "p".into(), log_y, series, ..Default::default() };
        let fig = Figure {
            title: "degenerate".into(),
            panels: vec![
                panel(false, vec![series("nan", vec![f64::NAN; 4])]),
                panel(true, vec![series("neg", vec![-1.0, 0.0])]),
                panel(false, vec![series("one", vec![3.0])]),
                panel(true, vec![series("const", vec![5.0; 10])]),
                panel(false, vec![series("zero", vec![0.0; 3]), series("huge", vec![1e300, -1e300])]),
                panel(false, vec![]),
            ],
            ..Default::default()
        };
        let svg = render_svg_string(&fig).unwrap();
        assert_eq!(svg.matches("no finite data").count(), 3);
        assert!(svg.contains("series: nan") && svg.contains("log scale needs values &gt; 0"));
        assert!(svg.contains("<circle"), "a lone point is drawn as a dot");
        save(&fig, &tmp_stem("degenerate")).unwrap();
        let empty = render_svg_string(&Figure::default()).unwrap();
        assert!(empty.contains("no panels"));
    }
}
