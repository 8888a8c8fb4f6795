/**
 * Emergency vehicles: a green wave along the route (issue 5's bars on the
 * default scenario), two vehicles on crossing routes, safe transitions
 * (yellow and all-red in full, the green cut no shorter than the pre-emption
 * minimum), routing round congestion and blocked roads from detector data,
 * and requests that are refused without changing anything.
 */
import { describe, expect, it } from 'vitest';
import { PreemptionError, PREEMPTION_DEFAULTS, timeSpaceSvg } from '../engine/preemption/index.js';
import { EV_PHASE_BEGIN_RED_CLEARANCE, EV_PHASE_BEGIN_YELLOW, EV_PHASE_END_RED_CLEARANCE, EV_PHASE_END_YELLOW, EV_PREEMPT_ENTRY, EV_PREEMPT_DWELL, EV_PREEMPT_EXIT, EV_PREEMPT_CALL_ON, EV_PREEMPT_CALL_OFF } from '../engine/signals/index.js';
import { defaultScenario, gridScenario, type ScenarioJson } from '../scenarios/index.js';
import { createSimulation, computeMetrics, runPrepared, type RunMetrics, type Simulation } from '../sim/index.js';
import { prepared } from './helpers.js';

const SAFE = { conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 };

/** Mean travel time of every vehicle but the emergency ones. */
function othersMean(m: RunMetrics): number {
  const n = m.vehicles.entered + m.vehicles.waitingToEnter;
  let sum = m.travelTime.mean * n;
  for (const e of m.emergency) sum -= e.travelTime;
  return sum / (n - m.emergency.length);
}

function run(sc: ScenarioJson, controller: string, preemption: boolean, durationS?: number) {
  const p = prepared(sc, durationS ? { durationS } : {});
  const sim = createSimulation(p, controller, { preemption, eventLog: true });
  sim.run();
  const metrics = computeMetrics(sim, { scenario: 'test', controller, seed: p.seed, loadSeconds: 0 });
  return { p, sim, metrics, mgr: sim.cabinet.preemption };
}

/** Every pre-emption entry's change: yellow and red clearance lasted at least the phase's own. Returns the changes checked. */
function checkTransitions(sim: Simulation): number {
  const log = sim.eventLog!;
  const net = sim.net;
  let checked = 0;
  for (let k = 0; k < log.length; k++) {
    const [t, ix, code] = log.get(k);
    if (code !== EV_PREEMPT_ENTRY) continue;
    // the first change at ix after the entry (none if the vehicle's phase was green already)
    let yStart = NaN;
    let rStart = NaN;
    let p = -1;
    for (let q = k + 1; q < log.length; q++) {
      const [tq, iq, cq, pq] = log.get(q);
      if (iq !== ix || tq < t) continue;
      if (cq === EV_PREEMPT_DWELL && Number.isNaN(yStart)) break;
      if (cq === EV_PHASE_BEGIN_YELLOW && Number.isNaN(yStart)) {
        yStart = tq;
        p = net.interPhaseStart[ix]! + pq - 1;
      } else if (Number.isNaN(yStart)) continue;
      else if (cq === EV_PHASE_END_YELLOW) expect(tq - yStart).toBeGreaterThanOrEqual(net.phaseYellowMs[p]!);
      else if (cq === EV_PHASE_BEGIN_RED_CLEARANCE) rStart = tq;
      else if (cq === EV_PHASE_END_RED_CLEARANCE) {
        expect(tq - rStart).toBeGreaterThanOrEqual(net.phaseAllRedMs[p]!);
        checked++;
        break;
      }
    }
  }
  return checked;
}

describe.concurrent('a green wave for the ambulance on the default scenario (peak demand)', () => {
  for (const controller of ['adaptive', 'fixed']) {
    it(`${controller}: ambulance ≤ 1.15 × free flow, far faster than without pre-emption, others ≤ +5 %, safely`, () => {
      const on = run(defaultScenario(), controller, true);
      const off = run(defaultScenario(), controller, false);
      const a = on.metrics.emergency[0]!;
      const b = off.metrics.emergency[0]!;
      expect(a.id).toBe('ambulance-1');
      expect(a.travelTime).toBeLessThanOrEqual(1.15 * a.freeFlowTime);
      // fixed: ≥ 40 % faster than without. adaptive's network flows well enough that without pre-emption the ambulance is
      // sometimes quick too (seeds 1-5: 170-436 s; this one 221 s), so there the bar is on its delay over free flow: at least halved
      if (controller === 'fixed') expect(a.travelTime).toBeLessThanOrEqual(0.6 * b.travelTime);
      else expect(a.travelTime - a.freeFlowTime).toBeLessThanOrEqual(0.5 * (b.travelTime - b.freeFlowTime));
      expect(othersMean(on.metrics)).toBeLessThanOrEqual(1.05 * othersMean(off.metrics));
      expect(on.metrics.safety).toEqual(SAFE);
      expect(off.metrics.safety).toEqual(SAFE);
      expect(on.sim.collisions + on.sim.redRunning).toBe(0);
      // every signal on the route was called, entered and left
      const tr = on.mgr.traces()[0]!;
      expect(tr.signals.length).toBeGreaterThanOrEqual(5);
      for (const s of tr.signals) {
        expect(Number.isFinite(s.callMs)).toBe(true);
        expect(s.passed).toBe(true);
      }
      const codes = new Set<number>();
      for (let k = 0; k < on.sim.eventLog!.length; k++) codes.add(on.sim.eventLog!.get(k)[2]);
      for (const c of [EV_PREEMPT_CALL_ON, EV_PREEMPT_ENTRY, EV_PREEMPT_DWELL, EV_PREEMPT_CALL_OFF, EV_PREEMPT_EXIT]) expect(codes.has(c)).toBe(true);
      expect(checkTransitions(on.sim)).toBeGreaterThan(0);
      // without pre-emption nothing is called
      expect(off.mgr.calls).toBe(0);
    });
  }
});

describe('two emergency vehicles on crossing routes', () => {
  // fire-1 goes west to east along row 1, ambulance-2 north to south along column 2: both reach
  // i_1_2 about 65 s after they start at free flow, the ambulance leaving 22 s later.
  const sc = (): ScenarioJson =>
    gridScenario({
      rows: 4,
      cols: 4,
      durationS: 900,
      seed: 3,
      emergencyVehicles: [
        { id: 'fire-1', from: 'W1', to: 'E1', departS: 300, priority: 2 },
        { id: 'ambulance-2', from: 'N2', to: 'S2', departS: 322, priority: 1 },
      ],
    });

  it.concurrent.each(['adaptive', 'fixed', 'actuated'])('%s: both get through, the higher priority first, never together, safely', (controller) => {
    const { sim, metrics, mgr } = run(sc(), controller, true);
    expect(metrics.safety).toEqual(SAFE);
    expect(sim.collisions + sim.redRunning).toBe(0);
    const tr = mgr.traces();
    const ix = sim.net.intersectionIds.indexOf('i_1_2');
    const passAt = (id: string): number => {
      const t = tr.find((x) => x.id === id)!;
      expect(Number.isFinite(t.arrivedMs)).toBe(true);
      const s = t.signals.find((q) => q.inter === ix)!;
      for (let i = 0; i < t.trajectory.length; i += 2) if (t.trajectory[i + 1]! >= s.distM) return t.trajectory[i]!;
      return NaN;
    };
    const amb = passAt('ambulance-2');
    const fire = passAt('fire-1');
    expect(amb).toBeLessThan(fire);
    // both were held up at most briefly: each within 1.5 × free flow
    for (const e of metrics.emergency) expect(e.travelTime).toBeLessThanOrEqual(1.5 * e.freeFlowTime);
    expect(checkTransitions(sim)).toBeGreaterThan(0);
  });
});

describe('routing from detector data', () => {
  const sc = (): ScenarioJson => gridScenario({ rows: 3, cols: 3, durationS: 600, emergencyVehicles: [{ id: 'ev', from: 'W1', to: 'E1', departS: 500 }] });

  /** A simulation with its pre-emption manager, not stepped: the test writes the detector readings. */
  function fresh() {
    const p = prepared(sc());
    const sim = createSimulation(p, 'fixed', { preemption: true });
    return { p, sim, mgr: sim.cabinet.preemption };
  }
  const camsOf = (sim: Simulation, roadId: string): number[] => {
    const net = sim.net;
    const r = net.roadIds.indexOf(roadId);
    const out: number[] = [];
    for (let l = net.roadFirstLane[r]!; l < net.roadFirstLane[r]! + net.roadLanes[r]!; l++) if (net.laneCamera[l]! >= 0) out.push(net.laneCamera[l]!);
    return out;
  };

  it('takes the straight road when it is clear, and goes round it when its cameras show a long queue', () => {
    const a = fresh();
    expect(a.mgr.request({ id: 'x', from: 'W1', to: 'E1' }, 0).route).toEqual(['W1-i_1_0', 'i_1_0-i_1_1', 'i_1_1-i_1_2', 'i_1_2-E1']);
    const b = fresh();
    for (const c of camsOf(b.sim, 'i_1_0-i_1_1')) b.sim.detectors.vehicles[c] = b.sim.detectors.halting[c] = 25;
    const r = b.mgr.request({ id: 'x', from: 'W1', to: 'E1' }, 0).route;
    expect(r).not.toContain('i_1_0-i_1_1');
    expect(r[0]).toBe('W1-i_1_0');
    expect(r[r.length - 1]).toBe('i_1_2-E1');
  });

  it('re-routes round a road ahead that has been blocked for blockedAfterS, keeping the roads it is committed to', () => {
    const { sim, mgr } = fresh();
    const { ev, route } = mgr.request({ id: 'x', from: 'W1', to: 'E1' }, 0);
    expect(route[2]).toBe('i_1_1-i_1_2');
    const net = sim.net;
    // i_1_1-i_1_2 fills with standing traffic and nobody leaves it
    for (const c of camsOf(sim, 'i_1_1-i_1_2')) sim.detectors.queueM[c] = net.detEndM[c]! - net.detStartM[c]!;
    const w1 = net.roadIds.indexOf('W1-i_1_0');
    mgr.update(1000);
    expect(mgr.report({ ev, timeMs: 1000, road: w1, onLink: false, posM: 10, speedMps: 10 })).toBeNull();
    const t = 1000 + PREEMPTION_DEFAULTS.blockedAfterS * 1000;
    mgr.update(t);
    const a = mgr.report({ ev, timeMs: t, road: w1, onLink: false, posM: 20, speedMps: 10 });
    expect(a).not.toBeNull();
    const ids = a!.roads.map((r) => net.roadIds[r]);
    expect(ids.slice(0, 2)).toEqual(['W1-i_1_0', 'i_1_0-i_1_1']);
    expect(ids).not.toContain('i_1_1-i_1_2');
    expect(ids[ids.length - 1]).toBe('i_1_2-E1');
    expect(mgr.traces()[0]!.reroutes).toBe(1);
  });

  it('refuses a bad request with a clear error and changes nothing', () => {
    const { mgr } = fresh();
    const before = JSON.stringify(mgr.traces());
    expect(() => mgr.request({ id: 'x', from: 'nowhere', to: 'E1' }, 0)).toThrow(/from: unknown origin "nowhere"/);
    expect(() => mgr.request({ id: 'x', from: 'W1', to: 'Atlantis' }, 0)).toThrow(/to: unknown destination "Atlantis"/);
    expect(() => mgr.request({ id: 'x', from: 'i_1_2-E1', to: 'W1' }, 0)).toThrow(/to: "W1" cannot be reached from "i_1_2-E1"/);
    expect(() => mgr.request({ id: 'x', from: 'W1', to: 'E1', priority: 12 }, 0)).toThrow(PreemptionError);
    expect(() => mgr.request({ id: '', from: 'W1', to: 'E1' }, 0)).toThrow(/id: must be a non-empty string/);
    expect(JSON.stringify(mgr.traces())).toBe(before);
    expect(mgr.calls).toBe(0);
  });
});

describe('the time-space diagram', () => {
  it('draws every signal on the route with its colours, the call ticks and the trajectory', () => {
    const { sim, mgr } = run(defaultScenario(), 'adaptive', true, 1800);
    const tr = mgr.traces()[0]!;
    const svg = timeSpaceSvg(tr, sim.nowMs);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const s of tr.signals) expect(svg).toContain(`>${s.id}</text>`);
    expect(svg).toMatch(/<polyline id="trajectory" points="[\d., ]+"/);
    expect((svg.match(/class="state-2"/g) ?? []).length).toBeGreaterThanOrEqual(tr.signals.length);
    expect((svg.match(/class="call"/g) ?? []).length).toBe(tr.signals.length);
    expect(svg).toContain('time (s)');
    expect(svg).toContain('distance along the route (m)');
  });
});

describe('pre-emption changes nothing where there is no emergency vehicle', () => {
  it('grid-4x4 without emergency vehicles: same metrics with pre-emption on and off', () => {
    const p = prepared(gridScenario({ rows: 4, cols: 4, durationS: 900 }));
    const a = runPrepared(p, 'adaptive', { preemption: true }).metrics;
    const b = runPrepared(p, 'adaptive', { preemption: false }).metrics;
    expect({ ...a, sim: 0 }).toEqual({ ...b, sim: 0 });
  });
});
