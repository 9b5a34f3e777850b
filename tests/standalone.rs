//! The project stands alone: a user's clone has no folder of shared files beside it, so nothing in it may read or cite
//! files outside the repository. Every script's local import resolves inside `scripts/`, and every
//! repository path README names exists.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Text files of the project a user reads or runs (fuzz corpora and node_modules aside).
fn project_files() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let mut dirs: Vec<PathBuf> =
        ["scripts", "tests", "docs", "src", "examples", "benches", ".ci"].iter().map(|d| root().join(d)).collect();
    while let Some(d) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if !["fuzz", "node_modules", "torch", "torch_extra", "torch_random", "torch_residual"]
                    .contains(&name.as_str())
                {
                    dirs.push(p);
                }
            } else if [".rs", ".py", ".sh", ".md", ".mjs", ".json"].iter().any(|x| name.ends_with(x)) || name == "run" {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn nothing_reads_or_cites_files_outside_the_repository() {
    // Built from pieces, so this checker does not itself contain the paths it looks for.
    let dir = ["sha", "red"].concat();
    let banned_owned: Vec<String> = [format!("../{dir}")]
        .into_iter()
        .chain(["torch_ref", "bench", "torch_rng", "design"].iter().map(|sub| format!("{dir}/{sub}")))
        .chain(["make_cases".to_string()])
        .collect();
    let banned: Vec<&str> = banned_owned.iter().map(String::as_str).collect();
    let mut hits = Vec::new();
    let files = project_files();
    assert!(files.len() > 100, "only {} files found", files.len());
    for p in &files {
        if p.ends_with("tests/standalone.rs") {
            continue;
        }
        let Ok(text) = fs::read_to_string(p) else { continue };
        for (i, line) in text.lines().enumerate() {
            if let Some(b) = banned.iter().find(|b| line.contains(*b)) {
                hits.push(format!("{}:{}: {b}: {line}", p.strip_prefix(root()).unwrap().display(), i + 1));
            }
        }
    }
    assert!(hits.is_empty(), "outside references:\n{}", hits.join("\n"));
}

/// Modules a script may import without the repository providing them: Python's standard library
/// and the pip packages README names (torch, safetensors, numpy, scipy, mup).
const PIP_OR_STDLIB: &[&str] = &[
    "argparse",
    "collections",
    "fnmatch",
    "csv",
    "functools",
    "importlib",
    "io",
    "itertools",
    "json",
    "math",
    "os",
    "pathlib",
    "random",
    "re",
    "shutil",
    "statistics",
    "struct",
    "subprocess",
    "sys",
    "tempfile",
    "time",
    "torch",
    "safetensors",
    "numpy",
    "scipy",
    "mup",
    "glob",
    "hashlib",
    "textwrap",
    "dataclasses",
    "typing",
    "contextlib",
];

#[test]
fn every_script_import_is_a_package_or_a_script_of_the_repository() {
    let mut scripts: Vec<PathBuf> = fs::read_dir(root().join("scripts")).unwrap().flatten().map(|e| e.path()).collect();
    scripts.extend(fs::read_dir(root().join("tests/fixtures")).unwrap().flatten().map(|e| e.path()));
    scripts.retain(|p| p.extension().is_some_and(|x| x == "py"));
    assert!(scripts.len() >= 10, "{scripts:?}");
    let mut bad = Vec::new();
    for p in &scripts {
        for line in fs::read_to_string(p).unwrap().lines() {
            let l = line.trim_start();
            let names: Vec<&str> = if let Some(r) = l.strip_prefix("import ") {
                r.split('#').next().unwrap().split(',').map(|n| n.split_whitespace().next().unwrap_or("")).collect()
            } else if let Some(r) = l.strip_prefix("from ").filter(|r| r.contains(" import ")) {
                vec![r.split_whitespace().next().unwrap_or("")]
            } else {
                continue;
            };
            for n in names {
                let top = n.split('.').next().unwrap();
                if top.is_empty() || PIP_OR_STDLIB.contains(&top) {
                    continue;
                }
                if !root().join("scripts").join(format!("{top}.py")).is_file() {
                    bad.push(format!("{}: {line}", p.strip_prefix(root()).unwrap().display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "imports the repository does not provide:\n{}", bad.join("\n"));
}

#[test]
fn every_repository_path_readme_names_exists() {
    let text = fs::read_to_string(root().join("README.md")).unwrap();
    let tops = ["scripts/", "docs/", "tests/", "src/", "examples/", "benches/", "assets/", "fuzz/", ".ci/"];
    let mut checked = 0;
    let mut missing = Vec::new();
    for (i, span) in text.split('`').enumerate() {
        if i % 2 == 0 {
            continue; // outside backticks
        }
        for word in span.split_whitespace() {
            let w = word.trim_matches(|c: char| ",.;:()'\"".contains(c));
            if !tops.iter().any(|t| w.starts_with(t)) || w.contains(['<', '*', '…', '{']) {
                continue;
            }
            checked += 1;
            if !Path::new(&root().join(w)).exists() {
                missing.push(w.to_string());
            }
        }
    }
    assert!(checked >= 20, "only {checked} paths found in README");
    assert!(missing.is_empty(), "README names files the repository lacks: {missing:?}");
}
