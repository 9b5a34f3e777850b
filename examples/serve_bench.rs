//! Optimizer steps per second of one playground run while it streams: the server in-process on
//! 127.0.0.1 (port 0), the default model (mlp:in-100-100-out:relu) on spiral, full batch (one
//! step per epoch), one init, its events read over HTTP as the page reads them, instrument
//! snapshots at the page's default rate (about 30 per run). Training runs on one thread.
//!
//!   cargo run --release --example serve_bench [EPOCHS]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

fn main() {
    let epochs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
    let server = initlab::serve::start("127.0.0.1:0").expect("server");
    let addr = server.addr;
    let body = format!(r#"{{"inits": ["kaiming_normal(nonlinearity=relu)"], "epochs": {epochs}, "paused": true}}"#);
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/runs HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let id = answer.split("\"id\":\"").nth(1).and_then(|r| r.split('"').next()).expect("a run id").to_string();
    let ev = TcpStream::connect(addr).unwrap();
    write!(&ev, "GET /api/runs/{id}/events HTTP/1.0\r\n\r\n").unwrap();
    let mut reader = BufReader::new(ev);
    let (t, cpu0) = (Instant::now(), cpu_secs());
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "POST /api/runs/{id}/resume HTTP/1.0\r\nContent-Length: 0\r\n\r\n").unwrap();
    let (mut seen, mut snaps, mut bytes) = (0usize, 0usize, 0usize);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        bytes += line.len();
        if line.starts_with("data: {\"type\":\"epoch\"") {
            seen += 1;
        } else if line.starts_with("data: {\"type\":\"snapshot\"") {
            snaps += 1;
        } else if line.starts_with("data: {\"type\":\"done\"") {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    if cpu > 0.0 {
        // On a shared machine the wall clock counts other programs' turns; the process's own CPU
        // time (server, training thread and this reader together) is what one core would need.
        println!("{seen} steps in {cpu:.2} s of CPU: {:.0} steps per CPU-second", seen as f64 / cpu);
    }
    println!(
        "{seen} steps in {secs:.2} s: {:.0} optimizer steps/s per run while streaming ({snaps} snapshots, {:.1} MB of events)",
        seen as f64 / secs,
        bytes as f64 / 1e6
    );
    server.stop();
}

/// User + system CPU seconds of this process so far (Linux /proc; 0 elsewhere).
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime), counted after the ')' that ends the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}
