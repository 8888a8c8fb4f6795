/**
 * Micro-benchmarks (tinybench) of the hot paths: one simulation step per
 * vehicle on the road, one controller decision, and encoding the state and
 * plans of a 1,024-signal network for the live service.
 */
import { INTER_SIGNAL } from '../engine/network/index.js';
import { Bench } from 'tinybench';
import { GreenwaveServer } from '../engine/server/index.js';
import { loadScenario } from '../scenarios/index.js';
import { createService, createSimulation, prepare } from '../sim/index.js';

export interface MicroResult {
  name: string;
  /** What one operation is. */
  unit: string;
  meanNs: number;
  p99Ns: number;
  samples: number;
}

type Lat = { latency?: { mean: number; p99?: number; samplesCount: number } };

async function timeIt(name: string, unit: string, fn: () => void, perOp: () => number, timeMs: number): Promise<MicroResult> {
  const b = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4), throws: true });
  b.add(name, fn);
  await b.run();
  const lat = (b.tasks[0]!.result as unknown as Lat).latency!;
  const k = perOp();
  return { name, unit, meanNs: (lat.mean * 1e6) / k, p99Ns: ((lat.p99 ?? lat.mean) * 1e6) / k, samples: lat.samplesCount };
}

export async function microBenchmarks(quick: boolean): Promise<MicroResult[]> {
  const out: MicroResult[] = [];
  const t = quick ? 500 : 2000;
  // a step of a grid-10x10 in its peak: ns per vehicle on the road
  // (a four-hour run of the constant demand: the timed steps, from 1,200 s on, never reach its end)
  const p10 = prepare(loadScenario('grid-10x10'), { durationS: 14400 });
  const sim = createSimulation(p10, 'fixed');
  for (let i = 0; i < 1200; i++) sim.step();
  let onRoad = 0;
  out.push(
    await timeIt(
      'simulation step, grid-10x10 at 1,200 s',
      'vehicle-step',
      () => {
        // a finished simulation would time nothing: fail loudly instead of reporting it
        if (sim.done) throw new Error('micro-benchmark: the simulation ended during the timed steps');
        onRoad = sim.inNetwork;
        sim.step();
      },
      () => Math.max(1, onRoad),
      t,
    ),
  );
  // a decision of the adaptive controller, every signal of a grid-10x10
  const simA = createSimulation(p10, 'adaptive');
  for (let i = 0; i < 1200; i++) simA.step();
  const sig: number[] = [];
  for (let i = 0; i < p10.net.nInter; i++) if (p10.net.interType[i] === INTER_SIGNAL) sig.push(i);
  out.push(
    await timeIt(
      'controller decision, adaptive, grid-10x10',
      'decision',
      () => {
        for (const i of sig) simA.controller.decide(i, simA.nowMs);
      },
      () => sig.length,
      t,
    ),
  );
  // encoding what the live service sends: the state and the plans of 1,024 signals
  const p32 = prepare(loadScenario('grid-32x32'), { durationS: 60 });
  const service = createService(p32, { controller: 'adaptive', mode: 'field' });
  const server = new GreenwaveServer({ service, clock: 'external' });
  for (let i = 0; i < 30; i++) service.step();
  out.push(await timeIt('state frame encoding, 1,024 signals', 'frame', () => void server.fullStateFrame(), () => 1, t));
  out.push(await timeIt('plans encoding, 1,024 signals', 'encoding', () => void JSON.stringify(service.plans(true).plans), () => 1, t));
  await service.close();
  return out;
}
