//! The HTTP routes. Every error is a 4xx with `{"error": "<one line>"}` (and `field` when a
//! setting is refused); no handler panics on what a request holds.

use super::session::{Cursor, Session};
use super::settings::{command_line, Settings};
use super::upload::{too_big, MAX_UPLOAD};
use super::{assets, schema, torch, State, MAX_BODY, MAX_RUNS, REQUEST_TIMEOUT};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State as St};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

type S = St<Arc<State>>;

fn error(status: StatusCode, msg: impl std::fmt::Display) -> Response {
    (status, Json(json!({"error": super::one_line(&msg.to_string())}))).into_response()
}

/// The body limit's own 413 is plain text; every error of the API is one JSON line.
async fn json_too_large(r: Response) -> Response {
    let json = r
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if r.status() != StatusCode::PAYLOAD_TOO_LARGE || json {
        return r;
    }
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body: over {MAX_BODY} bytes, the limit for a request (uploads: POST /api/data)"),
    )
}

fn unknown_run(id: &str) -> Response {
    let id: String = id.chars().take(40).collect();
    error(StatusCode::NOT_FOUND, format!("run '{id}': no such run (it may have ended when its page closed)"))
}

pub fn router(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/api/schema", get(get_schema))
        .route("/api/runs", post(create).get(list))
        .route("/api/runs/{id}", get(show))
        .route("/api/runs/{id}/events", get(events))
        .route("/api/runs/{id}/command", get(command))
        .route("/api/runs/{id}/torch", get(torch_program))
        .route("/api/runs/{id}/{action}", post(control))
        .fallback(get(asset))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(middleware::map_response(json_too_large));
    // Uploads have their own, larger limit (checked in the handler, with a JSON error).
    let data = Router::new()
        .route("/api/data", post(upload))
        .route("/api/data/{id}", get(download))
        .layer(DefaultBodyLimit::disable());
    // A phase diagram is computed once per activation (cached) and may take longer than the
    // request timeout on a busy machine: it runs on a blocking thread and is awaited, not timed
    // out (the page asks for it in the background).
    let phase = Router::new().route("/api/phase", get(get_phase));
    let api = api
        .merge(data)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .merge(phase)
        .layer(middleware::from_fn_with_state(state.clone(), limit_in_flight))
        .with_state(state);
    api.method_not_allowed_fallback(|| async { error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed here") })
}

/// Refuses a request (429) while [`super::MAX_IN_FLIGHT`] are being handled.
async fn limit_in_flight(st: S, req: Request, next: Next) -> Response {
    let Ok(permit) = st.in_flight.clone().try_acquire_owned() else {
        return error(StatusCode::TOO_MANY_REQUESTS, "too many requests at once; try again in a moment");
    };
    let r = next.run(req).await;
    drop(permit);
    r
}

/// Stops forgotten runs once a second.
pub async fn reaper(st: Arc<State>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let s = st.clone();
        let _ = tokio::task::spawn_blocking(move || s.reap()).await;
        if st.closing.load(Ordering::SeqCst) {
            return;
        }
    }
}

async fn asset(req: Request) -> Response {
    match assets::find(req.uri().path()) {
        Some((body, mime)) => {
            ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "no-cache")], body).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "no such page or asset"),
    }
}

async fn get_schema() -> Response {
    Json(schema::schema()).into_response()
}

#[derive(serde::Deserialize)]
struct PhaseQuery {
    activation: Option<String>,
}

async fn get_phase(q: Result<Query<PhaseQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let Ok(Query(q)) = q else { return error(StatusCode::BAD_REQUEST, "query: expected ?activation=NAME") };
    let act = q.activation.unwrap_or_else(|| "tanh".into());
    match tokio::task::spawn_blocking(move || schema::phase(&act)).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => error(StatusCode::BAD_REQUEST, e),
        Err(_) => error(StatusCode::BAD_REQUEST, "phase diagram failed"),
    }
}

async fn create(st: S, body: Bytes) -> Response {
    let settings: Settings = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": super::one_line(&format!("request body: {e}")), "field": "body"})),
            )
                .into_response()
        }
    };
    if st.runs.lock().unwrap_or_else(|e| e.into_inner()).len() >= MAX_RUNS {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{MAX_RUNS} runs are live, the server's limit; close a playground page or stop a run"),
        );
    }
    let st2 = st.0.clone();
    let checked = match tokio::task::spawn_blocking(move || settings.check(&st2.uploads)).await {
        Ok(Ok(c)) => c,
        Ok(Err(refusal)) => return (StatusCode::BAD_REQUEST, Json(refusal)).into_response(),
        Err(_) => return error(StatusCode::BAD_REQUEST, "these settings could not be checked"),
    };
    let mut runs = st.runs.lock().unwrap_or_else(|e| e.into_inner());
    if runs.len() >= MAX_RUNS {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{MAX_RUNS} runs are live, the server's limit; close a playground page or stop a run"),
        );
    }
    let id = format!("r{}", st.next_id.fetch_add(1, Ordering::SeqCst));
    let command = command_line(&checked.config);
    let s = Session::start(id.clone(), checked.config, checked.prepared, checked.snapshot_every, checked.paused);
    runs.insert(id.clone(), s);
    (StatusCode::CREATED, Json(json!({"id": id, "command": command}))).into_response()
}

#[derive(serde::Deserialize)]
struct UploadQuery {
    name: Option<String>,
}

fn data_error(status: StatusCode, e: impl std::fmt::Display) -> Response {
    (status, Json(json!({"error": super::one_line(&e.to_string()), "field": "data"}))).into_response()
}

/// `POST /api/data?name=FILE.csv`: the body is the file; read as `compare --data FILE` reads it.
async fn upload(
    st: S,
    q: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Response {
    let name = match q {
        Ok(Query(UploadQuery { name: Some(n) })) => n,
        _ => return data_error(StatusCode::BAD_REQUEST, "upload: name the file, e.g. POST /api/data?name=points.csv"),
    };
    let claimed =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = claimed.filter(|&n| n > MAX_UPLOAD as u64) {
        return data_error(StatusCode::PAYLOAD_TOO_LARGE, too_big(n.min(usize::MAX as u64) as usize));
    }
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_UPLOAD).await {
        Ok(b) => b.to_vec(),
        Err(_) => return data_error(StatusCode::PAYLOAD_TOO_LARGE, too_big(MAX_UPLOAD + 1)),
    };
    let st2 = st.0.clone();
    match tokio::task::spawn_blocking(move || st2.uploads.add(&name, bytes)).await {
        Ok(Ok(u)) => (StatusCode::CREATED, Json(u.summary())).into_response(),
        Ok(Err(e)) => data_error(StatusCode::BAD_REQUEST, e),
        Err(_) => data_error(StatusCode::BAD_REQUEST, "upload: the file could not be read"),
    }
}

/// `GET /api/data/{id}`: an upload's file as it came, to save beside the exported command.
async fn download(st: S, Path(id): Path<String>) -> Response {
    match st.uploads.get(&id) {
        Some(u) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", u.name)),
            ],
            u.bytes.clone(),
        )
            .into_response(),
        None => {
            let id: String = id.chars().take(40).collect();
            error(
                StatusCode::NOT_FOUND,
                format!("upload '{id}': no such upload (uploads live in memory until the server stops)"),
            )
        }
    }
}

async fn list(st: S) -> Response {
    let runs = st.runs.lock().unwrap_or_else(|e| e.into_inner());
    let mut v: Vec<Value> = runs
        .values()
        .map(|s| json!({"id": s.id, "threads": s.live_threads(), "streams": s.subscribers.load(Ordering::SeqCst)}))
        .collect();
    v.sort_by_key(|r| r["id"].as_str().map(str::to_string));
    Json(json!({"runs": v})).into_response()
}

/// What the page needs before the first epoch: the settings, the data, the layers.
fn setup(s: &Session) -> Value {
    let p = &s.prepared;
    let d = &p.data;
    let shape = d.input.shape();
    let points: Option<Vec<[f32; 2]>> = (shape.len() == 2 && shape[1] <= 2)
        .then(|| d.input.rows().into_iter().map(|r| [r[0], r.get(1).copied().unwrap_or(0.0)]).collect());
    let (labels, values) = match &d.target {
        crate::lab::data::Target::Classes { labels, .. } => (Some(labels.clone()), None),
        crate::lab::data::Target::Values(v) => (None, Some(v.iter().copied().collect::<Vec<f32>>())),
    };
    json!({
        "type": "setup",
        "id": s.id,
        "inits": s.config.inits.iter().map(|(l, r)| json!({"label": l, "rules": r})).collect::<Vec<_>>(),
        "seed": s.config.seed,
        "epochs": s.config.epochs,
        "model": s.config.model,
        "data": s.config.data,
        "classes": d.class_counts().map(|c| c.len()),
        "points": points,
        "labels": labels,
        "values": values,
        "plane": p.plane.map(|e| [e.0, e.1, e.2, e.3]),
        "curve_range": super::snapshot::curve_range(p),
        "params": p.param_names,
        "playing": s.control.playing(),
        "command": command_line(&s.config),
    })
}

async fn show(st: S, Path(id): Path<String>) -> Response {
    match st.get(&id) {
        Some(s) => Json(setup(&s)).into_response(),
        None => unknown_run(&id),
    }
}

/// Holds a stream's place: when the stream ends (the page closed), the run learns it.
struct Watch {
    session: Arc<Session>,
    cursor: Cursor,
    state: Arc<State>,
    _permit: tokio::sync::OwnedSemaphorePermit,
    first: bool,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.session.unsubscribe();
    }
}

async fn events(st: S, Path(id): Path<String>) -> Response {
    let Some(session) = st.get(&id) else { return unknown_run(&id) };
    let Ok(permit) = st.streams.clone().try_acquire_owned() else {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} event streams are open, the server's limit", super::MAX_STREAMS),
        );
    };
    session.subscribe();
    let w = Watch { session, cursor: Cursor::default(), state: st.0.clone(), _permit: permit, first: true };
    // Server-Sent Events written by hand so that whatever accumulated in a frame's time (30 ms)
    // goes out as one chunk: one write for a hundred epochs, not one each.
    let stream = futures_util::stream::unfold(w, |mut w| async move {
        let mut quiet = 0u32;
        loop {
            if w.first {
                w.first = false;
                let chunk = format!("data: {}\n\n", setup(&w.session));
                return Some((Ok::<Bytes, Infallible>(Bytes::from(chunk)), w));
            }
            if w.state.closing.load(Ordering::SeqCst) {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
            let fresh = w.session.log.since(&mut w.cursor);
            if !fresh.is_empty() {
                let mut chunk = String::with_capacity(fresh.iter().map(|j| j.len() + 8).sum());
                for j in &fresh {
                    chunk.push_str("data: ");
                    chunk.push_str(j);
                    chunk.push_str("\n\n");
                }
                return Some((Ok(Bytes::from(chunk)), w));
            }
            quiet += 1;
            if quiet >= 330 {
                // About 10 s without an event: a comment line keeps proxies and the page's
                // EventSource from taking the stream for dead (and finds a closed page).
                return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), w));
            }
        }
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

async fn command(st: S, Path(id): Path<String>) -> Response {
    match st.get(&id) {
        Some(s) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], command_line(&s.config) + "\n").into_response()
        }
        None => unknown_run(&id),
    }
}

async fn torch_program(st: S, Path(id): Path<String>) -> Response {
    match st.get(&id) {
        Some(s) => match torch::program(&s.config, &s.prepared) {
            Ok(text) => ([(header::CONTENT_TYPE, "text/x-python; charset=utf-8")], text).into_response(),
            Err(e) => error(StatusCode::BAD_REQUEST, e),
        },
        None => unknown_run(&id),
    }
}

async fn control(st: S, Path((id, action)): Path<(String, String)>) -> Response {
    let Some(s) = st.get(&id) else { return unknown_run(&id) };
    let act: String = action.chars().take(40).collect();
    let s2 = s.clone();
    let done = match act.as_str() {
        "pause" => {
            s.pause();
            true
        }
        "resume" | "play" => {
            s.resume();
            true
        }
        "step" => {
            s.step();
            true
        }
        "reset" => tokio::task::spawn_blocking(move || s2.reset()).await.is_ok(),
        "stop" => {
            let st2 = st.0.clone();
            let id2 = id.clone();
            tokio::task::spawn_blocking(move || {
                s2.stop();
                st2.runs.lock().unwrap_or_else(|e| e.into_inner()).remove(&id2);
            })
            .await
            .is_ok()
        }
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                format!("'{act}': no such action; valid: pause, resume, step, reset, stop"),
            )
        }
    };
    if !done {
        return error(StatusCode::BAD_REQUEST, format!("{act} failed"));
    }
    Json(json!({"id": id, "action": act, "playing": s.control.playing()})).into_response()
}
