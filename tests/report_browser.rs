//! `report.html` in a real browser: a small comparison on moons, then headless Chromium driven by
//! `tests/browser/report.mjs` (playwright-core): the page opens with no console error and no
//! request outside the file, hovering the loss chart shows a value equal to metrics.csv's,
//! clicking a legend entry hides that init everywhere, dragging zooms. `bash scripts/test.sh`
//! installs Chromium and playwright-core; without them this test fails (it never skips).

use std::path::Path;
use std::process::Command;

#[test]
fn the_report_works_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("initlab-report-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(["compare", "--data", "moons", "--init", "zeros", "--init", "kaiming_normal(nonlinearity=relu)"])
        .args(["--seeds", "2", "--epochs", "40", "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("run initlab");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let script = root.join("tests/browser/report.mjs");
    assert!(
        root.join("tests/browser/node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run the tests with `bash scripts/test.sh` (it runs npm ci in tests/browser)"
    );
    let run = Command::new("node").arg(&script).arg(out.join("report.html")).arg(out.join("metrics.csv")).output();
    let run = match run {
        Ok(r) => r,
        Err(e) => panic!("cannot run node ({e}): run the tests with `bash scripts/test.sh`, which installs it"),
    };
    let (stdout, stderr) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "browser test failed:\n{stdout}{stderr}");
    assert!(stdout.contains("hover, legend and zoom work"), "{stdout}{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}
