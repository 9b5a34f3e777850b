//! README's numbers, tables and pictures, reproduced from the current build.
//!
//! `docs/readme.json` lists the commands README quotes (`runs`), and what README shows of each:
//! `blocks` (lines of a command's output, shown as a fenced block), `values` (one number out of a
//! CSV or the printed text, formatted as README prints it), `tables` (Markdown tables whose cells
//! are such values) and `images` (a picture a command draws, copied to `docs/img/`). In README.md
//! a block stands after a `<!-- block ID -->` line, a table after a `<!-- table ID -->` line, a
//! value between `<!--v ID-->` and `<!--/v-->` (HTML comments: invisible when rendered). A value
//! with `count` instead of a run is a fact of the repository: the number of entries of a folder
//! (whose names start with `prefix`, when given), e.g. how many PyTorch fixtures a test checks.
//! A value with `checked_by` is measured by that test (against committed PyTorch fixtures, say),
//! which fails when README's number differs (`readme_spec::check_quoted`).
//!
//! - `readme_numbers_reproduce` (in `cargo test`) reruns every run marked `"fast": true` and fails
//!   when a block or value README quotes differs from what the command prints now;
//! - `scripts/readme.sh` reruns all of them and rewrites README.md and `docs/img/`
//!   (`scripts/readme.sh --check`: compare only, slow runs included, images byte for byte).

#[allow(dead_code)] // check_quoted is for the tests that measure what they check
mod readme_spec;

use readme_spec::{block, count, fmt_num, root, run_all, spec, table, value, Outcome, SPEC};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

const README: &str = "README.md";

/// What README says now: blocks and tables (by id, as one text each) and values (by id, every
/// occurrence).
struct Quoted {
    blocks: BTreeMap<String, String>,
    tables: BTreeMap<String, String>,
    values: BTreeMap<String, Vec<String>>,
}

const HEAD: &str = r"^<!-- (block|table) ([\w.-]+) -->$";
const VALUE: &str = r"<!--v ([\w.-]+)-->(.*?)<!--/v-->";

/// The lines a block or table marker at line `i` owns: (first, one past the last).
fn span(kind: &str, id: &str, lines: &[&str], i: usize) -> (usize, usize) {
    if kind == "block" {
        assert!(
            lines.get(i + 1).is_some_and(|l| l.starts_with("```")),
            "README: block {id} must be followed by a fence"
        );
        let end = (i + 2..lines.len()).find(|&j| lines[j].starts_with("```")).expect("closing fence");
        (i + 2, end)
    } else {
        let end = (i + 1..lines.len()).find(|&j| !lines[j].starts_with('|')).unwrap_or(lines.len());
        assert!(end > i + 1, "README: table {id} must be followed by a table");
        (i + 1, end)
    }
}

fn quoted(readme: &str) -> Quoted {
    let mut q = Quoted { blocks: BTreeMap::new(), tables: BTreeMap::new(), values: BTreeMap::new() };
    let lines: Vec<&str> = readme.lines().collect();
    let head = Regex::new(HEAD).unwrap();
    for (i, l) in lines.iter().enumerate() {
        if let Some(c) = head.captures(l) {
            let (a, b) = span(&c[1], &c[2], &lines, i);
            let to = if &c[1] == "block" { &mut q.blocks } else { &mut q.tables };
            assert!(to.insert(c[2].to_string(), lines[a..b].join("\n")).is_none(), "README: {} {} twice", &c[1], &c[2]);
        }
    }
    for c in Regex::new(VALUE).unwrap().captures_iter(readme) {
        q.values.entry(c[1].to_string()).or_default().push(c[2].to_string());
    }
    q
}

struct Fresh {
    blocks: BTreeMap<String, String>,
    tables: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    /// (docs/img path, fresh file)
    images: Vec<(PathBuf, PathBuf)>,
}

/// Rewrites README's blocks, tables and values with what the runs give.
fn rewrite(readme: &str, f: &Fresh) -> String {
    let mut out = Vec::new();
    let lines: Vec<&str> = readme.lines().collect();
    let head = Regex::new(HEAD).unwrap();
    let mut i = 0;
    while i < lines.len() {
        out.push(lines[i].to_string());
        if let Some(c) = head.captures(lines[i]) {
            let fresh = if &c[1] == "block" { f.blocks.get(&c[2]) } else { f.tables.get(&c[2]) };
            if let Some(text) = fresh {
                let (a, b) = span(&c[1], &c[2], &lines, i);
                out.extend(lines[i + 1..a].iter().map(|l| l.to_string()));
                out.push(text.clone());
                i = b;
                continue;
            }
        }
        i += 1;
    }
    let text = out.join("\n") + "\n";
    Regex::new(VALUE)
        .unwrap()
        .replace_all(&text, |c: &regex::Captures| {
            let v = f.values.get(&c[1]).cloned().unwrap_or_else(|| c[2].to_string());
            format!("<!--v {}-->{}<!--/v-->", &c[1], v)
        })
        .into_owned()
}

/// Runs what `fast_only` selects and computes every block, table, value and image of those runs.
fn fresh(fast_only: bool, base: &std::path::Path) -> Fresh {
    let spec = spec();
    let runs = spec["runs"].as_object().unwrap();
    let outs = run_all(runs, fast_only, base);
    let of = |kind: &str, id: &str, x: &Value| -> Option<&Outcome> {
        let r = x["run"].as_str().unwrap_or_else(|| panic!("{kind} {id}: no run"));
        assert!(runs.contains_key(r), "{kind} {id}: unknown run {r}");
        outs.get(r)
    };
    let mut f = Fresh { blocks: BTreeMap::new(), tables: BTreeMap::new(), values: BTreeMap::new(), images: Vec::new() };
    for (id, b) in spec["blocks"].as_object().unwrap() {
        if let Some(o) = of("block", id, b) {
            f.blocks.insert(id.clone(), block(id, b, o));
        }
    }
    for (id, v) in spec["values"].as_object().unwrap() {
        if v.get("checked_by").is_some() {
            continue; // measured and compared by that test (readme_spec::check_quoted)
        }
        if v.get("count").is_some() {
            f.values.insert(id.clone(), count(id, v));
            continue;
        }
        if let Some(o) = of("value", id, v) {
            f.values.insert(id.clone(), value(id, v, o));
        }
    }
    for (id, t) in spec.get("tables").and_then(Value::as_object).into_iter().flatten() {
        if let Some(text) = table(id, t, &outs) {
            f.tables.insert(id.clone(), text);
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

/// Every id README uses is defined in the spec, and every block, table, value and image of the
/// spec is shown.
#[test]
fn readme_and_spec_name_the_same_things() {
    let readme = std::fs::read_to_string(root().join(README)).unwrap();
    let spec = spec();
    let q = quoted(&readme);
    let empty = serde_json::Map::new();
    let kinds = [
        ("blocks", q.blocks.keys().collect::<Vec<_>>()),
        ("tables", q.tables.keys().collect()),
        ("values", q.values.keys().collect()),
    ];
    for (kind, used) in kinds {
        let defined = spec.get(kind).and_then(Value::as_object).unwrap_or(&empty);
        for id in &used {
            assert!(defined.contains_key(id.as_str()), "README {kind} {id} is not in {SPEC}");
        }
        for id in defined.keys() {
            assert!(used.contains(&id), "{SPEC} {kind} {id} is not in README");
        }
    }
    // A value another test measures is named in that test.
    for (id, v) in spec["values"].as_object().unwrap() {
        if let Some(f) = v.get("checked_by").and_then(Value::as_str) {
            let text = std::fs::read_to_string(root().join(f)).unwrap_or_else(|e| panic!("value {id}: {f}: {e}"));
            assert!(text.contains(&format!("\"{id}\"")), "value {id}: {f} does not check it");
        }
    }
    for to in spec["images"].as_object().unwrap().keys() {
        assert!(readme.contains(to.as_str()), "{SPEC} image {to} is not shown in README");
    }
    // Every picture README shows is drawn by a run (or is a listed exception with its script).
    let exceptions = spec.get("exceptions").and_then(Value::as_object).unwrap_or(&empty);
    for c in Regex::new(r"\]\((docs/img/[^)]+)\)").unwrap().captures_iter(&readme) {
        let p = &c[1];
        assert!(
            spec["images"].get(p).is_some() || exceptions.contains_key(p),
            "README shows {p}, which no run of {SPEC} draws"
        );
    }
    assert!(fmt_num(15.93, "sig3") == "15.9" && fmt_num(9.996, "sig3") == "10.0" && fmt_num(0.0123, "sig2") == "0.012");
    assert_eq!(fmt_num(1.39e12, "sci3"), "1.39e12");
    assert!(fmt_num(2927.0, "sig2") == "2900" && fmt_num(151.3, "sig2") == "150" && fmt_num(94.7, "sig2") == "95");
    assert_eq!(fmt_num(1.387e12, "pow2"), "1.4·10¹²");
    assert_eq!(fmt_num(4.2e-7, "pow1"), "4·10⁻⁷");
}

fn check(fast_only: bool) {
    let readme = std::fs::read_to_string(root().join(README)).unwrap();
    let q = quoted(&readme);
    let base = scratch(if fast_only { "fast" } else { "all" });
    let f = fresh(fast_only, &base);
    let mut bad = Vec::new();
    for (kind, have, want) in [("block", &q.blocks, &f.blocks), ("table", &q.tables, &f.tables)] {
        for (id, b) in want {
            if have.get(id) != Some(b) {
                bad.push(format!(
                    "{kind} {id}: README has\n{}\nthe commands give\n{b}",
                    have.get(id).cloned().unwrap_or_default()
                ));
            }
        }
    }
    for (id, v) in &f.values {
        for x in q.values.get(id).into_iter().flatten() {
            if x != v {
                bad.push(format!("value {id}: README says {x}, the command gives {v}"));
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
    std::fs::write(root().join(README), rewrite(&readme, &f)).unwrap();
    for (to, from) in &f.images {
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("{} → {}: {e}", from.display(), to.display()));
    }
    let _ = std::fs::remove_dir_all(&base);
}
