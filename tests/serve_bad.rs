//! Nothing a request holds can hurt the playground's server: every refused setting gets a 400
//! with the command line's message and the field it names (and no run starts), malformed or
//! oversized bodies, unknown ids and actions, path traversal and crowds of connections get clean
//! 4xx answers, and the server keeps answering afterwards.

mod serve_client;

use serde_json::Value;
use serve_client::{get, post, raw, request};

fn refused(addr: std::net::SocketAddr, body: &str, field: &str, words: &[&str]) {
    let (status, r) = post(addr, "/api/runs", body);
    assert_eq!(status, 400, "{body}: {r}");
    assert_eq!(r["field"], field, "{body}: {r}");
    let msg = r["error"].as_str().unwrap();
    assert!(!msg.contains('\n'), "one line: {msg}");
    for w in words {
        assert!(msg.contains(w), "{body}: '{w}' not in {msg}");
    }
}

#[test]
fn every_bad_setting_is_refused_with_the_command_lines_message() {
    let server = initlab::serve::start("127.0.0.1:0").unwrap();
    let a = server.addr;
    let m = |model: &str| format!(r#"{{"inits": ["zeros"], "model": {model}}}"#);
    refused(a, &m(r#"{"depth": 2, "width": 0}"#), "model", &["in-0-0-out", "must be positive integers"]);
    refused(a, &m(r#"{"depth": 10000, "width": 100}"#), "depth", &["--depth 10000", "limit is 100"]);
    refused(a, &m(r#"{"depth": 100, "width": 1000}"#), "model", &["parameters", "limit is 2000000"]);
    refused(a, &m(r#"{"depth": "two", "width": 100}"#), "depth", &["--depth 'two'", "whole number"]);
    refused(a, &m(r#""conv:8-16""#), "model", &["mlp:", "no files"]);
    refused(a, &m(r#""../../etc/passwd""#), "model", &["no files"]);
    refused(a, r#"{"inits": ["zeros"], "lr": "NaN"}"#, "lr", &["--lr NaN", "finite learning rate > 0"]);
    refused(a, r#"{"inits": ["zeros"], "lr": -1}"#, "lr", &["--lr -1"]);
    refused(a, r#"{"inits": ["zeros"], "momentum": "inf"}"#, "momentum", &["--momentum inf"]);
    refused(
        a,
        r#"{"inits": ["zeros"], "optimizer": "adam", "momentum": 0.9}"#,
        "momentum",
        &["momentum applies to sgd"],
    );
    refused(a, r#"{"inits": ["zeros"], "optimizer": "rmsprop"}"#, "optimizer", &["valid: sgd, adam"]);
    refused(a, r#"{"inits": ["zeros"], "batch_size": 0}"#, "batch_size", &["--batch-size 0"]);
    refused(a, r#"{"inits": ["zeros"], "epochs": 0}"#, "epochs", &["--epochs 0", "at least one epoch"]);
    refused(a, r#"{"inits": ["zeros"], "epochs": 20000}"#, "epochs", &["limit is 10000 epochs"]);
    refused(a, r#"{"inits": []}"#, "inits", &["no inits"]);
    refused(a, r#"{"inits": ["zeros", "ones", "normal", "uniform", "eye"]}"#, "inits", &["at most 4"]);
    refused(a, r#"{"inits": ["zeros", "zeros"]}"#, "inits", &["given twice"]);
    refused(a, r#"{"data": "/etc/passwd", "inits": ["zeros"]}"#, "data", &["built-in dataset"]);
    refused(a, r#"{"data": "spirall", "inits": ["zeros"]}"#, "data", &["spiral, moons"]);
    refused(a, r#"{"inits": ["zeros"], "seed": -3}"#, "seed", &["--seed -3"]);
    refused(a, r#"{"inits": ["zeros"], "colour": "red"}"#, "body", &["unknown field `colour`"]);
    refused(a, "{not json", "body", &["request body"]);
    refused(a, "", "body", &["request body"]);
    refused(a, "[1, 2]", "body", &["request body"]);
    // A typo in a rule: refused with its index, the message names the fix.
    let (status, r) = post(a, "/api/runs", r#"{"inits": ["zeros", "Linear.wieght=kaiming_normal"]}"#);
    assert_eq!((status, &r["field"], &r["index"]), (400, &Value::from("inits"), &Value::from(1)), "{r}");
    assert!(r["error"].as_str().unwrap().contains("did you mean 'Linear.weight'"), "{r}");
    // None of these started a run.
    let (_, list) = get(a, "/api/runs");
    assert_eq!(serde_json::from_str::<Value>(&list).unwrap()["runs"], serde_json::json!([]));
    server.stop();
}

#[test]
fn bodies_ids_paths_and_crowds_get_clean_4xx() {
    let server = initlab::serve::start("127.0.0.1:0").unwrap();
    let a = server.addr;
    let big = format!(r#"{{"inits": ["{}"]}}"#, "x".repeat(200_000));
    let (s, b) = request(a, "POST", "/api/runs", &big);
    assert_eq!(s, 413, "{b}");
    let e: serde_json::Value = serde_json::from_str(&b).unwrap_or_else(|_| panic!("413 not JSON: {b}"));
    assert!(e["error"].as_str().unwrap().contains("65536 bytes"), "{b}");
    for p in
        ["/api/runs/r999/events", "/api/runs/r999/command", "/api/runs/r999/torch", "/api/runs/..%2f..%2fetc/events"]
    {
        let (s, b) = get(a, p);
        assert_eq!(s, 404, "{p}: {b}");
        assert!(b.contains("no such run"), "{p}: {b}");
    }
    assert_eq!(post(a, "/api/runs/r999/pause", "").0, 404);
    for p in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/vendor/../../src/main.rs", "/src/serve/mod.rs", "/.git/config"]
    {
        let (s, b) = raw(a, format!("GET {p} HTTP/1.0\r\n\r\n").as_bytes());
        assert!((400..500).contains(&s), "{p}: {s} {b}");
        assert!(!b.contains("[package]") && !b.contains("fn "), "{p}: {b}");
    }
    assert_eq!(raw(a, b"GARBAGE\r\n\r\n").0 / 100, 4);
    assert_eq!(request(a, "DELETE", "/api/schema", "").0, 405);
    // A crowd: 200 connections at once, each answered (200 or 429), none hangs.
    let handles: Vec<_> = (0..200)
        .map(|i| std::thread::spawn(move || if i % 2 == 0 { get(a, "/api/schema").0 } else { get(a, "/app.js").0 }))
        .collect();
    let codes: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(codes.iter().all(|&c| c == 200 || c == 429), "{codes:?}");
    // Runs per server: the ninth is refused with the limit, then the server still works.
    let mut ids = Vec::new();
    for _ in 0..initlab::serve::MAX_RUNS {
        let (s, r) = post(a, "/api/runs", r#"{"inits": ["zeros"], "epochs": 5, "paused": true}"#);
        assert_eq!(s, 201, "{r}");
        ids.push(r["id"].as_str().unwrap().to_string());
    }
    let (s, r) = post(a, "/api/runs", r#"{"inits": ["zeros"], "epochs": 5}"#);
    assert_eq!(s, 429, "{r}");
    assert!(r["error"].as_str().unwrap().contains("8 runs are live"), "{r}");
    assert_eq!(post(a, &format!("/api/runs/{}/stop", ids[0]), "").0, 200);
    assert_eq!(post(a, &format!("/api/runs/{}/explode", ids[1]), "").0, 404);
    assert_eq!(post(a, "/api/runs", r#"{"inits": ["zeros"], "epochs": 5, "paused": true}"#).0, 201);
    assert_eq!(get(a, "/api/schema").0, 200);
    server.stop();
}
