//! The progress bar of long commands: counted in epochs over all runs (or in units of whatever a
//! command repeats), with the rate and an ETA. Drawn on stderr only when it is a terminal and
//! `--quiet` is not given, so pipes, logs and tests see nothing of it.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar to `total` `unit`s (e.g. "epochs"), hidden when `quiet` or when stderr is not a terminal.
pub fn bar(total: u64, unit: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template =
        format!("{{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {unit}, {{per_sec}}, eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A bar over `runs` runs of `epochs` epochs each, `done` of them already finished.
pub fn epoch_bar(runs: usize, done: usize, epochs: usize, quiet: bool) -> ProgressBar {
    let b = bar(runs as u64 * epochs as u64, "epochs", quiet);
    b.inc(done as u64 * epochs as u64);
    b.reset_eta();
    b
}
