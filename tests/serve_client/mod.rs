//! A small HTTP/1.0 client for the playground's tests (HTTP/1.0: the body ends when the
//! connection closes, no chunked framing to undo), and a reader of its event stream.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Sends `raw` (a whole request) and returns (status, body).
pub fn raw(addr: SocketAddr, raw: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(raw);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

pub fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw(addr, req.as_bytes())
}

pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    request(addr, "GET", path, "")
}

/// POST with a JSON answer.
pub fn post(addr: SocketAddr, path: &str, body: &str) -> (u16, Value) {
    let (s, b) = request(addr, "POST", path, body);
    (s, serde_json::from_str(&b).unwrap_or(Value::String(b)))
}

/// An open `GET /api/runs/{id}/events`.
pub struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    pub fn open(addr: SocketAddr, id: &str) -> Events {
        let mut s = TcpStream::connect(addr).expect("connect");
        write!(s, "GET /api/runs/{id}/events HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains(" 200 "), "events: {line}");
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Events { reader }
    }

    /// The next event, waiting at most `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Option<Value> {
        let end = Instant::now() + timeout;
        let mut line = String::new();
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            self.reader.get_ref().set_read_timeout(Some(left.max(Duration::from_millis(1)))).ok()?;
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {
                    if let Some(d) = line.strip_prefix("data: ").or_else(|| line.strip_prefix("data:")) {
                        let mut v: Value = serde_json::from_str(d.trim_end()).ok()?;
                        v["raw"] = Value::String(d.trim_end().to_string());
                        return Some(v);
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// The next event of type `kind` within `timeout` (others are skipped).
    pub fn wait_for(&mut self, kind: &str, timeout: Duration) -> Option<Value> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            let e = self.next(left)?;
            if e["type"] == kind {
                return Some(e);
            }
        }
    }

    pub fn next_of(&mut self, kind: &str) -> Option<Value> {
        self.wait_for(kind, Duration::from_secs(60))
    }
}

/// The number at `"key":` in an event's raw JSON text, parsed exactly (serde_json's default float
/// parser may be one ulp off; JSON.parse and Rust's `str::parse` are exact).
pub fn raw_number(event: &Value, key: &str) -> Option<f64> {
    let raw = event["raw"].as_str()?;
    let at = raw.find(&format!("\"{key}\":"))? + key.len() + 3;
    let text: String = raw[at..].chars().take_while(|c| !matches!(c, ',' | '}')).collect();
    text.trim().parse().ok()
}
