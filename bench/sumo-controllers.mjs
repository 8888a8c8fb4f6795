#!/usr/bin/env node
/**
 * Controllers driving SUMO: `node bench/sumo-controllers.mjs [controllers] [CFG ...]`
 * runs `greenwave sumo CFG --controller C --json` for each controller
 * (default sumo-static,fixed,actuated,max-pressure,adaptive) on each config
 * (default the four RESCO scenarios), plus SUMO's own static and actuated runs, and prints
 * mean travel time, completed trips, greenwave's safety violations and SUMO's
 * teleports and collisions as a Markdown table. Needs Debian's sumo.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const R = join(root, 'scenarios/data/sumo/resco');
const [ctlArg, ...cfgArgs] = process.argv.slice(2);
const controllers = (ctlArg ?? 'sumo-static,fixed,actuated,max-pressure,adaptive').split(',');
const cfgs = cfgArgs.length ? cfgArgs : ['grid4x4', 'arterial4x4', 'cologne1', 'ingolstadt1'].map((n) => `${R}/${n}/${n}.sumocfg`);
const env = { ...process.env, SUMO_HOME: process.env.SUMO_HOME ?? '/usr/share/sumo' };

const { runSumoOwn, readSumoNet, readSumoConfig } = await import(join(root, 'dist/interop/sumo/index.js'));
function sumoOwn(cfg, extra = []) {
  const r = runSumoOwn(cfg, 'sumo', extra);
  return { mean: r.meanTravelTimeS, completed: r.completed, inserted: r.inserted, scheduled: r.scheduled, teleports: r.teleports, collisions: r.collisions };
}

/**
 * SUMO's own actuated logic on the same phases: every program again as
 * type="actuated" (loaded last, so it is the one that runs), green phases
 * with the program's minDur/maxDur where it has them, else 5 and 50 s (the
 * Cologne net's own values); yellow and all-red phases as they are. SUMO
 * places its own detectors for it.
 */
function actuatedPrograms(cfg, dir) {
  const net = readSumoNet(readSumoConfig(cfg).netFile);
  const out = ['<additional>'];
  for (const t of net.tlLogics.values()) {
    out.push(`  <tlLogic id="${t.id}" type="actuated" programID="greenwave-actuated" offset="${t.offsetS}">`);
    for (const p of t.phases) {
      const green = /[Ggs]/.test(p.state) && !/[yYu]/.test(p.state);
      const dur = green ? ` minDur="${p.minDurS ?? 5}" maxDur="${p.maxDurS ?? 50}"` : '';
      out.push(`    <phase duration="${p.durationS}" state="${p.state}"${dur}/>`);
    }
    out.push('  </tlLogic>');
  }
  out.push('</additional>');
  const f = join(dir, 'actuated.add.xml');
  writeFileSync(f, out.join('\n') + '\n');
  return f;
}

console.log('| scenario | controller | mean travel time (s) | vs SUMO static | completed / scheduled | greenwave safety violations | SUMO teleports | SUMO collisions | engine ms/step |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const cfg of cfgs) {
  const name = cfg.split('/').pop().replace('.sumocfg', '');
  const own = sumoOwn(cfg);
  console.log(`| ${name} | SUMO's own static | ${own.mean.toFixed(1)} | – | ${own.completed} / ${own.scheduled} | – | ${own.teleports} | ${own.collisions} | – |`);
  const dir = mkdtempSync(join(tmpdir(), 'gw-actuated-'));
  const extra = readSumoConfig(cfg).additionalFiles;
  const act = sumoOwn(cfg, [`--additional-files=${[...extra, actuatedPrograms(cfg, dir)].join(',')}`]);
  rmSync(dir, { recursive: true, force: true });
  const da = (100 * (act.mean - own.mean)) / own.mean;
  console.log(`| ${name} | SUMO's own actuated | ${act.mean.toFixed(1)} | ${da >= 0 ? '+' : ''}${da.toFixed(1)} % | ${act.completed} / ${act.scheduled} | – | ${act.teleports} | ${act.collisions} | – |`);
  for (const c of controllers) {
    const m = JSON.parse(execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'sumo', cfg, '--controller', c, '--json'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const v = m.safety.conflictingGreens + m.safety.minGreenViolations + m.safety.clearanceViolations;
    const d = (100 * (m.travelTime.mean - own.mean)) / own.mean;
    console.log(`| ${name} | ${c} | ${m.travelTime.mean.toFixed(1)} | ${d >= 0 ? '+' : ''}${d.toFixed(1)} % | ${m.vehicles.completed} / ${m.vehicles.scheduled} | ${v} | ${m.sumo.teleports} | ${m.sumo.collisions} | ${m.cosim.engineMsPerStep.toFixed(3)} |`);
  }
}
