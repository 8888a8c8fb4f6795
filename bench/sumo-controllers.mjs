#!/usr/bin/env node
/**
 * Controllers driving SUMO: `node bench/sumo-controllers.mjs [controllers] [CFG ...]`
 * runs `greenwave sumo CFG --controller C --json` for each controller
 * (default sumo-static,fixed,actuated,max-pressure,adaptive) on each config
 * (default the four RESCO scenarios), plus SUMO's own static run, and prints
 * mean travel time, completed trips, greenwave's safety violations and SUMO's
 * teleports and collisions as a Markdown table. Needs Debian's sumo.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const R = join(root, 'scenarios/data/sumo/resco');
const [ctlArg, ...cfgArgs] = process.argv.slice(2);
const controllers = (ctlArg ?? 'sumo-static,fixed,actuated,max-pressure,adaptive').split(',');
const cfgs = cfgArgs.length ? cfgArgs : ['grid4x4', 'arterial4x4', 'cologne1', 'ingolstadt1'].map((n) => `${R}/${n}/${n}.sumocfg`);
const env = { ...process.env, SUMO_HOME: process.env.SUMO_HOME ?? '/usr/share/sumo' };

const { runSumoOwn } = await import(join(root, 'dist/interop/sumo/index.js'));
function sumoOwn(cfg) {
  const r = runSumoOwn(cfg);
  return { mean: r.meanTravelTimeS, completed: r.completed, inserted: r.inserted };
}

console.log('| scenario | controller | mean travel time (s) | vs SUMO static | completed / inserted | greenwave safety violations | SUMO teleports | SUMO collisions | engine ms/step |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const cfg of cfgs) {
  const name = cfg.split('/').pop().replace('.sumocfg', '');
  const own = sumoOwn(cfg);
  console.log(`| ${name} | SUMO's own static | ${own.mean.toFixed(1)} | – | ${own.completed} / ${own.inserted} | – | – | – | – |`);
  for (const c of controllers) {
    const m = JSON.parse(execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'sumo', cfg, '--controller', c, '--json'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const v = m.safety.conflictingGreens + m.safety.minGreenViolations + m.safety.clearanceViolations;
    const d = (100 * (m.travelTime.mean - own.mean)) / own.mean;
    console.log(`| ${name} | ${c} | ${m.travelTime.mean.toFixed(1)} | ${d >= 0 ? '+' : ''}${d.toFixed(1)} % | ${m.vehicles.completed} / ${m.vehicles.inserted} | ${v} | ${m.sumo.teleports} | ${m.sumo.collisions} | ${m.cosim.engineMsPerStep.toFixed(3)} |`);
  }
}
