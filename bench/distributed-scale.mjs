#!/usr/bin/env node
/**
 * Scale of the distributed mode (issue 17): `node bench/distributed-scale.mjs
 * [--scenario grid-32x32] [--regions 4] [--duration S] [--signals N,N,…]
 * [--seconds S] [--json]`, with Debian's nats-server on PATH and the built CLI.
 *
 * 1. Lock-step: one nats-server (JetStream), `greenwave region SCENARIO` × N
 *    and `greenwave field` as separate processes, as in production; the field
 *    reports steps per second and, per step, the time from the first
 *    reading's publication to the last region's decision that used it (p50,
 *    p99), against the same run in one process (`greenwave run`).
 * 2. Publish-only: a three-node JetStream cluster, a stream with three
 *    replicas, and one publisher that sends one readings message (the size of
 *    an intersection's real readings) per signal per second, paced over the
 *    second (a ladder of loads, default 5,000, 7,000 and 10,000), each publish waiting for the stream's acknowledgement (so stored
 *    on two of three nodes). It reports the messages per second sustained
 *    (acknowledged) and the acknowledgement latency, p50/p99/max.
 * Everything on loopback, on this machine's cores; prints a table, or one
 * JSON object with --json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { percentile } from '../dist/sim/metrics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist/cli/main.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const scenario = opt('scenario', 'grid-32x32');
const regions = Number(opt('regions', '4'));
const duration = Number(opt('duration', '120'));
const signalLadder = opt('signals', '5000,7000,10000').split(',').map(Number);
const seconds = Number(opt('seconds', '30'));
const json = args.includes('--json');
const only = opt('only', 'both'); // lock-step | publish | both
const say = (l) => void (json ? process.stderr : process.stdout).write(`${l}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'greenwave-scale-'));
const children = [];
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** n nats-server processes (a cluster when n > 1); resolves with their URLs once each is ready. */
async function startNats(n) {
  const ports = [];
  const cports = [];
  for (let k = 0; k < n; k++) {
    ports.push(await freePort());
    cports.push(await freePort());
  }
  const routes = cports.map((p) => `nats://127.0.0.1:${p}`).join(',');
  await Promise.all(ports.map((port, k) => new Promise((resolve, reject) => {
    const a = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, `nats-${n}-${k}`)];
    if (n > 1) a.push('-n', `n${k}`, '--cluster_name', 'scale', '--cluster', `nats://127.0.0.1:${cports[k]}`, '--routes', routes);
    const p = spawn('nats-server', a, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(p);
    let log = '';
    p.once('error', () => reject(new Error('nats-server not found: install Debian\'s nats-server (apt-get install nats-server)')));
    p.stderr.on('data', (d) => {
      log += d;
      if (/Server is ready/.test(log)) resolve();
    });
    p.once('exit', (c) => reject(new Error(`nats-server exited (${c}): ${log.slice(-500)}`)));
  })));
  return ports.map((p) => `nats://127.0.0.1:${p}`);
}

/** Runs the CLI; resolves with its exit status, stdout and stderr. */
function cli(a, keep = true) {
  const c = spawn(process.execPath, [CLI, ...a], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  if (keep) children.push(c);
  let out = '';
  let err = '';
  c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  c.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  return { child: c, done: new Promise((resolve) => c.on('close', (status) => resolve({ status, out, err }))), err: () => err };
}

async function lockStep() {
  const [url] = await startNats(1);
  const common = ['--nats', url, '--regions', String(regions), '--duration', String(duration)];
  const rs = Array.from({ length: regions }, (_, k) => cli(['region', scenario, ...common, '--index', String(k), '--controller', 'max-pressure']));
  for (let i = 0; i < 1200 && rs.some((r) => !/waiting for the field/.test(r.err())); i++) await sleep(50);
  if (rs.some((r) => !/waiting for the field/.test(r.err()))) throw new Error(`the regions did not start: ${rs.map((r) => r.err()).join(' | ')}`);
  const f = await cli(['field', scenario, ...common, '--json']).done;
  if (f.status !== 0) throw new Error(`greenwave field failed: ${f.err}`);
  const got = JSON.parse(f.out);
  const t0 = performance.now();
  const single = await cli(['run', scenario, '--controller', 'max-pressure', '--duration', String(duration), '--json']).done;
  const singleWallS = (performance.now() - t0) / 1000;
  const one = JSON.parse(single.out);
  const strip = ({ sim: _s, controller: _c, field: _f, ...rest }) => JSON.stringify(rest);
  return {
    scenario,
    regions,
    steps: got.field.steps,
    wallS: got.field.wallS,
    stepsPerS: got.field.stepsPerS,
    latencyMsP50: got.field.latencyMsP50,
    latencyMsP99: got.field.latencyMsP99,
    maxStepWaitMs: got.field.maxStepWaitMs,
    readingsPublished: got.field.readingsPublished,
    singleProcessWallS: Math.round(singleWallS * 100) / 100,
    sameMetricsAsOneProcess: strip(got) === strip(one),
  };
}

async function publishOnly(signals) {
  const urls = await startNats(3);
  const nc = await connect({ servers: urls });
  let jsm;
  for (let i = 0; ; i++) {
    try {
      jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'SCALE', subjects: ['scale.det.>'], num_replicas: 3, max_age: 600 * 1e9, max_bytes: 1 << 30 });
      break;
    } catch (e) {
      if (i > 40) throw e;
      await sleep(250); // the cluster is still electing its meta leader
    }
  }
  const js = jetstream(nc);
  // one intersection's readings as the field sends them: 8 detectors × [index, count, occupancy, presence, vehicles, halting, queue]
  const payload = (i, t) => JSON.stringify({ hash: '0123456789abcdef', t, inter: i, d: Array.from({ length: 8 }, (_, k) => [i * 8 + k, 1, 420, 1, 3, 2, 14.5]) });
  const lat = [];
  let acked = 0;
  let failed = 0;
  const reasons = {};
  let inFlight = 0;
  let maxInFlight = 0;
  const slices = 20; // each second's messages paced over 20 slices of 50 ms
  const t0 = performance.now();
  const pending = [];
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < slices; k++) {
      const due = t0 + s * 1000 + (k * 1000) / slices;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const from = Math.floor((k * signals) / slices);
      const to = Math.floor(((k + 1) * signals) / slices);
      for (let i = from; i < to; i++) {
        const p0 = performance.now();
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        pending.push(js.publish(`scale.det.${i}`, payload(i, s * 1000), { msgID: `${s}-${i}`, timeout: 10_000 }).then(
          () => {
            inFlight--;
            acked++;
            lat.push(performance.now() - p0);
          },
          (e) => {
            inFlight--;
            failed++;
            const why = String(e?.message ?? e).slice(0, 60);
            reasons[why] = (reasons[why] ?? 0) + 1;
          },
        ));
      }
    }
  }
  await Promise.all(pending);
  const wallS = (performance.now() - t0) / 1000;
  const info = await jsm.streams.info('SCALE');
  await nc.close();
  lat.sort((a, b) => a - b);
  const r1 = (x) => Math.round(x * 10) / 10;
  return {
    signals,
    seconds,
    offeredPerS: signals,
    acked,
    failed,
    failedBecause: reasons,
    stored: info.state.messages,
    storedPerS: Math.round(info.state.messages / wallS),
    wallS: Math.round(wallS * 100) / 100,
    ackedPerS: Math.round(acked / wallS),
    ackMsP50: r1(percentile(lat, 50)),
    ackMsP99: r1(percentile(lat, 99)),
    ackMsMax: r1(lat[lat.length - 1] ?? NaN),
    maxInFlight,
    payloadBytes: payload(signals - 1, 0).length,
  };
}

try {
  let a;
  let b;
  if (only !== 'publish') {
  say(`lock-step: ${scenario} as ${regions} regions + the field, ${duration} s …`);
  a = await lockStep();
  say(`  ${a.steps} steps in ${a.wallS} s: ${a.stepsPerS} steps/s (one process: ${a.singleProcessWallS} s); readings → last decision p50 ${a.latencyMsP50} ms, p99 ${a.latencyMsP99} ms; same metrics as one process: ${a.sameMetricsAsOneProcess}`);
  for (const c of children.splice(0)) c.kill('SIGKILL');
  }
  if (only !== 'lock-step') {
  b = [];
  for (const signals of signalLadder) {
    say(`publish-only: ${signals} signals at 1 Hz for ${seconds} s into an R3 stream on a three-node cluster …`);
    const r = await publishOnly(signals);
    b.push(r);
    say(`  ${r.acked} acknowledged within 10 s (${r.failed} not: ${JSON.stringify(r.failedBecause)}; ${r.stored} stored) in ${r.wallS} s: ${r.ackedPerS} messages/s acknowledged, ${r.storedPerS}/s stored, of ${r.offeredPerS} offered; acknowledgement p50 ${r.ackMsP50} ms, p99 ${r.ackMsP99} ms, max ${r.ackMsMax} ms (${r.payloadBytes} B each, at most ${r.maxInFlight} in flight)`);
    for (const c of children.splice(0)) c.kill('SIGKILL');
  }
  }
  if (json) process.stdout.write(`${JSON.stringify({ lockStep: a ?? null, publishOnly: b ?? null })}\n`);
  process.exitCode = (!a || a.sameMetricsAsOneProcess) && (!b || b[0].failed === 0) ? 0 : 1;
} catch (e) {
  process.stderr.write(`distributed-scale: ${e.stack}\n`);
  process.exitCode = 1;
} finally {
  cleanup();
}
