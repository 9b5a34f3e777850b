// initlab report: interactive SVG line charts from the data embedded in the page (no library,
// nothing fetched). Hover a chart for the nearest run's init, seed, epoch and value; click an
// init in the legend to hide or show it in every chart, picture and table; drag across the loss
// chart to zoom into those epochs, double-click to zoom out.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("initlab-data").textContent);
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#000000", "#b8860b"];
  var NS = "http://www.w3.org/2000/svg";
  var hidden = {};
  var charts = [];

  function color(k) { return COLORS[k % COLORS.length]; }
  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace("+", "");
    return String(+v.toPrecision(3));
  }
  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }
  function linTicks(lo, hi) {
    var step = niceStep(hi - lo, 6), out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }
  // Log axis ticks at round numbers: decades, and 2 and 5 times them when few decades show.
  function logTicks(lo, hi) {
    var out = [], d0 = Math.floor(Math.log10(lo)), d1 = Math.ceil(Math.log10(hi));
    var mult = Math.log10(hi / lo) <= 2.5 ? [1, 2, 5] : [1];
    var every = Math.max(1, Math.ceil((d1 - d0) / 8));
    for (var d = d0; d <= d1; d++) {
      if ((d - d0) % every) continue;
      mult.forEach(function (m) {
        var v = m * Math.pow(10, d);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(+v.toPrecision(6));
      });
    }
    return out;
  }

  function Chart(host, spec) {
    this.spec = spec;
    this.W = 860; this.H = 360;
    this.m = { l: 70, r: 16, t: 14, b: 44 };
    this.zoom = null;
    this.host = host;
    this.svg = el("svg", { viewBox: "0 0 " + this.W + " " + this.H, class: "chart", role: "img",
      "aria-label": spec.title }, host);
    this.tip = document.createElement("div");
    this.tip.className = "tip";
    this.tip.hidden = true;
    host.appendChild(this.tip);
    var self = this;
    this.svg.addEventListener("mousemove", function (e) { self.move(e); });
    this.svg.addEventListener("mouseleave", function () { self.tip.hidden = true; if (self.dot) self.dot.remove(); });
    if (spec.zoom) {
      this.svg.addEventListener("mousedown", function (e) { self.dragStart = self.local(e).x; e.preventDefault(); });
      this.svg.addEventListener("mouseup", function (e) { self.dragEnd(e); });
      this.svg.addEventListener("dblclick", function () { self.zoom = null; self.draw(); });
    }
  }
  Chart.prototype.local = function (e) {
    var r = this.svg.getBoundingClientRect();
    return { x: (e.clientX - r.left) * this.W / r.width, y: (e.clientY - r.top) * this.H / r.height };
  };
  Chart.prototype.visible = function () {
    return this.spec.lines.filter(function (l) { return !hidden[l.init]; });
  };
  Chart.prototype.ok = function (y) {
    return isFinite(y) && y !== null && (!this.spec.log || y > 0) && (this.spec.cap == null || y <= this.spec.cap);
  };
  Chart.prototype.domain = function () {
    var self = this, x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    this.visible().forEach(function (l) {
      l.x.forEach(function (x, i) {
        var y = l.y[i];
        if (!self.ok(y)) return;
        if (self.zoom && (x < self.zoom[0] || x > self.zoom[1])) return;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      });
    });
    if (this.zoom) { x0 = this.zoom[0]; x1 = this.zoom[1]; }
    if (!(x0 <= x1)) return null;
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (this.spec.log) {
      if (y1 <= y0) { y0 /= 2; y1 *= 2; }
      var f = Math.pow(y1 / y0, 0.04); y0 /= f; y1 *= f;
    } else {
      if (y1 <= y0) { y0 -= 1; y1 += 1; }
      var pad = 0.04 * (y1 - y0); y0 -= pad; y1 += pad;
    }
    return [x0, x1, y0, y1];
  };
  Chart.prototype.px = function (x) {
    var d = this.dom;
    return this.m.l + (x - d[0]) / (d[1] - d[0]) * (this.W - this.m.l - this.m.r);
  };
  Chart.prototype.py = function (y) {
    var d = this.dom, h = this.H - this.m.t - this.m.b;
    var f = this.spec.log ? (Math.log(y) - Math.log(d[2])) / (Math.log(d[3]) - Math.log(d[2])) : (y - d[2]) / (d[3] - d[2]);
    return this.m.t + (1 - f) * h;
  };
  Chart.prototype.draw = function () {
    var s = this.spec, self = this;
    while (this.svg.firstChild) this.svg.removeChild(this.svg.firstChild);
    this.dot = null;
    this.tip.hidden = true;
    this.dom = this.domain();
    var m = this.m, W = this.W, H = this.H;
    if (!this.dom) {
      el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "note" }, this.svg).textContent =
        "nothing to draw (every init hidden, or no finite values)";
      return;
    }
    var d = this.dom;
    var clipId = "clip-" + s.id;
    var cp = el("clipPath", { id: clipId }, el("defs", {}, this.svg));
    el("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b }, cp);
    var ax = el("g", { class: "axis" }, this.svg);
    var yt = s.log ? logTicks(d[2], d[3]) : linTicks(d[2], d[3]);
    yt.forEach(function (v) {
      var y = self.py(v);
      el("line", { x1: m.l, x2: W - m.r, y1: y, y2: y, class: "grid" }, ax);
      el("text", { x: m.l - 6, y: y + 4, "text-anchor": "end" }, ax).textContent = fmt(v);
    });
    var xt = s.xnames ? s.xnames.map(function (_, i) { return i + 1; }) : linTicks(d[0], d[1]).filter(function (v) {
      return Math.abs(v - Math.round(v)) < 1e-9 || d[1] - d[0] < 10;
    });
    xt.forEach(function (v) {
      if (v < d[0] - 1e-9 || v > d[1] + 1e-9) return;
      var x = self.px(v);
      el("line", { x1: x, x2: x, y1: H - m.b, y2: H - m.b + 5, class: "tick" }, ax);
      el("text", { x: x, y: H - m.b + 18, "text-anchor": "middle" }, ax).textContent = s.xnames ? s.xnames[v - 1] : fmt(v);
    });
    el("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, class: "frame" }, ax);
    el("text", { x: (m.l + W - m.r) / 2, y: H - 6, "text-anchor": "middle", class: "label" }, ax).textContent = s.xlabel;
    el("text", { x: 14, y: (m.t + H - m.b) / 2, "text-anchor": "middle", class: "label",
      transform: "rotate(-90 14 " + (m.t + H - m.b) / 2 + ")" }, ax).textContent = s.ylabel + (s.log ? " (log scale)" : "");
    var g = el("g", { "clip-path": "url(#" + clipId + ")" }, this.svg);
    this.visible().forEach(function (l) {
      var path = "", open = false, single = [];
      l.x.forEach(function (x, i) {
        var y = l.y[i];
        if (!self.ok(y)) { open = false; return; }
        var p = self.px(x).toFixed(1) + "," + self.py(y).toFixed(1);
        path += (open ? "L" : "M") + p;
        if (!open && (i + 1 >= l.x.length || !self.ok(l.y[i + 1]))) single.push([x, y]);
        open = true;
      });
      var attrs = { d: path, stroke: color(l.init), "data-init": l.init, class: "line" + (l.test ? " test" : "") };
      if (l.seed != null) attrs["data-seed"] = l.seed;
      el("path", attrs, g);
      single.forEach(function (p) {
        el("circle", { cx: self.px(p[0]), cy: self.py(p[1]), r: 3, fill: color(l.init), "data-init": l.init }, g);
      });
    });
    (s.markers || []).forEach(function (mk) {
      if (hidden[mk.init]) return;
      var y = s.cap != null ? Math.min(mk.y, s.cap) : mk.y;
      if (mk.x < d[0] || mk.x > d[1]) return;
      var x = self.px(mk.x), yy = self.py(Math.max(Math.min(y, d[3]), d[2]));
      el("path", { d: "M" + (x - 5) + "," + (yy - 5) + "L" + (x + 5) + "," + (yy + 5) + "M" + (x - 5) + "," + (yy + 5) + "L" + (x + 5) + "," + (yy - 5),
        stroke: color(mk.init), class: "marker", "data-init": mk.init }, this.svg);
    }, this);
    this.band = el("rect", { class: "zoomband", x: 0, y: m.t, width: 0, height: H - m.t - m.b }, this.svg);
  };
  // The point nearest the mouse (in pixels) among the visible lines.
  Chart.prototype.nearest = function (p) {
    var self = this, best = null;
    this.visible().forEach(function (l) {
      l.x.forEach(function (x, i) {
        var y = l.y[i];
        if (!self.ok(y) || x < self.dom[0] || x > self.dom[1]) return;
        var dx = self.px(x) - p.x, dy = self.py(y) - p.y, dd = dx * dx + dy * dy;
        if (!best || dd < best.dd) best = { dd: dd, line: l, i: i };
      });
    });
    return best && best.dd <= 30 * 30 ? best : null;
  };
  Chart.prototype.move = function (e) {
    if (!this.dom) return;
    var p = this.local(e);
    if (this.dragStart != null && this.band) {
      var a = Math.min(this.dragStart, p.x), b = Math.max(this.dragStart, p.x);
      this.band.setAttribute("x", a); this.band.setAttribute("width", b - a);
    }
    var n = this.nearest(p);
    if (!n) { this.tip.hidden = true; if (this.dot) this.dot.remove(); return; }
    var l = n.line, x = l.x[n.i], y = l.y[n.i];
    if (this.dot) this.dot.remove();
    this.dot = el("circle", { cx: this.px(x), cy: this.py(y), r: 5, class: "hoverdot", stroke: color(l.init) }, this.svg);
    var t = this.tip;
    t.dataset.init = D.inits[l.init];
    t.dataset.seed = l.seed == null ? "" : l.seed;
    t.dataset.x = x;
    t.dataset.value = String(y);
    t.dataset.kind = l.kind;
    t.textContent = "";
    var head = document.createElement("b");
    head.textContent = D.inits[l.init];
    t.appendChild(head);
    var where = (l.seed == null ? "mean over seeds" : "seed " + l.seed) + " · " + (this.spec.xnames ? "layer " + this.spec.xnames[x - 1] : this.spec.xlabel + " " + x);
    t.appendChild(document.createElement("br"));
    t.appendChild(document.createTextNode(where));
    t.appendChild(document.createElement("br"));
    t.appendChild(document.createTextNode(l.kind + ": " + y));
    t.hidden = false;
    var r = this.svg.getBoundingClientRect(), hr = this.host.getBoundingClientRect();
    var left = this.px(x) * r.width / this.W + (r.left - hr.left) + 14;
    if (left > hr.width - 260) left -= 290;
    t.style.left = left + "px";
    t.style.top = (this.py(y) * r.height / this.H + (r.top - hr.top) + 10) + "px";
  };
  Chart.prototype.dragEnd = function (e) {
    if (this.dragStart == null || !this.dom) return;
    var a = Math.min(this.dragStart, this.local(e).x), b = Math.max(this.dragStart, this.local(e).x);
    this.dragStart = null;
    if (b - a < 6) { this.band.setAttribute("width", 0); return; }
    var self = this, inv = function (px) {
      return self.dom[0] + (px - self.m.l) / (self.W - self.m.l - self.m.r) * (self.dom[1] - self.dom[0]);
    };
    this.zoom = [Math.max(inv(a), this.dom[0]), Math.min(inv(b), this.dom[1])];
    this.draw();
  };

  function update() {
    document.querySelectorAll("[data-init-row]").forEach(function (e) {
      e.hidden = !!hidden[e.getAttribute("data-init-row")];
    });
    document.querySelectorAll("#legend button").forEach(function (b) {
      var k = b.getAttribute("data-k");
      b.classList.toggle("off", !!hidden[k]);
      b.setAttribute("aria-pressed", hidden[k] ? "false" : "true");
    });
    charts.forEach(function (c) { c.draw(); });
  }

  var legend = document.getElementById("legend");
  D.inits.forEach(function (name, k) {
    var b = document.createElement("button");
    b.type = "button";
    b.setAttribute("data-k", k);
    b.setAttribute("aria-pressed", "true");
    var sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = color(k);
    b.appendChild(sw);
    b.appendChild(document.createTextNode(name));
    b.addEventListener("click", function () { hidden[k] = !hidden[k]; update(); });
    legend.appendChild(b);
  });
  D.charts.forEach(function (spec) {
    var host = document.getElementById("chart-" + spec.id);
    if (host) charts.push(new Chart(host, spec));
  });
  window.initlab = { charts: charts, data: D, hidden: hidden };
  update();
})();
