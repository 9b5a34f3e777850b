//! The progress bar of long commands: counted in epochs over all runs (or in units of whatever a
//! command repeats), with the rate and an ETA. Drawn on stderr only when it is a terminal and
//! `--quiet` is not given, so pipes, logs and tests see nothing of it.

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::io::IsTerminal;

/// A bar to `total` `unit`s (e.g. "epochs"), hidden when `quiet` or when stderr is not a terminal.
pub fn bar(total: u64, unit: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template =
        format!("{{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {unit}, {{rate}} {unit}/s, eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        // indicatif's {per_sec} prints four decimals; a whole number reads better at a glance.
        let rate = |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let r = s.per_sec();
            let _ = if r >= 10.0 { write!(w, "{r:.0}") } else { write!(w, "{r:.2}") };
        };
        bar.set_style(style.with_key("rate", rate).progress_chars("=> "));
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
