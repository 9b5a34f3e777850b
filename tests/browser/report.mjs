// Opens an initlab report.html in headless Chromium and checks that it works offline and reacts
// to the mouse: no console error, no request outside the file, hovering the loss chart shows a
// value equal to metrics.csv's, clicking a legend entry hides that init everywhere (and shows it
// again), dragging zooms. Exit 0 when every check passes; otherwise prints what failed, exit 1.
//
// usage: node tests/browser/report.mjs REPORT.html METRICS.csv [SCREENSHOT_DIR]
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [report, metricsPath, shots] = process.argv.slice(2);
if (!report || !metricsPath) {
  console.error("usage: node report.mjs REPORT.html METRICS.csv [SCREENSHOT_DIR]");
  process.exit(2);
}
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

// A CSV parser for initlab's files (quoted fields may hold commas and doubled quotes).
function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; }
    else if (c !== "\r") field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
const metrics = parseCsv(readFileSync(metricsPath, "utf8"));
const COLUMN = { "train loss": "loss", "test loss": "test_loss", "train accuracy": "accuracy", "test accuracy": "test_accuracy" };

const url = pathToFileURL(path.resolve(report)).href;
const browser = await chromium.launch({
  executablePath: process.env.INITLAB_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [], outside = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (r.url() !== url && !r.url().startsWith("data:")) outside.push(r.url()); });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.initlab && window.initlab.charts.length > 0, null, { timeout: 10000 });
  const inits = await page.evaluate(() => window.initlab.data.inits);
  check(inits.length >= 2, `the report should have at least two inits, has ${inits.length}`);

  // Hover: aim at a point of the first run's training loss, a third of the way in.
  const target = await page.evaluate(() => {
    const c = window.initlab.charts.find((c) => c.spec.id === "loss");
    const l = c.spec.lines.find((l) => l.kind === "train loss" && l.y.filter((y) => y !== null).length > 5);
    const i = Math.floor(l.x.length / 3);
    const r = c.svg.getBoundingClientRect();
    return { x: r.left + c.px(l.x[i]) * r.width / c.W, y: r.top + c.py(l.y[i]) * r.height / c.H };
  });
  await page.mouse.move(target.x, target.y);
  const tip = page.locator("#chart-loss .tip");
  await tip.waitFor({ state: "visible", timeout: 5000 });
  const shown = await tip.evaluate((t) => ({ ...t.dataset, text: t.textContent }));
  const row = metrics.find((r) => r.init === shown.init && r.seed === shown.seed && r.epoch === shown.x);
  check(row, `hover shows init ${shown.init}, seed ${shown.seed}, epoch ${shown.x}: no such row in metrics.csv`);
  if (row) {
    const want = Number(row[COLUMN[shown.kind]]);
    check(Number(shown.value) === want, `hover shows ${shown.kind} ${shown.value}, metrics.csv says ${row[COLUMN[shown.kind]]}`);
    // The tooltip shows at most six significant digits; data-value keeps the exact number.
    const six = String(Number(Number(shown.value).toPrecision(6))).replace("e+", "e");
    check(!shown.text.includes(shown.value) || shown.value === six, `the tooltip '${shown.text}' shows more than 6 digits`);
    for (const part of [shown.init, `seed ${shown.seed}`, `epoch ${shown.x}`, six]) {
      check(shown.text.includes(part), `the tooltip '${shown.text}' should show '${part}'`);
    }
  }
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, "hover.png") });
  }

  // Legend: hiding init 0 removes its lines from every chart and its rows and pictures.
  const count = () => page.evaluate(() => {
    const n = (sel) => document.querySelectorAll(sel).length;
    const shownRows = [...document.querySelectorAll('[data-init-row="0"]')].filter((e) => !e.hidden).length;
    return { lines0: n('svg.chart [data-init="0"]'), lines1: n('svg.chart [data-init="1"]'), rows0: shownRows,
      allRows0: n('[data-init-row="0"]') };
  });
  const before = await count();
  check(before.lines0 > 0 && before.lines1 > 0 && before.rows0 > 0, `before the click: ${JSON.stringify(before)}`);
  await page.locator('#legend button[data-k="0"]').click();
  const after = await count();
  check(after.lines0 === 0, `after clicking '${inits[0]}' in the legend its lines remain: ${JSON.stringify(after)}`);
  check(after.rows0 === 0 && after.allRows0 === before.allRows0, `its rows and pictures should be hidden: ${JSON.stringify(after)}`);
  check(after.lines1 === before.lines1, `the other init's lines must stay: ${JSON.stringify(after)}`);
  if (shots) await page.screenshot({ path: path.join(shots, "hidden.png"), fullPage: true });
  await page.locator('#legend button[data-k="0"]').click();
  const again = await count();
  check(again.lines0 === before.lines0 && again.rows0 === before.rows0, `a second click should show it again: ${JSON.stringify(again)}`);

  // Zoom: drag across the middle third of the loss chart.
  const box = await page.locator("#chart-loss svg").boundingBox();
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  const zoom = await page.evaluate(() => window.initlab.charts.find((c) => c.spec.id === "loss").zoom);
  check(Array.isArray(zoom) && zoom[0] > 0 && zoom[1] > zoom[0], `dragging should zoom the loss chart, zoom = ${JSON.stringify(zoom)}`);
  if (shots) await page.locator("#chart-loss").screenshot({ path: path.join(shots, "zoomed.png") });

  // At 800 px the page does not scroll sideways: wide tables scroll in their own box, charts
  // and pictures shrink to the page.
  await page.setViewportSize({ width: 800, height: 900 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const narrow = await page.evaluate(() => {
    const boxes = [...document.querySelectorAll(".tablebox")];
    const widest = boxes.reduce((m, b) => Math.max(m, b.scrollWidth), 0);
    const scrolls = boxes.some((b) => b.scrollWidth > b.clientWidth && getComputedStyle(b).overflowX === "auto");
    const tooWide = [...document.querySelectorAll("svg.chart, img.view, .tablebox")]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length;
    return { page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth, widest, scrolls, tooWide };
  });
  check(narrow.page <= narrow.view, `at 800 px the page scrolls sideways: ${JSON.stringify(narrow)}`);
  check(narrow.tooWide === 0, `at 800 px some chart, picture or table sticks out: ${JSON.stringify(narrow)}`);
  check(narrow.widest <= narrow.view || narrow.scrolls, `a wide table should scroll in its box: ${JSON.stringify(narrow)}`);
  if (shots) await page.screenshot({ path: path.join(shots, "w800.png"), fullPage: true });
  if (shots) {
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.screenshot({ path: path.join(shots, "w1600.png"), fullPage: true });
  }

  check(errors.length === 0, `console errors: ${errors.join(" | ")}`);
  check(outside.length === 0, `requests outside the file: ${outside.join(", ")}`);
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.error("FAIL: " + f);
  process.exit(1);
}
console.log("report.html: no console error, no request outside the file, hover, legend and zoom work, no sideways scroll at 800 px");
