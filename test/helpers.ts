/** Shared test helpers: build simulations from scenario JSON without touching files. */
import type { Controller, ControllerContext } from '../engine/controllers/index.js';
import { validateScenario, type ScenarioJson } from '../scenarios/index.js';
import { prepare, type Prepared, type Simulation } from '../sim/index.js';

export function prepared(sc: ScenarioJson, opts: { seed?: number; durationS?: number; spareEmergency?: number } = {}): Prepared {
  return prepare({ scenario: validateScenario(structuredClone(sc), 'test.json'), file: 'test.json' }, opts);
}

/** A controller that shows `schedule(ix, nowMs)`'s phase, re-deciding every step. */
export function scriptedController(schedule: (ix: number, nowMs: number) => number) {
  return (ctx: ControllerContext): Controller => ({
    name: 'scripted',
    decide(ix: number, nowMs: number): number {
      const p = schedule(ix, nowMs);
      if (p !== ctx.signals.phaseOf(ix) || ctx.signals.stageOf(ix) !== 0) ctx.signals.request(ix, p);
      return nowMs + ctx.net.stepMs;
    },
  });
}

/** Local index of the phase of intersection ix that serves movement id. */
export function phaseServing(p: Prepared, ix: number, movementId: string): number {
  const net = p.net;
  const m = net.model.movementIndex.get(movementId);
  if (m === undefined) throw new Error(`no movement ${movementId}`);
  for (let k = net.interPhaseStart[ix]!; k < net.interPhaseStart[ix + 1]!; k++)
    for (let q = net.phaseMovStart[k]!; q < net.phaseMovStart[k + 1]!; q++) if (net.phaseMovs[q] === m) return k - net.interPhaseStart[ix]!;
  throw new Error(`no phase serves ${movementId}`);
}

/**
 * Runs the simulation and records, for every vehicle crossing the stop line
 * (the end) of one of `lanes`, the time its front crossed, interpolated
 * within the step.
 */
export function stopLineCrossings(sim: Simulation, lanes: number[], untilMs: number, onStep?: () => void): number[] {
  const net = sim.net;
  const dt = net.stepMs / 1000;
  const times: number[] = [];
  // Keyed by trip: vehicle slots are renumbered between steps (Simulation.compact).
  const onLane = new Map<number, { lane: number; pos: number }>();
  while (sim.nowMs < untilMs && !sim.done) {
    onLane.clear();
    for (const lane of lanes) for (const v of sim.vehiclesOn(lane)) onLane.set(sim.vTrip[v]!, { lane, pos: sim.vPos[v]! });
    const t = sim.nowMs / 1000;
    sim.step();
    onStep?.();
    for (const [trip, { lane, pos }] of onLane) {
      const v = sim.tripVeh[trip]!;
      if (v >= 0 && sim.vDrv[v] === lane) continue;
      const L = net.drvLengthM[lane]!;
      // Crossed during this step (or even arrived): interpolate with the speed of this step.
      const travelled = v >= 0 ? sim.vSpeed[v]! * dt : L - pos;
      const frac = travelled > 0 ? (L - pos) / travelled : 1;
      times.push(t + Math.min(1, Math.max(0, frac)) * dt);
    }
  }
  return times.sort((a, b) => a - b);
}
