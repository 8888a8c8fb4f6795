/**
 * The signal layer and the conflict monitor: the golden timeline of a phase
 * change, requests that cannot shorten minimum green, yellow or all-red, and a
 * monitor that catches every kind of unsafe display.
 */
import { describe, expect, it } from 'vitest';
import type { Controller, ControllerContext } from '../engine/controllers/index.js';
import {
  ConflictMonitor,
  EventLog,
  GREEN,
  RED,
  SignalLayer,
  YELLOW,
  iteYellow,
  toStepMs,
} from '../engine/signals/index.js';
import { gridScenario, singleScenario } from '../scenarios/index.js';
import { createSimulation, Rng } from '../sim/index.js';
import { prepared } from './helpers.js';

describe('signal layer', () => {
  const p = prepared(singleScenario({ durationS: 300 }));
  const net = p.net;

  it('serves green (min green) → yellow → all-red → next green, with the golden event log', () => {
    const log = new EventLog();
    const sig = new SignalLayer(net, log);
    sig.init(0);
    const step = net.stepMs;
    // Ask for phase 3 (local index 2) from the start: the change waits for phase 1's minimum green.
    for (let t = 0; t <= 30_000; t += step) {
      if (t === 0) sig.request(0, 2);
      sig.update(t);
    }
    const minG = net.phaseMinGreenMs[0]!;
    const Y = net.phaseYellowMs[0]!;
    const AR = net.phaseAllRedMs[0]!;
    const events = Array.from({ length: log.length }, (_, k) => log.get(k)).map(([t, , c, q]) => [t, c, q]);
    expect(events).toEqual([
      [0, 1, 1],
      [minG, 7, 1],
      [minG, 8, 1],
      [minG + Y, 9, 1],
      [minG + Y, 10, 1],
      [minG + Y + AR, 11, 1],
      [minG + Y + AR, 1, 3],
    ]);
    // ITE yellow for 50 km/h (3.28 s) rounded up to whole steps
    expect(Y).toBe(toStepMs(iteYellow(13.89), step));
    expect(Y).toBeGreaterThanOrEqual(3280);
  });

  it('a controller that asks for a random phase every step cannot break min green, yellow or all-red', () => {
    const rng = new Rng(42);
    const chaos = (ctx: ControllerContext): Controller => ({
      name: 'chaos',
      decide(ix, now) {
        ctx.signals.request(ix, Math.floor(rng.next() * ctx.signals.phaseCount(ix)));
        return now + ctx.net.stepMs;
      },
    });
    const g = prepared(gridScenario({ rows: 3, cols: 3, durationS: 3600 }));
    const sim = createSimulation(g, chaos);
    sim.run();
    expect(sim.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    expect(sim.collisions + sim.redRunning).toBe(0);
    // and it did change phases a lot
    let changes = 0;
    for (let i = 0; i < g.net.nInter; i++) changes += sim.signals.changes[i]!;
    expect(changes).toBeGreaterThan(1000);
  });
});

describe('conflict monitor', () => {
  const p = prepared(singleScenario({ durationS: 300 }));
  const net = p.net;
  const id = (s: string): number => p.model.movementIndex.get(s)!;
  const ns = id('N-C>C-S');
  const ew = id('E-C>C-W');
  const step = net.stepMs;

  /** Shows a sequence of (time, movement, state) changes to a fresh monitor. */
  function show(changes: Array<[number, number, number]>, untilMs: number): ConflictMonitor {
    const mon = new ConflictMonitor(net);
    const state = new Uint8Array(net.nMov);
    let i = 0;
    for (let t = 0; t <= untilMs; t += step) {
      while (i < changes.length && changes[i]![0] <= t) {
        state[changes[i]![1]] = changes[i]![2];
        i++;
      }
      mon.check(t, state);
    }
    return mon;
  }

  it('counts two conflicting movements green together, every step they are', () => {
    const mon = show([[0, ns, GREEN], [5000, ew, GREEN]], 9000);
    expect(mon.conflictingGreens).toBe(5);
    expect(mon.clearanceViolations).toBeGreaterThan(0); // ew also started without clearance
  });

  it('counts a green cut short of its minimum', () => {
    const mon = show([[0, ns, GREEN], [2000, ns, YELLOW], [2000 + 4000, ns, RED]], 10_000);
    expect(mon.minGreenViolations).toBe(1);
    expect(mon.clearanceViolations).toBe(0);
  });

  it('counts a short yellow, a skipped yellow and a start without red clearance', () => {
    const minG = net.movMinGreenMs[ns]!;
    expect(show([[0, ns, GREEN], [minG, ns, YELLOW], [minG + 1000, ns, RED]], 20_000).clearanceViolations).toBe(1);
    expect(show([[0, ns, GREEN], [minG, ns, RED]], 20_000).clearanceViolations).toBe(1);
    const Y = net.movYellowMs[ns]!;
    const late = minG + Y + net.movAllRedMs[ns]!;
    expect(show([[0, ns, GREEN], [minG, ns, YELLOW], [minG + Y, ns, RED], [minG + Y, ew, GREEN]], 30_000).clearanceViolations).toBe(1);
    expect(show([[0, ns, GREEN], [minG, ns, YELLOW], [minG + Y, ns, RED], [late, ew, GREEN]], 30_000).counts()).toEqual({
      conflictingGreens: 0,
      minGreenViolations: 0,
      clearanceViolations: 0,
    });
  });
});
