//! Fitted curves of a 1-D regression as small multiples, the counterpart of the decision
//! boundaries ([`super::boundaries`]): one row per init, one column per snapshot epoch; each cell
//! draws the training points (grey), the test points (orange, hollow) and the model's output over
//! x (blue). Values outside the data's y range are clipped at the cell's edge.

use super::{ensure_font, FONT};
use crate::lab::instruments::curve::{curve_x, Curve, Span};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};

const CELL_W: u32 = 220;
const CELL_H: u32 = 160;
const GAP: u32 = 10;
const CURVE: RGBColor = RGBColor(0, 114, 178);
const TEST: RGBColor = RGBColor(230, 159, 0);

/// What to draw: per init its label and its curves (one per column), the columns' epochs, the
/// x span of the curves and the training and test points `(x, y)`.
pub struct FitGrid<'a> {
    pub title: String,
    pub rows: Vec<(String, &'a [Curve])>,
    pub epochs: Vec<usize>,
    pub span: Span,
    pub train: Vec<(f64, f64)>,
    pub test: Vec<(f64, f64)>,
    /// Room for row labels of at least this many characters (so one-row grids line up).
    pub label_chars: usize,
}

fn label_width(g: &FitGrid) -> u32 {
    let chars = g.rows.iter().map(|(l, _)| l.chars().count()).chain([g.label_chars]).max().unwrap_or(0);
    ((chars as f64 * 0.58 * 14.0) as u32 + 16).clamp(80, 300)
}

fn head(g: &FitGrid) -> u32 {
    if g.title.is_empty() {
        30
    } else {
        64
    }
}

fn size(g: &FitGrid) -> (u32, u32) {
    (
        label_width(g) + g.epochs.len() as u32 * (CELL_W + GAP) + GAP,
        head(g) + g.rows.len() as u32 * (CELL_H + GAP) + GAP,
    )
}

/// The y range of the cells: the data's, padded by 15% each side.
fn y_range(g: &FitGrid) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for &(_, y) in g.train.iter().chain(&g.test) {
        (lo, hi) = (lo.min(y), hi.max(y));
    }
    if lo > hi {
        return (-1.0, 1.0);
    }
    let pad = 0.15 * (hi - lo).max(1e-6);
    (lo - pad, hi + pad)
}

type Draw = std::result::Result<(), String>;

fn draw<DB: DrawingBackend>(g: &FitGrid, root: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(s)?;
    let title = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(g.title.as_str(), (GAP as i32, 8), title)).map_err(s)?;
    let lw = label_width(g) as i32;
    let heading = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (c, e) in g.epochs.iter().enumerate() {
        let x = lw + (c as u32 * (CELL_W + GAP)) as i32 + CELL_W as i32 / 2;
        let last = c + 1 == g.epochs.len();
        let text = if *e == 0 {
            "at init".to_string()
        } else {
            format!("after {e} epochs{}", if last { " (end)" } else { "" })
        };
        root.draw(&Text::new(text, (x, head(g) as i32 - 6), heading.clone())).map_err(s)?;
    }
    let label = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    let grey = BLACK.mix(0.75);
    let note = TextStyle::from((FONT, 11).into_font()).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
    let (x0, x1) = g.span;
    let (y0, y1) = y_range(g);
    for (r, (name, curves)) in g.rows.iter().enumerate() {
        let top = (head(g) + r as u32 * (CELL_H + GAP)) as i32;
        root.draw(&Text::new(name.as_str(), (lw - 8, top + CELL_H as i32 / 2), label.clone())).map_err(s)?;
        for (c, e) in g.epochs.iter().enumerate() {
            let left = lw + (c as u32 * (CELL_W + GAP)) as i32;
            let frame = [(left, top), (left + CELL_W as i32, top + CELL_H as i32)];
            let last = c + 1 == g.epochs.len();
            let Some(cv) = curves.iter().find(|b| b.epoch == *e).or_else(|| curves.last().filter(|_| last)) else {
                root.draw(&Rectangle::new(frame, RGBColor(240, 240, 240).filled())).map_err(s)?;
                let mid = (left + CELL_W as i32 / 2, top + CELL_H as i32 / 2);
                root.draw(&Text::new("run stopped earlier", mid, note.clone())).map_err(s)?;
                continue;
            };
            let px = |x: f64| left as f64 + (x - x0) / (x1 - x0) * CELL_W as f64;
            let py = |y: f64| top as f64 + (y1 - y) / (y1 - y0) * CELL_H as f64;
            let at = |x: f64, y: f64| (px(x).round() as i32, py(y).round() as i32);
            for &(x, y) in &g.train {
                root.draw(&Circle::new(at(x, y), 2, BLACK.mix(0.35).filled())).map_err(s)?;
            }
            for &(x, y) in &g.test {
                root.draw(&Circle::new(at(x, y), 2, TEST.stroke_width(1))).map_err(s)?;
            }
            // The curve, clipped to the cell; a non-finite value breaks it.
            let mut piece: Vec<(i32, i32)> = Vec::new();
            let pieces = cv.y.iter().enumerate().map(|(i, &y)| (curve_x(g.span, i), y as f64));
            let flush = |piece: &mut Vec<(i32, i32)>| -> Draw {
                if piece.len() > 1 {
                    root.draw(&PathElement::new(std::mem::take(piece), CURVE.stroke_width(2))).map_err(s)?;
                }
                piece.clear();
                Ok(())
            };
            for (x, y) in pieces {
                if y.is_finite() {
                    piece.push(at(x, y.clamp(y0, y1)));
                } else {
                    flush(&mut piece)?;
                }
            }
            flush(&mut piece)?;
            if cv.epoch != *e {
                let text = format!("end: after {} epochs (diverged)", cv.epoch);
                root.draw(&Rectangle::new([(left, top), (left + CELL_W as i32, top + 18)], WHITE.mix(0.85).filled()))
                    .map_err(s)?;
                root.draw(&Text::new(text, (left + CELL_W as i32 / 2, top + 9), note.clone())).map_err(s)?;
            }
            root.draw(&Rectangle::new(frame, BLACK.mix(0.4).stroke_width(1))).map_err(s)?;
        }
    }
    Ok(())
}

/// Writes only the PNG of `g` to `png`.
pub fn save_fit_png(g: &FitGrid, png: &Path) -> Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(png, size(g)).into_drawing_area();
    draw(g, &root).map_err(|m| Error::file(png, format!("cannot draw figure: {m}")))?;
    root.present().map_err(|e| Error::file(png, format!("cannot write PNG: {e}")))
}

/// Writes `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn save_fit(g: &FitGrid, stem: &Path) -> Result<Vec<PathBuf>> {
    let (png, svg) = (stem.with_extension("png"), stem.with_extension("svg"));
    save_fit_png(g, &png)?;
    let root = SVGBackend::new(&svg, size(g)).into_drawing_area();
    draw(g, &root).map_err(|m| Error::file(&svg, format!("cannot draw figure: {m}")))?;
    root.present().map_err(|e| Error::file(&svg, format!("cannot write SVG: {e}")))?;
    drop(root);
    Ok(vec![png, svg])
}
