//! The examples print what their PyTorch twins print (`scripts/examples_torch.py`, whose output
//! is committed in `tests/fixtures/examples/`: `python3 scripts/examples_torch.py fixtures`), and
//! README's quickstart output block is that output.

#[allow(dead_code)]
#[path = "../examples/gain.rs"]
mod gain;
#[allow(dead_code)]
#[path = "../examples/init_gallery.rs"]
mod init_gallery;
#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The PyTorch program's lines (the fixture without its `#` header).
fn torch(name: &str) -> Vec<String> {
    let path = root().join(format!("tests/fixtures/examples/{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().filter(|l| !l.starts_with('#')).map(String::from).collect()
}

#[test]
fn quickstart_prints_pytorchs_losses_and_readme_shows_them() {
    let ours = quickstart::quickstart().unwrap();
    let want = torch("quickstart");
    assert_eq!(want.len(), 5, "{want:?}");
    let got: Vec<&str> = ours.lines().take(5).collect();
    assert_eq!(got, want);
    // README: the block after `$ python3 scripts/examples_torch.py quickstart`.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("$ python3 scripts/examples_torch.py quickstart"))
        .expect("README shows the quickstart twin's output");
    let shown: Vec<&str> = lines[at + 1..].iter().take_while(|l| !l.starts_with("```")).copied().collect();
    assert_eq!(shown, want, "README's quickstart output is not what the program prints");
}

#[test]
fn gain_prints_pytorchs_numbers() {
    let ours = gain::gain().unwrap();
    assert_eq!(ours.lines().collect::<Vec<_>>(), torch("gain"));
}

/// The weights of every scheme, row by row, as PyTorch prints them; the headers name the schemes
/// each in its own way, and dirac's error is each library's own message.
#[test]
fn init_gallery_prints_pytorchs_weights() {
    let ours = init_gallery::gallery().unwrap();
    let rows = |lines: Vec<&str>| -> Vec<String> {
        lines
            .iter()
            .filter(|l| !l.starts_with("=="))
            .map(|l| if l.trim_start().starts_with("error:") { "error".to_string() } else { l.to_string() })
            .collect()
    };
    let want = torch("init_gallery");
    let (got, want) = (rows(ours.lines().collect()), rows(want.iter().map(String::as_str).collect()));
    assert_eq!(got.len(), 13 * 4 + 1, "{got:?}");
    assert_eq!(got, want);
}
