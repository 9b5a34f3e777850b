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

mod heatmap;
mod panel;
pub use heatmap::{save_heatmap, Heatmap};
use panel::{draw_panel, note};

/// `stem` with `ext` appended (`runs/loss` + `.png`), keeping any dots already in the stem.
fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

/// One line, optionally with a `(min, max)` band of the same length as `x`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

/// One chart: axes, title and its series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_y: bool,
    pub series: Vec<Series>,
}

/// A titled row of panels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figure {
    pub title: String,
    pub panels: Vec<Panel>,
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
    let w: u32 = fig.panels.iter().map(|p| PANEL_W + panel::legend_width(p)).sum();
    (w.max(PANEL_W), PANEL_H + TITLE_H)
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
    let mut rest = body;
    for (k, panel) in fig.panels.iter().enumerate() {
        let area = if k + 1 == fig.panels.len() {
            rest.clone()
        } else {
            let (left, right) = rest.split_horizontally(PANEL_W + panel::legend_width(panel));
            rest = right;
            left
        };
        draw_panel(panel, &area)?;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A series over x = 0, 1, 2, … (shared with the panel tests).
    pub(super) fn series(label: &str, y: Vec<f64>) -> Series {
        let x = (0..y.len()).map(|i| i as f64).collect();
        Series { label: label.into(), x, y, band: None }
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
            },
            Panel {
                title: "acc".into(),
                x_label: "step".into(),
                y_label: "%".into(),
                log_y: false,
                series: (0..12).map(|k| series(&format!("s{k}"), vec![k as f64, k as f64 + 1.0])).collect(),
            },
        ];
        let fig = Figure { title: "init <comparison>".into(), panels };
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
