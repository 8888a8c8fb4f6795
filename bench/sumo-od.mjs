#!/usr/bin/env node
/**
 * Where greenwave's simulator and SUMO differ, vehicle by vehicle:
 * `node bench/sumo-od.mjs CFG.sumocfg [--controller C] [--seed N] [--top K]`
 * runs the same controller in SUMO (`greenwave sumo CFG --out`, SUMO's own
 * tripinfo) and in greenwave's simulator (`greenwave run --sumo CFG --out`,
 * trips.csv, whose ids are SUMO's), joins the two by vehicle id and prints,
 * per origin and destination road, the vehicles, both mean travel times
 * (SPEC §4: vehicles still driving or never inserted counted to the end) and
 * each pair's share of the difference of the overall means (the sum of its
 * vehicles' differences over all vehicles): the K largest shares first
 * (default 12), then the totals. Needs Debian's sumo
 * (SUMO_HOME=/usr/share/sumo) and the build (npm run build).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/cli/main.js');
const { importSumoConfig, readTripinfo } = await import(join(root, 'dist/interop/sumo/index.js'));

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const cfg = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--')));
if (!cfg) {
  process.stderr.write('usage: node bench/sumo-od.mjs CFG.sumocfg [--controller C] [--seed N] [--top K]\n');
  process.exit(2);
}
const controller = opt('controller', 'sumo-static');
const seed = opt('seed', '1');
const top = Number(opt('top', '12'));

const dir = mkdtempSync(join(tmpdir(), 'greenwave-od-'));
try {
  const run = (args) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  run(['sumo', cfg, '--controller', controller, '--seed', seed, '--json', '--out', join(dir, 'sumo')]);
  run(['run', '--sumo', cfg, '--controller', controller, '--seed', seed, '--json', '--out', join(dir, 'greenwave')]);

  // each vehicle's origin and destination road, from the demand as greenwave imported it
  const { scenario } = importSumoConfig(cfg);
  const od = new Map();
  const ends = (v) => (v.route ? [v.route[0], v.route[v.route.length - 1]] : [v.from, v.to]);
  for (const v of [...(scenario.demand.vehicles ?? []), ...(scenario.emergencyVehicles ?? [])]) od.set(v.id, ends(v));
  const flows = new Map((scenario.demand.flows ?? []).map((f) => [f.id, ends(f)]));
  const odOf = (id) => od.get(id) ?? flows.get(id.slice(0, id.lastIndexOf('.'))) ?? ['?', '?'];

  const [head, ...rows] = readFileSync(join(dir, 'greenwave', 'trips.csv'), 'utf8').trim().split('\n');
  const col = Object.fromEntries(head.split(',').map((h, i) => [h, i]));
  const gw = new Map(rows.map((r) => r.split(',')).map((c) => [c[col.id], Number(c[col.travelTimeS])]));
  // SUMO's vehicles due, as the co-simulation counts them (interop/sumo readTripinfo), for greenwave's ids
  const sumoTrips = readTripinfo(join(dir, 'sumo', 'tripinfo.xml'), new Set(gw.keys()));

  const groups = new Map();
  let n = 0;
  let sumS = 0;
  let sumG = 0;
  for (const [id, { travelTimeS: s }] of sumoTrips.byId) {
    const g = gw.get(id);
    const key = odOf(id).join(' → ');
    const e = groups.get(key) ?? groups.set(key, { n: 0, s: 0, g: 0 }).get(key);
    e.n++;
    e.s += s;
    e.g += g;
    n++;
    sumS += s;
    sumG += g;
  }
  const onlyOne = sumoTrips.scheduled - n + (gw.size - n);
  const list = [...groups].map(([k, e]) => ({ k, ...e, share: (e.g - e.s) / n })).sort((a, b) => Math.abs(b.share) - Math.abs(a.share));
  console.log(`${cfg.split('/').pop()} under ${controller}, seed ${seed}: ${n} vehicles in both${onlyOne ? ` (${onlyOne} in one only)` : ''}`);
  console.log('| origin → destination | vehicles | SUMO (s) | greenwave (s) | difference (s) | share of the overall difference (s) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const e of list.slice(0, top))
    console.log(`| ${e.k} | ${e.n} | ${(e.s / e.n).toFixed(1)} | ${(e.g / e.n).toFixed(1)} | ${((e.g - e.s) / e.n).toFixed(1)} | ${e.share >= 0 ? '+' : ''}${e.share.toFixed(2)} |`);
  console.log(`| all (${groups.size} pairs) | ${n} | ${(sumS / n).toFixed(1)} | ${(sumG / n).toFixed(1)} | ${((sumG - sumS) / n).toFixed(1)} | ${((sumG - sumS) / n).toFixed(2)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
