/**
 * `greenwave bench --quick --json`: one JSON object with every section
 * (micro-benchmarks, simulator speed, controllers × scenarios, re-plan
 * latency, the live service under load, SUMO import and co-simulation
 * cost), and the charts drawn from it.
 * Structure only: the figures themselves are measured, not asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCharts, markdown, pcdCharts, type BenchReport } from '../bench/index.js';
import { cli, requireBuiltCli } from './cli-helpers.js';

describe('greenwave bench --quick --json', () => {
  it('prints one JSON object with every section, writes it to --results, and its charts have axes and series', async () => {
    requireBuiltCli();
    const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
    try {
      const r = await cli('bench', '--quick', '--json', '--results', dir);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines).toHaveLength(2);
      const rep = JSON.parse(lines[0]!) as BenchReport;
      // a quick run keeps the full run's record (latest.json, behind the README's tables) and writes its own
      expect(JSON.parse(readFileSync(join(dir, 'latest-quick.json'), 'utf8'))).toEqual(rep);
      expect(existsSync(join(dir, 'latest.json'))).toBe(false);
      expect(rep.quick).toBe(true);
      expect(rep.micro.map((m) => m.unit)).toEqual(['vehicle-step', 'decision', 'frame', 'encoding']);
      expect(rep.simSpeed.map((s) => s.scenario)).toEqual(['grid-4x4', 'grid-10x10@light', 'grid-10x10', 'cityflow:hangzhou_4x4']);
      for (const s of rep.simSpeed) expect(s.vehicleStepsPerSecond).toBeGreaterThan(0);
      const ctl = new Set(rep.controllers.map((c) => c.controller));
      for (const c of ['fixed', 'actuated', 'max-pressure', 'adaptive']) expect(ctl.has(c)).toBe(true);
      for (const c of rep.controllers) expect(c.safetyViolations).toBe(0);
      // controllers come from sweeps: two seeds with --quick, each with its interval and the paired difference from fixed
      for (const c of rep.controllers) {
        expect(c.seeds).toEqual([1, 2]);
        expect(c.travelTimeCi95![0]).toBeLessThanOrEqual(c.travelTimeMean);
        expect(c.vsFixed === undefined).toBe(c.controller === 'fixed');
      }
      // the same sweep at 1 and 2 jobs, and the machine's ceiling from separate processes
      expect(rep.sweep!.map((x) => x.jobs).slice(0, 2)).toEqual([1, 2]);
      for (const x of rep.sweep!) expect(x.cells).toBe(16); // 2 scenarios × 4 controllers × 2 seeds with --quick (5 seeds: 40)
      expect(rep.sweepCeiling!.processes).toBe(Math.max(...rep.sweep!.map((x) => x.jobs)));
      // and the same with V8 single-threaded: separate processes, and the sweep's own jobs
      const st = rep.sweepCeiling!.singleThreaded!;
      for (const x of [st.oneWallS, st.allWallS, st.jobsWallS]) expect(x).toBeGreaterThan(0);
      expect(st.jobsSpeedup).toBeCloseTo(st.oneWallS / st.jobsWallS, 1);
      expect(rep.controllers.find((c) => c.scenario === 'default' && c.controller === 'adaptive')!.emergencyDelayS).not.toBeNull();
      // the arterial's rows carry the arrivals on green read from the log; no other row does
      for (const c of rep.controllers) expect(c.aogPercent === undefined, `${c.scenario} ${c.controller}`).toBe(c.scenario !== 'arterial-5');
      const pcds = await pcdCharts(rep);
      expect(Object.keys(pcds).sort()).toEqual(['pcd-arterial-5-A2-adaptive.svg', 'pcd-arterial-5-A2-fixed.svg']);
      expect(rep.replan.map((x) => x.workers)).toContain(0);
      // adaptive's decisions timed by worker count on a 1,024-signal city and on Jinan's 8-phase signals
      expect(rep.decisions!.map((x) => [x.scenario, x.workers]).slice(0, 2)).toEqual([['grid-32x32', 0], ['grid-32x32', 1]]);
      for (const x of rep.decisions!) expect(x.meanMs, `${x.scenario} ${x.workers}`).toBeGreaterThan(0);
      expect(rep.decisions!.find((x) => x.scenario === 'cityflow:jinan_3x4')!.signals).toBe(12);
      expect(rep.serve[0]).toMatchObject({ network: 'grid-32x32', signals: 1024, clients: 200 });
      // every client got (nearly) one state a second for the quick run's seconds
      expect(rep.serve[0]!.frames).toBeGreaterThanOrEqual(200 * (rep.serve[0]!.seconds - 1));
      // SUMO: a netgenerate net imported in a fresh process, and greenwave driving SUMO (skipped, with the reason, only without sumo)
      if (rep.sumo?.skipped) expect(process.env.CI, rep.sumo.skipped).not.toBe('true');
      else {
        expect(rep.sumo!.import).toMatchObject({ signals: 896 });
        expect(rep.sumo!.import!.seconds).toHaveLength(1);
        expect(rep.sumo!.import!.peakMB[0]).toBeGreaterThan(0);
        expect(rep.sumo!.cosim).toMatchObject({ scenario: 'grid4x4 (RESCO)', steps: 300 });
        expect(rep.sumo!.cosim!.engineMsPerStep).toBeGreaterThan(0);
        // every controller on RESCO scenarios in both simulators, from one sweep
        const rows = rep.sumo!.controllers!;
        expect(rows.map((x) => `${x.scenario}/${x.controller}`)).toEqual(
          ['cologne1', 'ingolstadt1'].flatMap((sc) => ['sumo-static', 'fixed', 'actuated', 'max-pressure', 'advanced-max-pressure', 'adaptive'].map((c) => `${sc}/${c}`)),
        );
        for (const x of rows) {
          expect(x.greenwave.travelTimeMean).toBeGreaterThan(0);
          expect(x.sumo.travelTimeMean).toBeGreaterThan(0);
          expect(x.greenwave.safetyViolations + x.sumo.safetyViolations).toBe(0);
          expect(x.sumo.collisions).toBe(0);
          if (x.controller === 'sumo-static') expect(x.sumo.vsStatic).toBeUndefined();
          else expect(Number.isFinite(x.sumo.vsStatic!.percent)).toBe(true);
        }
        expect(markdown(rep)).toContain('### Controllers in both simulators (RESCO scenarios');
      }
      const charts = benchCharts(rep);
      expect(Object.keys(charts).sort()).toEqual(['replan-latency.svg', 'sim-speed.svg', 'travel-time.svg']);
      for (const svg of Object.values({ ...charts, ...pcds })) {
        expect(svg).toContain('<g id="x-axis"');
        expect(svg).toContain('<g id="y-axis"');
        expect(svg).toMatch(/<g class="series" data-name="[^"]+"/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
