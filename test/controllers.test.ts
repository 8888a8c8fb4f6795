/**
 * Controllers against each other on the same demand, and their timing rules:
 * Webster's formulas with the reference test values, the fixed plan, and
 * actuated control skipping phases without demand.
 */
import { describe, expect, it } from 'vitest';
import {
  criticalFlowRatios,
  websterCycleS,
  websterDelayS,
  websterEffectiveGreensS,
  websterPlan,
  hcmUniformDelayS,
  AdvancedMaxPressureController,
} from '../engine/controllers/index.js';
import { createCabinet } from '../engine/cabinet/index.js';
import { phaseCameras } from '../engine/detectors/phaseCameras.js';
import { EV_PHASE_BEGIN_GREEN } from '../engine/signals/index.js';
import { loadScenario, singleScenario } from '../scenarios/index.js';
import { prepare, runPrepared } from '../sim/index.js';
import { phaseServing, prepared } from './helpers.js';

describe("Webster's method", () => {
  it('two critical phases at 500 and 300 veh/h, s = 1,600, L = 16 s: Y = 0.5 and C₀ = 58 s', () => {
    const Y = 500 / 1600 + 300 / 1600;
    expect(Y).toBeCloseTo(0.5, 10);
    expect(websterCycleS(16, Y)).toBeCloseTo(58, 10);
  });

  it('splits effective green in proportion to the flow ratios', () => {
    const g = websterEffectiveGreensS([0.3125, 0.1875], 58, 16);
    expect(g[0]).toBeCloseTo(26.25, 10);
    expect(g[1]).toBeCloseTo(15.75, 10);
  });

  it('clamps the cycle to its practical range and saturates as Y → 1', () => {
    expect(websterCycleS(8, 0.05, 30, 150)).toBe(30);
    expect(websterCycleS(16, 0.97, 30, 150)).toBe(150);
  });

  it("the first term of Webster's delay is HCM's uniform delay", () => {
    const C = 60;
    const g = 27;
    const q = 0.2;
    const s = 0.5;
    const x = (q * C) / (s * g);
    const d = websterDelayS(C, g, q, s);
    const random = (x * x) / (2 * q * (1 - x));
    expect(d).toBeLessThan(hcmUniformDelayS(C, g, x) + random);
    expect(d).toBeGreaterThan(0.8 * (hcmUniformDelayS(C, g, x) + random));
    expect(websterDelayS(C, g, 0.3, s)).toBe(Infinity);
  });

  it('the fixed plan of `single` serves every phase within its min and max green, and the cycle adds up', () => {
    const p = prepared(singleScenario());
    const plan = websterPlan(p.net, 0);
    const n = plan.greenMs.length;
    expect(n).toBe(4);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      expect(plan.greenMs[k]).toBeGreaterThanOrEqual(p.net.phaseMinGreenMs[k]!);
      expect(plan.greenMs[k]).toBeLessThanOrEqual(p.net.phaseMaxGreenMs[k]!);
      expect(plan.startMs[k]).toBe(sum);
      sum += plan.greenMs[k]! + p.net.phaseYellowMs[k]! + p.net.phaseAllRedMs[k]!;
    }
    expect(plan.cycleMs).toBe(sum);
    // the heavier through phase gets the longer green
    const y = criticalFlowRatios(p.net, 0);
    const ns = phaseServing(p, 0, 'N-C>C-S');
    const ew = phaseServing(p, 0, 'E-C>C-W');
    expect(y[ns]!).toBeGreaterThan(y[ew]!);
    expect(plan.greenMs[ns]!).toBeGreaterThan(plan.greenMs[ew]!);
  });
});

describe('actuated against fixed', () => {
  it('actuated beats fixed on an isolated intersection with unbalanced demand (lower mean delay, three seeds)', () => {
    let fixed = 0;
    let actuated = 0;
    for (const seed of [1, 2, 3]) {
      const p = prepared(singleScenario({ approachVph: { N: 600, S: 550, E: 120, W: 100 }, seed }));
      fixed += runPrepared(p, 'fixed').metrics.delay.mean;
      actuated += runPrepared(p, 'actuated').metrics.delay.mean;
    }
    expect(actuated).toBeLessThan(fixed);
  });

  it('actuated skips phases that have no demand; fixed serves them every cycle', () => {
    // Only north–south through traffic: the left-turn and east–west phases never get a call.
    const sc = singleScenario({ approachVph: { N: 500, S: 500, E: 0, W: 0 }, leftShare: 0, rightShare: 0, durationS: 1200 });
    const p = prepared(sc);
    const ns = phaseServing(p, 0, 'N-C>C-S');
    const greens = (controller: string): number[] => {
      const { sim } = runPrepared(p, controller, { eventLog: true });
      const counts = new Array(4).fill(0);
      for (let k = 0; k < sim.eventLog!.length; k++) {
        const [t, , code, phase] = sim.eventLog!.get(k);
        if (code === EV_PHASE_BEGIN_GREEN && t > 0) counts[phase - 1]++;
      }
      return counts;
    };
    const act = greens('actuated');
    expect(act[ns]).toBe(1); // reached once, then rests there
    expect(act.reduce((a, b) => a + b, 0)).toBe(1);
    const fix = greens('fixed');
    for (const c of fix) expect(c).toBeGreaterThan(5);
  });
});

describe('advanced-max-pressure (Zhang et al., ICML 2022)', () => {
  /** The engine on `single` with AMP, on a clock of our own: camera readings written by hand. */
  function rig() {
    const p = prepared(singleScenario(), { durationS: 600 });
    let amp: AdvancedMaxPressureController | undefined;
    const cab = createCabinet({ net: p.net, router: p.router, controller: (ctx) => (amp = new AdvancedMaxPressureController(ctx)), preemption: false });
    const net = p.net;
    const C = net.intersectionIds.indexOf('C');
    const p0 = net.interPhaseStart[C]!;
    // the cameras of each phase's incoming lanes, and of the lanes its links lead to
    const cams = phaseCameras(net);
    const inOf = (local: number): number[] => Array.from(cams.inCams.subarray(cams.inCamStart[p0 + local]!, cams.inCamStart[p0 + local + 1]!));
    const set = (cs: number[], vehicles: number, halting: number): void => {
      for (const c of cs) {
        cab.detectors.vehicles[c] = vehicles;
        cab.detectors.halting[c] = halting;
      }
    };
    return { cab, amp: () => amp!, C, p0, inOf, set, net };
  }

  it('keeps the green while its moving vehicles within reach outnumber the best competing pressure, and switches to that phase when they no longer do', () => {
    const { cab, amp, C, p0, inOf, set } = rig();
    let t = 0;
    cab.step(t);
    const start = cab.signals.phaseOf(C);
    const other = [0, 1, 2, 3].find((k) => k !== start && inOf(k).length > 0 && !inOf(k).some((c) => inOf(start).includes(c)))!;
    // the current phase: 20 vehicles moving on each approach lane's camera (27.8 within 10 s of the line);
    // the other: one halting on each of its lanes (efficient pressure 18: a lane counts once per lane link)
    set(inOf(start), 20, 0);
    set(inOf(other), 1, 1);
    for (; t <= 30_000; t += 1000) cab.step(t);
    expect(cab.signals.phaseOf(C)).toBe(start); // held past two action intervals
    expect(amp().running(p0 + start)).toBeGreaterThan(amp().efficientPressure(p0 + other));
    // its vehicles have passed: the queue on the other phase wins at the next action
    set(inOf(start), 0, 0);
    for (; t <= 60_000; t += 1000) cab.step(t);
    expect(cab.signals.phaseOf(C)).not.toBe(start);
    expect(cab.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
  });

  it('beats fixed on default, safely, and serves the ambulance', () => {
    const p = prepare(loadScenario('default'));
    const { metrics: f } = runPrepared(p, 'fixed');
    const { metrics: a } = runPrepared(p, 'advanced-max-pressure');
    // measured: 193.2 s against 245.5 s (seed 7)
    expect(a.travelTime.mean).toBeLessThan(0.9 * f.travelTime.mean);
    expect(a.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    expect(a.emergency[0]!.travelTime).toBeLessThan(1.25 * a.emergency[0]!.freeFlowTime);
  }, 60_000);
});
