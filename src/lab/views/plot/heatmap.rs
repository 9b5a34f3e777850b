//! A heatmap over a regular grid with a colour bar, lines and labelled points drawn over it:
//! the phase diagram of `initlab theory` and the trainability map of `initlab phase`. Cells
//! whose value is not finite are drawn grey.

use super::{ensure_font, with_ext, Draw, Series, FONT, PALETTE};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// A grid of values: `z[j][i]` at (x[i], y[j]), cell centres on a regular grid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub z_label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub z: Vec<Vec<f64>>,
    /// Colour range; values outside are clamped. Default: the finite values' min..max.
    pub z_range: Option<(f64, f64)>,
    /// Colour by log10 of the value.
    pub log_z: bool,
    /// Lines over the map, each in its palette colour, with a legend.
    pub lines: Vec<Series>,
    /// Labelled points: (label, x, y).
    pub points: Vec<(String, f64, f64)>,
}

/// Viridis, sampled at 9 stops and interpolated linearly.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let f = t * (STOPS.len() - 1) as f64;
    let k = (f.floor() as usize).min(STOPS.len() - 2);
    let u = f - k as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * u).round() as u8;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn edges(c: &[f64]) -> Vec<f64> {
    match c.len() {
        0 => vec![0.0, 1.0],
        1 => vec![c[0] - 0.5, c[0] + 0.5],
        n => {
            let mut e = vec![c[0] - (c[1] - c[0]) / 2.0];
            e.extend(c.windows(2).map(|p| (p[0] + p[1]) / 2.0));
            e.push(c[n - 1] + (c[n - 1] - c[n - 2]) / 2.0);
            e
        }
    }
}

impl Heatmap {
    fn value(&self, v: f64) -> Option<f64> {
        match self.log_z {
            true if v > 0.0 && v.is_finite() => Some(v.log10()),
            false if v.is_finite() => Some(v),
            _ => None,
        }
    }

    /// The colour range in plot space (log10 when `log_z`).
    fn range(&self) -> (f64, f64) {
        let (lo, hi) = match self.z_range {
            Some((a, b)) => (self.value(a).unwrap_or(0.0), self.value(b).unwrap_or(1.0)),
            None => {
                let vals = self.z.iter().flatten().filter_map(|&v| self.value(v));
                vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)))
            }
        };
        if !(lo.is_finite() && hi.is_finite()) {
            (0.0, 1.0)
        } else if hi - lo < 1e-12 {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        }
    }
}

/// Writes `<stem>.png` and `<stem>.svg` and returns both paths.
pub fn save_heatmap(h: &Heatmap, stem: &Path) -> Result<Vec<PathBuf>> {
    ensure_font()?;
    let (png, svg) = (with_ext(stem, ".png"), with_ext(stem, ".svg"));
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create directory: {e}")))?;
    }
    const SIZE: (u32, u32) = (760, 560);
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        draw(h, &root).map_err(|m| Error::file(&png, format!("cannot draw heatmap: {m}")))?;
        root.present().map_err(|e| Error::file(&png, format!("cannot write PNG: {e}")))?;
    }
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(h, &root).map_err(|m| Error::file(&svg, format!("cannot draw heatmap: {m}")))?;
        root.present().map_err(|e| Error::file(&svg, format!("cannot draw heatmap: {e}")))?;
    }
    std::fs::write(&svg, text).map_err(|e| Error::file(&svg, format!("cannot write: {e}")))?;
    Ok(vec![png, svg])
}

fn draw<DB: DrawingBackend>(h: &Heatmap, root: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(s)?;
    let body = root.titled(&h.title, (FONT, 18)).map_err(s)?;
    let (plot_area, bar_area) = body.split_horizontally(body.dim_in_pixel().0 - 110);
    let (xe, ye) = (edges(&h.x), edges(&h.y));
    let (x0, x1) = (xe[0], *xe.last().unwrap());
    let (y0, y1) = (ye[0], *ye.last().unwrap());
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(s)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(h.x_label.as_str())
        .y_desc(h.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(s)?;
    let (lo, hi) = h.range();
    let colour = |v: f64| match h.value(v) {
        Some(p) => viridis((p - lo) / (hi - lo)),
        None => RGBColor(190, 190, 190),
    };
    for (j, row) in h.z.iter().enumerate().take(h.y.len()) {
        for (i, &v) in row.iter().enumerate().take(h.x.len()) {
            let rect = Rectangle::new([(xe[i], ye[j]), (xe[i + 1], ye[j + 1])], colour(v).filled());
            chart.plotting_area().draw(&rect).map_err(s)?;
        }
    }
    for (k, line) in h.lines.iter().enumerate() {
        let pts: Vec<(f64, f64)> = line
            .x
            .iter()
            .zip(&line.y)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(&x, &y)| (x.clamp(x0, x1), y.clamp(y0, y1)))
            .collect();
        // The palette's first colours are too close to viridis: start at red, white for the rest.
        let c = if k == 0 { PALETTE[3] } else { [WHITE, PALETTE[1], PALETTE[10]][(k - 1) % 3] };
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(3)))
            .map_err(s)?
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
    }
    for (label, x, y) in &h.points {
        let p = (*x, *y);
        chart.draw_series([Circle::new(p, 6, WHITE.filled()), Circle::new(p, 6, BLACK.stroke_width(2))]).map_err(s)?;
        let style = TextStyle::from((FONT, 13).into_font()).color(&BLACK);
        let text = EmptyElement::at(p)
            + Rectangle::new([(8, -20), (14 + 7 * label.chars().count() as i32, -4)], WHITE.mix(0.8).filled())
            + Text::new(label.clone(), (10, -19), style);
        chart
            .draw_series([text])
            .map_err(s)?
            .label(label.as_str())
            .legend(|(x, y)| Circle::new((x + 10, y), 5, BLACK.stroke_width(2)));
    }
    if !h.lines.is_empty() || !h.points.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 12))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(s)?;
    }
    colour_bar(h, (lo, hi), &bar_area)
}

fn colour_bar<DB: DrawingBackend>(h: &Heatmap, (lo, hi): (f64, f64), area: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (_, height) = area.dim_in_pixel();
    let (top, bottom) = (30i32, height as i32 - 60);
    let steps = 100;
    for k in 0..steps {
        let t = k as f64 / (steps - 1) as f64;
        let y = bottom - ((bottom - top) as f64 * (k + 1) as f64 / steps as f64) as i32;
        let y2 = bottom - ((bottom - top) as f64 * k as f64 / steps as f64) as i32;
        area.draw(&Rectangle::new([(10, y), (30, y2)], viridis(t).filled())).map_err(s)?;
    }
    let style = TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for k in 0..=4 {
        let t = k as f64 / 4.0;
        let p = lo + (hi - lo) * t;
        let v = if h.log_z { 10f64.powf(p) } else { p };
        let y = bottom - ((bottom - top) as f64 * t) as i32;
        area.draw(&Text::new(format_tick(v), (34, y), style.clone())).map_err(s)?;
    }
    let label = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new(h.z_label.as_str(), (4, bottom + 12), label)).map_err(s)?;
    Ok(())
}

fn format_tick(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-2) {
        format!("{v:.1e}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heatmap_writes_png_and_svg_with_lines_points_and_grey_gaps() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 * 0.2).collect();
        let y: Vec<f64> = (0..10).map(|j| j as f64 * 0.05).collect();
        let z =
            y.iter().map(|&b| x.iter().map(|&w| if w == 0.0 { f64::NAN } else { w + 10.0 * b }).collect()).collect();
        let line =
            Series { label: "critical line".into(), x: vec![1.0, 2.0], y: vec![0.0, 0.45], ..Default::default() };
        let h = Heatmap {
            title: "phase <diagram>".into(),
            x_label: "σ_w²".into(),
            y_label: "σ_b²".into(),
            z_label: "ξ_c".into(),
            x,
            y,
            z,
            log_z: true,
            lines: vec![line],
            points: vec![("you".into(), 1.5, 0.2)],
            ..Default::default()
        };
        let stem = std::env::temp_dir().join(format!("initlab-heat-{}", std::process::id())).join("h");
        let paths = save_heatmap(&h, &stem).unwrap();
        assert_eq!(&std::fs::read(&paths[0]).unwrap()[..4], b"\x89PNG");
        let svg = std::fs::read_to_string(&paths[1]).unwrap();
        assert!(svg.contains("phase &lt;diagram") && svg.contains("critical line") && svg.contains("ξ_c"));
        assert!(svg.contains("#BEBEBE") || svg.contains("rgb(190,190,190)"), "NaN cells are grey");
        // The colour bar runs from the smallest finite value, 0.2, to the largest, 3.8 + 10·0.45 = 8.3.
        assert!(svg.contains("\n0.2\n") && svg.contains("\n8.3\n"), "colour bar labels");
    }
}
