/**
 * The simulator against traffic-engineering results: saturation flow and
 * start-up lost time of a queue released by a green (HCM), free-flow travel
 * time.
 */
import { describe, expect, it } from 'vitest';
import { singleScenario, type ScenarioJson } from '../scenarios/index.js';
import { createSimulation } from '../sim/index.js';
import { phaseServing, prepared, scriptedController, stopLineCrossings } from './helpers.js';

describe('a standing queue released by a green', () => {
  // Two through lanes from the north; 120 s of red builds a queue of about 20 vehicles per lane.
  const sc = singleScenario({
    throughOnly: true,
    approachVph: { N: 1400, S: 0, E: 0, W: 0 },
    durationS: 300,
    signalDefaults: { minGreenS: 5, maxGreenS: 300 },
  });
  sc.demand.flows![0]!.arrivals = 'uniform';
  const p = prepared(sc);
  const ns = phaseServing(p, 0, 'N-C>C-S');
  const movement = p.model.movementIndex.get('N-C>C-S')!;
  const firstLane = p.net.roadFirstLane[p.model.roadIndex.get('N-C')!]!;

  /** Crossing times (s after the start of green) of the vehicles queued on one lane. */
  function discharge(lane: number): number[] {
    const sim = createSimulation(p, scriptedController((_ix, t) => (t < 120_000 ? 1 - ns : ns)));
    let greenS = NaN;
    const times = stopLineCrossings(sim, [lane], 250_000, () => {
      if (Number.isNaN(greenS) && sim.nowMs > 120_000 && sim.signals.movState[movement] === 2) greenS = sim.nowMs / 1000 - 1;
    });
    expect(sim.collisions).toBe(0);
    return times.filter((t) => t >= greenS).map((t) => t - greenS);
  }
  const lanes = [discharge(firstLane), discharge(firstLane + 1)];

  it('discharges at 1,700–2,000 veh/h/lane once the first four vehicles have started', () => {
    for (const t of lanes) {
      expect(t.length).toBeGreaterThanOrEqual(16);
      const headway = (t[15]! - t[4]!) / 11;
      const satFlow = 3600 / headway;
      expect(satFlow).toBeGreaterThanOrEqual(1700);
      expect(satFlow).toBeLessThanOrEqual(2000);
    }
  });

  it('after a start-up lost time of 1–3 s', () => {
    for (const t of lanes) {
      const headway = (t[15]! - t[4]!) / 11;
      // HCM: lost time = time for the first n vehicles to clear − n × saturation headway.
      const n = 10;
      const lost = t[n - 1]! - n * headway;
      expect(lost).toBeGreaterThanOrEqual(1);
      expect(lost).toBeLessThanOrEqual(3);
    }
  });

  it('the first headways are longer than the saturation headway', () => {
    for (const t of lanes) {
      const sat = (t[15]! - t[4]!) / 11;
      expect(t[1]! - t[0]!).toBeGreaterThan(sat);
    }
  });
});

describe('free flow', () => {
  /** One vehicle alone crossing an intersection that is always green for it (600 m approaches). */
  function loneVehicle(turn: boolean): { travel: number; freeFlow: number } {
    const sc: ScenarioJson = singleScenario({ durationS: 200, lengthM: 600 });
    sc.demand = { vehicles: [{ id: 'solo', departS: 5, route: turn ? ['W-C', 'C-N'] : ['W-C', 'C-E'] }] };
    const p = prepared(sc);
    const phase = phaseServing(p, 0, turn ? 'W-C>C-N' : 'W-C>C-E');
    const sim = createSimulation(p, scriptedController(() => phase));
    sim.run();
    expect(sim.completed).toBe(1);
    expect(sim.collisions + sim.redRunning).toBe(0);
    return { travel: (sim.tripArriveMs[0]! - p.trips.departMs[0]!) / 1000, freeFlow: p.trips.freeFlowS[0]! };
  }

  it('a lone vehicle with green all the way takes its free-flow time, within 5 %', () => {
    const straight = loneVehicle(false);
    expect(Math.abs(straight.travel - straight.freeFlow) / straight.freeFlow).toBeLessThan(0.05);
  });

  it('also when it turns (slowing for the turn costs less than 5 %)', () => {
    const left = loneVehicle(true);
    expect(Math.abs(left.travel - left.freeFlow) / left.freeFlow).toBeLessThan(0.05);
  });
});
