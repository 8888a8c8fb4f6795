#!/usr/bin/env node
/**
 * Emergency vehicles in two simulators (issue 15): `node bench/sumo-emergency.mjs
 * [--controller adaptive] [--seeds 1-5|1,3,7] [CFG.sumocfg]` (default config:
 * test/fixtures/sumo/grid4x4-ambulance.sumocfg, RESCO's grid4x4 hour with
 * three ambulances added) runs `greenwave sumo` (SUMO driven over TraCI) and
 * `greenwave run --sumo` (greenwave's simulator) on every seed, with and
 * without pre-emption, and prints per seed each ambulance's travel time as
 * a multiple of its free-flow time, and everyone else's mean travel time
 * with pre-emption against without. Needs Debian's sumo
 * (SUMO_HOME=/usr/share/sumo) and the built CLI.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../dist/cli/main.js');
const { parseSeeds } = await import(join(here, '../dist/cli/commands/sweep.js'));
const { values, positionals } = parseArgs({ options: { controller: { type: 'string', default: 'adaptive' }, seeds: { type: 'string', default: '1-5' } }, allowPositionals: true });
const controller = values.controller;
const seeds = parseSeeds(values.seeds);
const cfg = positionals[0] ?? join(here, '../test/fixtures/sumo/grid4x4-ambulance.sumocfg');

function run(sim, seed, preempt) {
  const cmd = sim === 'sumo' ? ['sumo', cfg] : ['run', '--sumo', cfg];
  const out = execFileSync(process.execPath, [CLI, ...cmd, '--controller', controller, '--seed', String(seed), '--json', ...(preempt ? [] : ['--no-preemption'])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, SUMO_HOME: process.env.SUMO_HOME ?? '/usr/share/sumo' },
  });
  const m = JSON.parse(out);
  const ev = m.emergency ?? [];
  const evSum = ev.reduce((s, e) => s + (e.travelTime ?? 0), 0);
  const n = m.vehicles.scheduled;
  const v = m.safety.conflictingGreens + m.safety.minGreenViolations + m.safety.clearanceViolations;
  return { ratios: ev.map((e) => (e.travelTime === null ? null : e.travelTime / e.freeFlowTime)), others: (m.travelTime.mean * n - evSum) / (n - ev.length), violations: v, collisions: m.sumo?.collisions ?? 0, teleports: m.sumo?.teleports ?? 0 };
}

console.log(`| simulator | seed | ambulances: travel time ÷ free flow (pre-emption) | without pre-emption | others' mean travel time (s), with / without | change | safety violations / SUMO collisions / teleports |`);
console.log('|---|---:|---|---|---:|---:|---:|');
for (const sim of ['greenwave', 'sumo']) {
  for (const seed of seeds) {
    const on = run(sim, seed, true);
    const off = run(sim, seed, false);
    const f = (r) => r.map((x) => (x === null ? 'unfinished' : x.toFixed(2))).join(', ');
    const ch = (100 * (on.others - off.others)) / off.others;
    console.log(`| ${sim === 'sumo' ? 'SUMO' : 'greenwave'} | ${seed} | ${f(on.ratios)} | ${f(off.ratios)} | ${on.others.toFixed(1)} / ${off.others.toFixed(1)} | ${ch >= 0 ? '+' : ''}${ch.toFixed(1)} % | ${on.violations + off.violations} / ${sim === 'sumo' ? on.collisions + off.collisions : '–'} / ${sim === 'sumo' ? on.teleports + off.teleports : '–'} |`);
  }
}
