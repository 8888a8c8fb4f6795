#!/usr/bin/env node
/**
 * Soak test of the live service (issue 16): `node bench/soak.mjs [--seconds
 * S] [--scenario NAME] [--json]` (default 600 s, grid-8x8). Starts the built
 * `greenwave serve SCENARIO --clock external` in its own process, the
 * hostile load of bench/soak-load.mjs in another, and here:
 *   - an external-clock client stepping in lock-step (t += 1 s, one step
 *     every 50 ms of wall clock), counting its requests and answers;
 *   - a watcher subscribed to every signal's state, measuring each frame's
 *     delay (receive time − the server's sentAt);
 *   - /health every 500 ms: its latency and the server's RSS.
 * Loopback only, bounded in connections and time. Prints the figures (and,
 * with --json, one JSON object) — the test (test/soak.test.ts) runs a short
 * version and checks the same bars.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const seconds = Number(opt('seconds', '600'));
const scenario = opt('scenario', 'grid-8x8');
const json = args.includes('--json');
const token = 'soak-token-' + Math.random().toString(36).slice(2) + '-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'greenwave-soak-'));
writeFileSync(join(dir, 'token'), token);

const pct = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', scenario, '--port', '0', '--clock', 'external', '--controller', 'max-pressure', '--token-file', join(dir, 'token')], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serverLog = '';
let logLines = 0;
const port = await new Promise((resolve, reject) => {
  server.stderr.on('data', (d) => {
    const s = d.toString();
    logLines += s.split('\n').length - 1;
    if (serverLog.length < 1e6) serverLog += s;
    const m = /http:\/\/[\d.]+:(\d+)\//.exec(serverLog);
    if (m) resolve(Number(m[1]));
  });
  server.once('exit', (c) => reject(new Error(`serve exited (${c}): ${serverLog}`)));
});
const http = `http://127.0.0.1:${port}`;

function open(headers = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

// the watcher and the external clock first, then the load
const watcher = await open();
const delays = [];
let watcherFrames = 0;
watcher.on('message', (m) => {
  const s = String(m);
  if (!s.startsWith('{"type":"state"')) return;
  watcherFrames++;
  delays.push(Date.now() - JSON.parse(s).sentAt);
});
watcher.send(JSON.stringify({ type: 'subscribe', topics: ['states'] }));
let watcherClosed = null;
watcher.on('close', (code) => (watcherClosed = code));

const clock = await open({ authorization: `Bearer ${token}` });
const pending = new Map();
const stepAnswers = { sent: 0, answered: 0, signals: 0, errors: {}, maxWaitMs: 0 };
clock.on('message', (m) => {
  const f = JSON.parse(String(m));
  if (f.ref === undefined || !pending.has(f.ref)) return;
  stepAnswers.answered++;
  stepAnswers.maxWaitMs = Math.max(stepAnswers.maxWaitMs, performance.now() - pending.get(f.ref));
  pending.delete(f.ref);
  if (f.type === 'signals') stepAnswers.signals++;
  else stepAnswers.errors[f.code] = (stepAnswers.errors[f.code] ?? 0) + 1;
});

const load = spawn(process.execPath, [join(root, 'bench/soak-load.mjs'), String(port), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
let loadOut = '';
load.stdout.on('data', (d) => (loadOut += d));

const health = [];
let rssMax = 0;
let loopMax = 0;
const loopP99 = [];
const t0 = Date.now();
let t = 0;
let nextHealth = 0;
let lastProgress = 0;
while (Date.now() - t0 < seconds * 1000) {
  // one lock-step: wait for the answer (or 5 s) before the next
  t += 1;
  const id = t;
  pending.set(id, performance.now());
  stepAnswers.sent++;
  clock.send(JSON.stringify({ type: 'step', id, t, lanes: {} }));
  const w0 = Date.now();
  while (pending.has(id) && Date.now() - w0 < 5000) await sleep(5);
  if (Date.now() >= nextHealth) {
    nextHealth = Date.now() + 500;
    const h0 = performance.now();
    try {
      const h = await (await fetch(`${http}/health`, { signal: AbortSignal.timeout(5000) })).json();
      health.push(performance.now() - h0);
      rssMax = Math.max(rssMax, h.rssBytes);
      loopMax = Math.max(loopMax, h.loopDelayMaxMs);
      loopP99.push(h.loopDelayP99Ms);
    } catch {
      health.push(5000);
    }
  }
  if (!json && Date.now() - lastProgress > 30_000) {
    lastProgress = Date.now();
    process.stderr.write(`soak: ${Math.round((Date.now() - t0) / 1000)} s, ${stepAnswers.answered}/${stepAnswers.sent} steps answered, rss ${Math.round(rssMax / 2 ** 20)} MB\n`);
  }
  await sleep(50);
}
// what is still pending gets 5 s
const w0 = Date.now();
while (pending.size && Date.now() - w0 < 5000) await sleep(10);
await new Promise((r) => load.once('exit', r));
const finalHealth = await (await fetch(`${http}/health`)).json();
const watcherClosedByServer = watcherClosed; // before we close it ourselves
watcher.terminate();
clock.terminate();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(dir, { recursive: true, force: true });

delays.sort((a, b) => a - b);
health.sort((a, b) => a - b);
const result = {
  seconds,
  scenario,
  load: loadOut ? JSON.parse(loadOut.trim().split('\n').pop()) : null,
  watcher: { frames: watcherFrames, p50Ms: pct(delays, 50), p99Ms: pct(delays, 99), maxMs: delays.at(-1) ?? NaN, closed: watcherClosedByServer },
  health: { samples: health.length, p50Ms: Math.round(pct(health, 50) * 10) / 10, p99Ms: Math.round(pct(health, 99) * 10) / 10, maxMs: Math.round((health.at(-1) ?? NaN) * 10) / 10 },
  rssMaxMB: Math.round(rssMax / 2 ** 20),
  serverLoop: { p99OfSamplesMs: (loopP99.sort((a, b) => a - b), pct(loopP99, 99)), maxMs: loopMax },
  steps: { ...stepAnswers, maxWaitMs: Math.round(stepAnswers.maxWaitMs), unanswered: stepAnswers.sent - stepAnswers.answered },
  server: {
    connections: finalHealth.connections,
    refused: finalHealth.refused,
    disconnectedSlow: finalHealth.disconnectedSlow,
    disconnectedIdle: finalHealth.disconnectedIdle,
    dropped: finalHealth.dropped,
    errors: finalHealth.errors,
    logLines,
    tokenInLog: serverLog.includes(token),
  },
};
if (json) process.stdout.write(JSON.stringify(result) + '\n');
else {
  const r = result;
  process.stdout.write(
    [
      `soak ${r.seconds} s on ${r.scenario} (external clock):`,
      `  load: ${JSON.stringify(r.load)}`,
      `  watcher: ${r.watcher.frames} state frames, delay p50 ${r.watcher.p50Ms} ms, p99 ${r.watcher.p99Ms} ms, max ${r.watcher.maxMs} ms`,
      `  /health: ${r.health.samples} samples, p50 ${r.health.p50Ms} ms, p99 ${r.health.p99Ms} ms, max ${r.health.maxMs} ms`,
      `  server RSS max ${r.rssMaxMB} MB; its event loop held: p99 (of 500 ms windows) ${r.serverLoop.p99OfSamplesMs} ms, max ${r.serverLoop.maxMs} ms`,
      `  external clock: ${r.steps.sent} steps sent, ${r.steps.answered} answered (${r.steps.signals} signals, errors ${JSON.stringify(r.steps.errors)}), longest wait ${r.steps.maxWaitMs} ms`,
      `  server: ${JSON.stringify(r.server)}`,
    ].join('\n') + '\n',
  );
}
