//! README's numbers, tables and pictures, reproduced from the current build.
//!
//! `docs/readme.json` lists the commands README quotes (`runs`), and what README shows of each:
//! `blocks` (lines of a command's output, shown as a fenced block), `values` (one number out of a
//! CSV or the printed text, formatted as README prints it) and `images` (a picture a command draws,
//! copied to `docs/img/`). In README.md a block stands after a `<!-- block ID -->` line, a value
//! between `<!--v ID-->` and `<!--/v-->` (HTML comments: invisible when rendered).
//!
//! - `readme_numbers_reproduce` (in `cargo test`) reruns every run marked `"fast": true` and fails
//!   when a block or value README quotes differs from what the command prints now;
//! - `scripts/readme.sh` reruns all of them and rewrites README.md and `docs/img/`
//!   (`scripts/readme.sh --check`: compare only, slow runs included, images byte for byte).

use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SPEC: &str = "docs/readme.json";
const README: &str = "README.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Outcome {
    dir: PathBuf,
    stdout: String,
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

/// The lines of a block: from the first line starting with `start` (or the first line), `lines`
/// lines (or to the end), each right-trimmed.
fn block(id: &str, b: &Value, out: &Outcome) -> String {
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

/// Formats a number as README prints it: `dpN` (N decimals), `sigN` (N significant digits),
/// `sciN` (N significant digits, scientific), `int`, or `pct` (a percentage without decimals).
fn fmt_num(x: f64, fmt: &str) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let n = |p: &str| fmt[p.len()..].parse::<usize>().unwrap_or_else(|_| panic!("format {fmt}"));
    if fmt.starts_with("dp") {
        format!("{:.*}", n("dp"), x)
    } else if fmt.starts_with("sig") {
        let s = n("sig");
        if x == 0.0 {
            return "0".into();
        }
        let mag = x.abs().log10().floor() as i64;
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
        let s = n("sci");
        format!("{:.*e}", s - 1, x)
    } else if fmt == "int" {
        format!("{}", x.round() as i64)
    } else if fmt == "pct" {
        format!("{:.0}", x * 100.0)
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

/// One value: a CSV cell (`file`, `where` {column: value}, `column`, and `agg`: `one` (exactly one
/// row matches), `min`, `max`, `mean`, `first_nonfinite` (the `key` column of the first matching row
/// whose `column` is not finite)), or a capture of `regex` in the printed text.
fn value(id: &str, v: &Value, out: &Outcome) -> String {
    let fmt = v["fmt"].as_str().unwrap_or_else(|| panic!("value {id}: no fmt"));
    if let Some(re) = v.get("regex").and_then(Value::as_str) {
        let re = Regex::new(re).unwrap();
        let text = match v.get("file").and_then(Value::as_str) {
            Some(f) => std::fs::read_to_string(out.dir.join(f)).unwrap(),
            None => out.stdout.clone(),
        };
        let c = re.captures(&text).unwrap_or_else(|| panic!("value {id}: {re} not in\n{text}"));
        let s = &c[1];
        return if fmt == "text" { s.to_string() } else { fmt_num(num(s), fmt) };
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
    let sel: Vec<&Vec<String>> = rows.iter().filter(|r| conds.iter().all(|(c, x)| &r[*c] == x)).collect();
    let c = col(v["column"].as_str().unwrap());
    let xs: Vec<f64> = sel.iter().map(|r| num(&r[c])).collect();
    let agg = v.get("agg").and_then(Value::as_str).unwrap_or("one");
    let x = match agg {
        "one" => {
            assert_eq!(xs.len(), 1, "value {id}: {} rows match {conds:?}", xs.len());
            xs[0]
        }
        "min" => xs.iter().cloned().fold(f64::INFINITY, f64::min),
        "max" => xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        "mean" => xs.iter().sum::<f64>() / xs.len() as f64,
        "first_nonfinite" => {
            let k = col(v["key"].as_str().unwrap());
            let i = xs.iter().position(|x| !x.is_finite()).unwrap_or_else(|| panic!("value {id}: all finite"));
            num(&sel[i][k])
        }
        _ => panic!("value {id}: unknown agg {agg}"),
    };
    assert!(!xs.is_empty(), "value {id}: no row matches {conds:?}");
    fmt_num(x, fmt)
}

/// What README says now: blocks (by id) and values (by id, every occurrence).
fn quoted(readme: &str) -> (BTreeMap<String, String>, BTreeMap<String, Vec<String>>) {
    let mut blocks = BTreeMap::new();
    let lines: Vec<&str> = readme.lines().collect();
    let head = Regex::new(r"^<!-- block ([\w.-]+) -->$").unwrap();
    for (i, l) in lines.iter().enumerate() {
        if let Some(c) = head.captures(l) {
            assert!(lines[i + 1].starts_with("```"), "README: block {} must be followed by a fence", &c[1]);
            let end = (i + 2..lines.len()).find(|&j| lines[j].starts_with("```")).expect("closing fence");
            blocks.insert(c[1].to_string(), lines[i + 2..end].join("\n"));
        }
    }
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in Regex::new(r"<!--v ([\w.-]+)-->(.*?)<!--/v-->").unwrap().captures_iter(readme) {
        values.entry(c[1].to_string()).or_default().push(c[2].to_string());
    }
    (blocks, values)
}

/// Rewrites README's blocks and values with what the runs give.
fn rewrite(readme: &str, blocks: &BTreeMap<String, String>, values: &BTreeMap<String, String>) -> String {
    let mut out = Vec::new();
    let lines: Vec<&str> = readme.lines().collect();
    let head = Regex::new(r"^<!-- block ([\w.-]+) -->$").unwrap();
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].to_string());
        if let Some(c) = head.captures(lines[i]) {
            if let Some(b) = blocks.get(&c[1]) {
                let fence = lines[i + 1];
                let end = (i + 2..lines.len()).find(|&j| lines[j].starts_with("```")).unwrap();
                out.push(fence.to_string());
                out.push(b.clone());
                out.push(lines[end].to_string());
                i = end;
            }
        }
        i += 1;
    }
    let text = out.join("\n") + "\n";
    Regex::new(r"<!--v ([\w.-]+)-->(.*?)<!--/v-->")
        .unwrap()
        .replace_all(&text, |c: &regex::Captures| {
            let v = values.get(&c[1]).cloned().unwrap_or_else(|| c[2].to_string());
            format!("<!--v {}-->{}<!--/v-->", &c[1], v)
        })
        .into_owned()
}

struct Fresh {
    blocks: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    /// (docs/img path, fresh file)
    images: Vec<(PathBuf, PathBuf)>,
}

/// Runs what `fast_only` selects and computes every block, value and image of those runs.
fn fresh(fast_only: bool, base: &Path) -> Fresh {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(root().join(SPEC)).unwrap()).unwrap();
    let runs = spec["runs"].as_object().unwrap();
    let mut outs = BTreeMap::new();
    for (id, r) in runs {
        if fast_only && !r.get("fast").and_then(Value::as_bool).unwrap_or(false) {
            continue;
        }
        outs.insert(id.clone(), run(id, r, base));
    }
    let of = |kind: &str, id: &str, x: &Value| -> Option<&Outcome> {
        let r = x["run"].as_str().unwrap_or_else(|| panic!("{kind} {id}: no run"));
        assert!(runs.contains_key(r), "{kind} {id}: unknown run {r}");
        outs.get(r)
    };
    let mut f = Fresh { blocks: BTreeMap::new(), values: BTreeMap::new(), images: Vec::new() };
    for (id, b) in spec["blocks"].as_object().unwrap() {
        if let Some(o) = of("block", id, b) {
            f.blocks.insert(id.clone(), block(id, b, o));
        }
    }
    for (id, v) in spec["values"].as_object().unwrap() {
        if let Some(o) = of("value", id, v) {
            f.values.insert(id.clone(), value(id, v, o));
        }
    }
    for (to, im) in spec["images"].as_object().unwrap() {
        if let Some(o) = of("image", to, im) {
            f.images.push((root().join(to), o.dir.join(im["file"].as_str().unwrap())));
        }
    }
    f
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initlab-readme-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every id README uses is defined in the spec, and every block and value of the spec is quoted.
#[test]
fn readme_and_spec_name_the_same_things() {
    let readme = std::fs::read_to_string(root().join(README)).unwrap();
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(root().join(SPEC)).unwrap()).unwrap();
    let (blocks, values) = quoted(&readme);
    for id in blocks.keys() {
        assert!(spec["blocks"].get(id).is_some(), "README block {id} is not in {SPEC}");
    }
    for id in values.keys() {
        assert!(spec["values"].get(id).is_some(), "README value {id} is not in {SPEC}");
    }
    for id in spec["blocks"].as_object().unwrap().keys() {
        assert!(blocks.contains_key(id), "{SPEC} block {id} is not in README");
    }
    for id in spec["values"].as_object().unwrap().keys() {
        assert!(values.contains_key(id), "{SPEC} value {id} is not in README");
    }
    for to in spec["images"].as_object().unwrap().keys() {
        assert!(readme.contains(to.as_str()), "{SPEC} image {to} is not shown in README");
    }
    assert!(fmt_num(15.93, "sig3") == "15.9" && fmt_num(9.996, "sig3") == "10.0" && fmt_num(0.0123, "sig2") == "0.012");
    assert_eq!(fmt_num(1.39e12, "sci3"), "1.39e12");
}

fn check(fast_only: bool) {
    let readme = std::fs::read_to_string(root().join(README)).unwrap();
    let (blocks, values) = quoted(&readme);
    let base = scratch(if fast_only { "fast" } else { "all" });
    let f = fresh(fast_only, &base);
    let mut bad = Vec::new();
    for (id, b) in &f.blocks {
        if blocks.get(id) != Some(b) {
            bad.push(format!(
                "block {id}: README has\n{}\nthe command prints\n{b}",
                blocks.get(id).cloned().unwrap_or_default()
            ));
        }
    }
    for (id, v) in &f.values {
        for q in values.get(id).into_iter().flatten() {
            if q != v {
                bad.push(format!("value {id}: README says {q}, the command gives {v}"));
            }
        }
    }
    if !fast_only {
        for (to, from) in &f.images {
            if std::fs::read(to).ok() != std::fs::read(from).ok() {
                bad.push(format!("image {}: differs from a fresh run", to.display()));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(bad.is_empty(), "README no longer reproduces (scripts/readme.sh rewrites it):\n{}", bad.join("\n"));
}

/// The fast runs of `docs/readme.json` give what README quotes.
#[test]
fn readme_numbers_reproduce() {
    check(true);
}

/// All runs, slow ones included, and the images byte for byte (`scripts/readme.sh --check`).
#[test]
#[ignore]
fn readme_all_reproduce() {
    check(false);
}

/// Rewrites README.md and docs/img from all runs (`scripts/readme.sh`).
#[test]
#[ignore]
fn readme_regenerate() {
    let readme = std::fs::read_to_string(root().join(README)).unwrap();
    let base = scratch("write");
    let f = fresh(false, &base);
    std::fs::write(root().join(README), rewrite(&readme, &f.blocks, &f.values)).unwrap();
    for (to, from) in &f.images {
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("{} → {}: {e}", from.display(), to.display()));
    }
    let _ = std::fs::remove_dir_all(&base);
}
