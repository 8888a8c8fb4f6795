/**
 * The adaptive controller against the classical ones on the same demand and
 * seed, its worker threads (same results as in one thread), and what it does
 * when its detectors fail.
 */
import { describe, expect, it } from 'vitest';
import { arterialScenario, defaultScenario, gridScenario, type ScenarioJson } from '../scenarios/index.js';
import { computeMetrics, createSimulation, prepare, runPrepared, runPreparedAsync, type FaultSpec, type RunMetrics } from '../sim/index.js';
import { cityflowSource } from '../bench/index.js';
import { createAdaptive, type AdaptiveController } from '../engine/controllers/adaptive.js';
import { importSumoConfig } from '../interop/sumo/index.js';
import { phaseChangesPerSignalHour } from '../engine/signals/index.js';
import { prepared } from './helpers.js';

const SCENARIOS: Array<[string, () => ScenarioJson]> = [
  ['default', defaultScenario],
  ['grid-4x4', () => gridScenario({ rows: 4, cols: 4 })],
  ['arterial-5', () => arterialScenario({ n: 5 })],
];

const safe = (m: RunMetrics): void => expect(m.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });

describe.concurrent('adaptive against fixed (Webster) and max-pressure, same demand and seed', () => {
  for (const [name, make] of SCENARIOS) {
    it(`${name}: adaptive has the lowest mean travel time, safely`, () => {
      const p = prepared(make());
      const tt: Record<string, number> = {};
      for (const c of ['fixed', 'max-pressure', 'adaptive']) {
        const m = runPrepared(p, c).metrics;
        safe(m);
        tt[c] = m.travelTime.mean;
      }
      expect(tt.adaptive!).toBeLessThan(tt['max-pressure']!);
      expect(tt.adaptive!).toBeLessThan(tt.fixed!);
      // Issue 4's bar, 0.70 × fixed, is met on default and grid-4x4 (arterial-5: 0.82, see docs/RESULTS.md).
      if (name !== 'arterial-5') expect(tt.adaptive! / tt.fixed!).toBeLessThanOrEqual(0.7);
    });
  }
});

describe('adaptive holds a green while its vehicles still arrive', () => {
  it('on default (seeds 1 and 2): fewer phase changes and a lower mean travel time than without the hold', () => {
    for (const seed of [1, 2]) {
      const p = prepared(defaultScenario(), { seed });
      const run = (holdWeight: number) => {
        const sim = createSimulation(p, (ctx) => createAdaptive(ctx, { holdWeight }));
        sim.run();
        const m = computeMetrics(sim, { scenario: 'default', controller: 'adaptive', seed, loadSeconds: 0 });
        safe(m);
        return { tt: m.travelTime.mean, changes: phaseChangesPerSignalHour(p.net, sim.signals.changes, p.durationS) };
      };
      const hold = run(1);
      const none = run(0);
      // measured: 165.2 → 159.0 s and 199 → 190 changes per signal-hour on seed 1, 164.3 → 158.8 s and 198 → 189 on seed 2
      expect(hold.changes).toBeLessThan(none.changes);
      expect(hold.tt).toBeLessThan(none.tt);
    }
  });
});

describe('adaptive switches at a price (the schedule keeps a green it would serve first)', () => {
  it('ingolstadt1 (a real-city signal, greenwave\'s simulator, seed 1): fewer phase changes, the mean travel time about the same', () => {
    const imp = importSumoConfig('scenarios/data/sumo/resco/ingolstadt1/ingolstadt1.sumocfg');
    const p = prepare({ scenario: imp.scenario, file: 'ingolstadt1' }, { seed: 1 });
    const run = (schedule: boolean) => {
      const sim = createSimulation(p, (ctx) => createAdaptive(ctx, { schedule }));
      sim.run();
      const m = computeMetrics(sim, { scenario: 'ingolstadt1', controller: 'adaptive', seed: 1, loadSeconds: 0 });
      safe(m);
      return { tt: m.travelTime.mean, changes: phaseChangesPerSignalHour(p.net, sim.signals.changes, p.durationS) };
    };
    const on = run(true);
    const off = run(false);
    // measured (2026-12-04, the schedule asked in the first 15 s of a green): seeds 1-3,
    // 220/219/216 -> 181/190/180 changes per signal-hour, 47.98/44.48/45.89 -> 46.61/45.06/46.03 s (docs/ADAPTIVE.md);
    // with a 30 s reach 154/151/142 and 45.91/47.03/46.53 s; before the cameras read on past the priority
    // junction before the signal, the schedule also cut the travel time (62.8 -> 55.6 s)
    expect(on.changes).toBeLessThan(0.9 * off.changes);
    expect(on.tt).toBeLessThan(1.05 * off.tt);
  });
});

describe('adaptive with its network part switched off (adaptive-isolated)', () => {
  it('counts no downstream vehicles in its pressure, and on default (seeds 1 and 2) it is worse than adaptive', () => {
    for (const seed of [1, 2]) {
      const p = prepared(defaultScenario(), { seed });
      const tt: Record<string, number> = {};
      for (const c of ['adaptive', 'adaptive-isolated']) {
        const m = runPrepared(p, c).metrics;
        safe(m);
        tt[c] = m.travelTime.mean;
      }
      // measured: 159.2 -> 161.2 s on seed 1, 160.5 -> 163.6 s on seed 2 (docs/ADAPTIVE.md: +1.6 % over seeds 1-5)
      expect(tt['adaptive-isolated']!).toBeGreaterThan(tt.adaptive!);
    }
    const p = prepared(defaultScenario(), { seed: 1 });
    let iso: ReturnType<typeof createAdaptive> | undefined;
    let net: ReturnType<typeof createAdaptive> | undefined;
    const sim = createSimulation(p, (ctx) => {
      iso = createAdaptive(ctx, { isolated: true });
      net = createAdaptive(ctx);
      return net;
    });
    for (let t = 0; t < 900; t++) sim.step();
    const a = iso as AdaptiveController;
    const b = net as AdaptiveController;
    let differ = 0;
    for (let ph = 0; ph < p.net.nPhases; ph++) {
      expect(a.pressure(ph)).toBeGreaterThanOrEqual(b.pressure(ph));
      if (a.pressure(ph) > b.pressure(ph)) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });
});

describe('adaptive under saturation', () => {
  it('on the saturated synthetic 10×10 grid it beats max-pressure: a green that starts on a long queue gets a longer minimum (variable initial)', () => {
    const p = prepare(cityflowSource('synthetic_10x10'));
    const a = runPrepared(p, 'adaptive').metrics;
    const mp = runPrepared(p, 'max-pressure').metrics;
    safe(a);
    expect(a.travelTime.mean).toBeLessThan(mp.travelTime.mean);
    // measured with the pressure rule alone (schedule: false), since the schedule also keeps a green that has just
    // started on a long queue: 348.4 s with the longer minimum, 355.0 s without (docs/ADAPTIVE.md; it was 20 % while
    // the head-of-line term multiplied the wait by the queue, which cut queues off as they started to move)
    const pressureOnly = (o: Parameters<typeof createAdaptive>[1]) => {
      const sim = createSimulation(p, (ctx) => createAdaptive(ctx, { schedule: false, ...o }));
      sim.run();
      return computeMetrics(sim, { scenario: 's', controller: 'a', seed: p.seed, loadSeconds: 0 }).travelTime.mean;
    };
    expect(pressureOnly({ queueMinGreenS: 5 })).toBeGreaterThan(1.01 * pressureOnly({}));
  });
});

describe('adaptive in worker threads', () => {
  it('gives byte-identical results with 2 workers and with none (plans apply at fixed times)', async () => {
    const p = prepared(gridScenario({ rows: 4, cols: 4 }), { durationS: 1800 });
    const inline = await runPreparedAsync(p, 'adaptive');
    const pooled = await runPreparedAsync(p, 'adaptive', { workers: 2 });
    const strip = (m: RunMetrics): RunMetrics => ({ ...m, sim: { ...m.sim, loadSeconds: 0, wallSeconds: 0, vehicleStepsPerSecond: 0 } });
    expect(JSON.stringify(strip(pooled.metrics))).toBe(JSON.stringify(strip(inline.metrics)));
    expect(inline.metrics.vehicles.completed).toBeGreaterThan(500);
  });

  it("gives byte-identical results with 1 or 2 workers and with none where the threads carry the schedule searches (Jinan's 8-phase signals)", async () => {
    const p = prepare(cityflowSource('jinan_3x4'), { durationS: 600 });
    const strip = (m: RunMetrics): string => JSON.stringify({ ...m, sim: { ...m.sim, loadSeconds: 0, wallSeconds: 0, vehicleStepsPerSecond: 0 } });
    const inline = strip((await runPreparedAsync(p, 'adaptive')).metrics);
    for (const workers of [1, 2]) expect(strip((await runPreparedAsync(p, 'adaptive', { workers })).metrics)).toBe(inline);
  });
});

describe('adaptive with failed detectors', () => {
  it('falls back to its last network plan when every detector of the network reports nonsense', () => {
    const p = prepared(gridScenario({ rows: 3, cols: 3 }), { durationS: 2400 });
    // From 15 min on, every detector reports NaN: the controller is blind.
    const faults: FaultSpec[] = Array.from({ length: p.net.nDet }, (_, d) => ({ detector: d, kind: 'nan' as const, fromMs: 900_000 }));
    const blind = runPrepared(p, 'adaptive', { faults }).metrics;
    safe(blind);
    expect(blind.detectors.faultyAtEnd).toBe(p.net.nDet);
    const fixed = runPrepared(p, 'fixed').metrics;
    const healthy = runPrepared(p, 'adaptive').metrics;
    // Blind, it runs the timing plan it made from the traffic it saw: about as good as Webster's plan, worse than seeing.
    expect(blind.travelTime.mean).toBeLessThan(1.15 * fixed.travelTime.mean);
    expect(blind.travelTime.mean).toBeGreaterThan(healthy.travelTime.mean);
    expect(blind.vehicles.completed).toBeGreaterThan(0.9 * blind.vehicles.entered);
  });
});
