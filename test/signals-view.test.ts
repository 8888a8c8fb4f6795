/**
 * SignalLayer.show: a view of signals run in another process (the city view
 * of `greenwave serve --nats`) gets each signal's phase, stage and target once
 * a step, and must derive the very movement states the running layer shows:
 * permitted greens, movements that run on through a clearance, yellows and
 * reds, and the count of phase changes.
 */
import { describe, expect, it } from 'vitest';
import { SignalLayer } from '../engine/signals/index.js';
import { importSumoConfig } from '../interop/sumo/index.js';
import { loadScenario } from '../scenarios/index.js';
import { createSimulation, prepare, type Prepared } from '../sim/index.js';

function mirrorEveryStep(p: Prepared, controller: string, steps: number): { differing: number; changes: [number, number] } {
  const sim = createSimulation(p, controller);
  const real = sim.signals;
  const view = new SignalLayer(p.net);
  view.init(0);
  let differing = 0;
  for (let s = 0; s < steps && !sim.done; s++) {
    const t = sim.nowMs;
    sim.step();
    for (let i = 0; i < p.net.nInter; i++) if (real.phaseCount(i) > 0) view.show(i, real.phaseOf(i), real.stageOf(i), real.targetOf(i), t);
    for (let m = 0; m < p.net.nMov; m++) if (view.movState[m] !== real.movState[m]) differing++;
  }
  let a = 0;
  let b = 0;
  for (let i = 0; i < p.net.nInter; i++) {
    a += real.changes[i]!;
    b += view.changes[i]!;
  }
  return { differing, changes: [a, b] };
}

describe('a view of signals shows what the running layer shows', () => {
  for (const [name, controller] of [
    ['grid-8x8', 'max-pressure'],
    ['default', 'adaptive'],
    ['arterial-5', 'actuated'],
  ] as const) {
    it(`${name} under ${controller}: the same movement states at every step, and the same number of phase changes`, () => {
      const r = mirrorEveryStep(prepare(loadScenario(name), { durationS: 900 }), controller, 900);
      expect(r.differing).toBe(0);
      expect(r.changes[0]).toBeGreaterThan(50);
      expect(r.changes[1]).toBe(r.changes[0]);
    });
  }

  it('ingolstadt1 (SUMO import: permitted lefts, movements running on through a change) under max-pressure: the same at every step', () => {
    const imp = importSumoConfig('scenarios/data/sumo/resco/ingolstadt1/ingolstadt1.sumocfg');
    const r = mirrorEveryStep(prepare({ scenario: imp.scenario, file: 'ingolstadt1' }, { seed: 1, durationS: 900 }), 'max-pressure', 900);
    expect(r.differing).toBe(0);
    expect(r.changes[1]).toBe(r.changes[0]);
  });
});
