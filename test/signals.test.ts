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
  PERMITTED,
  RED,
  SignalLayer,
  YELLOW,
  iteYellow,
  toStepMs,
} from '../engine/signals/index.js';
import { gridScenario, singleScenario } from '../scenarios/index.js';
import { createSimulation, prepare, Rng } from '../sim/index.js';
import { importSumoConfig } from '../interop/sumo/index.js';
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

  it('nor can random pre-emption calls, where the clearances have no all-red and phases share movements (an imported SUMO grid)', () => {
    // RESCO's grid4x4: SUMO's programs give 3 s yellows and no all-red, and a
    // movement green in one phase is permitted in the next; a pre-emption call
    // during a yellow once turned the clearance towards a phase holding the
    // very movement in its yellow, which then went from yellow back to green
    const imp = importSumoConfig('scenarios/data/sumo/resco/grid4x4/grid4x4.sumocfg');
    const g = prepare({ scenario: imp.scenario, file: 'grid4x4' }, { seed: 1, durationS: 1800 });
    const rng = new Rng(7);
    const chaos = (ctx: ControllerContext): Controller => ({
      name: 'chaos-preempt',
      decide(ix, now) {
        const k = Math.floor(rng.next() * ctx.signals.phaseCount(ix));
        if (rng.next() < 0.5) ctx.signals.preempt(ix, k, 5000);
        else ctx.signals.request(ix, k);
        return now + ctx.net.stepMs;
      },
    });
    const sim = createSimulation(g, chaos);
    sim.run();
    expect(sim.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
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

describe('conflict monitor: the yellow that ends a permitted green', () => {
  // two conflicting movements of the single intersection's first phases' neighbour: any conflicting pair will do
  const p = prepared(singleScenario({ durationS: 60 }));
  const net = p.net;
  let a = -1;
  let b = -1;
  for (let m = 0; m < net.nMov && a < 0; m++)
    if (net.movConfStart[m + 1]! > net.movConfStart[m]!) {
      a = m;
      b = net.movConf[net.movConfStart[m]!]!;
    }
  const run = (before: [number, number], after: [number, number]): number => {
    const mon = new ConflictMonitor(net);
    const st = new Uint8Array(net.nMov);
    st[a] = before[0];
    st[b] = before[1];
    mon.check(0, st);
    st[a] = after[0];
    st[b] = after[1];
    mon.check(10_000, st);
    return mon.conflictingGreens;
  };

  it('still yields: it may show with the conflicting protected movement\'s yellow (a flashing yellow arrow, then steady yellow)', () => {
    expect(a).toBeGreaterThanOrEqual(0);
    // permitted a yields to protected b; both end together
    expect(run([PERMITTED, GREEN], [YELLOW, YELLOW])).toBe(0);
  });

  it('but two conflicting yellows that ended protected greens are conflicting displays', () => {
    expect(run([GREEN, PERMITTED], [YELLOW, YELLOW])).toBe(0);
    expect(run([GREEN, GREEN], [YELLOW, YELLOW])).toBeGreaterThan(0);
  });
});

describe('the network description for outside simulators', () => {
  it("gives every detector's zone in metres from its lane's start (GET /network.json)", async () => {
    const { createService } = await import('../sim/index.js');
    const svc = createService(prepared(singleScenario({ durationS: 60 })), { mode: 'field', controller: 'fixed' });
    const d = svc.describe() as { detectors: Array<{ id: string; kind: string; lane: string; startM: number; endM: number }> };
    const net = svc.net;
    for (const det of d.detectors) {
      const lane = net.laneIds.indexOf(det.lane);
      expect(det.startM).toBeGreaterThanOrEqual(0);
      expect(det.endM).toBeGreaterThan(det.startM);
      expect(det.endM).toBeLessThanOrEqual(net.drvLengthM[lane]! + 1e-9);
    }
    const stop = d.detectors.find((x) => x.kind === 'stopLine')!;
    expect(stop.endM).toBeCloseTo(net.drvLengthM[net.laneIds.indexOf(stop.lane)]!, 2);
    await svc.close();
  });
});
