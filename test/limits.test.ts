/**
 * The work estimate behind the limits (scenarios/limits.ts, issue 16 item 7):
 * the limits are the schema's, the estimate of a flow's departures matches
 * what the simulator draws, the library refuses what the CLI refuses, and the
 * sparse design volumes (memory by trips, not movements × 5-minute bins) are
 * the dense computation's to the bit. The end-to-end refusals through the
 * CLI are in cli-bad-input.test.ts.
 */
import { describe, expect, it } from 'vitest';
import flowSchema from '../interop/cityflow/cityflow-flow.schema.json' with { type: 'json' };
import { InputError } from '../scenarios/errors.js';
import { loadScenario, scenarioSchema, singleScenario, type FlowJson } from '../scenarios/index.js';
import { checkWork, expectedDepartures, MAX_DURATION_S, MAX_FLOW_VPH, MIN_INTERVAL_S } from '../scenarios/limits.js';
import { flowDepartures } from '../sim/demand.js';
import { designVolumes } from '../sim/designVolumes.js';
import { Rng } from '../sim/rng.js';
import { prepare } from '../sim/run.js';
import { simulate } from '../sim/simulate.js';

const thrown = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('did not throw');
};

describe('the limits', () => {
  it("are the schema's: durationS, vph and profile rates, intervalS (and CityFlow's interval)", () => {
    const s = scenarioSchema as { properties: { durationS: { maximum: number } }; definitions: Record<string, { properties?: Record<string, { maximum?: number; minimum?: number }>; items?: { items: Array<{ maximum?: number }> } }> };
    expect(s.properties.durationS.maximum).toBe(MAX_DURATION_S);
    expect(s.definitions.flow!.properties!.vph!.maximum).toBe(MAX_FLOW_VPH);
    expect(s.definitions.profile!.items!.items[1]!.maximum).toBe(MAX_FLOW_VPH);
    expect(s.definitions.flow!.properties!.intervalS!.minimum).toBe(MIN_INTERVAL_S);
    expect(MIN_INTERVAL_S).toBe(3600 / MAX_FLOW_VPH);
    expect((flowSchema as { items: { properties: { interval: { minimum: number } } } }).items.properties.interval.minimum).toBe(MIN_INTERVAL_S);
  });

  it('estimate a flow as the simulator draws it: intervalS exactly (give or take one), vph and profile by their mean', () => {
    const cases: Array<[FlowJson, number]> = [
      [{ id: 'a', intervalS: 7, beginS: 3, endS: 500 }, 600],
      [{ id: 'b', intervalS: 0.18 }, 100],
      [{ id: 'c', intervalS: 2, beginS: 700 }, 600],
      [{ id: 'd', vph: 3600, beginS: 100, endS: 2000 }, 1500],
      [{ id: 'e', profile: [[0, 100], [1200, 2000], [2400, 2000], [3600, 300]] }, 3600],
      [{ id: 'f', profile: [[1800, 900]], beginS: 600 }, 3600],
    ];
    for (const [f, durationS] of cases) {
      const est = expectedDepartures(f, durationS);
      if (f.intervalS !== undefined) {
        const n = flowDepartures(f, durationS, new Rng(1, 1)).length;
        expect(est, f.id).toBeGreaterThanOrEqual(n);
        expect(est, f.id).toBeLessThanOrEqual(n + 1);
      } else {
        let sum = 0;
        const seeds = 40;
        for (let seed = 1; seed <= seeds; seed++) sum += flowDepartures(f, durationS, new Rng(seed, 1)).length;
        expect(sum / seeds / est, f.id).toBeCloseTo(1, 1);
      }
    }
    // a rate that never ends is infinite work
    expect(expectedDepartures({ id: 'z', intervalS: 0 }, 60)).toBe(Infinity);
  });

  it('are kept by the library too: simulate and prepare refuse a run of more than a week, prepare a demand of more than 4,000,000 trips', async () => {
    await expect(simulate('single', { durationS: 1e8 })).rejects.toThrow('simulate: options.durationS: must be a number of seconds > 0 and ≤ 604800 (one week), got 100000000');
    expect(thrown(() => prepare(loadScenario('single'), { durationS: 99_999_999 })).message).toBe('builtin:single: durationS: must be ≤ 604800 s (one week), got 99999999');
    const sc = singleScenario({ durationS: 604800 });
    for (const f of sc.demand.flows!) f.vph = 20000;
    const e = thrown(() => checkWork(sc, 'week.json', 604800));
    expect(e.path).toBe('demand');
    expect(e.reason).toContain('a run has at most 4,000,000 trips');
    // unvalidated input: a rate beyond the schema's is refused by the estimate before a vehicle is drawn
    const t0 = performance.now();
    const big = singleScenario({ durationS: 3600 });
    big.demand.flows![0]!.vph = 1e9;
    expect(thrown(() => prepare({ scenario: big, file: 'big' })).message).toMatch(/^big: demand\.flows\[0\]: flow "N_through" sends about 1,000,000,000 vehicles in 3600 s; a run has at most 4,000,000 trips$/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('design volumes, kept sparse', () => {
  /** The dense computation they replace: a movements × bins table of counts. */
  function dense(t: Parameters<typeof designVolumes>[0], nMov: number, durationS: number): Float64Array {
    const designVph = new Float64Array(nMov);
    const binMs = 300_000;
    const nBins = Math.max(1, Math.ceil((durationS * 1000) / binMs));
    const counts = new Float64Array(nMov * nBins);
    for (let k = 0; k < t.n; k++) {
      if (t.emergencyIdx[k]! >= 0 || t.departMs[k]! >= durationS * 1000) continue;
      const b = Math.min(nBins - 1, Math.floor(t.departMs[k]! / binMs));
      for (let q = t.routeOff[k]!; q < t.routeOff[k]! + t.routeLen[k]! - 1; q++) counts[t.routeMoves[q]! * nBins + b]!++;
    }
    const window = Math.min(3, nBins);
    const windowH = (window * binMs) / 3_600_000;
    for (let m = 0; m < nMov; m++) {
      let best = 0;
      for (let b = 0; b + window <= nBins; b++) {
        let s = 0;
        for (let q = b; q < b + window; q++) s += counts[m * nBins + q]!;
        best = Math.max(best, s);
      }
      designVph[m] = durationS < 900 ? (counts.subarray(m * nBins, (m + 1) * nBins).reduce((a, c) => a + c, 0) / durationS) * 3600 : best / windowH;
    }
    return designVph;
  }

  it('are the dense table’s, bit for bit, on random trips over short and long runs', () => {
    const rng = new Rng(7, 7);
    for (const durationS of [60, 899, 900, 1000, 3600, 7321, 86400]) {
      const nMov = 1 + Math.floor(rng.next() * 30);
      const n = Math.floor(rng.next() * 3000);
      const departMs = Float64Array.from({ length: n }, () => Math.floor(rng.next() * durationS * 1100)).sort();
      const emergencyIdx = Int32Array.from({ length: n }, () => (rng.next() < 0.02 ? 0 : -1));
      const routeOff = new Int32Array(n);
      const routeLen = new Int32Array(n);
      const moves: number[] = [];
      for (let k = 0; k < n; k++) {
        routeOff[k] = moves.length;
        routeLen[k] = 1 + Math.floor(rng.next() * 6);
        for (let q = 0; q < routeLen[k]!; q++) moves.push(q + 1 < routeLen[k]! ? Math.floor(rng.next() * nMov) : -1);
      }
      const t = { n, departMs, emergencyIdx, routeOff, routeLen, routeMoves: Int32Array.from(moves) };
      expect(Array.from(designVolumes(t, nMov, durationS)), `${durationS} s`).toEqual(Array.from(dense(t, nMov, durationS)));
    }
  });
});
