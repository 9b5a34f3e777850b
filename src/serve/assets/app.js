// The playground page: controls <-> URL hash, the HTTP API (POST /api/runs, controls, exports),
// the event stream, and batching of updates into animation frames. Drawing is in views.js.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const V = window.PlaygroundViews;
  const DEFAULT_INITS = ["zeros", "kaiming_normal(nonlinearity=relu)"];
  const state = {
    run: null, source: null, setup: null, epochs: [], snaps: [], done: [], dirty: false,
    frames: 0, playing: false, lastEpochs: [], uploads: {}, resets: 0, draws: 0,
  };
  window.playground = state;

  // ---- settings: the form, the URL hash, the request body ----
  const FIELDS = ["data", "task", "test_split", "depth", "width", "activation", "norm", "seed", "optimizer", "lr", "momentum", "batch_size", "epochs"];
  function initRows() { return [...document.querySelectorAll(".init-row input")]; }
  function addInit(text) {
    const rows = initRows();
    if (rows.length >= 4) return;
    const row = document.createElement("div");
    row.className = "init-row";
    const sw = document.createElement("span");
    sw.className = "swatch";
    const input = document.createElement("input");
    input.setAttribute("list", "schemes");
    input.setAttribute("aria-label", `init ${rows.length + 1}`);
    input.value = text;
    input.addEventListener("change", changed);
    const rm = document.createElement("button");
    rm.type = "button"; rm.textContent = "×"; rm.setAttribute("aria-label", "remove init");
    rm.addEventListener("click", () => { if (initRows().length > 1) { row.remove(); recolor(); changed(); } });
    row.append(sw, input, rm);
    $("inits").append(row);
    recolor();
  }
  function recolor() {
    document.querySelectorAll(".init-row .swatch").forEach((s, i) => { s.style.background = V.COLORS[i]; });
  }
  function readForm() {
    const f = {};
    for (const k of FIELDS) f[k] = $(k).value.trim();
    f.residual = $("residual").checked;
    f.bias = $("bias").checked;
    f.inits = initRows().map((i) => i.value.trim());
    return f;
  }
  function dataOption(value, text) {
    if (![...$("data").options].some((o) => o.value === value)) {
      const o = document.createElement("option");
      o.value = value; o.textContent = text || value;
      $("data").append(o);
    }
  }
  function writeForm(f) {
    if (f.data && f.data.startsWith("upload:")) dataOption(f.data);
    for (const k of FIELDS) if (f[k] !== undefined) $(k).value = f[k];
    showUserData();
    if (f.residual !== undefined) $("residual").checked = f.residual;
    if (f.bias !== undefined) $("bias").checked = f.bias;
    $("inits").innerHTML = "";
    (f.inits && f.inits.length ? f.inits : DEFAULT_INITS).forEach(addInit);
  }
  function toHash(f) {
    const q = new URLSearchParams();
    for (const k of FIELDS) q.set(k, f[k]);
    q.set("residual", f.residual ? "1" : "0");
    q.set("bias", f.bias ? "1" : "0");
    for (const i of f.inits) q.append("init", i);
    return "#" + q.toString();
  }
  function fromHash() {
    const q = new URLSearchParams(location.hash.slice(1));
    const f = {};
    for (const k of FIELDS) if (q.has(k)) f[k] = q.get(k);
    if (q.has("residual")) f.residual = q.get("residual") === "1";
    if (q.has("bias")) f.bias = q.get("bias") !== "0";
    f.inits = q.getAll("init");
    return f;
  }
  const isUpload = (d) => d.startsWith("upload:");
  // compare's defaults by task: sgd (lr 0.05, momentum 0.9) for classification, adam (lr 1e-3)
  // for regression (sine, or an upload read as regression).
  function regression() {
    const d = $("data").value, t = $("task").value;
    if (!isUpload(d)) return d === "sine";
    if (t) return t === "regression";
    const u = state.uploads[d];
    return !!u && u.task === "regression";
  }
  function taskDefaults() {
    const o = state.schema.defaults.by_task[regression() ? "regression" : "classification"];
    $("optimizer").value = o.optimizer;
    $("lr").value = String(o.lr);
    $("momentum").value = o.momentum === undefined ? "" : String(o.momentum);
  }
  function showUserData() {
    const d = $("data").value;
    document.querySelector(".user-data").hidden = !isUpload(d);
    const u = state.uploads[d];
    $("data-save").hidden = !isUpload(d);
    $("data-file").textContent = u ? u.name : d;
    $("data-link").href = `/api/data/${d.slice(7)}`;
    $("data-link").setAttribute("download", u ? u.name : "data");
  }
  async function uploadFile(file) {
    clearErrors();
    const r = await fetch(`/api/data?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
    const j = await r.json().catch(() => ({ error: `upload failed (HTTP ${r.status})`, field: "data" }));
    if (!r.ok) { showError(Object.assign({ field: "data" }, j)); $("upload").classList.add("bad"); return; }
    state.uploads[j.data] = j;
    dataOption(j.data, `${j.name} (uploaded)`);
    $("data").value = j.data;
    $("task").value = "";
    $("upload-note").textContent = `${j.name}: ${j.rows} rows, ${j.features} features; ${j.describe}`;
    showUserData();
    taskDefaults();
    changed();
  }
  function body(f, paused) {
    const b = {
      data: f.data,
      model: { depth: f.depth, width: f.width, activation: f.activation, norm: f.norm, residual: f.residual, bias: f.bias },
      inits: f.inits, seed: f.seed, epochs: f.epochs, optimizer: f.optimizer, lr: f.lr, paused,
    };
    if (f.momentum !== "") b.momentum = f.momentum;
    if (isUpload(f.data)) {
      if (f.task !== "") b.task = f.task;
      if (f.test_split !== "") b.test_split = f.test_split;
    }
    if (f.batch_size !== "") b.batch_size = f.batch_size;
    return b;
  }

  // ---- errors beside the controls ----
  function clearErrors() {
    document.querySelectorAll(".err").forEach((e) => { e.textContent = ""; });
    document.querySelectorAll(".bad").forEach((e) => e.classList.remove("bad"));
  }
  function showError(r) {
    const field = r.field || "body";
    const box = document.querySelector(`.err[data-for="${field}"]`) || document.querySelector('.err[data-for="body"]');
    box.textContent = r.error;
    const control = field === "inits" ? initRows()[r.index ?? 0] : field === "data" ? $("data") : $(field);
    if (control) control.classList.add("bad");
    status(`not started: ${field} refused`);
  }
  function status(text) { $("status").textContent = text; }

  async function api(method, path, b) {
    const opts = { method, headers: {} };
    if (b !== undefined) { opts.body = JSON.stringify(b); opts.headers["content-type"] = "application/json"; }
    const r = await fetch(path, opts);
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch (_) { json = { text }; }
    return { ok: r.ok, status: r.status, json };
  }

  // ---- a run: create, stream, control ----
  function closeStream() {
    if (state.source) { state.source.close(); state.source = null; }
  }
  async function createRun(paused) {
    const f = readForm();
    history.replaceState(null, "", toHash(f));
    clearErrors();
    closeStream();
    state.run = null;
    const r = await api("POST", "/api/runs", body(f, paused));
    if (!r.ok) { showError(r.json); state.playing = false; return false; }
    state.run = r.json.id;
    state.dirty = false;
    state.playing = !paused;
    $("torch-link").href = `/api/runs/${state.run}/torch`;
    if ($("command").textContent) $("command").textContent = r.json.command;
    openStream(state.run);
    return true;
  }
  function clearData() {
    state.epochs = []; state.snaps = []; state.done = []; state.lastEpochs = [];
    V.reset(state);
  }
  function openStream(id) {
    const src = new EventSource(`/api/runs/${id}/events`);
    state.source = src;
    src.onmessage = (m) => {
      if (state.run !== id) return;
      const e = JSON.parse(m.data);
      if (e.type === "setup") {
        state.setup = e; clearData(); V.setup(state, e);
      } else if (e.type === "epoch") {
        (state.epochs[e.init_index] ||= []).push(e);
        state.lastEpochs[e.init_index] = e.epoch;
      } else if (e.type === "snapshot") {
        state.snaps[e.init_index] = e;
      } else if (e.type === "reset") {
        clearData(); V.setup(state, state.setup); state.resets++;
      } else if (e.type === "done") {
        state.done[e.init_index] = e;
      } else if (e.type === "error") {
        const b = document.querySelector('.err[data-for="body"]');
        b.textContent = `${e.init}: ${e.error}`;
      }
      state.dirty = true;
    };
  }
  function frame() {
    state.frames++;
    if (state.dirty && state.setup) {
      state.dirty = false;
      V.draw(state);
      state.draws++;
      const n = state.setup.epochs;
      const at = state.lastEpochs.length ? Math.min(...state.setup.inits.map((_, k) => (state.lastEpochs[k] ?? -1) + 1)) : 0;
      const finished = state.done.filter(Boolean).length === state.setup.inits.length;
      status(`${state.run} · epoch ${at} of ${n}${finished ? " · done" : state.playing ? " · training" : " · paused"}`);
    }
    requestAnimationFrame(frame);
  }

  async function control(action) {
    if (!state.run) return false;
    const r = await api("POST", `/api/runs/${state.run}/${action}`);
    if (r.status === 404) return createRun(action !== "resume");
    if (r.ok) state.playing = r.json.playing;
    state.dirty = true;
    return r.ok;
  }
  let changeTimer = null;
  function changed() {
    clearTimeout(changeTimer);
    changeTimer = setTimeout(() => createRun(true), 150);
  }

  // ---- wiring ----
  async function main() {
    const s = (await api("GET", "/api/schema")).json;
    state.schema = s;
    $("data").innerHTML = s.datasets.map((d) => `<option>${d}</option>`).join("");
    $("activation").innerHTML = s.activations.map((d) => `<option>${d}</option>`).join("");
    $("schemes").innerHTML = [...s.classic_inits, ...s.schemes].map((d) => `<option value="${d}"></option>`).join("");
    const hash = fromHash();
    writeForm(Object.assign({}, s.defaults, { depth: "2", width: "100", seed: "0", batch_size: "", epochs: "300", task: "", test_split: "0.2" }, hash));
    if (hash.optimizer === undefined) taskDefaults();
    for (const k of [...FIELDS, "residual", "bias"]) $(k).addEventListener("change", changed);
    for (const k of ["data", "task"]) $(k).addEventListener("change", () => { showUserData(); taskDefaults(); });
    $("upload").addEventListener("change", () => { const f = $("upload").files[0]; if (f) uploadFile(f); });
    $("optimizer").addEventListener("change", () => {
      const o = s.optimizers[$("optimizer").value];
      $("lr").value = String(o.lr);
      $("momentum").value = o.momentum === undefined ? "" : String(o.momentum);
    });
    $("addinit").addEventListener("click", () => { addInit("xavier_normal"); changed(); });
    $("play").addEventListener("click", async () => {
      if (!state.run || state.dirty === "settings") await createRun(false);
      else await control("resume");
    });
    $("pause").addEventListener("click", () => control("pause"));
    $("step").addEventListener("click", () => control("step"));
    $("reset").addEventListener("click", () => control("reset"));
    $("newseed").addEventListener("click", () => {
      $("seed").value = String((parseInt($("seed").value, 10) || 0) + 1);
      createRun(!state.playing);
    });
    $("show-command").addEventListener("click", async () => {
      if (!state.run) return;
      const r = await fetch(`/api/runs/${state.run}/command`);
      $("command").textContent = (await r.text()).trim();
    });
    window.addEventListener("hashchange", () => { writeForm(fromHash()); createRun(true); });
    window.addEventListener("pagehide", closeStream);
    requestAnimationFrame(frame);
    await createRun(true);
  }
  main();
})();
