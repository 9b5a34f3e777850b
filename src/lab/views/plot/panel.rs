//! One panel: what of each series can be drawn, axis ranges and tick labels, and the drawing.

use super::{Draw, Panel, Series, FONT, PALETTE};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;

/// A panel with nothing to draw: its title and centred lines of text.
pub(super) fn note<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, lines: &[String]) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let area = area.titled(title, (FONT, 16)).map_err(s)?;
    let (w, h) = area.dim_in_pixel();
    let grey = BLACK.mix(0.6);
    let style = TextStyle::from((FONT, 14).into_font()).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
    for (k, line) in lines.iter().enumerate() {
        let y = h as i32 / 2 + 20 * k as i32 - 10 * (lines.len() as i32 - 1);
        area.draw(&Text::new(line.as_str(), (w as i32 / 2, y), style.clone())).map_err(s)?;
    }
    Ok(())
}

/// What of a series can be drawn: runs of consecutive drawable points, and the band polygon.
struct Prepared {
    runs: Vec<Vec<(f64, f64)>>,
    band: Vec<(f64, f64)>,
}

/// Legend text size in pixels: legible when the report shows a figure at its width.
const LEGEND_PX: u32 = 14;

/// Width of the legend column right of a panel's plot (0 without labels).
pub(super) fn legend_width(panel: &Panel) -> u32 {
    let labels = panel.series.iter().map(|se| legend_label(se, panel.log_y).chars().count());
    let chars = labels.chain(panel.notes.iter().map(|n| n.chars().count())).max().unwrap_or(0);
    if chars == 0 {
        0
    } else {
        (chars as f64 * 0.58 * LEGEND_PX as f64 + 44.0).min(420.0) as u32
    }
}

/// The palette index of series `k`.
fn color_of(se: &Series, k: usize) -> RGBColor {
    PALETTE[se.color.unwrap_or(k) % PALETTE.len()]
}

/// A series' legend text, saying so when none of it can be drawn (all zero on a log axis).
fn legend_label(se: &Series, log: bool) -> String {
    if se.label.is_empty() {
        return String::new();
    }
    let drawable = se.y.iter().any(|&y| to_plot(y, log).is_some());
    match (drawable, log) {
        (true, _) => se.label.clone(),
        (false, true) if se.y.contains(&0.0) => format!("{} (all 0: not drawn)", se.label),
        (false, _) => format!("{} (not drawn: no finite values)", se.label),
    }
}

/// Draws the legend entries in a column: a coloured line and the label per series, then the
/// panel's notes in grey.
fn draw_legend<DB: DrawingBackend>(panel: &Panel, area: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let style = TextStyle::from((FONT, LEGEND_PX).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let step = LEGEND_PX as i32 + 6;
    let mut y = 40;
    for (k, se) in panel.series.iter().enumerate() {
        let label = legend_label(se, panel.log_y);
        if label.is_empty() {
            continue;
        }
        let color = color_of(se, k);
        if se.dashed {
            area.draw(&DashedPathElement::new(vec![(6, y), (28, y)], 6, 3, color.stroke_width(3))).map_err(s)?;
        } else {
            area.draw(&PathElement::new(vec![(6, y), (26, y)], color.stroke_width(3))).map_err(s)?;
        }
        area.draw(&Text::new(label, (32, y), style.clone())).map_err(s)?;
        y += step;
    }
    let grey = BLACK.mix(0.65);
    for note in &panel.notes {
        y += 4;
        area.draw(&Text::new(note.as_str(), (6, y), style.clone().color(&grey))).map_err(s)?;
        y += step - 4;
    }
    Ok(())
}

/// Whether every x is a whole number (layer indices), so ticks should be whole numbers too.
fn integer_x(panel: &Panel) -> bool {
    panel.series.iter().flat_map(|se| se.x.iter()).all(|x| x.fract() == 0.0)
}

/// Maps y to plot space (log10 on a log axis); `None` if it cannot be drawn.
fn to_plot(y: f64, log: bool) -> Option<f64> {
    match log {
        true if y > 0.0 && y.is_finite() => Some(y.log10()),
        false if y.is_finite() => Some(y),
        _ => None,
    }
}

fn prepare(series: &Series, log: bool, cap: Option<f64>) -> Prepared {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![];
    let mut open = false;
    let cap = cap.unwrap_or(f64::INFINITY);
    for (&x, &y) in series.x.iter().zip(&series.y) {
        let y = if y > cap { f64::NAN } else { y };
        match (x.is_finite(), to_plot(y, log)) {
            (true, Some(y)) if open => runs.last_mut().unwrap().push((x, y)),
            (true, Some(y)) => {
                runs.push(vec![(x, y)]);
                open = true;
            }
            _ => open = false,
        }
    }
    let mut lower = vec![];
    let mut upper = vec![];
    if let Some((lo, hi)) = &series.band {
        for ((&x, &l), &h) in series.x.iter().zip(lo).zip(hi) {
            let (l, h) = (l.min(cap), h.min(cap));
            if let (true, Some(l), Some(h)) = (x.is_finite(), to_plot(l, log), to_plot(h, log)) {
                lower.push((x, l));
                upper.push((x, h));
            }
        }
    }
    upper.reverse();
    lower.extend(upper);
    Prepared { runs, band: lower }
}

/// A padded range around `lo..hi`: 5% of the span each side, or a unit-ish span for one value.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    if !span.is_finite() {
        (lo, hi)
    } else if span > 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
        (lo - 0.05 * span, hi + 0.05 * span)
    } else {
        let pad = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - pad, hi + pad)
    }
}

/// Tick labels for a linear axis spanning `span`: enough decimals to tell ticks apart (about
/// ten per axis), scientific notation for very large or very small numbers.
fn tick_format(span: f64) -> impl Fn(&f64) -> String {
    let decimals = (-(span / 10.0).log10()).ceil().clamp(0.0, 12.0) as usize;
    move |v: &f64| {
        let a = v.abs();
        if a <= span * 1e-9 {
            "0".to_string() // also for -0.0 and rounding noise around a tick at zero
        } else if !(1e-3..1e6).contains(&a) || decimals > 6 {
            let digits = (decimals as f64 + a.log10().floor()).clamp(3.0, 12.0) as usize;
            let s = format!("{v:.digits$e}");
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
        } else {
            format!("{v:.decimals$}")
        }
    }
}

/// Tick label for a log axis: the original value 10^v.
fn log_tick(v: &f64) -> String {
    let p = 10f64.powf(*v);
    if (1e-3..1e4).contains(&p) {
        let s = format!("{p:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{p:.0e}")
    }
}

/// The round value (1, 2 or 5 × 10^k) that the log10 position `v` stands for, if it is within
/// 1.2% of one.
fn round_log_tick(v: f64) -> Option<f64> {
    let p = 10f64.powf(v);
    let k = p.log10().floor();
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * 10f64.powf(k)).find(|r| (p / r - 1.0).abs() < 0.012)
}

/// Whether some 1, 2 or 5 × 10^k lies in the log10 range `[y0, y1]`.
fn has_round_value(y0: f64, y1: f64) -> bool {
    let k = y0.floor() as i32;
    (k..=y1.ceil() as i32).any(|k| [1.0f64, 2.0, 5.0].iter().any(|m| (y0..=y1).contains(&(m * 10f64.powi(k)).log10())))
}

pub(super) fn draw_panel<DB: DrawingBackend>(panel: &Panel, area: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let lw = legend_width(panel);
    let (area, legend) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(lw));
    if lw > 0 {
        draw_legend(panel, &legend)?;
    }
    let area = &area;
    let prepared: Vec<Prepared> = panel.series.iter().map(|se| prepare(se, panel.log_y, panel.y_cap)).collect();
    let points = prepared.iter().flat_map(|p| p.runs.iter().flatten().chain(&p.band));
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let markers: Vec<(f64, f64, RGBColor)> = panel
        .markers
        .iter()
        .filter_map(|m| to_plot(m.y, panel.log_y).map(|y| (m.x, y, PALETTE[m.color % PALETTE.len()])))
        .collect();
    if x0 <= x1 {
        for &(x, y, _) in &markers {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
    }
    if x0 > x1 {
        let mut lines = vec!["no finite data".to_string()];
        if panel.log_y {
            lines[0].push_str(" (log scale needs values > 0)");
        }
        let labels: Vec<&str> = panel.series.iter().map(|se| se.label.as_str()).collect();
        if !labels.is_empty() {
            lines.push(format!("series: {}", labels.join(", ")));
        }
        return note(area, &panel.title, &lines);
    }
    let ((x0, x1), (y0, y1)) = (padded(x0, x1), padded(y0, y1));
    // The title shrinks to fit a narrow panel (long init labels), down to 10 px.
    let width = area.dim_in_pixel().0 as f64;
    let title_px = ((width - 16.0) / (0.6 * panel.title.chars().count().max(1) as f64)).clamp(10.0, 16.0) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, title_px))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(s)?;
    let y_desc = match panel.log_y {
        true => format!("{} (log scale)", panel.y_label),
        false => panel.y_label.clone(),
    };
    let (x_fmt, y_fmt) = (tick_format(x1 - x0), tick_format(y1 - y0));
    let int_fmt = |v: &f64| {
        if v.fract().abs() > 1e-9 {
            return String::new();
        }
        match panel.x_names.get((v.round() as i64 - 1).max(-1) as usize) {
            Some(name) if *v >= 1.0 => name.clone(),
            _ if panel.x_names.is_empty() => format!("{v:.0}"),
            _ => String::new(),
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&x_fmt).y_label_formatter(&y_fmt);
    if width < 420.0 {
        // A narrow panel: fewer x ticks, so that their labels do not run into each other.
        mesh.x_labels(5);
    }
    if integer_x(panel) && x1 - x0 <= 30.0 {
        // Whole-number positions (layers): one tick per position, no fractional labels.
        mesh.x_labels((x1 - x0).ceil() as usize + 1).x_label_formatter(&int_fmt);
    }
    mesh.x_desc(panel.x_label.as_str())
        .y_desc(y_desc)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(BLACK.mix(0.05));
    let round = |v: &f64| round_log_tick(*v).map_or(String::new(), |p| log_tick(&p.log10()));
    if panel.log_y && y1 - y0 < 2.0 && has_round_value(y0, y1) {
        // Under two decades: ticks every 0.05 in log10, labelled only at 1, 2 and 5 × 10^k.
        mesh.y_labels(((y1 - y0) / 0.05).ceil() as usize + 1).y_label_formatter(&round);
    } else if panel.log_y {
        mesh.y_label_formatter(&log_tick);
        if y1 - y0 >= 2.0 {
            // Whole decades: with about one label per decade plotters picks a step of 1 (for wide
            // ranges a whole number of decades, at most about a dozen labels).
            mesh.y_labels(((y1 - y0).ceil() as usize + 1).min(12));
        }
    }
    mesh.draw().map_err(s)?;

    for (k, (p, se)) in prepared.iter().zip(&panel.series).enumerate() {
        let color = color_of(se, k);
        if p.band.len() >= 2 {
            let band = Polygon::new(p.band.clone(), color.mix(0.18).filled());
            chart.draw_series(std::iter::once(band)).map_err(s)?;
        }
        let line = color.stroke_width(2);
        if se.dashed {
            let lines = p.runs.iter().map(|r| DashedPathElement::new(r.clone(), 7, 4, line));
            chart.draw_series(lines).map_err(s)?;
        } else {
            let lines = p.runs.iter().map(|r| PathElement::new(r.clone(), line));
            chart.draw_series(lines).map_err(s)?;
        }
        let dots = p.runs.iter().filter(|r| r.len() == 1).map(|r| Circle::new(r[0], 3, color.filled()));
        chart.draw_series(dots).map_err(s)?;
    }
    let crosses = markers.iter().map(|&(x, y, c)| Cross::new((x, y), 6, c.stroke_width(3)));
    chart.draw_series(crosses).map_err(s)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::series;
    use super::*;

    #[test]
    fn preparing_skips_undrawable_points_and_breaks_lines() {
        let se = Series {
            band: Some((vec![1.0; 5], vec![10.0, 10.0, f64::NAN, 10.0, 10.0])),
            ..series("a", vec![1.0, 10.0, 0.0, f64::INFINITY, 100.0])
        };
        let p = prepare(&se, true, None);
        assert_eq!(p.runs, vec![vec![(0.0, 0.0), (1.0, 1.0)], vec![(4.0, 2.0)]]);
        assert_eq!(
            p.band,
            vec![(0.0, 0.0), (1.0, 0.0), (3.0, 0.0), (4.0, 0.0), (4.0, 1.0), (3.0, 1.0), (1.0, 1.0), (0.0, 1.0)]
        );
        let p = prepare(&se, false, None);
        assert_eq!(p.runs.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 1]);
        // A cap at 50 breaks the line above it and clips the band to it.
        let p = prepare(&se, true, Some(50.0));
        assert_eq!(p.runs, vec![vec![(0.0, 0.0), (1.0, 1.0)]]);
        assert!(p.band.iter().all(|&(_, y)| y <= 50f64.log10()));
        assert_eq!(padded(2.0, 2.0), (1.8, 2.2));
        let (f, g, h) = (tick_format(10.0), tick_format(0.02), tick_format(4e300));
        assert_eq!(tick_format(1e-6)(&1.000_001), "1.000001e0");
        assert_eq!(
            (f(&2.0), f(&-4e-15), g(&0.012), h(&-1e300)),
            ("2".into(), "0".into(), "0.012".into(), "-1e300".into())
        );
        assert_eq!(padded(0.0, 10.0), (-0.5, 10.5));
        assert_eq!((log_tick(&-2.0), log_tick(&5.0), log_tick(&0.5)), ("0.01".into(), "1e5".into(), "3.162".into()));
        // Round log ticks: positions every 0.05 decades land within 1.2% of 2 and 5.
        assert_eq!(round_log_tick(0.3), Some(2.0));
        assert_eq!(round_log_tick(0.7).map(|v| (v * 1e9).round() / 1e9), Some(5.0));
        assert_eq!(round_log_tick(-1.0).map(|v| (v * 1e9).round() / 1e9), Some(0.1));
        assert_eq!(round_log_tick(0.5), None);
        assert!(has_round_value(0.25, 0.35) && !has_round_value(0.35, 0.65));
    }
}
