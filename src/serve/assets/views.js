// The playground's views: uPlot charts (loss, accuracy, std by layer) and small canvases drawn
// from the data the server sends (decision boundaries or fitted curves, histograms, the phase
// diagram). draw() is called at most once per animation frame with everything new batched.
"use strict";
window.PlaygroundViews = (() => {
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  const CLASS_RGB = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75]];
  const $ = (id) => document.getElementById(id);
  const v = { charts: {}, phase: null, phaseAct: null };
  const fin = (x) => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

  function tick(x) {
    if (x === null || x === undefined) return "";
    const a = Math.abs(x);
    return a === 0 ? "0" : a >= 0.01 && a < 10000 ? String(+x.toPrecision(3)) : x.toExponential(0);
  }
  function width(el) { return Math.max(280, Math.floor(el.clientWidth || 360) - 4); }
  function makeChart(id, title, series, opts) {
    const el = $(id);
    el.innerHTML = "";
    const u = new uPlot(Object.assign({
      width: width(el), height: 220, title: "",
      scales: { x: { time: false }, y: opts.log ? { distr: 3 } : {} },
      axes: [
        { label: opts.xlabel || "epoch", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000], values: (u, vs) => vs.map(String) },
        { label: title, size: 60, values: (u, vs) => vs.map(tick) },
      ],
      legend: { show: !!opts.legend, live: false },
      series: [{ label: opts.xlabel || "epoch" }, ...series],
    }, opts.extra || {}), [[], ...series.map(() => [])], el);
    v.charts[id] = u;
    return u;
  }
  function perInit(setup, kinds) {
    const s = [];
    setup.inits.forEach((init, k) => {
      for (const [suffix, dash] of kinds) {
        s.push({ label: `${init.label}${suffix}`, stroke: COLORS[k], width: 1.5, dash: dash ? [5, 4] : undefined, spanGaps: true, points: { show: false } });
      }
    });
    return s;
  }

  function setup(state, e) {
    const classify = e.labels !== null;
    makeChart("loss-chart", "loss", perInit(e, [["", false], [" (test)", true]]), { log: true, legend: true });
    makeChart("acc-chart", classify ? "accuracy" : "—", perInit(e, [["", false], [" (test)", true]]), { extra: { scales: { x: { time: false }, y: { range: [0, 1] } } } });
    makeChart("act-chart", "activation std", perInit(e, [["", false], [" theory", true]]), { log: true, xlabel: "hidden layer" });
    makeChart("grad-chart", "gradient std", perInit(e, [["", false], [" theory", true]]), { log: true, xlabel: "hidden layer" });
    $("boundary-title").textContent = e.plane ? "Decision boundary" : e.curve_range ? "Fitted curve" : "Predictions";
    $("boundaries").innerHTML = e.inits.map((init, k) =>
      `<div class="tile"><canvas width="160" height="160" data-k="${k}"></canvas><span><b style="background:${COLORS[k]}"></b>${esc(init.label)}</span></div>`).join("");
    $("hists").innerHTML = e.inits.map((init, k) =>
      `<div class="tile"><canvas width="320" height="110" data-k="${k}"></canvas><span><b style="background:${COLORS[k]}"></b>${esc(init.label)}</span></div>`).join("");
    const act = (e.model.split(":").find((p) => state.schema.activations.includes(p))) || "relu";
    loadPhase(act);
  }
  function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }

  function reset(state) {
    for (const u of Object.values(v.charts)) u.setData(u.data.map(() => []));
  }

  function draw(state) {
    const e = state.setup;
    const n = Math.max(0, ...state.epochs.map((r) => (r ? r.length : 0)));
    const xs = Array.from({ length: n }, (_, i) => i);
    const col = (k, key) => xs.map((i) => { const r = state.epochs[k] && state.epochs[k][i]; return r ? fin(r[key]) : null; });
    const loss = [xs], acc = [xs];
    e.inits.forEach((_, k) => { loss.push(col(k, "loss"), col(k, "test_loss")); acc.push(col(k, "accuracy"), col(k, "test_accuracy")); });
    v.charts["loss-chart"].setData(loss);
    v.charts["acc-chart"].setData(acc);
    drawLayers(state);
    drawDistinct(state);
    state.snaps.forEach((s, k) => { if (s) { drawPrediction(state, k, s); drawHists(k, s); } });
    v.state = state;
    drawPhase(state);
  }

  function drawLayers(state) {
    const snaps = state.snaps;
    const L = Math.max(0, ...snaps.map((s) => (s ? s.layers.length : 0)));
    const xs = Array.from({ length: L }, (_, i) => i + 1);
    for (const [id, m, p] of [["act-chart", "act_std", "act_pred"], ["grad-chart", "grad_std", "grad_pred"]]) {
      const d = [xs];
      state.setup.inits.forEach((_, k) => {
        const s = snaps[k];
        d.push(xs.map((i) => (s && s.layers[i - 1] ? fin(s.layers[i - 1][m]) || null : null)));
        d.push(xs.map((i) => (s && s.layers[i - 1] ? fin(s.layers[i - 1][p]) || null : null)));
      });
      v.charts[id].setData(d);
    }
  }

  function drawDistinct(state) {
    const snaps = state.snaps.filter(Boolean);
    if (!snaps.length) return;
    const layers = snaps[0].distinct.map((d) => d.layer);
    let html = `<tr><th>init (epoch)</th>${layers.map((l) => `<th>layer ${esc(l)}</th>`).join("")}</tr>`;
    state.snaps.forEach((s, k) => {
      if (!s) return;
      html += `<tr><td><b style="color:${COLORS[k]}">■</b> ${esc(s.init)} (${s.epoch})</td>` +
        s.distinct.map((d) => `<td class="${d.distinct === 1 ? "one" : ""}" data-distinct="${d.distinct}">${d.distinct} / ${d.units}</td>`).join("") + "</tr>";
    });
    $("distinct").innerHTML = html;
  }

  function drawPrediction(state, k, s) {
    const c = document.querySelector(`#boundaries canvas[data-k="${k}"]`);
    if (!c) return;
    const g = c.getContext("2d");
    const e = state.setup;
    g.clearRect(0, 0, c.width, c.height);
    if (s.boundary && e.plane) {
      const G = Math.round(Math.sqrt(s.boundary.classes.length));
      const img = g.createImageData(G, G);
      s.boundary.classes.forEach((cl, i) => {
        const rgb = CLASS_RGB[cl % CLASS_RGB.length], a = s.boundary.confidence[i] / 100;
        const mix = (ch) => Math.round(255 - (255 - ch) * (0.25 + 0.55 * a));
        img.data.set([mix(rgb[0]), mix(rgb[1]), mix(rgb[2]), 255], i * 4);
      });
      const off = document.createElement("canvas");
      off.width = G; off.height = G;
      off.getContext("2d").putImageData(img, 0, 0);
      g.imageSmoothingEnabled = false;
      g.drawImage(off, 0, 0, c.width, c.height);
      const [x0, x1, y0, y1] = e.plane;
      e.points.forEach(([x, y], i) => {
        const rgb = CLASS_RGB[e.labels[i] % CLASS_RGB.length];
        g.fillStyle = `rgb(${rgb})`;
        g.fillRect(((x - x0) / (x1 - x0)) * c.width - 1.5, (1 - (y - y0) / (y1 - y0)) * c.height - 1.5, 3, 3);
      });
    } else if (s.curve && e.curve_range) {
      const [lo, hi] = e.curve_range;
      const ys = e.values.concat(s.curve.filter(Number.isFinite));
      const ymin = Math.min(...ys), ymax = Math.max(...ys);
      const X = (x) => ((x - lo) / (hi - lo || 1)) * (c.width - 8) + 4;
      const Y = (y) => c.height - 4 - ((y - ymin) / (ymax - ymin || 1)) * (c.height - 8);
      g.fillStyle = "#999";
      e.points.forEach(([x], i) => g.fillRect(X(x) - 1, Y(e.values[i]) - 1, 2, 2));
      g.strokeStyle = COLORS[k]; g.lineWidth = 2; g.beginPath();
      s.curve.forEach((y, i) => { const x = lo + ((hi - lo) * i) / (s.curve.length - 1); if (i) g.lineTo(X(x), Y(y)); else g.moveTo(X(x), Y(y)); });
      g.stroke();
    } else {
      g.fillStyle = "#5a6472"; g.font = "12px sans-serif";
      g.fillText("no 2-D view for this data", 10, 80);
    }
    g.fillStyle = "#1a202c"; g.font = "11px sans-serif";
    g.fillText(`epoch ${s.epoch}`, 4, 12);
  }

  function drawHists(k, s) {
    const c = document.querySelector(`#hists canvas[data-k="${k}"]`);
    if (!c) return;
    const g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    const L = s.hist.layers.length;
    if (!L) return;
    const w = c.width / L, h = c.height / 2;
    s.hist.layers.forEach((l, j) => {
      for (const [hist, row] of [[l.act, 0], [l.grad, 1]]) {
        const max = Math.max(...hist.fractions, 1e-12);
        const bw = (w - 6) / hist.fractions.length;
        g.fillStyle = row ? "#c05621" : COLORS[k];
        hist.fractions.forEach((f, b) => {
          const bh = (f / max) * (h - 14);
          g.fillRect(j * w + 3 + b * bw, row * h + h - 2 - bh, Math.max(bw - 0.5, 0.5), bh);
        });
      }
      g.fillStyle = "#5a6472"; g.font = "10px sans-serif";
      g.fillText(`${l.name}:${l.type_name}`, j * w + 3, 10);
    });
  }

  // The diagram takes the server a few seconds per activation (then it is cached): say so
  // meanwhile, and say why when there is none.
  async function loadPhase(act) {
    if (v.phaseAct === act) return;
    v.phaseAct = act; v.phase = null; v.phaseMsg = "computing the phase diagram for " + act + "…";
    $("phase-act").textContent = act;
    const r = await fetch(`/api/phase?activation=${encodeURIComponent(act)}`);
    if (v.phaseAct !== act) return;
    if (r.ok) v.phase = await r.json();
    else v.phaseMsg = "no phase diagram: " + ((await r.json().catch(() => ({}))).error || r.statusText);
    if (v.state) drawPhase(v.state);
  }

  function drawPhase(state) {
    const c = $("phase"), g = c.getContext("2d"), p = v.phase;
    g.clearRect(0, 0, c.width, c.height);
    if (!p) { g.fillStyle = "#5a6472"; g.font = "12px sans-serif"; g.fillText(v.phaseMsg || "", 10, 20); return; }
    const W = c.width, H = c.height, nw = p.sigma_w2.length, nb = p.sigma_b2.length;
    const wmax = p.sigma_w2[nw - 1] * nw / (nw - 0.5), bmax = p.sigma_b2[nb - 1] * nb / (nb - 0.5);
    p.xi_c.forEach((row, j) => row.forEach((xi, i) => {
      const t = xi === null ? 1 : Math.min(1, Math.log10(1 + xi) / 2);
      g.fillStyle = xi === null ? "#eee" : `hsl(${220 - 180 * t}, 70%, ${30 + 40 * t}%)`;
      g.fillRect((i / nw) * W, H - ((j + 1) / nb) * H, W / nw + 1, H / nb + 1);
    }));
    // The critical line solid (χ₁ = 1, or q* running off to infinity), a jump out of the ordered
    // basin dashed (gelu, silu).
    // Black on a white halo: readable over the colours and the grey, and unlike every init's dot.
    [[p.critical, []], [p.jump || [], [5, 4]]].forEach(([pts, dash]) => [["#fff", 4.5], ["#111", 2]].forEach(([colour, width]) => {
      g.strokeStyle = colour; g.lineWidth = width; g.setLineDash(dash); g.beginPath();
      pts.forEach(([b, w], i) => { const x = (w / wmax) * W, y = H - (b / bmax) * H; if (i) g.lineTo(x, y); else g.moveTo(x, y); });
      g.stroke();
    }));
    g.setLineDash([]);
    g.font = "11px sans-serif";
    [["σw² →", W - 42, H - 4], ["σb² ↑", 4, 13]].forEach(([t, x, y]) => {
      g.fillStyle = "rgba(255,255,255,0.85)"; g.fillRect(x - 2, y - 11, g.measureText(t).width + 4, 14);
      g.fillStyle = "#222"; g.fillText(t, x, y);
    });
    state.snaps.forEach((s, k) => {
      if (!s || s.sigma_w2 === null) return;
      const x = Math.min(W - 4, (s.sigma_w2 / wmax) * W), y = Math.max(4, H - (s.sigma_b2 / bmax) * H);
      g.fillStyle = COLORS[k]; g.strokeStyle = "#fff"; g.lineWidth = 1.5;
      g.beginPath(); g.arc(x, y, 5, 0, 2 * Math.PI); g.fill(); g.stroke();
    });
  }

  window.addEventListener("resize", () => {
    for (const [id, u] of Object.entries(v.charts)) u.setSize({ width: width($(id)), height: 220 });
  });
  return { COLORS, setup, reset, draw, charts: v.charts };
})();
