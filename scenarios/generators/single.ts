/**
 * `single`: an isolated four-leg intersection. Each approach is 300 m with
 * three lanes (left, through, through+right); the default demand is heavier on
 * the north–south street.
 */
import type { ScenarioJson } from '../types.js';
import { ScenarioBuilder, scaledRate } from './builder.js';

export interface SingleOptions {
  /** Total approach volume (veh/h) per approach: N, S, E, W. */
  approachVph?: { N: number; S: number; E: number; W: number };
  /** Turning shares of each approach's volume. */
  leftShare?: number;
  rightShare?: number;
  durationS?: number;
  seed?: number;
  lengthM?: number;
  speedLimitMps?: number;
  /** Only through traffic (no turns) and two lanes per approach: for capacity tests. */
  throughOnly?: boolean;
  signalDefaults?: ScenarioJson['signalDefaults'];
}

export function singleScenario(o: SingleOptions = {}): ScenarioJson {
  const L = o.lengthM ?? 300;
  const v = o.speedLimitMps ?? 13.89;
  const vol = o.approachVph ?? { N: 700, S: 650, E: 380, W: 420 };
  const left = o.throughOnly ? 0 : (o.leftShare ?? 0.15);
  const right = o.throughOnly ? 0 : (o.rightShare ?? 0.12);
  const b = new ScenarioBuilder();
  b.node('C', 0, 0, 'signal');
  const legs = { N: [0, L], S: [0, -L], E: [L, 0], W: [-L, 0] } as const;
  for (const [k, [x, y]] of Object.entries(legs)) {
    b.node(k, x, y, 'boundary');
    if (o.throughOnly) b.twoWay(k, 'C', 2, v, ['T', 'T']);
    else b.twoWay(k, 'C', 3, v, ['L', 'T', 'TR']);
  }
  // from approach → [through, left, right] destinations (right-hand traffic)
  const dests: Record<string, [string, string, string]> = {
    N: ['S', 'E', 'W'],
    S: ['N', 'W', 'E'],
    E: ['W', 'S', 'N'],
    W: ['E', 'N', 'S'],
  };
  for (const k of ['N', 'S', 'E', 'W'] as const) {
    const [t, l, r] = dests[k]!;
    const q = vol[k];
    b.flowThrough(`${k}_through`, [k, 'C', t], scaledRate(q * (1 - left - right)));
    if (left > 0) b.flowThrough(`${k}_left`, [k, 'C', l], scaledRate(q * left));
    if (right > 0) b.flowThrough(`${k}_right`, [k, 'C', r], scaledRate(q * right));
  }
  return b.build({
    name: 'single',
    description: 'Isolated four-leg intersection, 3 lanes per approach (left, through, through+right)',
    seed: o.seed ?? 1,
    durationS: o.durationS ?? 3600,
    signalDefaults: o.signalDefaults ?? { minGreenS: 7, maxGreenS: 60 },
  });
}
