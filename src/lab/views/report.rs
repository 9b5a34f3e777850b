//! Reports: one self-contained HTML page (inline CSS and SVG figures, nothing fetched) and
//! aligned plain-text tables for the terminal.

pub mod interactive;
mod tables;

use crate::io::write_atomic;
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::Path;

/// A table: caption, header, rows.
pub type Table = (String, Vec<String>, Vec<Vec<String>>);

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1200px;margin:2em auto;\
padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em;border-bottom:1px solid #ddd;padding-bottom:.3em}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;display:block}\
figcaption{color:#555;font-size:.95em;margin-top:.4em}\
table{border-collapse:collapse;margin:1.5em 0;font-size:.92em}\
caption{text-align:left;font-weight:600;padding-bottom:.4em}\
th,td{border:1px solid #ddd;padding:.3em .7em;text-align:left}\
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}\
tbody tr:nth-child(even){background:#fafafa}";

/// Opens a report section: its title and the sentence saying what it shows.
pub(crate) fn section(h: &mut String, title: &str, what: &str) {
    let _ = write!(h, "<section>\n<h2>{}</h2>\n<p class=\"what\">{}</p>\n", escape_html(title), escape_html(what));
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn is_number(s: &str) -> bool {
    let s = s.trim().trim_end_matches('%');
    !s.is_empty() && s.parse::<f64>().is_ok()
}

/// The page as a string: `intro_html` is inserted as it is (it is the caller's own markup),
/// figures are inline SVG documents, and every caption and table cell is escaped.
pub fn render_html(title: &str, intro_html: &str, figures: &[(String, String)], tables: &[Table]) -> Result<String> {
    let mut h = String::new();
    let t = escape_html(title);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{t}</h1>\n\
         <div class=\"intro\">{intro_html}</div>\n"
    );
    for (caption, svg) in figures {
        // Drop any XML declaration: inside HTML only the <svg> element belongs.
        let svg = match svg.trim_start().strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or("", |(_, r)| r),
            None => svg.as_str(),
        };
        let _ = write!(h, "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n", svg.trim(), escape_html(caption));
    }
    for (caption, header, rows) in tables {
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != header.len()) {
            return Err(Error::invalid(
                format!("report table '{caption}'"),
                format!("row {} has {} cells but the header has {}", i + 1, r.len(), header.len()),
            ));
        }
        let _ = write!(h, "<table>\n<caption>{}</caption>\n<thead><tr>", escape_html(caption));
        for cell in header {
            let _ = write!(h, "<th>{}</th>", escape_html(cell));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            h.push_str("<tr>");
            for cell in row {
                let class = if is_number(cell) { " class=\"num\"" } else { "" };
                let _ = write!(h, "<td{class}>{}</td>", escape_html(cell));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

/// Writes the page of [`render_html`] to `path` atomically: into a temporary file in the same
/// directory, then renamed over `path`, so a reader never sees a half-written report.
pub fn write_html(
    path: &Path,
    title: &str,
    intro_html: &str,
    figures: &[(String, String)],
    tables: &[Table],
) -> Result<()> {
    let html = render_html(title, intro_html, figures, tables)?;
    write_atomic(path, html.as_bytes())
}

/// An aligned plain-text table: columns two spaces apart, a dashed rule under the header,
/// numeric columns (every non-empty cell a number) right-aligned with their header, others
/// left-aligned. Rows shorter than the widest are padded with empty cells; no line has trailing
/// spaces.
pub fn text_table(header: &[String], rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).chain([header.len()]).max().unwrap_or(0);
    let cell = |r: &[String], c: usize| r.get(c).map_or("", |s| s.as_str()).to_string();
    let width = |s: &str| s.chars().count();
    let mut widths = vec![0; ncols];
    let mut numeric = vec![true; ncols];
    for (c, (w, num)) in widths.iter_mut().zip(&mut numeric).enumerate() {
        *w = width(&cell(header, c));
        let mut any = false;
        for r in rows {
            let v = cell(r, c);
            *w = (*w).max(width(&v));
            if !v.trim().is_empty() {
                any = true;
                *num &= is_number(&v);
            }
        }
        *num &= any;
    }
    let line = |r: &[String]| {
        let mut s = String::new();
        for c in 0..ncols {
            let v = cell(r, c);
            let pad = " ".repeat(widths[c] - width(&v));
            let sep = if c == 0 { "" } else { "  " };
            match numeric[c] {
                true => s.extend([sep, pad.as_str(), v.as_str()]),
                false => s.extend([sep, v.as_str(), pad.as_str()]),
            }
        }
        s.trim_end().to_string()
    };
    let mut out = vec![line(header)];
    out.push(widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>().join("  "));
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn text_table_aligns_text_left_and_numbers_right() {
        let header = strings(&["init", "loss", "acc %"]);
        let rows = vec![
            strings(&["kaiming_normal", "0.0123", "98.5"]),
            strings(&["zeros", "1.0986", "33"]),
            strings(&["xavier"]),
        ];
        let want = "\
init              loss  acc %
--------------  ------  -----
kaiming_normal  0.0123   98.5
zeros           1.0986     33
xavier
";
        assert_eq!(text_table(&header, &rows), want);
        assert_eq!(text_table(&strings(&["é", "n"]), &[strings(&["ab", "1"])]), "é   n\n--  -\nab  1\n");
        assert_eq!(text_table(&[], &[]), "\n\n");
    }

    #[test]
    fn html_escapes_text_and_inlines_svg() {
        let figs = vec![(
            "loss <log> & more".to_string(),
            "<?xml version=\"1.0\"?>\n<svg width=\"10\"><text>x</text></svg>".to_string(),
        )];
        let tables = vec![(
            "runs \"A\"".to_string(),
            strings(&["name", "acc"]),
            vec![strings(&["<script>alert(1)</script>", "0.5"])],
        )];
        let h = render_html("T & <U>", "<p>intro <b>kept</b></p>", &figs, &tables).unwrap();
        assert!(h.starts_with("<!DOCTYPE html>") && h.ends_with("</html>\n"));
        assert!(h.contains("<title>T &amp; &lt;U&gt;</title>") && h.contains("<h1>T &amp; &lt;U&gt;</h1>"));
        assert!(h.contains("<p>intro <b>kept</b></p>"));
        assert!(h.contains(
            "<figure>\n<svg width=\"10\"><text>x</text></svg>\n<figcaption>loss &lt;log&gt; &amp; more</figcaption>"
        ));
        assert!(!h.contains("<?xml") && !h.contains("<script>"));
        assert!(h.contains("<caption>runs &quot;A&quot;</caption>"));
        assert!(h.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"num\">0.5</td>"));
        assert!(!h.contains("src=") && !h.contains("href="), "no external assets");

        let bad = vec![("t".to_string(), strings(&["a", "b"]), vec![strings(&["1"])])];
        let e = render_html("x", "", &[], &bad).unwrap_err().to_string();
        assert_eq!(e, "report table 't': row 1 has 1 cells but the header has 2");
    }

    #[test]
    fn a_plot_embeds_as_one_scalable_svg() {
        use crate::lab::views::plot::{render_svg_string, Figure, Panel, Series};
        let s = Series { label: "he_normal".into(), x: vec![0.0, 1.0], y: vec![2.0, 1.0], ..Default::default() };
        let fig = Figure {
            title: "loss".into(),
            panels: vec![Panel { series: vec![s], ..Default::default() }],
            ..Default::default()
        };
        let svg = render_svg_string(&fig).unwrap();
        let h = render_html("r", "", &[("cap".into(), svg)], &[]).unwrap();
        assert_eq!(h.matches("<svg").count(), 1);
        assert!(h.contains("viewBox=") && h.contains("he_normal") && h.contains("max-width:100%"));
    }

    #[test]
    fn write_html_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("initlab-report-{}", std::process::id()));
        let path = dir.join("sub").join("report.html");
        write_html(&path, "first", "", &[], &[]).unwrap();
        write_html(&path, "second", "", &[], &[]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("<h1>second</h1>") && !text.contains("first"));
        let names: Vec<_> = std::fs::read_dir(dir.join("sub")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.html")]);

        // A directory where the file should go: the error names the path, nothing is left.
        let blocked = dir.join("blocked");
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        let e = write_html(&blocked, "t", "", &[], &[]).unwrap_err().to_string();
        assert!(e.contains("blocked") && e.contains("cannot write"), "{e}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(left.iter().all(|n| !n.to_string_lossy().contains(".tmp-")), "{left:?}");
    }
}
