//! The default sweep's `report.html` is light (under 2 MB) and keeps every picture: a chart for
//! the loss, accuracy, gradient flow and activation std, every init's histograms, every init's
//! decision boundaries, and each chart's series whole (every run, every epoch, the values of
//! metrics.csv to float32 rounding).

use serde_json::Value;
use std::process::Command;

fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::new();
    for ch in bytes.chunks(4) {
        let n = ch.iter().enumerate().fold(0u32, |n, (i, &v)| n | (v as u32) << (18 - 6 * i));
        out.extend(&n.to_be_bytes()[1..ch.len()]);
    }
    out
}

#[test]
fn the_default_sweeps_report_is_under_2_mb_and_keeps_every_picture() {
    let out = std::env::temp_dir().join(format!("initlab-report-size-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(["compare", "--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.len() < 2_000_000, "report.html is {} bytes, over 2 MB", html.len());

    for h in [
        "Loss",
        "Accuracy",
        "Decision boundaries",
        "Histograms of activations and gradients",
        "Gradient flow at epoch 0",
        "Activation std at init",
        "Summary per init",
        "Symmetry at the end",
        "Every run",
        "Settings",
    ] {
        assert!(html.contains(&format!("<h2>{h}")), "report.html lost its section {h:?}");
    }
    // One decision-boundary picture per init, each a whole PNG.
    let pngs: Vec<&str> = html.split("alt=\"decision boundaries\" src=\"data:image/png;base64,").skip(1).collect();
    assert_eq!(pngs.len(), 10, "one boundary picture per init");
    for p in pngs {
        let png = b64(&p[..p.find('"').unwrap()]);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.ends_with(b"IEND\xaeB`\x82"), "a truncated PNG");
    }

    let start = html.find("id=\"initlab-data\">").expect("the charts' data") + "id=\"initlab-data\">".len();
    let data: Value = serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap();
    assert_eq!(data["inits"].as_array().unwrap().len(), 10);
    let charts = data["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in ["loss", "accuracy", "gradflow", "activations"] {
        assert!(ids.contains(&id), "no {id} chart in {ids:?}");
    }
    // Histograms: every init × 2 hidden layers × (activations, gradients).
    for i in 0..10 {
        for j in 0..4 {
            assert!(ids.contains(&format!("hist-{i}-{j}").as_str()), "no histogram {i}-{j}");
        }
    }
    // The loss chart: every run's training and test curve over all 300 epochs, the values of
    // metrics.csv (f32 in the page).
    let mut first_loss = std::collections::HashMap::new();
    for r in csv::Reader::from_path(out.join("metrics.csv")).unwrap().records() {
        let r = r.unwrap();
        if &r[2] == "0" {
            first_loss.insert((r[0].to_string(), r[1].to_string()), r[3].parse::<f64>().unwrap());
        }
    }
    let loss = &charts[ids.iter().position(|&i| i == "loss").unwrap()];
    let lines = loss["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 100, "50 runs × (train, test)");
    for l in lines.iter().filter(|l| l["test"] == false) {
        let y = b64(l["y"]["f4"].as_str().expect("a float32 series"));
        assert_eq!(y.len(), 300 * 4, "every epoch of every run");
        let (init, seed) = (l["init"].as_u64().unwrap() as usize, l["seed"].as_u64().unwrap());
        let label = data["inits"][init].as_str().unwrap();
        let first = f32::from_le_bytes(y[..4].try_into().unwrap());
        let want = first_loss[&(label.to_string(), seed.to_string())];
        assert_eq!(first, want as f32, "{label} seed {seed}: epoch 0's loss");
    }
    let _ = std::fs::remove_dir_all(&out);
}
