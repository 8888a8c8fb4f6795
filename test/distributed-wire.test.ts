/**
 * What a city view takes from the subjects and buckets (engine/distributed):
 * a plan from the plans bucket and the traffic figures of a step
 * announcement are taken only when whole and of this run; anything else is
 * passed over, never shown.
 */
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../engine/distributed/wire.js';
import { parseTraffic } from '../engine/distributed/view.js';

const plan = { hash: 'h1', t: 5000, inter: 3, cycleMs: 90_000, offsetMs: 12_000, phases: [[0, 0, 40_000], [1, 46_000, 38_000]] };

describe('the city view\'s inputs', () => {
  it('a plan of this run is taken as put; another run\'s, a broken or a mis-shaped one is not', () => {
    expect(parsePlan(JSON.stringify(plan), 'h1')).toEqual(plan);
    expect(parsePlan(JSON.stringify(plan), 'h2')).toBeUndefined();
    expect(parsePlan('{"hash":"h1",', 'h1')).toBeUndefined();
    expect(parsePlan(JSON.stringify({ ...plan, inter: 1.5 }), 'h1')).toBeUndefined();
    expect(parsePlan(JSON.stringify({ ...plan, cycleMs: 'long' }), 'h1')).toBeUndefined();
    expect(parsePlan(JSON.stringify({ ...plan, phases: [[0, 0]] }), 'h1')).toBeUndefined();
    expect(parsePlan(JSON.stringify({ ...plan, phases: [[0, 0, null]] }), 'h1')).toBeUndefined();
    expect(parsePlan('null', 'h1')).toBeUndefined();
  });

  it('traffic figures are taken only whole and finite, and only the five figures', () => {
    const tr = { scheduled: 100, inNetwork: 40, completed: 50, waitingToEnter: 10, meanTravelTimeS: 81.5 };
    expect(parseTraffic(tr)).toEqual(tr);
    expect(parseTraffic({ ...tr, extra: 'x'.repeat(1000) })).toEqual(tr);
    expect(parseTraffic({ ...tr, completed: undefined })).toBeUndefined();
    expect(parseTraffic({ ...tr, meanTravelTimeS: 'NaN' })).toBeUndefined();
    expect(parseTraffic(JSON.parse('{"scheduled":1e999,"inNetwork":0,"completed":0,"waitingToEnter":0,"meanTravelTimeS":0}'))).toBeUndefined();
    expect(parseTraffic(null)).toBeUndefined();
    expect(parseTraffic(7)).toBeUndefined();
  });
});
