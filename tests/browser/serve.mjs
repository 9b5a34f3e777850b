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

const browser = await chromium.launch({
  executablePath: process.env.INITLAB_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
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
  await page.waitForFunction(() => window.playground.done.filter(Boolean).length === 2, null, { timeout: 60000 });
  await page.waitForTimeout(100);
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
  await page.getByRole("button", { name: "Reset" }).click();
  await page.waitForFunction((n) => window.playground.epochs.length === n && window.playground.epochs.every((r) => r && r.length >= 1 && r[0] && typeof r[0].loss === "number"), inits.length, { timeout: 20000 });
  const again = await page.evaluate(() => window.playground.epochs.map((r) => r[0].loss));
  check(again.every((l, k) => l === shown[k][0]), `first-epoch loss after Reset ${again} vs ${shown.map((s) => s[0])}`);
  await page.getByRole("button", { name: "Pause" }).click();

  if (shots) {
    mkdirSync(shots, { recursive: true });
    for (const w of [800, 1600]) {
      await page.setViewportSize({ width: w, height: 1100 });
      await page.waitForTimeout(400);
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
console.log("playground: symmetry, play, export, reset and errors work");
