//! Decision boundaries as small multiples: one row per init, one column per snapshot epoch; each
//! cell shades the plane by the predicted class (darker where the network is surer) and draws
//! the training points on top in their true class's colour.

use super::{ensure_font, FONT};
use crate::lab::instruments::captures::{Boundary, Extent, GRID};
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};

/// Colours of the classes (distinct from the inits' palette order, colour-blind friendly).
const CLASS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
];
const CELL: u32 = 170;
const GAP: u32 = 10;

/// What to draw: per init its label and its boundaries (one per column), the columns' epochs,
/// the plane and the training points `(x, y, class)`.
pub struct BoundaryGrid<'a> {
    pub title: String,
    pub rows: Vec<(String, &'a [Boundary])>,
    pub epochs: Vec<usize>,
    pub extent: Extent,
    pub points: Vec<(f64, f64, usize)>,
    pub num_classes: usize,
    /// Room for row labels of at least this many characters (so that grids of one row each
    /// line up with each other).
    pub label_chars: usize,
}

fn label_width(g: &BoundaryGrid) -> u32 {
    let chars = g.rows.iter().map(|(l, _)| l.chars().count()).chain([g.label_chars]).max().unwrap_or(0);
    ((chars as f64 * 0.58 * 14.0) as u32 + 16).clamp(80, 300)
}

/// Height above the cells: the title (if any) and the column headings.
fn head(g: &BoundaryGrid) -> u32 {
    if g.title.is_empty() {
        30
    } else {
        64
    }
}

fn size(g: &BoundaryGrid) -> (u32, u32) {
    let w = label_width(g) + g.epochs.len() as u32 * (CELL + GAP) + GAP;
    let h = head(g) + g.rows.len() as u32 * (CELL + GAP) + GAP;
    (w, h)
}

fn class_color(c: usize) -> RGBColor {
    CLASS[c % CLASS.len()]
}

/// The shade of a cell: the class colour over white, stronger the surer the prediction (grey
/// where the output was not finite).
fn shade(class: u8, confidence: f32, k: usize) -> RGBColor {
    if class == u8::MAX || !confidence.is_finite() {
        return RGBColor(200, 200, 200);
    }
    let chance = 1.0 / k.max(2) as f64;
    let sure = ((confidence as f64 - chance) / (1.0 - chance)).clamp(0.0, 1.0);
    // Four steps of certainty: long runs of one colour keep the SVG small and the picture calm.
    let level = (sure * 3.0).round() / 3.0;
    let a = 0.18 + 0.42 * level;
    let RGBColor(r, g, b) = class_color(class as usize);
    let mix = |c: u8| (255.0 + (c as f64 - 255.0) * a).round() as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

type Draw = std::result::Result<(), String>;

fn draw<DB: DrawingBackend>(g: &BoundaryGrid, root: &DrawingArea<DB, Shift>) -> Draw {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(s)?;
    let title = TextStyle::from((FONT, 18).into_font()).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(g.title.as_str(), (GAP as i32, 8), title)).map_err(s)?;
    let lw = label_width(g) as i32;
    let heading = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (c, e) in g.epochs.iter().enumerate() {
        let x = lw + (c as u32 * (CELL + GAP)) as i32 + CELL as i32 / 2;
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
    let (x0, x1, y0, y1) = g.extent;
    let cell_px = CELL as f64 / GRID as f64;
    for (r, (name, bounds)) in g.rows.iter().enumerate() {
        let top = (head(g) + r as u32 * (CELL + GAP)) as i32;
        root.draw(&Text::new(name.as_str(), (lw - 8, top + CELL as i32 / 2), label.clone())).map_err(s)?;
        for (c, e) in g.epochs.iter().enumerate() {
            let left = lw + (c as u32 * (CELL + GAP)) as i32;
            let frame = [(left, top), (left + CELL as i32, top + CELL as i32)];
            let last = c + 1 == g.epochs.len();
            let Some(b) = bounds.iter().find(|b| b.epoch == *e).or_else(|| bounds.last().filter(|_| last)) else {
                // The run stopped (diverged) before this epoch.
                root.draw(&Rectangle::new(frame, RGBColor(240, 240, 240).filled())).map_err(s)?;
                let mid = (left + CELL as i32 / 2, top + CELL as i32 / 2);
                root.draw(&Text::new("run stopped earlier", mid, note.clone())).map_err(s)?;
                continue;
            };
            // Row by row, runs of one shade as one rectangle.
            for row in 0..GRID {
                let mut start = 0;
                for col in 1..=GRID {
                    let i = row * GRID + start;
                    let same = col < GRID && {
                        let j = row * GRID + col;
                        shade(b.classes[i], b.confidence[i], g.num_classes)
                            == shade(b.classes[j], b.confidence[j], g.num_classes)
                    };
                    if same {
                        continue;
                    }
                    let color = shade(b.classes[i], b.confidence[i], g.num_classes);
                    let px = |k: usize| (k as f64 * cell_px).round() as i32;
                    let rect = [(left + px(start), top + px(row)), (left + px(col), top + px(row + 1))];
                    root.draw(&Rectangle::new(rect, color.filled())).map_err(s)?;
                    start = col;
                }
            }
            for &(x, y, class) in &g.points {
                let px = left as f64 + (x - x0) / (x1 - x0) * CELL as f64;
                let py = top as f64 + (y1 - y) / (y1 - y0) * CELL as f64;
                let at = (px.round() as i32, py.round() as i32);
                root.draw(&Circle::new(at, 2, class_color(class).filled())).map_err(s)?;
                root.draw(&Circle::new(at, 2, BLACK.mix(0.55).stroke_width(1))).map_err(s)?;
            }
            if b.epoch != *e {
                let text = format!("end: after {} (diverged)", super::count(b.epoch, "epoch"));
                root.draw(&Rectangle::new([(left, top), (left + CELL as i32, top + 18)], WHITE.mix(0.85).filled()))
                    .map_err(s)?;
                root.draw(&Text::new(text, (left + CELL as i32 / 2, top + 9), note.clone())).map_err(s)?;
            }
            root.draw(&Rectangle::new(frame, BLACK.mix(0.4).stroke_width(1))).map_err(s)?;
        }
    }
    Ok(())
}

/// Writes only the PNG of `g` to `png`.
pub fn save_boundaries_png(g: &BoundaryGrid, png: &Path) -> Result<()> {
    ensure_font()?;
    let root = BitMapBackend::new(png, size(g)).into_drawing_area();
    draw(g, &root).map_err(|m| Error::file(png, format!("cannot draw figure: {m}")))?;
    root.present().map_err(|e| Error::file(png, format!("cannot write PNG: {e}")))
}

/// Writes `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn save_boundaries(g: &BoundaryGrid, stem: &Path) -> Result<Vec<PathBuf>> {
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    save_boundaries_png(g, &png)?;
    {
        let root = SVGBackend::new(&svg, size(g)).into_drawing_area();
        draw(g, &root).map_err(|m| Error::file(&svg, format!("cannot draw figure: {m}")))?;
        root.present().map_err(|e| Error::file(&svg, format!("cannot write SVG: {e}")))?;
    }
    Ok(vec![png, svg])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_get_stronger_with_confidence_and_grey_when_unknown() {
        let (unsure, sure) = (shade(0, 0.5, 2), shade(0, 1.0, 2));
        assert!(unsure.0 > sure.0 && unsure.1 > sure.1, "{unsure:?} {sure:?}");
        assert_eq!(shade(u8::MAX, 0.9, 2), RGBColor(200, 200, 200));
        assert_eq!(shade(1, f32::NAN, 3), RGBColor(200, 200, 200));
        assert_ne!(shade(0, 1.0, 2), shade(1, 1.0, 2));
    }

    #[test]
    fn a_grid_is_drawn_to_png_and_svg() {
        let half: Vec<u8> = (0..GRID * GRID).map(|i| u8::from(i % GRID >= GRID / 2)).collect();
        let b = [
            Boundary { epoch: 0, classes: vec![0; GRID * GRID], confidence: vec![0.5; GRID * GRID] },
            Boundary { epoch: 9, classes: half, confidence: vec![0.99; GRID * GRID] },
        ];
        let g = BoundaryGrid {
            title: "boundaries".into(),
            rows: vec![("kaiming".into(), &b[..]), ("zeros".into(), &b[..1])],
            epochs: vec![0, 9],
            extent: (-1.0, 1.0, -1.0, 1.0),
            points: vec![(-0.5, 0.0, 0), (0.5, 0.0, 1)],
            num_classes: 2,
            label_chars: 0,
        };
        let stem = std::env::temp_dir().join(format!("initlab-bnd-{}", std::process::id())).join("b");
        std::fs::create_dir_all(stem.parent().unwrap()).unwrap();
        let paths = save_boundaries(&g, &stem).unwrap();
        let svg = std::fs::read_to_string(&paths[1]).unwrap();
        assert!(svg.contains("kaiming") && svg.contains("after 9 epochs (end)") && svg.contains("at init"));
        // The zeros row stopped at epoch 0: its end cell says so.
        assert!(svg.contains("end: after 0 epochs (diverged)"), "a run that stopped early is labelled");
        // Run-length rows: a half-and-half cell is two rectangles per row, not 80.
        assert!(svg.matches("<rect").count() < 2 * GRID * 4, "{}", svg.matches("<rect").count());
        assert_eq!(&std::fs::read(&paths[0]).unwrap()[..4], b"\x89PNG");
    }
}
