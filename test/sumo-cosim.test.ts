/**
 * greenwave's engine driving SUMO itself (greenwave sumo, interop/sumo/cosim):
 * the neutral bridge shows what SUMO would have shown, other controllers
 * drive SUMO safely, and a missing SUMO is a clear usage error.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runSumoCosim, runSumoOwn } from '../interop/sumo/index.js';
import { cli, requireBuiltCli } from './cli-helpers.js';
import { describeWithSumo, sumoFixture } from './sumo-helpers.js';

describeWithSumo('greenwave driving SUMO over TraCI', () => {
  const grid = sumoFixture('grid3x3.sumocfg');

  it("under sumo-static gives SUMO's own static result within ±3 % (greenwave shows the states SUMO would have shown)", async () => {
    const own = runSumoOwn(grid);
    const r = await runSumoCosim({ cfg: grid, controller: 'sumo-static' });
    expect(Math.abs(r.travelTime.mean - own.meanTravelTimeS) / own.meanTravelTimeS).toBeLessThan(0.03);
    expect(Math.abs(r.vehicles.completed - own.completed)).toBeLessThanOrEqual(Math.ceil(0.03 * own.completed));
    expect(r.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    expect(r.sumo.collisions).toBe(0);
  }, 120_000);

  for (const controller of ['max-pressure', 'actuated']) {
    it(`${controller} drives SUMO from SUMO's detectors with zero safety violations and no SUMO collision`, async () => {
      const r = await runSumoCosim({ cfg: grid, controller });
      expect(r.vehicles.inserted).toBeGreaterThan(250);
      expect(r.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
      expect(r.sumo.collisions).toBe(0);
      // the detectors saw the traffic: none of the loops stayed silent all run
      expect(r.travelTime.mean).toBeGreaterThan(0);
    }, 120_000);
  }

  it('pre-empts for an emergency vehicle in the demand (vClass emergency), followed from its positions in SUMO', async () => {
    const cfg = sumoFixture('grid3x3-ambulance.sumocfg');
    const on = await runSumoCosim({ cfg, controller: 'fixed' });
    const off = await runSumoCosim({ cfg, controller: 'fixed', preemption: false });
    const [a, b] = [on.emergency[0]!, off.emergency[0]!];
    expect(a.id).toBe('ambulance-1');
    // measured, seeds 1-5: 63-64 s with pre-emption, 73-113 s without; free flow 57.6 s
    expect(a.travelTime!).toBeLessThan(b.travelTime!);
    expect(a.travelTime!).toBeLessThan(1.25 * a.freeFlowTime!);
    expect(a.stops).toBe(0);
    for (const r of [on, off]) {
      expect(r.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
      expect(r.sumo.collisions).toBe(0);
    }
  }, 120_000);

  it('adaptive pre-empts safely on a RESCO grid with SUMO-style clearances (no all-red), ambulance within 1.15 x free flow', async () => {
    // RESCO grid4x4 and the first of the fixture's three ambulances (depart 900 s, four signals);
    // measured over the hour, seeds 1-5: 1.06-1.10 x free flow in SUMO (bench/sumo-emergency.mjs)
    const r = await runSumoCosim({ cfg: sumoFixture('grid4x4-ambulance.sumocfg'), controller: 'adaptive', durationS: 1100 });
    const a = r.emergency.find((e) => e.id === 'ambulance-1')!;
    expect(a.travelTime!).toBeLessThanOrEqual(1.15 * a.freeFlowTime!);
    expect(r.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    expect(r.sumo.collisions).toBe(0);
    expect(r.sumo.teleports).toBe(0);
  }, 120_000);

  it('greenwave sumo --out keeps SUMO\'s own files, the detectors it placed, the signal event log and the metrics', async () => {
    requireBuiltCli();
    const out = join(mkdtempSync(join(tmpdir(), 'gw-sumo-out-')), 'run');
    const r = await cli('sumo', grid, '--controller', 'max-pressure', '--duration', '300', '--json', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['events.csv', 'greenwave-detectors.add.xml', 'metrics.json', 'statistics.xml', 'tripinfo.xml']);
    const m = JSON.parse(r.stdout);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'))).toEqual(m);
    // SUMO's tripinfo: one row per vehicle due (those still driving and those never inserted written at the end)
    const trips = readFileSync(join(out, 'tripinfo.xml'), 'utf8').match(/<tripinfo /g) ?? [];
    expect(trips.length).toBeGreaterThanOrEqual(m.vehicles.scheduled);
    // every detector greenwave placed, and the event log of every signal: green starts (code 1) at each
    const add = readFileSync(join(out, 'greenwave-detectors.add.xml'), 'utf8');
    expect((add.match(/<(inductionLoop|laneAreaDetector) /g) ?? []).length).toBeGreaterThan(0);
    const rows = readFileSync(join(out, 'events.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('SignalId,TimestampS,EventCode,EventParam');
    const greens = new Set(rows.slice(1).filter((x) => x.split(',')[2] === '1').map((x) => x.split(',')[0]));
    expect([...greens].sort()).toEqual(['A0', 'A1', 'A2', 'B0', 'B1', 'B2', 'C0', 'C1', 'C2']);
    // the same demand in greenwave's simulator: its trips.csv names every vehicle by SUMO's id, so the two join vehicle by vehicle
    const gwOut = join(out, '..', 'greenwave');
    const g = await cli('run', '--sumo', grid, '--controller', 'max-pressure', '--duration', '300', '--json', '--out', gwOut);
    expect(g.status, g.stderr).toBe(0);
    const [head, ...tripRows] = readFileSync(join(gwOut, 'trips.csv'), 'utf8').trim().split('\n');
    const idCol = head!.split(',').indexOf('id');
    // (SUMO also writes, undeparted with no wait, a vehicle whose departure is the end itself: not due, as greenwave counts)
    const due = [...readFileSync(join(out, 'tripinfo.xml'), 'utf8').matchAll(/<tripinfo id="([^"]+)" depart="([-\d.]+)"[^>]*departDelay="([\d.]+)"/g)].filter((x) => Number(x[2]) >= 0 || Number(x[3]) > 0);
    expect(tripRows.map((r) => r.split(',')[idCol]).sort()).toEqual(due.map((x) => x[1]).sort());
    expect(JSON.parse(g.stdout).vehicles.scheduled).toBe(m.vehicles.scheduled);
    // a file where the folder should be: exit 2, one line, before SUMO starts
    const bad = await cli('sumo', grid, '--out', join(out, 'metrics.json'));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--out .*metrics\.json.*a file, not a folder/);
  }, 120_000);

  it('bench/sumo-od.mjs joins the two simulators vehicle by vehicle: every vehicle in both, the pairs\' shares adding up to the difference of the means', () => {
    requireBuiltCli();
    const r = spawnSync(process.execPath, ['bench/sumo-od.mjs', grid, '--controller', 'fixed', '--top', '1000'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^grid3x3\.sumocfg under fixed, seed 1: 300 vehicles in both$/);
    const cells = (l: string): string[] => l.split('|').slice(1, -1).map((x) => x.trim());
    const rows = lines.slice(3, -1).map(cells);
    const all = cells(lines.at(-1)!);
    expect(all[0]).toBe(`all (${rows.length} pairs)`);
    expect(rows.reduce((a, x) => a + Number(x[1]), 0)).toBe(300);
    expect(rows.reduce((a, x) => a + Number(x[5]), 0)).toBeCloseTo(Number(all[5]), 0);
    expect(Number(all[4])).toBeCloseTo(Number(all[3]) - Number(all[2]), 0);
  }, 120_000);

  it('a SUMO that dies mid-run ends the run promptly with a clear error, never a hang', async () => {
    // a stand-in for the sumo binary: starts the real one, kills it 1.5 s later
    const dir = mkdtempSync(join(tmpdir(), 'dying-sumo-'));
    const fake = join(dir, 'sumo');
    writeFileSync(fake, '#!/bin/sh\nsumo "$@" &\npid=$!\nsleep 1.5\nkill -9 $pid\nwait $pid\n');
    chmodSync(fake, 0o755);
    const t0 = Date.now();
    const outDir = mkdtempSync(join(tmpdir(), 'dying-sumo-out-'));
    await expect(runSumoCosim({ cfg: 'scenarios/data/sumo/resco/grid4x4/grid4x4.sumocfg', controller: 'fixed', binary: fake, outDir })).rejects.toThrow(/SUMO stopped during the run/);
    expect(Date.now() - t0).toBeLessThan(60_000);
    // the user's own folder stays (a temporary one would be removed)
    expect(existsSync(join(outDir, 'greenwave-detectors.add.xml'))).toBe(true);
  }, 90_000);

  it('without SUMO installed, greenwave sumo exits 2 with one line naming the package', () => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'sumo', grid], { encoding: 'utf8', env: { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'no-sumo-')) } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["error: greenwave sumo: sumo not found: install Debian's sumo (apt-get install sumo sumo-tools)"]);
  });
});
