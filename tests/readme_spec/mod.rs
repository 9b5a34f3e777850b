//! What `docs/readme.json` describes, computed from fresh runs: the runs themselves, and the
//! blocks, values, tables and images README shows of them (see `tests/readme.rs`).

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SPEC: &str = "docs/readme.json";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn spec() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(SPEC)).unwrap()).unwrap_or_else(|e| panic!("{SPEC}: {e}"))
}

pub struct Outcome {
    pub dir: PathBuf,
    pub stdout: String,
}

/// Runs one entry of `runs` in a fresh folder; `{out}` in its arguments is that folder.
fn run(id: &str, spec: &Value, base: &Path) -> Outcome {
    let dir = base.join(id);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let args: Vec<String> = spec["args"]
        .as_array()
        .unwrap_or_else(|| panic!("run {id}: no args"))
        .iter()
        .map(|a| a.as_str().unwrap().replace("{out}", dir.to_str().unwrap()))
        .collect();
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(&args)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("run {id}: {e}"));
    assert!(
        o.status.success(),
        "run {id} (initlab {}) failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    Outcome { dir, stdout: String::from_utf8_lossy(&o.stdout).into_owned() }
}

/// Runs the selected runs, a few at a time (each sweep is itself parallel over its runs).
pub fn run_all(runs: &Map<String, Value>, fast_only: bool, base: &Path) -> BTreeMap<String, Outcome> {
    let fast = |r: &Value| r.get("fast").and_then(Value::as_bool).unwrap_or(false);
    let mut todo: Vec<(&String, &Value)> = runs.iter().filter(|(_, r)| !fast_only || fast(r)).collect();
    // The slow runs first, so that the fast ones fill in beside them.
    todo.sort_by_key(|(_, r)| fast(r));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let next = std::sync::Mutex::new(0usize);
    let done = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some((id, r)) = todo.get(i) else { break };
                let o = run(id, r, base);
                done.lock().unwrap().insert((*id).clone(), o);
            });
        }
    });
    done.into_inner().unwrap()
}

/// The lines of a block: from the first line starting with `start` (or the first line), `lines`
/// lines (or to the end), each right-trimmed.
pub fn block(id: &str, b: &Value, out: &Outcome) -> String {
    let text = match b.get("file").and_then(Value::as_str) {
        Some(f) => std::fs::read_to_string(out.dir.join(f)).unwrap_or_else(|e| panic!("block {id}: {f}: {e}")),
        None => out.stdout.clone(),
    };
    let lines: Vec<&str> = text.lines().collect();
    let from = match b.get("start").and_then(Value::as_str) {
        Some(s) => lines
            .iter()
            .position(|l| l.starts_with(s))
            .unwrap_or_else(|| panic!("block {id}: no line starts with {s:?} in\n{text}")),
        None => 0,
    };
    let n = b.get("lines").and_then(Value::as_u64).map_or(lines.len() - from, |n| n as usize);
    lines[from..(from + n).min(lines.len())].iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
}

fn superscript(n: i64) -> String {
    let digits = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s: String = n.abs().to_string().chars().map(|c| digits[c.to_digit(10).unwrap() as usize]).collect();
    if n < 0 {
        s.insert(0, '⁻');
    }
    s
}

/// Formats a number as README prints it: `dpN` (N decimals), `sigN` (N significant digits),
/// `sciN` (N significant digits, scientific: 1.39e12), `powN` (the same as 1.39·10¹²), `int`,
/// `pct` / `pctN` (a percentage with 0 / N decimals).
pub fn fmt_num(x: f64, fmt: &str) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let n = |p: &str| fmt[p.len()..].parse::<usize>().unwrap_or_else(|_| panic!("format {fmt}"));
    if let Some(d) = fmt.strip_prefix("dp") {
        format!("{:.*}", d.parse::<usize>().unwrap(), x)
    } else if fmt.starts_with("sig") {
        let s = n("sig");
        if x == 0.0 {
            return "0".into();
        }
        let mag = x.abs().log10().floor() as i64;
        if mag >= s as i64 {
            // 2927 → 2900: round the integer part to s digits too.
            let p = 10f64.powi((mag + 1 - s as i64) as i32);
            return format!("{}", ((x / p).round() * p) as i64);
        }
        let dp = (s as i64 - 1 - mag).max(0) as usize;
        let r = format!("{:.*}", dp, x);
        // Rounding can carry into one more digit (9.99 → 10.0): recount.
        let digits = r.chars().filter(|c| c.is_ascii_digit()).collect::<String>().trim_start_matches('0').len();
        if digits > s && dp > 0 {
            format!("{:.*}", dp - 1, x)
        } else {
            r
        }
    } else if fmt.starts_with("sci") {
        format!("{:.*e}", n("sci") - 1, x)
    } else if fmt.starts_with("pow") {
        let e = format!("{:.*e}", n("pow") - 1, x);
        let (m, p) = e.split_once('e').unwrap();
        let p: i64 = p.parse().unwrap();
        if p == 0 {
            m.to_string()
        } else {
            format!("{m}·10{}", superscript(p))
        }
    } else if fmt == "int" {
        format!("{}", x.round() as i64)
    } else if fmt == "pct" {
        format!("{:.0}", x * 100.0)
    } else if let Some(d) = fmt.strip_prefix("pct") {
        format!("{:.*}", d.parse::<usize>().unwrap(), x * 100.0)
    } else {
        panic!("unknown format {fmt}")
    }
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn num(s: &str) -> f64 {
    s.trim().parse::<f64>().unwrap_or(f64::NAN)
}

/// `where` conditions: `"x"` equal (as text), `">=x"`, `"<=x"`, `">x"`, `"<x"` (as numbers).
fn matches(cell: &str, cond: &str) -> bool {
    for (op, f) in [
        (">=", (|a, b| a >= b) as fn(f64, f64) -> bool),
        ("<=", |a, b| a <= b),
        (">", |a, b| a > b),
        ("<", |a, b| a < b),
    ] {
        if let Some(b) = cond.strip_prefix(op) {
            return f(num(cell), num(b));
        }
    }
    cell == cond
}

/// One value: a CSV cell (`file`, `where` {column: condition}, `column`, and `agg`: `one`
/// (exactly one row matches), `first`, `last`, `min`, `max`, `mean`, `count`, `max_rel_dev` (the
/// largest |column / vs − 1|), `argmax`/`argmin`/`first_nonfinite` (the `key` column of the row
/// with the largest/smallest `column`, or of the first whose `column` is not finite)), or a
/// capture of `regex` in the printed text (or in `file`). `scale` multiplies it; `na` is the text
/// for a value that is not finite (an empty cell) or for no matching row. `fmt` as in `fmt_num`, or `text`.
/// For a test that measures numbers README quotes (values of docs/readme.json with
/// `"checked_by": "<that test's file>"`, which `tests/readme.rs` leaves to it): fails, naming each,
/// when README's text (every occurrence) differs from the measured one.
pub fn check_quoted(measured: &[(&str, String)]) {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let spec = spec();
    let mut bad = Vec::new();
    for (id, fresh) in measured {
        assert!(spec["values"][*id]["checked_by"].is_string(), "{SPEC}: value {id} has no checked_by");
        let re = Regex::new(&format!(r"<!--v {}-->(.*?)<!--/v-->", regex::escape(id))).unwrap();
        let shown: Vec<String> = re.captures_iter(&readme).map(|c| c[1].to_string()).collect();
        assert!(!shown.is_empty(), "README does not show value {id}");
        for x in shown.iter().filter(|x| *x != fresh) {
            bad.push(format!("value {id}: README says {x}, measured now {fresh}"));
        }
    }
    assert!(bad.is_empty(), "README no longer reproduces:\n{}", bad.join("\n"));
}

/// A `count` value: the entries of the folder `count` (relative to the repository) whose names
/// start with `prefix` (all when none), in words for ten or fewer (`fmt` "words") or as digits.
pub fn count(id: &str, v: &Value) -> String {
    let dir = root().join(v["count"].as_str().unwrap_or_else(|| panic!("value {id}: count needs a folder")));
    let prefix = v.get("prefix").and_then(Value::as_str).unwrap_or("");
    let n = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("value {id}: {}: {e}", dir.display()))
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().starts_with(prefix)))
        .count();
    const WORDS: [&str; 11] = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    match v["fmt"].as_str() {
        Some("words") if n <= 10 => WORDS[n].to_string(),
        _ => n.to_string(),
    }
}

pub fn value(id: &str, v: &Value, out: &Outcome) -> String {
    let fmt = v["fmt"].as_str().unwrap_or_else(|| panic!("value {id}: no fmt"));
    let finish = |x: f64| -> String {
        let x = x * v.get("scale").and_then(Value::as_f64).unwrap_or(1.0);
        match v.get("na").and_then(Value::as_str) {
            Some(na) if !x.is_finite() => na.to_string(),
            _ => fmt_num(x, fmt),
        }
    };
    if let Some(re) = v.get("regex").and_then(Value::as_str) {
        let re = Regex::new(re).unwrap_or_else(|e| panic!("value {id}: {e}"));
        let text = match v.get("file").and_then(Value::as_str) {
            Some(f) => std::fs::read_to_string(out.dir.join(f)).unwrap_or_else(|e| panic!("value {id}: {f}: {e}")),
            None => out.stdout.clone(),
        };
        let c = re.captures(&text).unwrap_or_else(|| panic!("value {id}: {re} not in\n{text}"));
        let s = &c[1];
        return if fmt == "text" { s.to_string() } else { finish(num(s)) };
    }
    let file = v["file"].as_str().unwrap_or_else(|| panic!("value {id}: no file or regex"));
    let (header, rows) = csv_rows(&out.dir.join(file));
    let col = |name: &str| {
        header.iter().position(|h| h == name).unwrap_or_else(|| panic!("value {id}: no column {name} in {header:?}"))
    };
    let conds: Vec<(usize, String)> = v
        .get("where")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, x)| (col(k), x.as_str().unwrap().to_string())).collect())
        .unwrap_or_default();
    let sel: Vec<&Vec<String>> = rows.iter().filter(|r| conds.iter().all(|(c, x)| matches(&r[*c], x))).collect();
    let c = col(v["column"].as_str().unwrap_or_else(|| panic!("value {id}: no column")));
    let agg = v.get("agg").and_then(Value::as_str).unwrap_or("one");
    if sel.is_empty() && agg != "count" {
        return v.get("na").and_then(Value::as_str).map(String::from).unwrap_or_else(|| {
            panic!("value {id}: no row of {file} matches {conds:?}");
        });
    }
    if fmt == "text" {
        assert!(agg == "one" && sel.len() == 1, "value {id}: text needs exactly one row, {} match", sel.len());
        return sel[0][c].clone();
    }
    let xs: Vec<f64> = sel.iter().map(|r| num(&r[c])).collect();
    let key = |i: usize| num(&sel[i][col(v["key"].as_str().unwrap_or_else(|| panic!("value {id}: no key")))]);
    let best = |better: fn(f64, f64) -> bool| {
        let mut b = 0;
        for (i, x) in xs.iter().enumerate() {
            if x.is_finite() && (!xs[b].is_finite() || better(*x, xs[b])) {
                b = i;
            }
        }
        b
    };
    let x = match agg {
        "one" => {
            assert_eq!(xs.len(), 1, "value {id}: {} rows match {conds:?}", xs.len());
            xs[0]
        }
        "first" => xs[0],
        "last" => xs[xs.len() - 1],
        "count" => xs.len() as f64,
        "min" => xs.iter().cloned().fold(f64::INFINITY, f64::min),
        "max" => xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        "mean" => xs.iter().sum::<f64>() / xs.len() as f64,
        "max_rel_dev" => {
            let w = col(v["vs"].as_str().unwrap_or_else(|| panic!("value {id}: max_rel_dev needs vs")));
            sel.iter().map(|r| (num(&r[c]) / num(&r[w]) - 1.0).abs()).filter(|d| d.is_finite()).fold(0.0, f64::max)
        }
        "argmax" => key(best(|a, b| a > b)),
        "argmin" => key(best(|a, b| a < b)),
        "first_nonfinite" => {
            key(xs.iter().position(|x| !x.is_finite()).unwrap_or_else(|| panic!("value {id}: all finite")))
        }
        _ => panic!("value {id}: unknown agg {agg}"),
    };
    finish(x)
}

/// `base` with `over`'s keys on top (`where` merged key by key).
fn merged(base: &Value, over: &Value) -> Value {
    let mut m = base.as_object().cloned().unwrap_or_default();
    for (k, x) in over.as_object().into_iter().flatten() {
        if k == "where" {
            let mut w = m.get("where").and_then(Value::as_object).cloned().unwrap_or_default();
            w.extend(x.as_object().unwrap().clone());
            m.insert(k.clone(), Value::Object(w));
        } else {
            m.insert(k.clone(), x.clone());
        }
    }
    Value::Object(m)
}

/// The runs a table's cells read (its `defaults`, each row's and each cell's `run`).
fn table_runs(t: &Value) -> Vec<String> {
    fn walk(x: &Value, out: &mut Vec<String>) {
        match x {
            Value::Object(m) => {
                if let Some(r) = m.get("run").and_then(Value::as_str) {
                    out.push(r.to_string());
                }
                m.values().for_each(|y| walk(y, out));
            }
            Value::Array(a) => a.iter().for_each(|y| walk(y, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(t, &mut out);
    out
}

/// A Markdown table: `header` (its lines), then one line per row; a row is a list of cells or
/// `{"defaults": {...}, "cells": [...]}`; a cell is text, a value (merged over the table's and
/// the row's `defaults`) or a list of those, joined. None when a run it reads was not run.
pub fn table(id: &str, t: &Value, outs: &BTreeMap<String, Outcome>) -> Option<String> {
    if table_runs(t).iter().any(|r| !outs.contains_key(r)) {
        return None;
    }
    let defaults = t.get("defaults").cloned().unwrap_or(Value::Null);
    let mut lines: Vec<String> = t["header"]
        .as_array()
        .unwrap_or_else(|| panic!("table {id}: no header"))
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    fn cell(id: &str, c: &Value, d: &Value, outs: &BTreeMap<String, Outcome>) -> String {
        match c {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.iter().map(|x| cell(id, x, d, outs)).collect(),
            Value::Object(_) => {
                let v = merged(d, c);
                let r = v["run"].as_str().unwrap_or_else(|| panic!("table {id}: a cell without run"));
                value(id, &v, &outs[r])
            }
            _ => panic!("table {id}: bad cell {c}"),
        }
    }
    for row in t["rows"].as_array().unwrap_or_else(|| panic!("table {id}: no rows")) {
        let (d, cells) = match row {
            Value::Array(a) => (defaults.clone(), a.clone()),
            _ => (merged(&defaults, &row["defaults"]), row["cells"].as_array().unwrap().clone()),
        };
        let texts: Vec<String> = cells.iter().map(|c| cell(id, c, &d, outs)).collect();
        lines.push(format!("| {} |", texts.join(" | ")));
    }
    Some(lines.join("\n"))
}
