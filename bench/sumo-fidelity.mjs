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
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const R = join(root, 'scenarios/data/sumo/resco');
const F = join(root, 'test/fixtures/sumo');
const N = join(root, 'scenarios/data/sumo/netgenerate');
const cfgs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [`${R}/grid4x4/grid4x4.sumocfg`, `${R}/arterial4x4/arterial4x4.sumocfg`, `${R}/cologne1/cologne1.sumocfg`, `${R}/ingolstadt1/ingolstadt1.sumocfg`, `${N}/grid5x5/grid5x5.sumocfg`, `${N}/grid6x3/grid6x3.sumocfg`, `${F}/grid3x3.sumocfg`, `${F}/joined.sumocfg`];
const { runSumoOwn } = await import(join(root, 'dist/interop/sumo/index.js'));

/** SUMO's own run (interop/sumo runSumoOwn, from the build). */
function sumoRun(cfg) {
  const r = runSumoOwn(cfg);
  return { mean: r.meanTravelTimeS, trips: r.scheduled, completed: r.completed, teleports: r.teleports, collisions: r.collisions };
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
