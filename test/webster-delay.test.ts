/**
 * Webster's delay formula against the simulator: an isolated intersection under
 * a fixed plan with seeded Poisson arrivals, degrees of saturation 0.3 to 0.85.
 * The saturation flow s and the effective green g are measured on the
 * simulator itself (s from queue discharge headways, g from the capacity of a
 * saturated approach: g = C · c / s), as a traffic engineer would calibrate
 * them in the field; the mean delay (travel time − free-flow time) of each
 * approach must then be within ±20 % of Webster's d(C, g, q, s).
 */
import { describe, expect, it } from 'vitest';
import { FixedTimeController, websterDelayS, type ControllerFactory, type FixedPlan } from '../engine/controllers/index.js';
import { singleScenario } from '../scenarios/index.js';
import { createSimulation, TRIP_DONE, type Prepared } from '../sim/index.js';
import { prepared, stopLineCrossings } from './helpers.js';

const GREEN_MS = 23_000;

/** Two phases (N–S, E–W) with equal 23 s greens. */
function plan(p: Prepared): FixedPlan {
  const clear = p.net.phaseYellowMs[0]! + p.net.phaseAllRedMs[0]!;
  return { cycleMs: 2 * (GREEN_MS + clear), phases: [0, 1], greenMs: [GREEN_MS, GREEN_MS], startMs: [0, GREEN_MS + clear], y: [0, 0], websterCycleS: NaN };
}

function fixedPlan(p: Prepared): ControllerFactory {
  return (ctx) => {
    const c = new FixedTimeController(ctx);
    c.plans[0] = plan(p);
    return c;
  };
}

const scenario = (vphPerApproach: number, durationS: number, seed = 1) =>
  prepared(
    singleScenario({
      throughOnly: true,
      approachVph: { N: vphPerApproach, S: 0, E: vphPerApproach, W: 0 },
      durationS,
      seed,
      signalDefaults: { minGreenS: 5, maxGreenS: 300 },
    }),
  );

describe("Webster's delay formula", () => {
  // Calibration: an oversaturated approach shows s (headways) and the capacity per lane.
  const sat = scenario(3000, 1800);
  const C = plan(sat).cycleMs / 1000;
  const lane = sat.net.roadFirstLane[sat.model.roadIndex.get('N-C')!]!;
  const crossings = stopLineCrossings(createSimulation(sat, fixedPlan(sat)), [lane], 1_800_000).filter((t) => t > 300 && t <= 1500);
  // Split into greens (gaps longer than 10 s), take headways from the fifth vehicle on.
  const greens: number[][] = [[]];
  for (const t of crossings) {
    const g = greens[greens.length - 1]!;
    if (g.length && t - g[g.length - 1]! > 10) greens.push([t]);
    else g.push(t);
  }
  const full = greens.slice(1, -1);
  const headways = full.flatMap((g) => g.slice(5).map((t, i) => t - g[i + 4]!));
  const s = 1 / (headways.reduce((a, b) => a + b, 0) / headways.length); // veh/s
  const capacity = full.reduce((a, g) => a + g.length, 0) / full.length / C; // veh/s per lane
  const g = (C * capacity) / s;

  it('calibration is sensible: 1,700–2,000 veh/h/lane and an effective green close to the displayed one', () => {
    expect(s * 3600).toBeGreaterThan(1700);
    expect(s * 3600).toBeLessThan(2000);
    expect(Math.abs(g - GREEN_MS / 1000)).toBeLessThan(4);
  });

  for (const x of [0.3, 0.5, 0.7, 0.85]) {
    it(`x = ${x}: simulated mean delay per approach within ±20 % of Webster`, () => {
      const qLane = x * capacity;
      const seeds = [1, 2, 3];
      for (const road of ['N-C', 'E-C']) {
        let sum = 0;
        let n = 0;
        for (const seed of seeds) {
          const p = scenario(qLane * 3600 * 2, 4 * 3600, seed);
          const sim = createSimulation(p, fixedPlan(p));
          sim.run();
          expect(sim.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
          const r = p.model.roadIndex.get(road)!;
          const tr = p.trips;
          for (let k = 0; k < tr.n; k++) {
            // completed trips after a 10-minute warm-up
            if (sim.tripState[k] !== TRIP_DONE || tr.departMs[k]! < 600_000 || tr.routeRoads[tr.routeOff[k]!] !== r) continue;
            sum += (sim.tripArriveMs[k]! - tr.departMs[k]!) / 1000 - tr.freeFlowS[k]!;
            n++;
          }
        }
        const simulated = sum / n;
        const webster = websterDelayS(C, g, qLane, s);
        expect(n).toBeGreaterThan(500);
        expect(simulated / webster).toBeGreaterThan(0.8);
        expect(simulated / webster).toBeLessThan(1.2);
      }
    });
  }
});
