//! The playground's HTTP API with the server in-process on 127.0.0.1, port 0: a run's events are
//! `initlab compare`'s metrics.csv bit for bit; the controls (pause, step, reset, stop) do what
//! they say; every bad input gets a clean 4xx naming the field; closing the stream stops the run.

mod serve_client;

use serde_json::Value;
use serve_client::{get, post, raw_number, Events};
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

fn start() -> initlab::serve::Server {
    initlab::serve::start("127.0.0.1:0").expect("server starts")
}

/// metrics.csv of `initlab compare ARGS` as (init, epoch) → row.
fn compare_metrics(args: &[&str]) -> HashMap<(String, usize), HashMap<String, String>> {
    let out = std::env::temp_dir().join(format!("initlab-serve-api-{}-{}", std::process::id(), args.len()));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .arg("compare")
        .args(args)
        .args(["--seeds", "1", "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("run initlab");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(out.join("metrics.csv")).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut rows = HashMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let row: HashMap<String, String> = head.iter().cloned().zip(rec.iter().map(String::from)).collect();
        rows.insert((row["init"].clone(), row["epoch"].parse().unwrap()), row);
    }
    let _ = std::fs::remove_dir_all(&out);
    rows
}

fn same(csv: &str, event: &Value, key: &str) -> bool {
    match raw_number(event, key) {
        Some(v) => csv.parse::<f64>().map(|c| c.to_bits() == v.to_bits()).unwrap_or(false),
        None => csv.is_empty() && event[key].is_null(),
    }
}

fn events_equal_compare(body: &str, args: &[&str], epochs: usize) {
    let server = start();
    let (status, run) = post(server.addr, "/api/runs", body);
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_str().unwrap().to_string();
    let mut ev = Events::open(server.addr, &id);
    let inits: Vec<String> = ev.next_of("setup").unwrap()["inits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().into())
        .collect();
    let mut seen = Vec::new();
    while seen.len() < inits.len() * epochs {
        seen.push(ev.next_of("epoch").expect("an epoch event"));
    }
    let csv = compare_metrics(args);
    assert_eq!(csv.len(), seen.len());
    // The held-out set is evaluated every `test_every` epochs and at the last (the page's
    // charts need no more); the numbers that come are metrics.csv's.
    let every = initlab::serve::driver::test_every(epochs);
    for e in &seen {
        let epoch = e["epoch"].as_u64().unwrap() as usize;
        let row = &csv[&(e["init"].as_str().unwrap().to_string(), epoch)];
        for k in ["loss", "accuracy"] {
            assert!(same(&row[k], e, k), "{k}: csv {} vs event {}", row[k], e[k]);
        }
        let evaluated = epoch.is_multiple_of(every) || epoch + 1 == epochs;
        for k in ["test_loss", "test_accuracy"] {
            if evaluated {
                assert!(same(&row[k], e, k), "{k}: csv {} vs event {}", row[k], e[k]);
            } else {
                assert!(e[k].is_null(), "epoch {epoch}: {k} not evaluated");
            }
        }
        assert_eq!(row["seed"], e["seed"].to_string());
    }
    // The exported command is the one that made metrics.csv.
    let (_, cmd) = get(server.addr, &format!("/api/runs/{id}/command"));
    for a in args {
        let quoted = format!("'{a}'");
        assert!(cmd.contains(&format!(" {a} ")) || cmd.contains(&quoted), "{a} not in {cmd}");
    }
    server.stop();
}

#[test]
fn events_are_compares_metrics_bit_for_bit() {
    events_equal_compare(
        r#"{"data": "spiral", "inits": ["zeros", "kaiming_normal(nonlinearity=relu)"], "epochs": 12}"#,
        &["--data", "spiral", "--init", "zeros", "--init", "kaiming_normal(nonlinearity=relu)", "--epochs", "12"],
        12,
    );
}

#[test]
fn minibatch_adam_events_are_compares_metrics_bit_for_bit() {
    let body = r#"{"data": "moons", "model": {"depth": 3, "width": 32, "activation": "tanh", "norm": "bn"},
        "inits": ["x@xavier_normal", "normal(std=0.5)"], "seed": 7, "epochs": 6, "optimizer": "adam",
        "lr": "0.01", "batch_size": 64}"#;
    let args = [
        "--data",
        "moons",
        "--model",
        "mlp:in-32-32-32-out:tanh:bn",
        "--init",
        "x@xavier_normal",
        "--init",
        "normal(std=0.5)",
        "--seed",
        "7",
        "--epochs",
        "6",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--batch-size",
        "64",
    ];
    events_equal_compare(body, &args, 6);
}

#[test]
fn a_long_batchnorm_run_evaluates_sparsely_and_trains_the_same() {
    // 400 epochs: the held-out set every 2nd epoch; skipping it changes no training number
    // (evaluation draws nothing and leaves BatchNorm's running statistics alone).
    let body = r#"{"data": "moons", "model": "mlp:in-16-out:relu:bn", "inits": ["kaiming_uniform"], "epochs": 400}"#;
    let args = ["--data", "moons", "--model", "mlp:in-16-out:relu:bn", "--init", "kaiming_uniform", "--epochs", "400"];
    assert_eq!(initlab::serve::driver::test_every(400), 2);
    events_equal_compare(body, &args, 400);
}

#[test]
fn pause_step_reset_and_stop() {
    let server = start();
    let body = r#"{"inits": ["zeros", "kaiming_uniform(nonlinearity=relu)"], "epochs": 50, "paused": true}"#;
    let (status, run) = post(server.addr, "/api/runs", body);
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_str().unwrap().to_string();
    let mut ev = Events::open(server.addr, &id);
    // Paused: the snapshots at epoch 0 come, no epoch does.
    let s = ev.next_of("snapshot").unwrap();
    assert_eq!(s["epoch"], 0);
    let zeros = if s["init_index"] == 0 { s } else { ev.next_of("snapshot").unwrap() };
    assert_eq!(zeros["init_index"], 0);
    assert!(zeros["distinct"].as_array().unwrap().iter().all(|d| d["distinct"] == 1), "{}", zeros["distinct"]);
    assert!(ev.wait_for("epoch", Duration::from_millis(600)).is_none(), "paused runs do not train");
    assert_eq!(post(server.addr, &format!("/api/runs/{id}/step"), "").0, 200);
    let first: Vec<Value> = (0..2).map(|_| ev.next_of("epoch").unwrap()).collect();
    assert!(first.iter().all(|e| e["epoch"] == 0));
    assert!(ev.wait_for("epoch", Duration::from_millis(600)).is_none(), "one step is one epoch");
    let loss0: Vec<f64> =
        (0..2).map(|k| raw_number(first.iter().find(|e| e["init_index"] == k).unwrap(), "loss").unwrap()).collect();
    assert_eq!(post(server.addr, &format!("/api/runs/{id}/resume"), "").0, 200);
    ev.next_of("epoch").unwrap();
    assert_eq!(post(server.addr, &format!("/api/runs/{id}/reset"), "").0, 200);
    ev.next_of("reset").unwrap();
    // Reset replays the same init and seed: the same first-epoch losses.
    let mut again = [None, None];
    while again.iter().any(Option::is_none) {
        let e = ev.next_of("epoch").unwrap();
        let k = e["init_index"].as_u64().unwrap() as usize;
        if again[k].is_none() {
            assert_eq!(e["epoch"], 0, "the first epoch after a reset is 0");
            again[k] = raw_number(&e, "loss");
        }
    }
    assert_eq!(again.map(|l| l.unwrap().to_bits()), [loss0[0].to_bits(), loss0[1].to_bits()]);
    assert_eq!(post(server.addr, &format!("/api/runs/{id}/stop"), "").0, 200);
    let (status, _) = get(server.addr, &format!("/api/runs/{id}/command"));
    assert_eq!(status, 404, "a stopped run is gone");
    server.stop();
}

#[test]
fn closing_the_stream_stops_the_run() {
    let server = start();
    let (_, run) = post(server.addr, "/api/runs", r#"{"inits": ["xavier_uniform"], "epochs": 10000}"#);
    let id = run["id"].as_str().unwrap().to_string();
    let mut ev = Events::open(server.addr, &id);
    ev.next_of("epoch").unwrap();
    let (_, list) = get(server.addr, "/api/runs");
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["runs"][0]["threads"], 1, "{list}");
    drop(ev);
    let t = Instant::now();
    loop {
        let (_, list) = get(server.addr, "/api/runs");
        let list: Value = serde_json::from_str(&list).unwrap();
        if list["runs"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "run still live: {list}");
        std::thread::sleep(Duration::from_millis(200));
    }
    server.stop();
}

#[test]
fn exports_schema_and_phase() {
    let server = start();
    let a = server.addr;
    let body = r#"{"data": "moons", "model": "mlp:in-32-32-out:tanh:bn", "inits": ["x@xavier_normal"], "seed": 7,
        "epochs": 6, "optimizer": "adam", "lr": 0.01, "batch_size": 64}"#;
    let (_, run) = post(a, "/api/runs", body);
    let id = run["id"].as_str().unwrap();
    let (s, py) = get(a, &format!("/api/runs/{id}/torch"));
    assert_eq!(s, 200);
    for w in [
        "SEED = 7",
        "EPOCHS = 6",
        "OPTIMIZER = \"adam\"",
        "LR = 0.01",
        "BATCH_SIZE = 64",
        "INITS = [(\"x\", \"xavier_normal\")]",
        "def dataset_split",
        "def apply_rules",
        "BatchNorm1d",
        "DATA = \"moons\"",
    ] {
        assert!(py.contains(w), "{w} not in the program");
    }
    let (_, cmd) = get(a, &format!("/api/runs/{id}/command"));
    assert_eq!(
        cmd.trim(),
        "initlab compare --data moons --model mlp:in-32-32-out:tanh:bn --init x@xavier_normal --seeds 1 \
        --seed 7 --epochs 6 --optimizer adam --lr 0.01 --momentum 0 --batch-size 64 --out runs/playground"
    );
    let (_, schema) = get(a, "/api/schema");
    let schema: Value = serde_json::from_str(&schema).unwrap();
    assert!(schema["schemes"].as_array().unwrap().iter().any(|s| s == "kaiming_normal"));
    assert_eq!(schema["limits"]["inits"], 4);
    let (s, phase) = get(a, "/api/phase?activation=tanh");
    assert_eq!(s, 200);
    let phase: Value = serde_json::from_str(&phase).unwrap();
    // tanh without bias is critical at σ_w² = 1.
    let (b0, w0) = (phase["critical"][0][0].as_f64().unwrap(), phase["critical"][0][1].as_f64().unwrap());
    assert!(b0 == 0.0 && (w0 - 1.0).abs() < 1e-3, "{b0} {w0}");
    // relu's order ends where q* runs off to infinity, at σ_w² = 2 for every σ_b²: that is the
    // critical line too; silu at σ_b² > 0 jumps out of its ordered basin (the dashed line).
    let phase_of =
        |act: &str| -> Value { serde_json::from_str(&get(a, &format!("/api/phase?activation={act}")).1).unwrap() };
    let relu = phase_of("relu");
    let line = relu["critical"].as_array().unwrap();
    let bs: Vec<f64> = line.iter().map(|p| p[0].as_f64().unwrap()).collect();
    assert!(bs.len() > 10 && bs[0] == 0.0 && (bs[bs.len() - 1] - 0.5).abs() < 1e-12, "{relu}");
    assert!(line.iter().all(|p| (p[1].as_f64().unwrap() - 2.0).abs() < 1e-6), "{relu}");
    assert!(relu["jump"].as_array().unwrap().is_empty());
    let silu = phase_of("silu");
    assert!(!silu["jump"].as_array().unwrap().is_empty(), "{silu}");
    assert_eq!(get(a, "/api/phase?activation=softmaxx").0, 400);
    server.stop();
}
