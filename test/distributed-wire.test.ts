/**
 * What a city view takes from the subjects and buckets (engine/distributed):
 * a plan from the plans bucket and the traffic figures of a step
 * announcement are taken only when whole and of this run; anything else is
 * passed over, never shown.
 */
import { describe, expect, it } from 'vitest';
import { parseEv, parsePlan } from '../engine/distributed/wire.js';
import { parseTraffic } from '../engine/distributed/view.js';
import { loadScenario } from '../scenarios/index.js';
import { prepare } from '../sim/index.js';

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

  it('an emergency-vehicle message is taken only whole, of this run and naming this network\'s roads and movements', () => {
    const net = prepare(loadScenario('grid-4x4'), { durationS: 60 }).net;
    const [key, mv] = [...net.model.movementByRoads][0]!;
    const [r0, r1] = key.split(',').map(Number) as [number, number];
    const route = { roads: [r0, r1], moves: [mv, -1] };
    const dispatch = { hash: 'h1', t: 1000, seq: 0, m: { kind: 'dispatch', req: { ev: 0, id: 'amb', priority: 1, fromRoad: r0, toRoad: r1, timeMs: 1000 }, route } };
    const report = { hash: 'h1', t: 2000, seq: 1, m: { kind: 'report', rep: { ev: 0, timeMs: 2000, road: 0, onLink: false, posM: 12.5, speedMps: 10 }, route: null } };
    const arrived = { hash: 'h1', t: 9000, seq: 2, m: { kind: 'arrived', ev: 0, timeMs: 9000 } };
    for (const e of [dispatch, report, arrived]) expect(parseEv(JSON.stringify(e), 'h1', net)).toEqual(e);
    const bad = [
      'not json {',
      'null',
      JSON.stringify({ ...dispatch, hash: 'h2' }),
      JSON.stringify({ ...dispatch, seq: -1 }),
      JSON.stringify({ ...dispatch, m: { ...dispatch.m, route: { roads: [r0, net.nRoads], moves: [mv, -1] } } }),
      JSON.stringify({ ...dispatch, m: { ...dispatch.m, route: { roads: [r0, r1], moves: [-1, -1] } } }),
      JSON.stringify({ ...dispatch, m: { ...dispatch.m, route: { roads: [r0, r1], moves: [mv + 1, -1] } } }), // not the movement between them
      JSON.stringify({ ...dispatch, m: { ...dispatch.m, route: { roads: [r1, r0], moves: [mv, -1] } } }),
      JSON.stringify({ ...dispatch, m: { ...dispatch.m, route: { roads: [], moves: [] } } }),
      JSON.stringify({ ...dispatch, m: { ...dispatch.m, req: { ...dispatch.m.req, id: 7 } } }),
      JSON.stringify({ ...report, m: { ...report.m, rep: { ...report.m.rep, road: 1e9 } } }),
      JSON.stringify({ ...report, m: { ...report.m, rep: { ...report.m.rep, onLink: 'no' } } }),
      JSON.stringify({ ...report, m: { ...report.m, route: { roads: 'x' } } }),
      JSON.stringify({ ...arrived, m: { kind: 'arrived', ev: 1.5, timeMs: 9000 } }),
      JSON.stringify({ ...arrived, m: { kind: 'teleported', ev: 0, timeMs: 9000 } }),
    ];
    for (const text of bad) expect(parseEv(text, 'h1', net), text).toBeUndefined();
  });
});
