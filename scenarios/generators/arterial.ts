/**
 * `arterial-N`: N signals 400 m apart on an east–west main street (three lanes
 * each way: left, through, through+right) crossed by two-lane side streets.
 * The main street carries the heavy flows, heavier eastbound.
 */
import type { ScenarioJson } from '../types.js';
import { ScenarioBuilder, scaledRate } from './builder.js';

export interface ArterialOptions {
  n: number;
  spacingM?: number;
  sideLengthM?: number;
  mainVph?: { EB: number; WB: number };
  sideVph?: number;
  turnVph?: number;
  profile?: Array<[number, number]>;
  durationS?: number;
  seed?: number;
}

export const arterialNode = (i: number): string => `A${i}`;

export function arterialScenario(o: ArterialOptions): ScenarioJson {
  const n = o.n;
  const D = o.spacingM ?? 400;
  const S = o.sideLengthM ?? 300;
  const main = o.mainVph ?? { EB: 950, WB: 700 };
  const side = o.sideVph ?? 180;
  const turn = o.turnVph ?? 60;
  const b = new ScenarioBuilder();
  b.node('W', -D, 0, 'boundary');
  b.node('E', n * D, 0, 'boundary');
  for (let i = 0; i < n; i++) {
    b.node(arterialNode(i), i * D, 0, 'signal');
    b.node(`N${i}`, i * D, S, 'boundary');
    b.node(`S${i}`, i * D, -S, 'boundary');
  }
  const MAIN = ['L', 'T', 'TR'];
  b.twoWay('W', arterialNode(0), 3, 13.89, MAIN);
  for (let i = 0; i + 1 < n; i++) b.twoWay(arterialNode(i), arterialNode(i + 1), 3, 13.89, MAIN);
  b.twoWay(arterialNode(n - 1), 'E', 3, 13.89, MAIN);
  for (let i = 0; i < n; i++) {
    b.twoWay(`N${i}`, arterialNode(i), 2, 11.11, ['L', 'TR']);
    b.twoWay(`S${i}`, arterialNode(i), 2, 11.11, ['L', 'TR']);
  }
  const chain = (a: number, z: number): string[] => {
    const out: string[] = [];
    const s = z >= a ? 1 : -1;
    for (let i = a; i !== z + s; i += s) out.push(arterialNode(i));
    return out;
  };
  const rate = (vph: number) => scaledRate(vph, o.profile);
  b.flowThrough('EB', ['W', ...chain(0, n - 1), 'E'], rate(main.EB));
  b.flowThrough('WB', ['E', ...chain(n - 1, 0), 'W'], rate(main.WB));
  for (let i = 0; i < n; i++) {
    const node = arterialNode(i);
    // main street turning off at i
    b.flowThrough(`EB_R${i}`, ['W', ...chain(0, i), `S${i}`], rate(turn));
    b.flowThrough(`EB_L${i}`, ['W', ...chain(0, i), `N${i}`], rate(turn));
    b.flowThrough(`WB_R${i}`, ['E', ...chain(n - 1, i), `N${i}`], rate(turn));
    b.flowThrough(`WB_L${i}`, ['E', ...chain(n - 1, i), `S${i}`], rate(turn));
    // side streets: across, and onto the main street
    b.flowThrough(`SB${i}`, [`N${i}`, node, `S${i}`], rate(side));
    b.flowThrough(`NB${i}`, [`S${i}`, node, `N${i}`], rate(side));
    b.flowThrough(`SB_L${i}`, [`N${i}`, ...chain(i, n - 1), 'E'], rate(turn));
    b.flowThrough(`SB_R${i}`, [`N${i}`, ...chain(i, 0), 'W'], rate(turn));
    b.flowThrough(`NB_R${i}`, [`S${i}`, ...chain(i, n - 1), 'E'], rate(turn));
    b.flowThrough(`NB_L${i}`, [`S${i}`, ...chain(i, 0), 'W'], rate(turn));
  }
  return b.build({
    name: `arterial-${n}`,
    description: `${n} signals ${D} m apart on a main street with heavy flows`,
    seed: o.seed ?? 1,
    durationS: o.durationS ?? 3600,
    signalDefaults: { minGreenS: 7, maxGreenS: 60 },
  });
}
