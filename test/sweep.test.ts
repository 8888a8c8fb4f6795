/**
 * greenwave sweep: the same cells and numbers whatever --jobs is, statistics
 * that agree with a hand computation, failing cells reported while the others
 * finish, a well-formed chart, usage errors, and SUMO cells next to
 * greenwave's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, describe, expect, it } from 'vitest';
import { pairedDifference, summarize, summarizeCells, sweepSvg, tQuantile975, type SweepResult } from '../bench/index.js';
import { cli, requireBuiltCli } from './cli-helpers.js';
import { describeWithSumo, sumoFixture } from './sumo-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gw-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const withoutTiming = (text: string): string => {
  const r = JSON.parse(text) as Partial<SweepResult>;
  delete r.timing;
  return JSON.stringify(r);
};

describe('statistics over seeds', () => {
  it("agree with a hand computation: mean, sample sd, Student's t interval", () => {
    // 10, 12, 14, 16: mean 13, sd √(20/3) = 2.5820, t(0.975, 3) = 3.182, half = 3.182 · 2.5820 / 2 = 4.1080
    const s = summarize([10, 12, 14, 16]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(13);
    expect(s.sd).toBeCloseTo(2.582, 3);
    expect(s.ci95![0]).toBeCloseTo(8.892, 3);
    expect(s.ci95![1]).toBeCloseTo(17.108, 3);
    // one value: a mean, no spread; none: nothing
    expect(summarize([7, null])).toEqual({ n: 1, mean: 7, sd: null, ci95: null });
    expect(summarize([null])).toEqual({ n: 0, mean: null, sd: null, ci95: null });
  });

  it('give the paired difference seed by seed, significant only when its interval leaves out 0', () => {
    // d = −1, −2, −1, −3: mean −1.75, sd √(2.75/3) = 0.9574, half = 3.182 · 0.9574 / 2 = 1.5232
    const p = pairedDifference([10, 12, 14, 16], [11, 14, 15, 19]);
    expect(p.mean).toBe(-1.75);
    expect(p.sd).toBeCloseTo(0.9574, 3);
    expect(p.ci95![0]).toBeCloseTo(-3.2732, 3);
    expect(p.ci95![1]).toBeCloseTo(-0.2268, 3);
    expect(p.significant).toBe(true);
    expect(p.percent).toBeCloseTo((-1.75 / 14.75) * 100, 1);
    // d = +1, −1, +2, −2: mean 0, not significant
    expect(pairedDifference([11, 11, 12, 8], [10, 12, 10, 10]).significant).toBe(false);
    // a seed missing on either side is left out of the pairs
    expect(pairedDifference([10, null, 14], [11, 14, null]).n).toBe(1);
  });

  it('claim nothing where neither result changes with the seed (one run repeated is not a sample)', () => {
    // a dataset's fixed trips: every seed gives the same two figures
    const p = pairedDifference([316.6, 316.6, 316.6], [310.9, 310.9, 310.9]);
    expect(p.mean).toBeCloseTo(5.7, 6);
    expect(p.ci95).toBeNull();
    expect(p.significant).toBe(false);
    expect(p.seedIndependent).toBe(true);
    // one side varying: a real paired test again
    const q = pairedDifference([316.6, 317.6, 318.6], [310.9, 310.9, 310.9]);
    expect(q.seedIndependent).toBeUndefined();
    expect(q.significant).toBe(true);
  });

  it("use Student's t quantiles: the table to 30 degrees of freedom, within 0.001 beyond", () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(30)).toBe(2.042);
    for (const [df, t] of [
      [40, 2.021],
      [60, 2.0],
      [120, 1.98],
      [1000, 1.962],
    ] as const)
      expect(Math.abs(tQuantile975(df) - t)).toBeLessThan(0.001);
  });
});

describe('greenwave sweep', () => {
  const args = ['single,arterial-3', '--controllers', 'fixed,max-pressure,adaptive', '--seeds', '1-3', '--duration', '300', '--json'];

  it('gives byte-identical JSON with --jobs 1 and --jobs 2, apart from its timing', async () => {
    requireBuiltCli();
    const [a, b] = await Promise.all([cli('sweep', ...args, '--jobs', '1'), cli('sweep', ...args, '--jobs', '2')]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(a.stdout.trim().split('\n')).toHaveLength(1); // nothing on stdout but the result
    expect(withoutTiming(a.stdout)).toBe(withoutTiming(b.stdout));
    const r = JSON.parse(a.stdout) as SweepResult;
    expect(r.timing.jobs).toBe(1);
    expect(r.cells).toHaveLength(2 * 3 * 3);
    expect(r.cells.map((c) => `${c.scenario}/${c.controller}/${c.seed}`).slice(0, 4)).toEqual(['single/fixed/1', 'single/fixed/2', 'single/fixed/3', 'single/max-pressure/1']);
    expect(r.groups.map((g) => g.controller)).toEqual(['fixed', 'max-pressure', 'adaptive', 'fixed', 'max-pressure', 'adaptive']);
    for (const g of r.groups) {
      expect(g.safetyViolations).toBe(0);
      expect(g.metrics.travelTimeS.n).toBe(3);
      expect(g.metrics.phaseChangesPerSignalHour.mean).toBeGreaterThan(0);
      expect(g.vsBaseline === undefined).toBe(g.controller === 'fixed');
    }
    // the groups are the summaries of the cells
    expect(summarizeCells(r.cells, 'fixed')).toEqual(r.groups);
    // different seeds give different demand: a sweep over seeds is not one run repeated
    const tts = r.cells.filter((c) => c.scenario === 'single' && c.controller === 'fixed').map((c) => (c.ok ? c.metrics.travelTimeS : NaN));
    expect(new Set(tts).size).toBe(3);
  }, 120_000);

  it('reports a failing cell with its error, finishes the others and exits 1; writes sweep.json, sweep.csv and a well-formed sweep.svg', async () => {
    const out = join(tmp, 'fail');
    const r = await cli('sweep', 'single,no-such-scenario.json', '--controllers', 'fixed,actuated', '--seeds', '1,2', '--duration', '300', '--out', out);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('4 of 8 cells failed');
    expect(r.stdout).toMatch(/no-such-scenario\.json greenwave fixed seed 1: .*no-such-scenario\.json/);
    const res = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepResult;
    expect(res.cells.filter((c) => c.ok).map((c) => c.scenario)).toEqual(['single', 'single', 'single', 'single']);
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 4);
    expect(csv[0]).toMatch(/^scenario,sim,controller,seeds,failed,travelTimeS_n,travelTimeS_mean,travelTimeS_sd,travelTimeS_ci_low,travelTimeS_ci_high,travelTimeS_diff_mean/);
    expect(csv[3]).toMatch(/^no-such-scenario\.json,greenwave,fixed,,1 2,0,/);
    const svg = readFileSync(join(out, 'sweep.svg'), 'utf8');
    const seen: string[] = [];
    const p = new SaxesParser();
    p.on('opentag', (t) => {
      const a = t.attributes as Record<string, string>;
      if (a.id) seen.push(`#${a.id}`);
      if (a.class === 'series') seen.push(`series:${a['data-name']}`);
      if (a.class === 'interval') seen.push('interval');
    });
    p.write(svg).close(); // throws on malformed XML
    expect(seen).toContain('#x-axis');
    expect(seen).toContain('#y-axis');
    expect(seen).toContain('series:fixed');
    expect(seen).toContain('series:actuated');
    expect(seen.filter((s) => s === 'interval')).toHaveLength(2); // single under both controllers; the failed scenario has none
  }, 120_000);

  it('draws each controller as a series with the intervals as whiskers', () => {
    const cell = (controller: string, seed: number, tt: number) => ({
      index: 0,
      scenario: 's',
      sim: 'greenwave' as const,
      controller,
      seed,
      ok: true as const,
      metrics: { travelTimeS: tt, delayS: 0, stops: 0, throughputVph: 0, emergencyTravelTimeS: null, emergencyDelayS: null, phaseChangesPerSignalHour: 0, scheduled: 1, completed: 1, safetyViolations: 0 },
    });
    const cells = [cell('fixed', 1, 100), cell('fixed', 2, 110), cell('adaptive', 1, 80), cell('adaptive', 2, 86)];
    const r: SweepResult = { format: 'greenwave-sweep', version: 1, scenarios: ['s'], sims: ['greenwave'], controllers: ['fixed', 'adaptive'], seeds: [1, 2], baseline: 'fixed', durationS: null, cells, groups: summarizeCells(cells, 'fixed'), timing: { jobs: 1, wallS: 0, cellWallS: [] } };
    const svg = sweepSvg(r);
    expect(svg).toContain('data-name="fixed"');
    expect(svg).toContain('data-name="adaptive"');
    // fixed: 105 ± 12.706 · 7.071 / √2 = 105 ± 63.5
    expect(svg).toContain('s, fixed: 105 (95 % interval 41.47–168.5)');
  });

  it('refuses bad usage with exit 2 and one line', async () => {
    for (const [extra, msg] of [
      [['--seeds', '5-1'], /--seeds: "5-1" is not a range/],
      [['--seeds', 'a'], /--seeds takes numbers and ranges/],
      [['--controllers', 'nope'], /nope/],
      [['--jobs', '0'], /--jobs takes an integer from 1 to 256/],
      [['--sim', 'sumo'], /SUMO runs sumo:CFG scenarios only; "single" is not one/],
      [['--sim', 'cityflow'], /--sim takes greenwave, sumo or both/],
    ] as const) {
      const r = await cli('sweep', 'single', ...extra);
      expect(r.status, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  }, 60_000);
});

describeWithSumo('greenwave sweep in both simulators', () => {
  it('runs a SUMO configuration in greenwave and in SUMO (one SUMO per cell) with zero safety violations', async () => {
    const cfg = sumoFixture('grid3x3.sumocfg');
    const r = await cli('sweep', `sumo:${cfg}`, '--sim', 'both', '--controllers', 'fixed,max-pressure', '--seeds', '1,2', '--duration', '300', '--json');
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as SweepResult;
    expect(res.groups.map((g) => `${g.sim}/${g.controller}`)).toEqual(['greenwave/fixed', 'greenwave/max-pressure', 'sumo/fixed', 'sumo/max-pressure']);
    for (const c of res.cells) {
      expect(c.ok, c.ok ? '' : c.error).toBe(true);
      if (c.ok) expect(c.metrics.safetyViolations).toBe(0);
      if (c.ok && c.sim === 'sumo') expect(c.metrics.collisions).toBe(0);
    }
  }, 120_000);
});
