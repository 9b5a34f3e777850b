//! The report's chart data, stored compactly so that the page stays light (the default sweep's
//! 150 runs × 300 epochs of loss and accuracy): each line's values as base64 of little-endian
//! float32 when every value is exactly a float32 (losses are computed in float32), else float64
//! — exact either way, so a tooltip shows the bits metrics.csv holds — and its x positions as a
//! start and a step instead of a list. The page decodes them (`app.js`).

use crate::lab::experiments::compare::{Prepared, RunResult};
use crate::lab::views::figures::histogram_figure;
use serde_json::{json, Value};

/// `y` as `{"f4": base64}` or `{"f8": base64}`, whichever holds every value exactly.
pub fn encode(y: &[f64]) -> Value {
    let f32_exact = y.iter().all(|&v| v.is_nan() || (v as f32) as f64 == v);
    if f32_exact {
        let bytes: Vec<u8> = y.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
        json!({"f4": base64(&bytes)})
    } else {
        let bytes: Vec<u8> = y.iter().flat_map(|&v| v.to_le_bytes()).collect();
        json!({"f8": base64(&bytes)})
    }
}

/// One line: its init (for hiding), seed (none: a mean over seeds), kind, whether dashed, x as
/// `x0 + i·dx`, and the encoded values.
pub fn line(init: usize, seed: Option<u64>, kind: &str, test: bool, (x0, dx): (f64, f64), y: &[f64]) -> Value {
    json!({"init": init, "seed": seed, "kind": kind, "test": test, "x0": x0, "dx": dx, "y": encode(y)})
}

/// The histograms of every init's first seed as small charts: per init four (activations and
/// gradients, at init and at the end), one line per hidden layer in that layer's colour.
pub fn histogram_charts(p: &Prepared, results: &[RunResult]) -> Vec<(usize, Vec<Value>)> {
    let Some(fig) = histogram_figure(p, results) else { return Vec::new() };
    let mut out = Vec::new();
    for row in fig.panels.chunks(4) {
        let Some(k) = p.config.inits.iter().position(|(l, _)| row[0].title == *l) else { continue };
        let names: Vec<String> = row.last().map_or(Vec::new(), |r| r.series.iter().map(|s| s.label.clone()).collect());
        let specs = row
            .iter()
            .enumerate()
            .map(|(c, panel)| {
                let lines: Vec<Value> = panel
                    .series
                    .iter()
                    .enumerate()
                    .map(|(j, s)| {
                        let dx = if s.x.len() > 1 { s.x[1] - s.x[0] } else { 1.0 };
                        let kind = names.get(j).cloned().unwrap_or_else(|| format!("layer {}", j + 1));
                        let mut l = line(k, None, &format!("layer {kind}"), false, (s.x[0], dx), &s.y);
                        l["color"] = json!(s.color.unwrap_or(j));
                        l
                    })
                    .collect();
                json!({"id": format!("hist-{k}-{c}"), "title": panel.x_label, "xlabel": panel.x_label,
                    "ylabel": "fraction", "log": false, "w": 430, "h": 270, "what": "first seed",
                    "xvalues": true, "lines": lines})
            })
            .collect();
        out.push((k, specs));
    }
    out
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(v: &Value) -> Vec<f64> {
        let (key, text) = v.as_object().unwrap().iter().next().unwrap();
        let bytes = decode_b64(text.as_str().unwrap());
        match key.as_str() {
            "f4" => bytes.chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
            _ => bytes.chunks(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect(),
        }
    }

    fn decode_b64(s: &str) -> Vec<u8> {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let val = |c: u8| A.iter().position(|&a| a == c).unwrap() as u32;
        let mut out = Vec::new();
        for chunk in s.as_bytes().chunks(4) {
            let n = chunk.iter().take_while(|&&c| c != b'=').fold(0u32, |n, &c| n << 6 | val(c));
            let pad = chunk.iter().filter(|&&c| c == b'=').count();
            let n = n << (6 * pad);
            out.extend(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..3 - pad]);
        }
        out
    }

    #[test]
    fn values_come_back_bit_for_bit_in_four_or_eight_bytes() {
        let losses = [1.0986123085021973, 0.5, f64::NAN, f32::MAX as f64, 1e-30f32 as f64];
        let v = encode(&losses);
        assert!(v.get("f4").is_some(), "float32 values take 4 bytes");
        let back = decode(&v);
        assert!(losses.iter().zip(&back).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())));
        // 5 values × 4 bytes = 20 bytes = 28 base64 characters.
        assert_eq!(v["f4"].as_str().unwrap().len(), 28);
        let acc = [1.0 / 3.0, 0.9933333333333333, f64::INFINITY];
        let v = encode(&acc);
        assert!(v.get("f8").is_some());
        assert_eq!(decode(&v), acc);
    }
}
