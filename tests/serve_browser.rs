//! The playground in a real browser: `initlab serve --port 0` (the binary, as a person starts
//! it), then headless Chromium driven by `tests/browser/serve.mjs` (playwright-core): no console
//! error, no request outside 127.0.0.1, zeros' single distinct unit against kaiming's many, Play
//! moves the loss chart, Reset replays the first-epoch loss, the exported command gives the page's
//! loss, a bad setting shows its message, sine takes adam's defaults, an uploaded CSV trains
//! (fitted curve, the file offered to save) and a bad one shows compare's message. `bash scripts/test.sh` installs Chromium and
//! playwright-core; without them this test fails (it never skips). With
//! INITLAB_SCREENSHOTS=DIR it also saves the page at 800 and 1600 px.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_playground_works_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join("tests/browser/node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run the tests with `bash scripts/test.sh` (it runs npm ci in tests/browser)"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start initlab serve");
    let stdout = child.stdout.take().unwrap();
    let server = Kill(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url =
        line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).expect("the URL is printed").to_string();
    let mut cmd = Command::new("node");
    cmd.arg(root.join("tests/browser/serve.mjs")).arg(&url).arg(env!("CARGO_BIN_EXE_initlab"));
    if let Ok(dir) = std::env::var("INITLAB_SCREENSHOTS") {
        cmd.arg(dir);
    }
    let run = match cmd.output() {
        Ok(r) => r,
        Err(e) => panic!("cannot run node ({e}): run the tests with `bash scripts/test.sh`, which installs it"),
    };
    drop(server);
    let (stdout, stderr) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "browser test failed:\n{stdout}{stderr}");
    assert!(stdout.contains("symmetry, play, export, reset, errors, defaults and upload work"), "{stdout}{stderr}");
}
