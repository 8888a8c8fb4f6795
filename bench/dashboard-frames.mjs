#!/usr/bin/env node
/**
 * The dashboard's draw time in a real browser: `greenwave serve grid-32x32
 * --speed 5` (1,024 signals, five states a second) in its own process, the
 * page in Debian's headless Chromium for 12 s, and the map's draw times as
 * the page records them (window.greenwave.map.drawMs). After `npm run build`:
 *
 *   node bench/dashboard-frames.mjs [--seconds S]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1] || 12) || 12;
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const srv = spawn(process.execPath, [cli, 'serve', 'grid-32x32', '--controller', 'max-pressure', '--speed', '5', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve) => {
  let log = '';
  srv.stderr.on('data', (d) => {
    log += d;
    const m = /127\.0\.0\.1:(\d+)\//.exec(log);
    if (m) resolve(m[1]);
  });
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForTimeout(seconds * 1000);
  const r = await page.evaluate(() => {
    const ms = window.greenwave.map.drawMs.slice().sort((a, b) => a - b);
    const q = (p) => Math.round(ms[Math.min(ms.length - 1, Math.floor(ms.length * p))] * 10) / 10;
    return { draws: ms.length, signals: window.greenwave.map.drawnSignals, states: window.greenwave.stats.statesReceived, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: q(1) };
  });
  console.log(JSON.stringify({ seconds, ...r }));
} finally {
  await browser.close();
  srv.kill();
}
