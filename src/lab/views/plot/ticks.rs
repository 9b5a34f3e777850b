//! Tick marks and their labels, chosen here rather than by plotters so that every axis reads the
//! same way: round values (1, 2 or 5 × 10^k) at one step, labels written alike (never `0.0010`
//! beside `5e-4`), no two labels the same, few enough that they do not run into each other, and
//! on a log axis a label every decade (or every few decades) with the decades between as light
//! lines.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// A labelled tick at `at` (in plot space: log10 of the value on a log axis).
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// An axis' ticks: labelled ones and unlabelled light ones between them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ticks {
    pub major: Vec<Tick>,
    pub minor: Vec<f64>,
}

impl Ticks {
    /// The label of the tick at `v` (plotters asks by position), empty elsewhere.
    pub fn label_at(&self, v: f64) -> String {
        let tol = 1e-9 * self.major.iter().map(|t| t.at.abs()).fold(1.0, f64::max);
        self.major.iter().find(|t| (t.at - v).abs() <= tol).map_or(String::new(), |t| t.label.clone())
    }

    pub fn positions(&self) -> Vec<f64> {
        self.major.iter().map(|t| t.at).collect()
    }
}

/// A plotters axis over `lo..hi` whose tick marks are `ticks` (bold lines at the labelled ones,
/// light lines at the others); the labels come from [`Ticks::label_at`].
pub struct TickAxis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Ticks,
}

impl Ranged for TickAxis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let t = (v - self.lo) / (self.hi - self.lo);
        let px = limit.0 as f64 + t * (limit.1 - limit.0) as f64;
        px.clamp(-1e7, 1e7).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.ticks.minor.clone()
        } else {
            self.ticks.positions()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// The text of c × 10^k (c an integer): plain digits, or scientific notation (`1.5e-3`).
fn decimal(c: i64, k: i32, scientific: bool) -> String {
    if c == 0 {
        return "0".into();
    }
    let sign = if c < 0 { "-" } else { "" };
    let digits = c.unsigned_abs().to_string();
    if scientific {
        let e = k + digits.len() as i32 - 1;
        let (first, rest) = digits.split_at(1);
        let rest = rest.trim_end_matches('0');
        let m = if rest.is_empty() { first.to_string() } else { format!("{first}.{rest}") };
        return if e == 0 { format!("{sign}{m}") } else { format!("{sign}{m}e{e}") };
    }
    if k >= 0 {
        return format!("{sign}{digits}{}", "0".repeat(k as usize));
    }
    let dec = (-k) as usize;
    let padded = format!("{digits:0>width$}", width = dec + 1);
    let (int, frac) = padded.split_at(padded.len() - dec);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Steps 1, 2, 5 × 10^k from the smallest at least `min_step`, as (mantissa, exponent).
fn steps_from(min_step: f64) -> impl Iterator<Item = (i64, i32)> {
    let k0 = min_step.log10().floor() as i32 - 1;
    (k0..k0 + 40).flat_map(|k| [(1, k), (2, k), (5, k)]).filter(move |&(m, k)| m as f64 * 10f64.powi(k) >= min_step)
}

/// Ticks on a linear axis over `[lo, hi]`: the finest round step that gives at most `max`
/// ticks whose labels, `chars_px` pixels per character, fit `room` pixels each (the axis length
/// over the tick count; 0: no width limit). `whole`: whole numbers only (epochs, layers).
pub fn linear(lo: f64, hi: f64, max: usize, room: Option<(f64, f64)>, whole: bool) -> Ticks {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Ticks::default();
    }
    let max = max.max(2);
    let min_step = if whole { ((hi - lo) / max as f64).max(1.0) } else { (hi - lo) / max as f64 };
    for (m, k) in steps_from(min_step * 0.999_999) {
        if whole && k < 0 {
            continue;
        }
        let step = m as f64 * 10f64.powi(k);
        let (i0, i1) = ((lo / step - 1e-9).ceil() as i64, (hi / step + 1e-9).floor() as i64);
        if i1 - i0 + 1 > max as i64 {
            continue;
        }
        let top = (i0.abs().max(i1.abs()) as f64) * step;
        // Plain digits from 0.01 to a million, and only with few decimals; scientific otherwise.
        let scientific = !(1e-2..1e6).contains(&top) || k < -5;
        let major: Vec<Tick> =
            (i0..=i1).map(|i| Tick { at: i as f64 * step, label: decimal(i * m, k, scientific) }).collect();
        if let Some((axis_px, char_px)) = room {
            let widest = major.iter().map(|t| t.label.chars().count()).max().unwrap_or(0) as f64;
            let per_tick = axis_px * step / (hi - lo);
            if per_tick < widest * char_px + 8.0 {
                continue;
            }
        }
        return Ticks { major, minor: Vec::new() };
    }
    Ticks::default()
}

/// Ticks on a log axis whose plot range is `[lo, hi]` in log10: a label at every decade, or every
/// 2, 5, 10, … decades when more than `max` would show (the others light); under two decades,
/// 1, 2 and 5 × 10^k (light lines at the other whole multiples); within a narrower range, a
/// linear scale of the values.
pub fn log(lo: f64, hi: f64, max: usize) -> Ticks {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Ticks::default();
    }
    let max = max.max(2);
    let (d0, d1) = ((lo - 1e-9).ceil() as i32, (hi + 1e-9).floor() as i32);
    let in_range = |p: f64| p >= lo - 1e-9 && p <= hi + 1e-9;
    // Plain digits for 0.001 … 10000, scientific notation when any tick is outside.
    let plain = |k0: i32, k1: i32| k0 >= -3 && k1 <= 4;
    if d1 - d0 >= 2 {
        let n = (d1 - d0 + 1) as usize;
        let every = [1, 2, 5, 10, 20, 50, 100, 200, 500].into_iter().find(|&e| n.div_ceil(e) <= max).unwrap_or(1000);
        let first = d0.div_euclid(every as i32) * every as i32;
        let labelled: Vec<i32> = (d0..=d1).filter(|d| (d - first) % every as i32 == 0).collect();
        let sci = !plain(d0, d1);
        let major = labelled.iter().map(|&d| Tick { at: d as f64, label: decimal(1, d, sci) }).collect();
        // Light lines at the decades between labels, or every few of them when there are many.
        let light = [1, 2, 5, 10, 20, 50, 100].into_iter().find(|&e| every % e == 0 && n / e <= 40).unwrap_or(every);
        let minor = if every > 1 {
            (d0..=d1).filter(|d| (d - first) % light as i32 == 0 && !labelled.contains(d)).map(|d| d as f64).collect()
        } else if n <= 8 {
            (d0 - 1..=d1)
                .flat_map(|d| (2..10).map(move |m| d as f64 + (m as f64).log10()))
                .filter(|&p| in_range(p))
                .collect()
        } else {
            Vec::new()
        };
        return Ticks { major, minor };
    }
    for mults in [&[1, 2, 5][..], &[1, 2, 3, 4, 5, 6, 7, 8, 9][..]] {
        let pts: Vec<(i64, i32)> = (d0 - 1..=d1)
            .flat_map(|d| mults.iter().map(move |&m| (m, d)))
            .filter(|&(m, d)| in_range(d as f64 + (m as f64).log10()))
            .collect();
        if pts.len() >= 2 {
            let sci = !plain(pts[0].1, pts[pts.len() - 1].1);
            let major = pts
                .iter()
                .map(|&(m, d)| Tick { at: d as f64 + (m as f64).log10(), label: decimal(m, d, sci) })
                .collect();
            let minor = (d0 - 1..=d1)
                .flat_map(|d| (2..10).filter(|m| !mults.contains(m)).map(move |m| d as f64 + (m as f64).log10()))
                .filter(|&p| in_range(p))
                .collect();
            return Ticks { major, minor };
        }
    }
    // Less than a factor of about two: round values of a linear scale, placed at their log10.
    let t = linear(10f64.powf(lo), 10f64.powf(hi), max, None, false);
    Ticks { major: t.major.into_iter().map(|x| Tick { at: x.at.log10(), label: x.label }).collect(), minor: vec![] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &Ticks) -> Vec<&str> {
        t.major.iter().map(|t| t.label.as_str()).collect()
    }

    fn unique(t: &Ticks) -> bool {
        let l = labels(t);
        (1..l.len()).all(|i| !l[..i].contains(&l[i]))
    }

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal(5, -4, true), "5e-4");
        assert_eq!(decimal(10, -4, true), "1e-3");
        assert_eq!(decimal(15, -4, true), "1.5e-3");
        assert_eq!(decimal(-15, -4, false), "-0.0015");
        assert_eq!(decimal(40, -2, false), "0.4");
        assert_eq!(decimal(10, -1, false), "1");
        assert_eq!(decimal(25, 0, false), "25");
        assert_eq!(decimal(3, 2, false), "300");
        assert_eq!(decimal(1, 120, true), "1e120");
        assert_eq!(decimal(1, 0, true), "1");
        assert_eq!(decimal(0, -3, true), "0");
    }

    #[test]
    fn linear_ticks_are_round_alike_and_distinct() {
        // The histogram axis of ±0.0011: one notation for all, not 0.0010 beside 5e-4.
        let t = linear(-0.0011, 0.0011, 6, None, false);
        assert_eq!(labels(&t), ["-1e-3", "-5e-4", "0", "5e-4", "1e-3"]);
        let t = linear(-0.05, 1.05, 12, None, false);
        assert_eq!(labels(&t), ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"]);
        let t = linear(-0.05, 1.05, 6, None, false);
        assert_eq!(labels(&t), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(labels(&linear(0.31, 0.49, 6, None, false)), ["0.35", "0.4", "0.45"]);
        assert_eq!(labels(&linear(0.0, 4e7, 5, None, false)), ["0", "1e7", "2e7", "3e7", "4e7"]);
        // Whole numbers: a 1-epoch run's single epoch 0 is one tick, never -1 or 0.5.
        assert_eq!(labels(&linear(-0.5, 0.5, 10, None, true)), ["0"]);
        assert_eq!(labels(&linear(-15.0, 315.0, 8, None, true)), ["0", "50", "100", "150", "200", "250", "300"]);
        // Labels 7 px per character must fit their share of a 200 px axis: fewer ticks.
        let t = linear(-0.0011, 0.0011, 12, Some((150.0, 7.0)), false);
        assert_eq!(labels(&t), ["-1e-3", "0", "1e-3"]);
        for (lo, hi) in [(0.0, 1.0), (-3.3, 7.1), (1e-9, 3e-9), (0.999, 1.001), (-1e300, 1e300), (2.0, 2.5)] {
            let t = linear(lo, hi, 8, None, false);
            assert!((2..=8).contains(&t.major.len()) && unique(&t), "{lo}..{hi}: {:?}", labels(&t));
            let slack = 1e-9 * lo.abs().max(hi.abs());
            assert!(t.major.iter().all(|x| x.at >= lo - slack && x.at <= hi + slack));
            assert!(t.major.iter().all(|x| (x.label.parse::<f64>().unwrap() - x.at).abs() <= 1e-9 * x.at.abs()));
        }
    }

    #[test]
    fn log_ticks_mark_every_decade() {
        // The probe's 1 … 1e120: every 20 decades labelled, the decades between light.
        let t = log(-0.5, 120.5, 8);
        assert_eq!(labels(&t), ["1", "1e20", "1e40", "1e60", "1e80", "1e100", "1e120"]);
        assert_eq!(t.minor.len(), 25 - 7, "light lines every 5 decades");
        let t = log(-3.2, 2.1, 12);
        assert_eq!(labels(&t), ["0.001", "0.01", "0.1", "1", "10", "100"]);
        assert_eq!(t.minor.len(), 3 + 5 * 8, "2…9 × each decade inside the range");
        // A std that stays within a decade (a tanh stack, 0.1 … 4): 1, 2, 5 × 10^k.
        assert_eq!(labels(&log(-1.05, 0.6, 8)), ["0.1", "0.2", "0.5", "1", "2"]);
        // Narrower: every whole multiple, then a linear scale.
        assert_eq!(labels(&log(0.05, 0.45, 8)), ["1.5", "2", "2.5"]);
        assert_eq!(labels(&log(0.2, 0.62, 8)), ["2", "3", "4"]);
        let t = log(1.1f64.log10(), 1.5f64.log10(), 8);
        assert_eq!(labels(&t), ["1.1", "1.2", "1.3", "1.4", "1.5"]);
        assert_eq!(labels(&log(-7.2, -4.9, 8)), ["1e-7", "1e-6", "1e-5"]);
        for (lo, hi) in [(-0.5, 120.5), (-3.0, 3.0), (0.0, 0.01), (-300.0, 300.0), (5.5, 5.9)] {
            let t = log(lo, hi, 8);
            assert!(!t.major.is_empty() && t.major.len() <= 12 && unique(&t), "{lo}..{hi}: {:?}", labels(&t));
        }
        let t = log(0.0, 2.0, 8);
        assert_eq!(t.label_at(1.0), "10");
        assert_eq!(t.label_at(1.5), "");
    }
}
