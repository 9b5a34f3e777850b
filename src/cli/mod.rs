//! The command line's subcommands, one file each. `src/main.rs` parses and dispatches; every
//! subcommand returns `Result`, and main prints the one error message and exits non-zero.

pub mod compare;
pub mod grad;
pub mod init;
pub mod kept;
pub mod merge;
pub mod param_args;
pub mod phase;
pub mod probe;
pub mod probe_theory;
pub mod progress;
pub mod serve;
pub mod symmetry;
pub mod theory;
pub mod theory_text;
pub mod width;

use crate::error::{Error, Result};
use std::path::Path;

/// Errors unless `path`'s folder exists (so a bad `--out` fails before any work is done).
pub fn check_out_path(path: &Path) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if dir.exists() && !dir.is_dir() {
        return Err(Error::file(path, format!("cannot write: {} is a file, not a folder", dir.display())));
    }
    if !dir.is_dir() {
        return Err(Error::file(path, format!("cannot write: folder {} does not exist", dir.display())));
    }
    Ok(())
}

/// `text` on one line: newlines, tabs and other control characters (which user input quoted in a
/// message may hold) are escaped as `\n`, `\t`, `\u{1b}`, so every error is exactly one line.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A clap error as one line: its message and tips joined by `; `, without the leading
/// `error: `, the usage block and the "For more information" line.
pub fn clap_one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    for l in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if l.starts_with("Usage:") || l.starts_with("For more information") {
            // The usage block may continue over indented lines; nothing after it is the message.
            break;
        }
        parts.push(l.strip_prefix("error: ").unwrap_or(l).to_string());
    }
    // "…were not provided:" lists the missing arguments on the lines after it: a list, not tips.
    let mut out = String::new();
    for p in parts {
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        out.push_str(&p);
    }
    whole_number(&out).unwrap_or(out)
}

/// clap's "invalid value '-1' for '--threads <THREADS>': invalid digit found in string" (Rust's
/// integer parser speaking) as the other checks say it: "--threads -1: needs a whole number >= 0".
fn whole_number(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("invalid value '")?;
    let (value, rest) = rest.split_once("' for '")?;
    let (flag, why) = rest.split_once("': ")?;
    let flag = flag.split(' ').next()?;
    let need = match why {
        "invalid digit found in string" | "cannot parse integer from empty string" => "needs a whole number >= 0",
        "number too large to fit in target type" => "is too large",
        _ => return None,
    };
    Some(format!("{flag} {value}: {need}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_escapes_control_characters_only() {
        assert_eq!(super::one_line("rule 'a\nb\tc\u{1b}[31m' é ✓"), "rule 'a\\nb\\tc\\u{1b}[31m' é ✓");
    }

    #[test]
    fn a_bad_whole_number_is_said_as_the_other_checks_say_it() {
        let rendered = "error: invalid value '-1' for '--threads <THREADS>': invalid digit found in string\n\nFor more information, try '--help'.\n";
        assert_eq!(super::clap_one_line(rendered), "--threads -1: needs a whole number >= 0");
        let big = "error: invalid value '99999999999999999999999' for '--seed <SEED>': number too large to fit in target type\n";
        assert_eq!(super::clap_one_line(big), "--seed 99999999999999999999999: is too large");
        let other = "error: invalid value 'x' for '--act <ACT>': unknown";
        assert_eq!(super::clap_one_line(other), "invalid value 'x' for '--act <ACT>': unknown");
    }

    #[test]
    fn a_missing_argument_list_follows_its_colon() {
        let rendered = "error: the following required arguments were not provided:\n  <MODEL>\n  <BATCH>\n\nUsage: initlab grad <MODEL> <BATCH>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            super::clap_one_line(rendered),
            "the following required arguments were not provided: <MODEL>; <BATCH>"
        );
        let tip =
            "error: unexpected argument '--epoch' found\n\n  tip: a similar argument exists: '--epochs'\n\nUsage: x\n";
        assert_eq!(
            super::clap_one_line(tip),
            "unexpected argument '--epoch' found; tip: a similar argument exists: '--epochs'"
        );
    }
}
