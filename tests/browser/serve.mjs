// Drives the playground (`initlab serve`) in headless Chromium: the page loads with no console
// error and no request outside the server; zeros shows one distinct unit per layer while kaiming
// shows many; Play moves the loss chart; Reset replays the same first-epoch loss; the exported
// command, run through the binary, gives the loss the page shows; a bad setting shows its
// message beside the control. Exit 0 when every check passes, else prints what failed, exit 1.
//
// usage: node tests/browser/serve.mjs URL INITLAB_BINARY [SCREENSHOT_DIR]
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const [base, binary, shots] = process.argv.slice(2);
if (!base || !binary) { console.error("usage: node serve.mjs URL INITLAB_BINARY [SCREENSHOT_DIR]"); process.exit(2); }
const origin = new URL(base).origin;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };
// Two animation frames and a redraw after them: the page has drawn what it holds.
const settled = async () => {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.evaluate(() => { window.playground.dirty = true; });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
};
let page;

const browser = await chromium.launch({
  executablePath: process.env.INITLAB_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [], outside = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith(origin + "/") && !r.url().startsWith("data:")) outside.push(r.url()); });
  const hash = "#data=spiral&depth=2&width=100&activation=relu&epochs=40&init=zeros&init=" + encodeURIComponent("kaiming_normal(nonlinearity=relu)");
  await page.goto(base + hash, { waitUntil: "load" });
  await page.waitForFunction(() => window.playground && window.playground.snaps.filter(Boolean).length === 2, null, { timeout: 20000 });

  // Symmetry at init: zeros keeps one distinct unit in every hidden layer, kaiming has many.
  const distinct = await page.evaluate(() => window.playground.snaps.map((s) => s.distinct.map((d) => d.distinct)));
  check(distinct[0].length === 2 && distinct[0].every((d) => d === 1), `zeros: distinct units ${distinct[0]}`);
  check(distinct[1].every((d) => d > 50), `kaiming: distinct units ${distinct[1]}`);
  const cells = await page.locator("#distinct td.one").count();
  check(cells === 2, `the table marks zeros' two layers (${cells} marked)`);

  // Play moves the loss chart.
  const points = () => page.evaluate(() => {
    const u = window.PlaygroundViews.charts["loss-chart"];
    return u.data[1].filter((v) => v !== null).length;
  });
  check((await points()) === 0, "no loss before Play");
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => window.PlaygroundViews.charts["loss-chart"].data[1].filter((v) => v !== null).length >= 5, null, { timeout: 20000 });
  const frames0 = await page.evaluate(() => window.playground.frames);
  await page.waitForTimeout(500);
  const fps = ((await page.evaluate(() => window.playground.frames)) - frames0) * 2;
  // Reported, not asserted: tests assert no wall-clock speed (the machine may be busy).
  console.log(`the page drew ${fps} frames per second while training`);

  // Training to the end; the page's last loss against the exported command's metrics.csv.
  await page.waitForFunction(() => window.playground.done.filter(Boolean).length === 2 &&
    window.playground.epochs.every((r) => r && r.length === 40), null, { timeout: 60000 });
  const shown = await page.evaluate(() => window.playground.epochs.map((r) => [r[0].loss, r[r.length - 1].loss, r.length]));
  check(shown.every((s) => s[2] === 40), `40 epochs per init shown: ${shown.map((s) => s[2])}`);
  await page.getByRole("button", { name: "initlab command" }).click();
  await page.waitForFunction(() => document.getElementById("command").textContent.startsWith("initlab compare"));
  const command = await page.locator("#command").textContent();
  const out = mkdtempSync(path.join(os.tmpdir(), "initlab-serve-browser-"));
  const words = [];
  for (const m of command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  const args = words.slice(1).map((w, i, a) => (a[i - 1] === "--out" ? path.join(out, "run") : w));
  execFileSync(binary, [...args, "--quiet"], { stdio: ["ignore", "ignore", "inherit"] });
  const rows = readFileSync(path.join(out, "run", "metrics.csv"), "utf8").trim().split("\n").map((l) => l.split(","));
  const head = rows[0];
  const at = (init, epoch) => rows.find((r) => r[head.indexOf("init")] === init && r[head.indexOf("epoch")] === String(epoch));
  const inits = await page.evaluate(() => window.playground.setup.inits.map((i) => i.label));
  inits.forEach((label, k) => {
    const last = at(label, 39) || [];
    check(Number(last[head.indexOf("loss")]) === shown[k][1], `${label}: page's last loss ${shown[k][1]}, command's ${last[head.indexOf("loss")]}`);
  });
  rmSync(out, { recursive: true, force: true });

  // Reset replays the same init and seed: the same first-epoch loss.
  // (Waits for the reset event itself, then for every init's first epoch after it: the old
  // run's numbers never stand in for the new ones.)
  const resets = await page.evaluate(() => window.playground.resets);
  await page.getByRole("button", { name: "Reset" }).click();
  // The losses are read in the same evaluation that finds them all there: an event stream that
  // reconnects replays the run from its setup, clearing the page's data in between.
  const ready = await page.waitForFunction(([n, r0]) => {
    const ep = window.playground.epochs;
    const all = window.playground.resets > r0 && ep.length === n &&
      Array.from(ep).every((r) => r && r.length >= 1 && r[0] && r[0].epoch === 0 && typeof r[0].loss === "number");
    return all && ep.map((r) => r[0].loss);
  }, [inits.length, resets], { timeout: 30000 });
  const again = await ready.jsonValue();
  check(again.every((l, k) => l === shown[k][0]), `first-epoch loss after Reset ${again} vs ${shown.map((s) => s[0])}`);
  await page.getByRole("button", { name: "Pause" }).click();

  if (shots) {
    mkdirSync(shots, { recursive: true });
    for (const w of [800, 1600]) {
      await page.setViewportSize({ width: w, height: 1100 });
      await settled();
      await page.screenshot({ path: path.join(shots, `playground-${w}.png`), fullPage: w === 800 });
    }
    await page.setViewportSize({ width: 1280, height: 1000 });
  }

  // A bad setting: its message beside the control, no run started. (Chromium logs each 400 as a
  // failed resource load; from here on only those are expected.)
  check(errors.length === 0, `console errors: ${errors.join(" | ")}`);
  errors.length = 0;
  const before = await page.evaluate(() => window.playground.run);
  await page.fill("#lr", "NaN");
  await page.dispatchEvent("#lr", "change");
  await page.waitForFunction(() => document.querySelector('.err[data-for="lr"]').textContent.length > 0, null, { timeout: 10000 });
  const msg = await page.locator('.err[data-for="lr"]').textContent();
  check(msg.includes("--lr NaN") && msg.includes("finite learning rate"), `lr message: ${msg}`);
  check(await page.evaluate(() => window.playground.run === null), `no run after a refused setting (was ${before})`);
  check(await page.locator("#lr.bad").count() === 1, "the lr field is marked");
  await page.fill("#width", "0");
  await page.fill("#lr", "0.1");
  await page.dispatchEvent("#width", "change");
  await page.waitForFunction(() => document.querySelector('.err[data-for="model"]').textContent.length > 0, null, { timeout: 10000 });
  check((await page.locator('.err[data-for="model"]').textContent()).includes("must be positive integers"), "width 0 message");

  // compare's per-task defaults: sine trains with adam at 1e-3, spiral with sgd at 0.05, 0.9.
  await page.fill("#width", "100");
  await page.selectOption("#data", "sine");
  await page.waitForFunction(() => window.playground.setup && window.playground.setup.data === "sine", null, { timeout: 20000 });
  const opt = () => page.evaluate(() => [document.getElementById("optimizer").value, document.getElementById("lr").value, document.getElementById("momentum").value]);
  let o = await opt();
  check(o[0] === "adam" && o[1] === "0.001" && o[2] === "", `sine's defaults: ${o}`);
  const sineCmd = await page.evaluate(async () => (await (await fetch(`/api/runs/${window.playground.run}/command`)).text()));
  check(sineCmd.includes("--optimizer adam --lr 0.001"), `sine's command: ${sineCmd}`);
  await page.selectOption("#data", "spiral");
  await page.waitForFunction(() => window.playground.setup && window.playground.setup.data === "spiral", null, { timeout: 20000 });
  o = await opt();
  check(o[0] === "sgd" && o[1] === "0.05" && o[2] === "0.9", `spiral's defaults: ${o}`);

  // An upload: a 1-D regression CSV trains with the regression defaults and shows a fitted curve;
  // the command names the file and the page offers it to save.
  let csv = "x,y\n";
  for (let i = 0; i < 50; i++) { const x = -1.5 + (3 * i) / 49; csv += `${x},${Math.sin(3 * x)}\n`; }
  await page.setInputFiles("#upload", { name: "wave.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.waitForFunction(() => window.playground.setup && window.playground.setup.data === "wave.csv" &&
    window.playground.snaps.filter(Boolean).length === window.playground.setup.inits.length, null, { timeout: 20000 });
  o = await opt();
  check(o[0] === "adam" && o[1] === "0.001", `the upload's regression defaults: ${o}`);
  check(await page.evaluate(() => window.playground.snaps.every((s) => !s || (Array.isArray(s.curve) && s.curve.length === 200))), "a fitted curve per init");
  check((await page.locator("#boundary-title").textContent()) === "Fitted curve", "the view is the fitted curve");
  check(await page.locator("#data-save").isVisible(), "the page offers the file to save");
  const saved = await page.evaluate(async () => (await (await fetch(document.getElementById("data-link").href)).text()));
  check(saved === csv, "the saved file is the uploaded one");
  const upCmd = await page.evaluate(async () => (await (await fetch(`/api/runs/${window.playground.run}/command`)).text()));
  check(upCmd.includes("--data wave.csv") && upCmd.includes("--test-split 0.2"), `the upload's command: ${upCmd}`);
  check((await page.locator("#upload-note").textContent()).includes("50 rows"), "the upload's summary");
  // A bad file: compare's message beside the data control, the run not replaced.
  const runBefore = await page.evaluate(() => window.playground.run);
  await page.setInputFiles("#upload", { name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n3,zz\n") });
  await page.waitForFunction(() => document.querySelector('.err[data-for="data"]').textContent.length > 0, null, { timeout: 10000 });
  const bad = await page.locator('.err[data-for="data"]').textContent();
  check(bad === "bad.csv: line 3 (sample 1): column 2: 'zz' is not a number", `bad file message: ${bad}`);
  check(await page.evaluate((r) => window.playground.run === r, runBefore), "a bad file leaves the run as it was");

  const unexpected = errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
  check(unexpected.length === 0, `console errors: ${unexpected.join(" | ")}`);
  check(outside.length === 0, `requests outside the server: ${outside.join(", ")}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.log("FAILED:\n  " + failures.join("\n  "));
  process.exit(1);
}
console.log("playground: symmetry, play, export, reset, errors, defaults and upload work");
