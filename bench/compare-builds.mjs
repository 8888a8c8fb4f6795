#!/usr/bin/env node
/**
 * Simulator speed, two builds interleaved: `node bench/compare-builds.mjs
 * BEFORE_DIST AFTER_DIST [rounds]` runs `run SCENARIO --json` alternately
 * with each build's CLI on grid-10x10 and the synthetic 10×10 CityFlow grid
 * (fixed control), and prints each build's median stepping time
 * (sim.wallSeconds) and the ratio after/before. Same machine, same load, so
 * the ratio is what to read; absolute times are noisy here.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [before, after, roundsArg] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node bench/compare-builds.mjs BEFORE_DIST AFTER_DIST [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 5);
const D = 'scenarios/data/cityflow/synthetic_10x10';
const cases = [
  ['grid-10x10', ['grid-10x10', '--controller', 'fixed']],
  ['cityflow:synthetic_10x10', ['--cityflow', `${D}/roadnet_10x10.json`, `${D}/flow_10x10_turn_iv10.json`, '--controller', 'fixed']],
];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [name, args] of cases) {
  const t = { before: [], after: [] };
  let steps = 0;
  for (let r = 0; r < rounds; r++)
    for (const which of r % 2 ? ['after', 'before'] : ['before', 'after']) {
      const dist = which === 'before' ? before : after;
      const m = JSON.parse(execFileSync(process.execPath, [join(dist, 'cli', 'main.js'), 'run', ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
      t[which].push(m.sim.wallSeconds);
      steps = m.sim.vehicleSteps;
    }
  const b = median(t.before);
  const a = median(t.after);
  console.log(`${name}: ${(steps / 1e6).toFixed(2)} M vehicle-steps; before ${b.toFixed(3)} s (${(steps / b / 1e6).toFixed(2)} M/s), after ${a.toFixed(3)} s (${(steps / a / 1e6).toFixed(2)} M/s); after/before time ${(a / b).toFixed(3)} (median of ${rounds})`);
}
