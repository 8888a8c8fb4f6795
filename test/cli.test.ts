/**
 * The CLI's happy paths, end to end through the built command: help texts,
 * `run` with --json (exactly SPEC §4's object), the human summary, `compare`
 * (Markdown table and JSON), and `run --out` (metrics.json, the ATSPM event
 * log and one row per vehicle in trips.csv); --seed and --controller are
 * honoured and results are deterministic.
 *
 * Needs dist/ (`npm test` builds it first).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { cli, requireBuiltCli, type CliResult } from './cli-helpers.js';

let dir = '';


type Json = Record<string, unknown>;

/** SPEC §4: the keys of `run --json`, and of its nested objects. */
const SPEC_KEYS = ['scenario', 'controller', 'seed', 'duration', 'vehicles', 'travelTime', 'delay', 'stops', 'throughput', 'emergency', 'safety', 'sim'];
const SPEC_NESTED: Record<string, string[]> = {
  vehicles: ['scheduled', 'entered', 'completed', 'inNetwork', 'waitingToEnter'],
  travelTime: ['mean', 'p50', 'p95'],
  delay: ['mean'],
  stops: ['mean'],
  safety: ['conflictingGreens', 'minGreenViolations', 'clearanceViolations'],
  sim: ['steps', 'loadSeconds', 'wallSeconds', 'vehicleSteps', 'vehicleStepsPerSecond'],
};
/** Keys greenwave adds to SPEC §4, documented in README: detector health. */
const EXTRA_KEYS: Record<string, string[]> = { detectors: ['faults', 'faultyAtEnd'] };
const EMERGENCY_KEYS = ['id', 'travelTime', 'freeFlowTime', 'delay', 'stops'];
const sorted = (keys: string[]): string[] => [...keys].sort();

/** Exit 0, nothing on stderr, stdout exactly one line holding one JSON object; returns it. */
function oneJsonObject(expect: ExpectStatic, r: CliResult): Json {
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const lines = r.stdout.split('\n');
  expect(lines, r.stdout).toHaveLength(2);
  expect(lines[1]).toBe('');
  const m = JSON.parse(lines[0]!) as unknown;
  expect(m).toBeTypeOf('object');
  expect(Array.isArray(m)).toBe(false);
  expect(m).not.toBeNull();
  return m as Json;
}

/** The metrics object has exactly SPEC §4's keys, with numbers where numbers belong. */
function expectSpecMetrics(expect: ExpectStatic, m: Json): void {
  expect(sorted(Object.keys(m))).toEqual(sorted([...SPEC_KEYS, ...Object.keys(EXTRA_KEYS)]));
  for (const [k, keys] of Object.entries(EXTRA_KEYS)) expect(sorted(Object.keys(m[k] as Json)), k).toEqual(sorted(keys));
  for (const [k, keys] of Object.entries(SPEC_NESTED)) {
    const o = m[k] as Json;
    expect(sorted(Object.keys(o)), k).toEqual(sorted(keys));
    for (const key of keys) expect(Number.isFinite(o[key]), `${k}.${key}`).toBe(true);
  }
  expect(m.scenario).toBeTypeOf('string');
  expect(m.controller).toBeTypeOf('string');
  expect(Number.isInteger(m.seed)).toBe(true);
  expect(m.duration).toBeTypeOf('number');
  expect(m.throughput).toBeTypeOf('number');
  expect(Array.isArray(m.emergency)).toBe(true);
  for (const e of m.emergency as Json[]) expect(sorted(Object.keys(e))).toEqual(sorted(EMERGENCY_KEYS));
  const v = m.vehicles as Record<string, number>;
  expect(v.entered + v.waitingToEnter).toBe(v.scheduled);
  expect(v.completed + v.inNetwork).toBe(v.entered);
}

/** The metrics without the wall-clock figures, which alone may differ between identical runs. */
function withoutTimings(m: Json): Json {
  const c = structuredClone(m);
  const sim = c.sim as Json;
  delete sim.loadSeconds;
  delete sim.wallSeconds;
  delete sim.vehicleStepsPerSecond;
  return c;
}

/** A small CSV parser (greenwave's outputs have no quoted fields); the text must end with a newline. */
function csv(text: string): { header: string[]; rows: string[][] } {
  if (!text.endsWith('\n')) throw new Error('a CSV file should end with a newline');
  const lines = text.slice(0, -1).split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'greenwave-cli-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('help', () => {
  it('greenwave --help exits 0 and lists the commands', async ({ expect }) => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await cli(flag);
      expect(r.status, flag).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Usage: greenwave <command>/m);
      for (const c of ['run', 'compare', 'serve', 'bench']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    }
  });

  it.for([
    ['run', ['--controller', '--seed', '--duration', '--json', '--out']],
    ['compare', ['--controllers', '--seed', '--duration', '--json']],
    ['bench', ['--quick', '--json']],
    ['serve', ['--port', '--clock', '--field', '--token-file', '--no-preemption']],
  ] as const)('greenwave %s --help exits 0 and prints its usage and options', async ([cmd, options], { expect }) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(cmd, flag);
      expect(r.status, `${cmd} ${flag}`).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: greenwave ${cmd}\\b`));
      for (const o of options) expect(r.stdout).toContain(o);
    }
  });
});

describe.concurrent('greenwave run', () => {
  it('run single --duration 300 --json prints exactly one JSON object with exactly SPEC §4’s keys and nothing on stderr', async ({ expect }) => {
    const m = oneJsonObject(expect, await cli('run', 'single', '--duration', '300', '--json'));
    expectSpecMetrics(expect, m);
    expect(m.scenario).toBe('single');
    expect(m.controller).toBe('fixed');
    expect(m.seed).toBe(1);
    expect(m.duration).toBe(300);
    expect((m.sim as Json).steps).toBe(300);
    expect(m.emergency).toEqual([]);
    expect((m.vehicles as Json).scheduled).toBeGreaterThan(0);
    expect(m.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
  });

  it('the same scenario, controller and seed give the same JSON apart from the wall-clock figures', async ({ expect }) => {
    const [a, b] = await Promise.all([cli('run', 'single', '--duration', '300', '--json'), cli('run', 'single', '--duration', '300', '--json')]);
    expect(withoutTimings(oneJsonObject(expect, a))).toEqual(withoutTimings(oneJsonObject(expect, b)));
  });

  it('--seed changes the demand and so the results, and is reported', async ({ expect }) => {
    const [a, b] = await Promise.all([
      cli('run', 'single', '--duration', '300', '--json'),
      cli('run', 'single', '--duration', '300', '--json', '--seed', '42'),
    ]);
    const m1 = oneJsonObject(expect, a);
    const m42 = oneJsonObject(expect, b);
    expect(m1.seed).toBe(1);
    expect(m42.seed).toBe(42);
    const { seed: _s1, ...r1 } = withoutTimings(m1);
    const { seed: _s42, ...r42 } = withoutTimings(m42);
    expect(r42).not.toEqual(r1);
    expect([(m42.vehicles as Json).scheduled, (m42.travelTime as Json).mean]).not.toEqual([(m1.vehicles as Json).scheduled, (m1.travelTime as Json).mean]);
  });

  it('--controller actuated is run and reported in the JSON', async ({ expect }) => {
    const m = oneJsonObject(expect, await cli('run', 'single', '--duration', '300', '--json', '--controller', 'actuated'));
    expectSpecMetrics(expect, m);
    expect(m.controller).toBe('actuated');
  });

  it('without --json, a human summary of vehicles, travel time, delay, stops, throughput and safety', async ({ expect }) => {
    const [human, json] = await Promise.all([cli('run', 'single', '--duration', '300'), cli('run', 'single', '--duration', '300', '--json')]);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stderr).toBe('');
    const out = human.stdout;
    expect(() => JSON.parse(out)).toThrow();
    expect(out).toMatch(/^greenwave run single: controller fixed, seed 1, 300 s simulated$/m);
    for (const label of ['vehicles', 'travel time', 'delay', 'stops', 'throughput', 'safety']) expect(out).toMatch(new RegExp(`^\\s+${label}\\s`, 'm'));
    // Its figures are the JSON's.
    const m = oneJsonObject(expect, json);
    const tt = m.travelTime as Record<string, number>;
    expect(out).toContain(`mean ${tt.mean!.toFixed(1)} s, p50 ${tt.p50!.toFixed(1)} s, p95 ${tt.p95!.toFixed(1)} s`);
    expect(out).toContain(`mean ${(m.delay as Record<string, number>).mean!.toFixed(1)} s`);
    expect(out).toContain(`${(m.throughput as number).toFixed(0)} veh/h`);
    expect(out).toContain(`${(m.vehicles as Json).scheduled} scheduled`);
  });
});

describe.concurrent('greenwave compare', () => {
  it('by default compares every controller that can run the scenario (cityflow-fixed only with a plan of its own)', async ({ expect }) => {
    const c = oneJsonObject(expect, await cli('compare', 'single', '--duration', '120', '--json'));
    expect((c.results as Json[]).map((r) => r.controller)).toEqual(['fixed', 'actuated', 'max-pressure', 'advanced-max-pressure', 'adaptive']);
  });

  it('compare single --duration 300 prints a Markdown table with a row per controller and the % change against fixed', async ({ expect }) => {
    const r = await cli('compare', 'single', '--duration', '300', '--controllers', 'fixed,actuated');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^greenwave compare single: seed 1, 300 s simulated, \d+ trips$/m);
    const table = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(4);
    const cells = (l: string): string[] => l.split('|').slice(1, -1).map((c) => c.trim());
    const header = cells(table[0]!);
    expect(header[0]).toBe('controller');
    expect(header).toEqual(expect.arrayContaining(['mean travel time (s)', 'mean delay (s)', 'stops / veh', 'throughput (veh/h)']));
    expect(table[1]).toMatch(/^\|(---\|)+$/);
    expect(cells(table[1]!)).toHaveLength(header.length);
    const fixed = cells(table[2]!);
    const actuated = cells(table[3]!);
    expect(fixed[0]).toBe('fixed');
    expect(actuated[0]).toBe('actuated');
    expect(fixed).toHaveLength(header.length);
    expect(actuated).toHaveLength(header.length);
    // The baseline shows plain values; the others show the % change against it.
    for (const c of fixed.slice(1)) expect(c).not.toContain('%');
    const tt = header.indexOf('mean travel time (s)');
    expect(actuated[tt]).toMatch(/^\d+\.\d \([+-]?\d+\.\d %\)$/);
    const [, value, change] = /^(\d+\.\d) \(([+-]?\d+\.\d) %\)$/.exec(actuated[tt]!)!;
    const base = Number(fixed[tt]);
    expect(Number(change)).toBeCloseTo(((Number(value) - base) / base) * 100, 0);
  });

  it('compare single --duration 300 --json gives both controllers’ results and their change vs fixed', async ({ expect }) => {
    const [cmp, run] = await Promise.all([
      cli('compare', 'single', '--duration', '300', '--json', '--controllers', 'fixed,actuated'),
      cli('run', 'single', '--duration', '300', '--json'),
    ]);
    const c = oneJsonObject(expect, cmp);
    expect(sorted(Object.keys(c))).toEqual(sorted(['scenario', 'seed', 'duration', 'results', 'changeVsFixed']));
    expect(c.scenario).toBe('single');
    expect(c.seed).toBe(1);
    expect(c.duration).toBe(300);
    const results = c.results as Json[];
    expect(results.map((r) => r.controller)).toEqual(['fixed', 'actuated']);
    for (const r of results) expectSpecMetrics(expect, r);
    // Same demand and seed as `run`: the fixed result is run's.
    expect(withoutTimings(results[0]!)).toEqual(withoutTimings(oneJsonObject(expect, run)));
    const change = c.changeVsFixed as Record<string, Record<string, number>>;
    expect(sorted(Object.keys(change))).toEqual(['actuated', 'fixed']);
    expect(change.fixed).toEqual({ travelTimePct: 0, delayPct: 0, stopsPct: 0, throughputPct: 0 });
    const [f, a] = results as Array<{ travelTime: { mean: number }; delay: { mean: number }; stops: { mean: number }; throughput: number }>;
    const pct = (x: number, y: number): number => Math.round(((y - x) / x) * 100 * 10) / 10;
    expect(change.actuated).toEqual({
      travelTimePct: pct(f!.travelTime.mean, a!.travelTime.mean),
      delayPct: pct(f!.delay.mean, a!.delay.mean),
      stopsPct: pct(f!.stops.mean, a!.stops.mean),
      throughputPct: pct(f!.throughput, a!.throughput),
    });
  });

  it('--controllers picks the controllers, in order', async ({ expect }) => {
    const c = oneJsonObject(expect, await cli('compare', 'single', '--duration', '120', '--json', '--controllers', 'actuated,fixed'));
    expect((c.results as Json[]).map((r) => r.controller)).toEqual(['actuated', 'fixed']);
  });
});

describe.concurrent('greenwave run --out', () => {
  /** Runs `run default --duration S --json --out DIR` and reads what it wrote. */
  async function runOut(expect: ExpectStatic, durationS: number) {
    const out = join(dir, `out-${durationS}`);
    const m = oneJsonObject(expect, await cli('run', 'default', '--duration', String(durationS), '--json', '--out', out));
    for (const f of ['metrics.json', 'events.csv', 'trips.csv']) expect(existsSync(join(out, f)), f).toBe(true);
    return {
      m,
      metricsFile: JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Json,
      events: csv(readFileSync(join(out, 'events.csv'), 'utf8')),
      trips: csv(readFileSync(join(out, 'trips.csv'), 'utf8')),
    };
  }

  it('run default --duration 600 --out DIR: metrics.json is the --json object, events.csv the ATSPM event log, trips.csv a row per scheduled vehicle', async ({ expect }) => {
    const { m, metricsFile, events, trips } = await runOut(expect, 600);
    expectSpecMetrics(expect, m);
    expect(metricsFile).toEqual(m);
    expect(m.scenario).toBe('default');
    expect(m.seed).toBe(7);
    // The ambulance is not due before 1500 s.
    expect(m.emergency).toEqual([]);

    expect(events.header).toEqual(['SignalId', 'TimestampS', 'EventCode', 'EventParam']);
    expect(events.rows.length).toBeGreaterThan(100);
    const codes = new Set(events.rows.map((r) => Number(r[2])));
    for (const code of [1, 7, 8, 9, 10, 11]) expect(codes.has(code), `event code ${code}`).toBe(true);
    let lastT = -Infinity;
    for (const r of events.rows) {
      expect(r).toHaveLength(4);
      expect(r[0]).toMatch(/^i_\d+_\d+$/);
      expect(r[1]).toMatch(/^\d+\.\d$/);
      const t = Number(r[1]);
      expect(t).toBeGreaterThanOrEqual(lastT);
      expect(t).toBeLessThanOrEqual(600);
      lastT = t;
      expect(Number.isInteger(Number(r[3])) && Number(r[3]) >= 1).toBe(true);
    }

    const v = m.vehicles as Record<string, number>;
    expect(trips.header[0]).toBe('trip');
    expect(trips.header).toEqual(expect.arrayContaining(['emergency', 'departS', 'arriveS', 'travelTimeS', 'freeFlowS', 'stops']));
    expect(trips.rows).toHaveLength(v.scheduled!);
    expect(trips.rows.every((r) => r[1] === '')).toBe(true);
    const col = (name: string): number => trips.header.indexOf(name);
    expect(trips.rows.filter((r) => r[col('arriveS')] !== '')).toHaveLength(v.completed!);
    expect(trips.rows.filter((r) => r[col('enterS')] !== '')).toHaveLength(v.entered!);
    for (const r of trips.rows) expect(Number(r[col('departS')])).toBeLessThan(600);
    // Its travel times are the ones the metrics average.
    const mean = trips.rows.reduce((s, r) => s + Number(r[col('travelTimeS')]), 0) / trips.rows.length;
    expect(mean).toBeCloseTo((m.travelTime as Record<string, number>).mean!, 2);
    // Each row names its vehicle: a flow's departures FLOW.0, FLOW.1, … in departure order, every id once.
    const ids = trips.rows.map((r) => r[col('id')]!);
    expect(new Set(ids).size).toBe(ids.length);
    const byFlow = new Map<string, number[]>();
    for (const id of ids) {
      const mm = /^(.+)\.(\d+)$/.exec(id);
      expect(mm, id).not.toBeNull();
      (byFlow.get(mm![1]!) ?? byFlow.set(mm![1]!, []).get(mm![1]!)!).push(Number(mm![2]));
    }
    for (const [flow, seqs] of byFlow) expect(seqs, flow).toEqual(seqs.map((_, i) => i));
  });

  it('with --duration 1800 the ambulance (due at 1500 s) appears in trips.csv and in the emergency metrics', async ({ expect }) => {
    const { m, metricsFile, trips } = await runOut(expect, 1800);
    expect(metricsFile).toEqual(m);
    expectSpecMetrics(expect, m);
    const emergency = m.emergency as Array<Record<string, unknown>>;
    expect(emergency.map((e) => e.id)).toEqual(['ambulance-1']);
    expect(trips.rows).toHaveLength((m.vehicles as Record<string, number>).scheduled!);
    const col = (name: string): number => trips.header.indexOf(name);
    const amb = trips.rows.filter((r) => r[col('emergency')] === 'ambulance-1');
    expect(amb).toHaveLength(1);
    expect(amb[0]![col('id')]).toBe('ambulance-1');
    expect(Number(amb[0]![col('departS')])).toBe(1500);
    expect(Number(amb[0]![col('travelTimeS')])).toBeCloseTo(emergency[0]!.travelTime as number, 2);
    expect(Number(amb[0]![col('freeFlowS')])).toBeCloseTo(emergency[0]!.freeFlowTime as number, 2);
    expect(Number(amb[0]![col('stops')])).toBe(emergency[0]!.stops);
  });

  it('with an emergency vehicle, --out also writes its time-space diagram, and the event log has the pre-emption events', async ({ expect }) => {
    const out = join(dir, 'out-preempt');
    oneJsonObject(expect, await cli('run', 'default', '--duration', '1800', '--controller', 'adaptive', '--json', '--out', out));
    const svg = readFileSync(join(out, 'timespace-ambulance-1.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<polyline id="trajectory"');
    expect(svg).toContain('ambulance-1 (priority 1) under adaptive');
    const events = csv(readFileSync(join(out, 'events.csv'), 'utf8'));
    const codes = new Set(events.rows.map((r) => Number(r[2])));
    for (const code of [102, 104, 105, 107, 111]) expect(codes.has(code), `event code ${code}`).toBe(true);
  });
});

describe.concurrent('greenwave run --out --pcd', () => {
  it('writes the Purdue Coordination Diagrams and the split monitor of the intersections asked for, and detectors.csv', async ({ expect }) => {
    const out = join(dir, 'out-pcd');
    oneJsonObject(expect, await cli('run', 'arterial-5', '--duration', '600', '--controller', 'adaptive', '--json', '--out', out, '--pcd', 'A2,A3'));
    for (const f of ['pcd-A2-p1.svg', 'pcd-A3-p1.svg', 'split-A2.svg', 'split-A3.svg', 'detectors.csv']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'pcd-A2-p1.svg'), 'utf8')).toMatch(/% arrivals on green \(\d+ arrivals\)/);
    const det = csv(readFileSync(join(out, 'detectors.csv'), 'utf8'));
    expect(det.header).toEqual(['SignalId', 'Channel', 'DetectorId', 'Kind', 'Lane', 'Movements']);
    expect(det.rows.some((r) => r[0] === 'A2' && r[3] === 'advance')).toBe(true);
    const bad = await cli('run', 'arterial-5', '--duration', '60', '--out', join(dir, 'out-pcd2'), '--pcd', 'Z9');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--pcd: unknown intersection "Z9"');
  });
});

describe.concurrent('greenwave run --no-preemption', () => {
  it('the ambulance is slower without its green wave; the flag is in --help', async ({ expect }) => {
    const args = ['run', 'default', '--duration', '1800', '--controller', 'adaptive', '--json'];
    const on = oneJsonObject(expect, await cli(...args));
    const off = oneJsonObject(expect, await cli(...args, '--no-preemption'));
    // its delay over free flow (measured: 3 s with its green wave, 69 s without)
    const delay = (m: Json): number => {
      const e = (m.emergency as Array<Record<string, number>>)[0]!;
      return e.travelTime! - e.freeFlowTime!;
    };
    expect(delay(on)).toBeLessThan(0.5 * delay(off));
    expect((await cli('run', '--help')).stdout).toContain('--no-preemption');
    expect((await cli('compare', '--help')).stdout).toContain('--no-preemption');
  });
});
