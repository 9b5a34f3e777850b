//! The playground's data: an uploaded CSV/NPY read with `compare --data FILE`'s rules and
//! messages (a run on it gives `initlab compare --data FILE`'s metrics.csv bit for bit, `--task`
//! and `--test-split` included), a bad file and an oversized body refused cleanly, and compare's
//! per-task optimizer defaults (sine and regression uploads: adam at 1e-3; classification: sgd at
//! 0.05 with momentum 0.9).

mod serve_client;

use serde_json::Value;
use serve_client::{get, post, raw, raw_number, Events};
use std::net::SocketAddr;
use std::process::Command;

fn upload(a: SocketAddr, name: &str, body: &[u8]) -> (u16, Value) {
    let mut req = format!("POST /api/data?name={name} HTTP/1.0\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    req.extend_from_slice(body);
    let (s, b) = raw(a, &req);
    (s, serde_json::from_str(&b).unwrap_or(Value::String(b)))
}

/// y = sin(3x) + x/2 at 60 points, with a header: regression by its values.
fn curve_csv() -> String {
    let mut s = String::from("x,y\n");
    for i in 0..60 {
        let x = -1.5 + 3.0 * i as f64 / 59.0;
        s.push_str(&format!("{x},{}\n", (3.0 * x).sin() + x / 2.0));
    }
    s
}

fn command_of(a: SocketAddr, id: &str) -> Vec<String> {
    let (_, cmd) = get(a, &format!("/api/runs/{id}/command"));
    cmd.split_whitespace().map(|w| w.trim_matches('\'').to_string()).collect()
}

#[test]
fn an_uploaded_file_trains_as_compare_trains_it() {
    let server = initlab::serve::start("127.0.0.1:0").unwrap();
    let a = server.addr;
    let csv = curve_csv();
    let (s, u) = upload(a, "curve.csv", csv.as_bytes());
    assert_eq!(s, 201, "{u}");
    assert_eq!(
        (u["rows"].as_u64(), u["features"].as_u64(), u["task"].as_str()),
        (Some(60), Some(1), Some("regression"))
    );
    let id = u["data"].as_str().unwrap().to_string();
    assert_eq!(id, "upload:u1");
    // The file comes back as it went, to save beside the exported command.
    let (s, back) = get(a, "/api/data/u1");
    assert_eq!((s, back.as_str()), (200, csv.as_str()));
    let body = format!(r#"{{"data": "{id}", "inits": ["xavier_normal", "normal"], "epochs": 8, "test_split": 0.25}}"#);
    let (s, run) = post(a, "/api/runs", &body);
    assert_eq!(s, 201, "{run}");
    let rid = run["id"].as_str().unwrap().to_string();
    let cmd = command_of(a, &rid);
    let at = |f: &str| cmd.iter().position(|w| w == f).map(|i| cmd[i + 1].clone());
    // compare's regression defaults, and the file by its name.
    assert_eq!(at("--data").as_deref(), Some("curve.csv"));
    assert_eq!(at("--optimizer").as_deref(), Some("adam"));
    assert_eq!(at("--lr").as_deref(), Some("0.001"));
    assert_eq!(at("--test-split").as_deref(), Some("0.25"));
    let mut ev = Events::open(a, &rid);
    let setup = ev.next_of("setup").unwrap();
    assert!(setup["curve_range"].is_array(), "1-D regression: a fitted curve ({setup})");
    let events: Vec<Value> = (0..16).map(|_| ev.next_of("epoch").unwrap()).collect();
    // The exported command, run in a folder holding the saved file, gives the same numbers.
    let dir = std::env::temp_dir().join(format!("initlab-serve-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("curve.csv"), back).unwrap();
    let o =
        Command::new(env!("CARGO_BIN_EXE_initlab")).current_dir(&dir).args(&cmd[1..]).arg("--quiet").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.join("runs/playground/metrics.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 16);
    for e in &events {
        let row = rows
            .iter()
            .find(|r| {
                r[col("init")] == e["init"].as_str().unwrap() && e["epoch"] == r[col("epoch")].parse::<u64>().unwrap()
            })
            .unwrap();
        for k in ["loss", "test_loss"] {
            let v = raw_number(e, k).unwrap();
            assert_eq!(row[col(k)].parse::<f64>().unwrap().to_bits(), v.to_bits(), "{k}: {row:?} vs {e}");
        }
        assert!(e["accuracy"].is_null() && row[col("accuracy")].is_empty());
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // --task classification on the same file: compare's message, beside the task control.
    let body = format!(r#"{{"data": "{id}", "inits": ["zeros"], "task": "classification"}}"#);
    let (s, r) = post(a, "/api/runs", &body);
    assert_eq!((s, r["field"].as_str()), (400, Some("task")), "{r}");
    assert!(r["error"].as_str().unwrap().contains("--task classification with --data 'curve.csv': row 0"), "{r}");
    // The same integers read as classes by default and as values with --task regression.
    let (_, ints) = upload(a, "ints.csv", b"0.5,1\n1.5,0\n2.5,2\n3.5,1\n4.5,0\n5.5,2\n");
    assert_eq!(ints["task"], "classification");
    let ints_id = ints["data"].as_str().unwrap();
    let (s, r) = post(a, "/api/runs", &format!(r#"{{"data": "{ints_id}", "inits": ["zeros"], "epochs": 2}}"#));
    assert_eq!(s, 201, "{r}");
    let cmd = command_of(a, r["id"].as_str().unwrap());
    assert!(cmd.windows(2).any(|w| w == ["--optimizer", "sgd"]) && cmd.windows(2).any(|w| w == ["--momentum", "0.9"]));
    let body = format!(r#"{{"data": "{ints_id}", "inits": ["zeros"], "epochs": 2, "task": "regression"}}"#);
    let (s, r) = post(a, "/api/runs", &body);
    assert_eq!(s, 201, "{r}");
    let cmd = command_of(a, r["id"].as_str().unwrap());
    assert!(
        cmd.windows(2).any(|w| w == ["--task", "regression"]) && cmd.windows(2).any(|w| w == ["--optimizer", "adam"])
    );
    server.stop();
}

#[test]
fn bad_and_oversized_uploads_are_refused_cleanly() {
    let server = initlab::serve::start("127.0.0.1:0").unwrap();
    let a = server.addr;
    // compare's own message for the same file, naming the line and column.
    let (s, r) = upload(a, "bad.csv", b"x,y\n1,0\n2,oops\n");
    assert_eq!((s, r["field"].as_str()), (400, Some("data")), "{r}");
    assert_eq!(r["error"], "bad.csv: line 3 (sample 1): column 2: 'oops' is not a number");
    let (s, r) = upload(a, "table.npy", b"\x93NUMPY garbage");
    assert_eq!(s, 400, "{r}");
    assert!(r["error"].as_str().unwrap().starts_with("table.npy: not a readable .npy array"), "{r}");
    let (s, r) = upload(a, "notes.txt", b"1,2\n");
    assert_eq!(s, 400, "{r}");
    assert!(r["error"].as_str().unwrap().contains(".csv or .npy"), "{r}");
    assert_eq!(upload(a, "empty.csv", b"").1["error"], "empty.csv: empty file");
    // A body over the cap: 413 with the cap in the message, whether the length is announced
    // (refused before reading) or not (refused once the cap is passed).
    let cap = initlab::serve::upload::MAX_UPLOAD;
    let head = format!("POST /api/data?name=big.csv HTTP/1.0\r\nContent-Length: {}\r\n\r\n1,0\n", cap + 10);
    let (s, b) = raw(a, head.as_bytes());
    assert_eq!(s, 413, "{b}");
    assert!(b.contains("limit is 1048576 bytes"), "{b}");
    let mut chunked =
        b"POST /api/data?name=big.csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..(cap / 65536 + 2) {
        chunked.extend_from_slice(format!("{:x}\r\n", 65536).as_bytes());
        chunked.extend(std::iter::repeat_n(b'1', 65536));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (s, b) = raw(a, &chunked);
    assert_eq!(s, 413, "{b}");
    assert!(b.contains("1048576 bytes"), "{b}");
    // An upload a run names that the server does not hold, and a file path: refused, not read.
    let (s, r) = post(a, "/api/runs", r#"{"data": "upload:u77", "inits": ["zeros"]}"#);
    assert_eq!((s, r["field"].as_str()), (400, Some("data")), "{r}");
    assert!(r["error"].as_str().unwrap().contains("no such upload"), "{r}");
    assert_eq!(get(a, "/api/data/u77").0, 404);
    assert_eq!(get(a, "/api/data/..%2f..%2fCargo.toml").0, 404);
    let (s, r) = post(a, "/api/runs", r#"{"data": "spiral", "inits": ["zeros"], "test_split": 0.2}"#);
    assert_eq!((s, r["field"].as_str()), (400, Some("test_split")), "{r}");
    assert_eq!(get(a, "/api/schema").0, 200, "the server still answers");
    server.stop();
}

#[test]
fn defaults_follow_the_task_as_compares_do() {
    let server = initlab::serve::start("127.0.0.1:0").unwrap();
    let a = server.addr;
    let words = |data: &str| {
        let (s, r) =
            post(a, "/api/runs", &format!(r#"{{"data": "{data}", "inits": ["zeros"], "epochs": 1, "paused": true}}"#));
        assert_eq!(s, 201, "{r}");
        command_of(a, r["id"].as_str().unwrap())
    };
    let flag = |w: &[String], f: &str| w.iter().position(|x| x == f).map(|i| w[i + 1].clone()).unwrap();
    let sine = words("sine");
    assert_eq!(
        (flag(&sine, "--optimizer"), flag(&sine, "--lr"), flag(&sine, "--momentum")),
        ("adam".into(), "0.001".into(), "0".into())
    );
    for d in ["spiral", "moons"] {
        let w = words(d);
        assert_eq!(
            (flag(&w, "--optimizer"), flag(&w, "--lr"), flag(&w, "--momentum")),
            ("sgd".into(), "0.05".into(), "0.9".into())
        );
    }
    let (_, schema) = get(a, "/api/schema");
    let schema: Value = serde_json::from_str(&schema).unwrap();
    assert_eq!(schema["defaults"]["by_task"]["regression"]["optimizer"], "adam");
    assert_eq!(schema["defaults"]["by_task"]["classification"]["lr"], 0.05);
    server.stop();
}
