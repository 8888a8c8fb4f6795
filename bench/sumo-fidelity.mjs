#!/usr/bin/env node
/**
 * Fidelity of greenwave's simulator against SUMO on the same files:
 * `node bench/sumo-fidelity.mjs [CFG.sumocfg ...]` (default: the four RESCO
 * scenarios in scenarios/data/sumo and the netgenerate grids in
 * test/fixtures/sumo) runs SUMO's own static programs (sumo -c CFG, its
 * tripinfo) and greenwave's `run --sumo CFG --controller sumo-static`, and
 * prints mean travel time (duration + departDelay; vehicles still driving at
 * the end counted to the end, SPEC §4) and completed trips for both, with the
 * differences. Needs Debian's sumo (SUMO_HOME=/usr/share/sumo).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const R = join(root, 'scenarios/data/sumo/resco');
const F = join(root, 'test/fixtures/sumo');
const cfgs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [`${R}/grid4x4/grid4x4.sumocfg`, `${R}/arterial4x4/arterial4x4.sumocfg`, `${R}/cologne1/cologne1.sumocfg`, `${R}/ingolstadt1/ingolstadt1.sumocfg`, `${F}/grid3x3.sumocfg`, `${F}/joined.sumocfg`];
const env = { ...process.env, SUMO_HOME: process.env.SUMO_HOME ?? '/usr/share/sumo' };
const tmp = mkdtempSync(join(tmpdir(), 'gw-fidelity-'));

/** SUMO's own run: mean travel time and completed trips from its tripinfo. */
function sumoRun(cfg) {
  const trip = join(tmp, 'tripinfo.xml');
  const stats = join(tmp, 'stats.xml');
  const r = spawnSync('sumo', ['-c', cfg, `--tripinfo-output=${trip}`, '--tripinfo-output.write-unfinished=true', `--statistic-output=${stats}`, '--no-step-log=true', '--no-warnings=true'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sumo failed on ${cfg}: ${r.stderr || r.error}`);
  const xml = readFileSync(trip, 'utf8');
  let sum = 0;
  let n = 0;
  let done = 0;
  const attr = (tag, name) => Number(new RegExp(`\\s${name}="([-\\d.]+)"`).exec(tag)?.[1]);
  for (const [tag] of xml.matchAll(/<tripinfo id=[^>]*>/g)) {
    sum += attr(tag, 'duration') + attr(tag, 'departDelay');
    n++;
    if (attr(tag, 'arrival') >= 0) done++;
  }
  const st = readFileSync(stats, 'utf8');
  const teleports = Number(/<teleports total="(\d+)"/.exec(st)?.[1] ?? 0);
  const collisions = Number(/<safety collisions="(\d+)"/.exec(st)?.[1] ?? 0);
  return { mean: sum / n, trips: n, completed: done, teleports, collisions };
}

function greenwaveRun(cfg) {
  const out = execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'run', '--sumo', cfg, '--controller', 'sumo-static', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = JSON.parse(out);
  return { mean: m.travelTime.mean, trips: m.vehicles.scheduled, completed: m.vehicles.completed, safety: m.safety };
}

const pct = (a, b) => `${a >= b ? '+' : ''}${((100 * (a - b)) / b).toFixed(1)} %`;
console.log('| scenario | SUMO travel time (s) | greenwave sumo-static (s) | difference | SUMO completed | greenwave completed | difference | SUMO teleports | greenwave safety violations |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const cfg of cfgs) {
  const s = sumoRun(cfg);
  const g = greenwaveRun(cfg);
  const v = g.safety.conflictingGreens + g.safety.minGreenViolations + g.safety.clearanceViolations;
  console.log(`| ${cfg.split('/').pop().replace('.sumocfg', '')} | ${s.mean.toFixed(1)} | ${g.mean.toFixed(1)} | ${pct(g.mean, s.mean)} | ${s.completed} of ${s.trips} | ${g.completed} of ${g.trips} | ${pct(g.completed, s.completed)} | ${s.teleports} | ${v} |`);
}
rmSync(tmp, { recursive: true, force: true });
