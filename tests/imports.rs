//! The module graph (issue 17.4): no two modules import each other (tensor <-> autograd aside)
//! and nothing below `cli/` imports `cli/`, as `scripts/check_imports.py` measures it. The checker
//! itself is checked on a tree made to fail.

use std::path::Path;
use std::process::Command;

fn check(src_parent: &Path) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_imports.py");
    let copy = src_parent.join("scripts/check_imports.py");
    if src_parent != Path::new(env!("CARGO_MANIFEST_DIR")) {
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::copy(&script, &copy).unwrap();
    }
    Command::new("python3").arg(&copy).output().expect("python3 runs scripts/check_imports.py")
}

#[test]
fn the_crate_has_no_import_circles_and_no_upward_imports() {
    let o = check(Path::new(env!("CARGO_MANIFEST_DIR")));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(" 0 problems"));
}

#[test]
fn the_checker_finds_a_circle_and_an_upward_import() {
    let dir = std::env::temp_dir().join(format!("initlab-imports-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("cli")).unwrap();
    std::fs::create_dir_all(src.join("lab")).unwrap();
    let files = [
        ("lib.rs", "pub mod cli;\npub mod lab;\n"),
        ("cli/mod.rs", "pub mod a;\npub mod b;\n"),
        ("cli/a.rs", "use super::b::f;\n"),
        ("cli/b.rs", "use crate::cli::a::g;\n#[cfg(test)]\nmod tests { use crate::lab::x; }\n"),
        ("lab/mod.rs", "pub mod x;\n"),
        ("lab/x.rs", "// crate::cli in a comment does not count\nfn h() { crate::cli::a::g(); }\n"),
    ];
    for (p, text) in files {
        std::fs::write(src.join(p), text).unwrap();
    }
    let o = check(&dir);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!o.status.success());
    assert!(out.contains("circle: cli::a <-> cli::b"), "{out}");
    assert!(out.contains("upward: lab::x imports cli::a"), "{out}");
    assert_eq!(out.lines().filter(|l| l.contains("upward")).count(), 1, "{out}");
}
