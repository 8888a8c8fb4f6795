#!/usr/bin/env node
/**
 * The behaviour check: every built-in scenario and the three CityFlow datasets
 * under every controller, through the built CLI (`dist/cli/main.js run --json
 * --out DIR`). For each run it keeps the metrics JSON without its wall-clock
 * fields and a SHA-256 of every file `--out` writes (event log, trips,
 * detector channels, time-space diagrams), so a refactor that changes any
 * vehicle, signal event or number shows up.
 *
 *   node test/golden/behaviour.mjs            compare with test/golden/behaviour.json (exit 1 on a difference)
 *   node test/golden/behaviour.mjs --update   re-record it (do this on purpose, when a controller or the
 *                                             simulator is meant to change, and say so in the commit)
 *   node test/golden/behaviour.mjs --only default   just the cases whose name starts so
 *
 * It also drives the live service's engine in lock-step (external clock) with
 * the recorded detector file examples/single-detectors.jsonl and keeps a
 * SHA-256 of every signal state and decision it answered ("service/…" cases),
 * so the engine is pinned for outside clocks too.
 *
 * test/behaviour.test.ts runs the comparison as part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const goldenFile = join(here, 'behaviour.json');
const cf = (d, roadnet, flow) => ['--cityflow', `scenarios/data/cityflow/${d}/${roadnet}`, `scenarios/data/cityflow/${d}/${flow}`];
const CONTROLLERS = ['fixed', 'actuated', 'max-pressure', 'advanced-max-pressure', 'adaptive'];

/** name → CLI arguments after `run`. */
export function cases() {
  const out = [];
  const add = (name, args) => out.push({ name, args });
  for (const c of CONTROLLERS) {
    add(`default/${c}/seed1`, ['default', '--controller', c, '--seed', '1']);
    add(`default/${c}/seed2`, ['default', '--controller', c, '--seed', '2']);
    add(`single/${c}`, ['single', '--controller', c, '--seed', '1']);
    add(`arterial-5/${c}`, ['arterial-5', '--controller', c, '--seed', '1']);
    add(`grid-4x4/${c}`, ['grid-4x4', '--controller', c, '--seed', '1']);
  }
  add('default/adaptive/seed1/no-preemption', ['default', '--controller', 'adaptive', '--seed', '1', '--no-preemption']);
  add('default/adaptive/seed1/workers2', ['default', '--controller', 'adaptive', '--seed', '1', '--workers', '2']);
  const datasets = [
    ['hangzhou_4x4', 'roadnet_4_4.json', 'anon_4_4_hangzhou_real.json'],
    ['jinan_3x4', 'roadnet_3_4.json', 'anon_3_4_jinan_real.json'],
    ['synthetic_10x10', 'roadnet_10x10.json', 'flow_10x10_turn_iv10.json'],
  ];
  for (const [d, r, f] of datasets)
    for (const c of [...CONTROLLERS, 'cityflow-fixed']) add(`cityflow:${d}/${c}`, [...cf(d, r, f), '--controller', c, '--seed', '1']);
  return out;
}

const WALL_CLOCK = ['loadSeconds', 'wallSeconds', 'vehicleStepsPerSecond'];

function runCase(c) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-behaviour-'));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'run', ...c.args, '--json', '--out', dir], { cwd: root, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      try {
        if (err) throw new Error(`${c.name}: exit ${err.code}\n${stderr}`);
        const metrics = JSON.parse(stdout);
        for (const k of WALL_CLOCK) delete metrics.sim?.[k];
        const files = {};
        for (const f of readdirSync(dir).sort()) {
          if (f === 'metrics.json') continue;
          files[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
        }
        resolve({ metrics, files });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const SERVICE_CONTROLLERS = ['fixed', 'actuated', 'max-pressure', 'adaptive'];

/** The live service's engine, external clock, fed the recorded detector file: a hash of every answer. */
async function serviceCase(controller) {
  const { createService, prepare } = await import(join(root, 'dist', 'sim', 'index.js'));
  const { loadScenario } = await import(join(root, 'dist', 'scenarios', 'index.js'));
  const service = createService(prepare(loadScenario('single'), { seed: 1 }), { mode: 'external', controller });
  const h = createHash('sha256');
  const lines = readFileSync(join(root, 'examples', 'single-detectors.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const m = JSON.parse(line);
    service.stepTo(m.t, { detectors: m.detectors, lanes: m.lanes });
    h.update(JSON.stringify([m.t, service.signalStates(), service.decisions(), service.plans().plans]));
  }
  const metrics = service.metrics();
  await service.close();
  return { metrics: { safety: metrics.safety, detectors: metrics.detectors, accepted: metrics.accepted }, files: { answers: h.digest('hex') } };
}

/** Runs every case (jobs at a time) and returns name → record, in case order. */
export async function record(only, jobs = Math.max(1, Math.min(4, availableParallelism()))) {
  const list = [...cases(), ...SERVICE_CONTROLLERS.map((c) => ({ name: `service/single/external/${c}`, service: c }))].filter((c) => !only || c.name.startsWith(only));
  const results = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      results[i] = list[i].service ? await serviceCase(list[i].service) : await runCase(list[i]);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return Object.fromEntries(list.map((c, i) => [c.name, results[i]]));
}

/** Differences between a recorded golden and a fresh record, as lines. */
export function differences(golden, fresh) {
  const lines = [];
  for (const [name, got] of Object.entries(fresh)) {
    const want = golden[name];
    if (!want) {
      lines.push(`${name}: not in the golden file`);
      continue;
    }
    const a = JSON.stringify(want.metrics), b = JSON.stringify(got.metrics);
    if (a !== b) lines.push(`${name}: metrics differ\n  golden ${a}\n  now    ${b}`);
    for (const f of new Set([...Object.keys(want.files), ...Object.keys(got.files)]))
      if (want.files[f] !== got.files[f]) lines.push(`${name}: ${f} differs`);
  }
  return lines;
}

export function loadGolden() {
  return JSON.parse(readFileSync(goldenFile, 'utf8'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const update = args.includes('--update');
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? args[oi + 1] : undefined;
  const fresh = await record(only);
  if (update) {
    const merged = only ? { ...loadGolden(), ...fresh } : fresh;
    writeFileSync(goldenFile, JSON.stringify(merged, null, 1) + '\n');
    console.log(`recorded ${Object.keys(fresh).length} runs in ${goldenFile}`);
  } else {
    const diff = differences(loadGolden(), fresh);
    console.log(diff.length ? diff.join('\n') : `${Object.keys(fresh).length} runs identical to the golden record`);
    process.exitCode = diff.length ? 1 : 0;
  }
}
