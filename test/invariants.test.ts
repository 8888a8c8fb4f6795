/**
 * Invariants that must hold at every step of every run: vehicles are
 * conserved and never teleport, and every built-in scenario runs under every
 * controller with zero safety violations, collisions and red-light running.
 */
import { describe, expect, it } from 'vitest';
import { GENERAL_CONTROLLERS } from '../engine/controllers/index.js';
import { loadScenario } from '../scenarios/index.js';
import { createSimulation, prepare, runPrepared } from '../sim/index.js';

describe('conservation', () => {
  for (const controller of GENERAL_CONTROLLERS) {
    it(`under ${controller}, at every step scheduled = completed + inNetwork + waitingToEnter, and nothing teleports`, () => {
      const p = prepare(loadScenario('default'), { durationS: 2400 });
      const sim = createSimulation(p, controller);
      const net = p.net;
      const prevDrv = new Int32Array(p.trips.n).fill(-1);
      let problems = 0;
      const notes: string[] = [];
      const note = (msg: string): void => {
        problems++;
        if (notes.length < 5) notes.push(msg);
      };
      while (!sim.done) {
        sim.step();
        if (sim.scheduled !== sim.completed + sim.inNetwork + sim.waitingToEnter) note(`t=${sim.nowMs}: counts do not balance`);
        let onRoad = 0;
        for (let d = 0; d < net.nDrv; d++) onRoad += sim.count[d]!;
        if (onRoad !== sim.inNetwork) note(`t=${sim.nowMs}: ${onRoad} vehicles on drivables, ${sim.inNetwork} in network`);
        for (let k = 0; k < p.trips.n; k++) {
          const v = sim.tripVeh[k]!;
          const d = v >= 0 ? sim.vDrv[v]! : -1;
          const before = prevDrv[k]!;
          if (d >= 0 && (sim.vPos[v]! < -1e-9 || sim.vPos[v]! >= net.drvLengthM[d]!)) note(`t=${sim.nowMs}: trip ${k} at ${sim.vPos[v]} on a ${net.drvLengthM[d]} m drivable`);
          if (d !== before && before >= 0 && d >= 0) {
            // Moves only lane → its link → the link's exit lane (possibly both within one step).
            const ok =
              (before < net.nLanes && d >= net.nLanes && net.linkFromLane[d - net.nLanes] === before) ||
              (before >= net.nLanes && d < net.nLanes && net.linkToLane[before - net.nLanes] === d) ||
              (before < net.nLanes && d < net.nLanes && net.laneRoad[d] === p.trips.routeRoads[p.trips.routeOff[k]! + sim.vRouteIdx[v]!]);
            if (!ok) note(`t=${sim.nowMs}: trip ${k} jumped from drivable ${before} to ${d}`);
          }
          if (before < 0 && d >= 0 && (d >= net.nLanes || net.laneRoad[d] !== p.trips.routeRoads[p.trips.routeOff[k]!] || sim.vRouteIdx[v] !== 0))
            note(`t=${sim.nowMs}: trip ${k} appeared off its origin road`);
          prevDrv[k] = d;
        }
      }
      sim.finish();
      expect(notes).toEqual([]);
      expect(problems).toBe(0);
      expect(sim.scheduled).toBe(sim.completed + sim.inNetwork + sim.waitingToEnter);
      expect(sim.completed).toBeGreaterThan(0);
    });
  }
});

describe('safety on every built-in scenario', () => {
  for (const name of ['single', 'arterial-5', 'grid-4x4', 'default']) {
    const p = prepare(loadScenario(name));
    for (const controller of GENERAL_CONTROLLERS) {
      it(`${name} under ${controller}: zero conflicting greens, min-green and clearance violations; no collision, no red running`, () => {
        const { metrics, sim } = runPrepared(p, controller);
        expect(metrics.safety).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
        expect(sim.collisions).toBe(0);
        expect(sim.redRunning).toBe(0);
        expect(metrics.vehicles.completed).toBeGreaterThan(metrics.vehicles.scheduled * 0.8);
      });
    }
  }
});
