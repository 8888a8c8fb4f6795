/**
 * What the operations dashboard reads from the live service, over real
 * sockets: the network in words (each movement's approach and turn, each
 * phase's timing, the scenario's time of day), the detector-status topic
 * (a fault injected in the simulator is reported, and so is its end), and
 * the operator holds in the metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gridScenario } from '../scenarios/index.js';
import type { GreenwaveServer } from '../engine/server/index.js';
import { startServer, TestClient, TOKEN, type Frame } from './server-helpers.js';
import { EventLog } from '../engine/signals/eventlog.js';
import { createService } from '../sim/index.js';
import { prepared } from './helpers.js';

let server: GreenwaveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Net = {
  startTimeOfDayS: number | null;
  signals: string[];
  detectors: Array<{ id: string; road: number; lane: string; kind: string }>;
  roads: Array<{ id: string; from: string; to: string }>;
  intersections: Array<{
    id: string;
    movements: string[];
    movementInfo: Array<[approach: string, turn: string, from: number, to: number]>;
    phases: Array<{ movements: string[]; minGreenS: number; maxGreenS: number; yellowS: number; allRedS: number }>;
  }>;
};

describe('the live service for the operations dashboard', () => {
  it('describes each movement by its approach and turn, each phase by its timing, and the scenario’s time of day', async () => {
    const sc = gridScenario({ rows: 2, cols: 2 });
    sc.startTimeOfDayS = 8 * 3600;
    const s = await startServer(sc, { mode: 'sim', controller: 'fixed', speed: 1 });
    server = s.server;
    const net = (await (await fetch(`${s.http}/network.json`)).json()) as Net;
    expect(net.startTimeOfDayS).toBe(28_800);
    for (const id of net.signals) {
      const n = net.intersections.find((x) => x.id === id)!;
      expect(n.movementInfo).toHaveLength(n.movements.length);
      for (const [approach, turn, from, to] of n.movementInfo) {
        expect(['NB', 'EB', 'SB', 'WB']).toContain(approach);
        expect(['L', 'T', 'R', 'U']).toContain(turn);
        expect(net.roads[from]!.to).toBe(id);
        expect(net.roads[to]!.from).toBe(id);
      }
      // a grid's four approaches, each with its own left, through and right
      expect(new Set(n.movementInfo.map((m) => m[0])).size).toBe(4);
      expect(new Set(n.movementInfo.map((m) => m[1]))).toEqual(new Set(['L', 'T', 'R']));
      for (const p of n.phases) {
        expect(p.minGreenS).toBeGreaterThan(0);
        expect(p.maxGreenS).toBeGreaterThanOrEqual(p.minGreenS);
        expect(p.yellowS).toBeGreaterThan(2);
        expect(p.allRedS).toBeGreaterThanOrEqual(0);
      }
    }
    // a road into a signal from the south runs north: its movements are northbound
    const sig = net.intersections.find((x) => x.id === net.signals[0])!;
    for (const [approach, , fromRoad] of sig.movementInfo) {
      const from = net.intersections.find((x) => x.id === net.roads[fromRoad]!.from) as unknown as { x: number; y: number };
      const here = sig as unknown as { x: number; y: number };
      const dx = here.x - from.x, dy = here.y - from.y;
      const expected = Math.abs(dy) > Math.abs(dx) ? (dy > 0 ? 'NB' : 'SB') : dx > 0 ? 'EB' : 'WB';
      expect(approach).toBe(expected);
    }
    // every detector names its road (an index into roads), the road of its lane
    for (const d of net.detectors) expect(d.lane.startsWith(net.roads[d.road]!.id)).toBe(true);
  });

  it('the detectors topic: an empty list on subscribing, then the injected fault, then its end', async () => {
    const sc = gridScenario({ rows: 2, cols: 2 });
    const s = await startServer(sc, { mode: 'sim', controller: 'fixed', speed: 40, faults: [{ detector: 0, kind: 'huge', fromMs: 20_000, toMs: 40_000 }] });
    server = s.server;
    const net = (await (await fetch(`${s.http}/network.json`)).json()) as Net;
    const c = new TestClient(s.url);
    await c.open();
    c.send({ type: 'subscribe', topics: ['detectors'] });
    const first = (await c.next((f) => f.type === 'detector-status')) as Frame & { flagged: unknown[]; t: number };
    expect(first.flagged).toEqual([]);
    expect(first.t).toBeLessThan(20);
    const on = (await c.next((f) => f.type === 'detector-status' && (f.flagged as unknown[]).length > 0, 10_000)) as Frame & { flagged: Array<{ id: string; fault: string }>; t: number };
    expect(on.flagged).toEqual([{ id: net.detectors[0]!.id, fault: 'invalid' }]);
    // flagged at the first health check after the fault began (every 5 s)
    expect(on.t).toBeGreaterThanOrEqual(20);
    expect(on.t).toBeLessThanOrEqual(26);
    // trusted again once its values have been valid for a minute
    const off = (await c.next((f) => f.type === 'detector-status' && (f.flagged as unknown[]).length === 0 && (f.t as number) > on.t, 15_000)) as Frame & { t: number };
    expect(off.t).toBeGreaterThanOrEqual(40 + 60);
    c.close();
  }, 30_000);

  it('the metrics list the operator holds in force, and a released hold leaves them', async () => {
    const s = await startServer(gridScenario({ rows: 2, cols: 2 }), { mode: 'sim', controller: 'fixed', speed: 20 });
    server = s.server;
    const c = new TestClient(s.url, { authorization: `Bearer ${TOKEN}` });
    await c.open();
    c.send({ type: 'subscribe', topics: ['metrics'] });
    const net = (await (await fetch(`${s.http}/network.json`)).json()) as Net;
    const id = net.signals[0]!;
    c.send({ type: 'override', id: 'h', intersection: id, phase: 1, durationS: 600 });
    const ack = (await c.next((f) => f.ref === 'h')) as Frame & { until: number };
    expect(ack.type).toBe('ack');
    const held = (await c.next((f) => f.type === 'metrics' && (f.holds as unknown[]).length > 0)) as Frame & { holds: Array<{ inter: string; phase: number; untilS: number }> };
    expect(held.holds).toEqual([{ inter: id, phase: 1, untilS: ack.until }]);
    const n = c.frames.length;
    c.send({ type: 'override', id: 'r', intersection: id, phase: 0, durationS: 0 });
    await c.next((f) => f.ref === 'r');
    await c.next((f) => f.type === 'metrics' && (f.holds as unknown[]).length === 0, 10_000, n);
    c.close();
  });

  it('the PCD and split monitor of a signal, drawn from the live event log; why not where there is none; 404 for an unknown signal or phase', async () => {
    const s = await startServer(gridScenario({ rows: 2, cols: 2 }), { mode: 'sim', controller: 'fixed', speed: 100 });
    server = s.server;
    const net = (await (await fetch(`${s.http}/network.json`)).json()) as Net;
    const id = net.signals[0]!;
    await new Promise((r) => setTimeout(r, 3000)); // 300 simulated s: a few cycles
    const pcd = await fetch(`${s.http}/atspm/pcd.svg?signal=${encodeURIComponent(id)}&phase=1`);
    expect(pcd.status).toBe(200);
    expect(pcd.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const svg = await pcd.text();
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain(`PCD ${id}, phase 2`);
    expect(svg).toMatch(/arrivals on green/i);
    const split = await fetch(`${s.http}/atspm/split.svg?signal=${encodeURIComponent(id)}`);
    expect(split.status).toBe(200);
    expect(await split.text()).toContain(`Split monitor ${id}`);
    const bad = await fetch(`${s.http}/atspm/pcd.svg?signal=nowhere&phase=0`);
    expect(bad.status).toBe(404);
    expect(await bad.text()).toBe('no signal "nowhere"\n');
    const badPhase = await fetch(`${s.http}/atspm/pcd.svg?signal=${encodeURIComponent(id)}&phase=9`);
    expect(badPhase.status).toBe(404);
    expect(await badPhase.text()).toMatch(/has phases 0 … 3/);
    await s.server.close();
    // field mode: no detector actuations, no live log to draw from
    const f = await startServer(gridScenario({ rows: 2, cols: 2 }), { mode: 'field', controller: 'fixed' });
    server = f.server;
    const none = await fetch(`${f.http}/atspm/split.svg?signal=${encodeURIComponent(id)}`);
    expect(none.status).toBe(200);
    expect(none.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await none.text()).toMatch(/^no live event log here/);
  }, 30_000);

  it('the live event log keeps its window: older events are dropped as the run goes on', () => {
    const log = new EventLog();
    for (let t = 0; t < 10_000; t += 10) log.push(t, 0, 1, 1);
    log.dropBefore(5000);
    expect(log.length).toBe(500);
    expect(log.get(0)[0]).toBe(5000);
    log.dropBefore(0);
    expect(log.length).toBe(500);
    log.dropBefore(1e9);
    expect(log.length).toBe(0);
    const service = createService(prepared(gridScenario({ rows: 2, cols: 2 }), { durationS: 400 }), { mode: 'sim', controller: 'fixed', eventLogWindowS: 120 });
    while (service.nowMs < 400_000) service.step();
    const ev = service.cabinet.eventLog!;
    expect(ev.length).toBeGreaterThan(100);
    // trimmed once a simulated minute to the last 120 s
    expect(ev.get(0)[0]).toBeGreaterThanOrEqual(400_000 - 120_000 - 60_000);
    expect(ev.get(ev.length - 1)[0]).toBeGreaterThan(390_000);
  });

  it('the metrics name each signal whose controller runs on a fallback, and why', async () => {
    const sc = gridScenario({ rows: 2, cols: 2 });
    // which detectors are the cameras on the roads into the first signal: from a build of the same scenario
    const probe = await startServer(sc, { mode: 'field', controller: 'fixed' });
    const net = (await (await fetch(`${probe.http}/network.json`)).json()) as Net;
    await probe.server.close();
    const id = net.signals[0]!;
    const into = new Set(net.roads.map((r, k) => (r.to === id ? k : -1)).filter((k) => k >= 0));
    const cams = net.detectors.map((d, k) => ({ d, k })).filter(({ d }) => d.kind === 'laneArea' && into.has(d.road));
    expect(cams.length).toBeGreaterThan(3);
    const s = await startServer(sc, { mode: 'sim', controller: 'adaptive', speed: 40, faults: cams.map(({ k }) => ({ detector: k, kind: 'huge' as const, fromMs: 10_000 })) });
    server = s.server;
    const c = new TestClient(s.url);
    await c.open();
    c.send({ type: 'subscribe', topics: ['metrics'] });
    const first = (await c.next((f) => f.type === 'metrics')) as Frame & { fallback: unknown[] };
    expect(first.fallback).toEqual([]);
    const fb = (await c.next((f) => f.type === 'metrics' && (f.fallback as unknown[]).length > 0, 15_000)) as Frame & { fallback: Array<{ inter: string; why: string }> };
    expect(fb.fallback).toContainEqual({ inter: id, why: `all ${cams.length} approach cameras untrusted: the network plan runs as a fixed coordinated plan` });
    c.close();
  }, 30_000);
});
