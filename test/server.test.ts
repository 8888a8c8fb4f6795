/**
 * The live service over real sockets on loopback: subscriptions, auth,
 * detector ingest visible in the next decision, the external clock in
 * lock-step, 10,000 malformed frames, a client that never reads, and
 * the HTTP side (page, network, health).
 */
import { TRIP_DONE, type Simulation } from '../sim/index.js';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gridScenario, singleScenario, defaultScenario } from '../scenarios/index.js';
import type { GreenwaveServer } from '../engine/server/index.js';
import { startServer, TestClient, TOKEN, type Frame } from './server-helpers.js';

const servers: GreenwaveServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});
async function serve(...a: Parameters<typeof startServer>) {
  const r = await startServer(...a);
  servers.push(r.server);
  return r;
}
async function client(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const c = new TestClient(url, headers);
  clients.push(c);
  await c.open();
  return c;
}
const auth = { authorization: `Bearer ${TOKEN}` };

describe('subscriptions over a real socket', () => {
  it('a subscriber gets the welcome, the plan in force, and signal states that change over time', async () => {
    const { url, server } = await serve(defaultScenario(), { mode: 'sim', speed: 40 });
    const c = await client(url);
    const welcome = await c.next((f) => f.type === 'welcome');
    expect(welcome).toMatchObject({ version: 1, mode: 'sim', clock: 'realtime', controller: 'adaptive', signals: 16, authenticated: false });
    c.send({ type: 'subscribe', id: 's1', topics: ['states', 'plans', 'metrics'] });
    expect(await c.next((f) => f.type === 'subscribed')).toMatchObject({ ref: 's1', intersections: 'all' });
    const plans = await c.next((f) => f.type === 'plans');
    const list = plans.plans as Array<{ inter: string; cycleS: number; phases: unknown[] }>;
    expect(list).toHaveLength(16);
    for (const p of list) {
      expect(p.cycleS).toBeGreaterThan(0);
      expect(p.phases.length).toBeGreaterThan(0);
    }
    // 3 s of wall clock at 40× speed: many states, and the phases change
    await new Promise((r) => setTimeout(r, 3000));
    const states = c.frames.filter((f) => f.type === 'state') as unknown as Array<{ t: number; phases: number[]; stages: number[] }>;
    expect(states.length).toBeGreaterThan(30);
    for (const s of states) expect(s.phases).toHaveLength(server.service.signalIds.length);
    const distinct = new Set(states.map((s) => s.phases.join(',') + '/' + s.stages.join(',')));
    expect(distinct.size).toBeGreaterThan(5);
    for (let i = 1; i < states.length; i++) expect(states[i]!.t).toBeGreaterThan(states[i - 1]!.t);
    expect(c.frames.some((f) => f.type === 'metrics')).toBe(true);
  });

  it('a subset subscription gets only its intersections', async () => {
    const { url } = await serve(gridScenario({ rows: 3, cols: 3 }), { mode: 'sim', speed: 20 });
    const c = await client(url);
    c.send({ type: 'subscribe', topics: ['states', 'queues'], intersections: ['i_1_1', 'i_0_2'] });
    const s = await c.next((f) => f.type === 'state');
    expect(s.ids).toEqual(['i_1_1', 'i_0_2']);
    expect(s.phases).toHaveLength(2);
    const q = await c.next((f) => f.type === 'queues');
    expect((q.ids as string[]).every((r) => r.endsWith('-i_1_1') || r.endsWith('-i_0_2'))).toBe(true);
    c.send({ type: 'subscribe', topics: ['states'], intersections: ['nope'] });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'unknown-id' });
  });
});

describe('writes: auth, acknowledgement, effect', () => {
  it('an unauthenticated write is refused and changes nothing; a wrong token is refused too', async () => {
    const { url, server } = await serve(singleScenario(), { mode: 'field', controller: 'max-pressure', speed: 10 });
    const c = await client(url);
    c.send({ type: 'detectors', id: 1, lanes: { 'N-C_1': { vehicles: 30 } } });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'unauthorized', ref: 1 });
    c.send({ type: 'auth', id: 2, token: 'wrong-token-wrong-token' });
    expect(await c.next((f) => f.type === 'error' && f.ref === 2)).toMatchObject({ code: 'unauthorized' });
    c.send({ type: 'emergency', id: 3, vehicle: 'amb', from: 'N', to: 'S' });
    expect(await c.next((f) => f.type === 'error' && f.ref === 3)).toMatchObject({ code: 'unauthorized' });
    expect(server.service.seq).toBe(0);
    expect(server.service.ingest!.readings).toBe(0);
    expect(server.service.ingest!.vehicles.every((v) => v === 0)).toBe(true);
  });

  it('an authenticated detector message is acknowledged with a sequence number and shows in the next decision', async () => {
    const { url, server } = await serve(singleScenario(), { mode: 'field', controller: 'max-pressure', speed: 10 });
    const c = await client(url, auth);
    expect(await c.next((f) => f.type === 'welcome')).toMatchObject({ authenticated: true });
    c.send({ type: 'subscribe', topics: ['plans', 'states'] });
    await c.next((f) => f.type === 'subscribed');
    // phase 3 is N-S through; the signal starts in phase 0 and, with no data, has no reason to leave it
    const from = c.frames.length;
    const lanes = Object.fromEntries(['N-C_1', 'N-C_2', 'S-C_1', 'S-C_2'].map((l) => [l, { vehicles: 30, halting: 25 }]));
    c.send({ type: 'detectors', id: 'd1', lanes });
    const ack = await c.next((f) => f.type === 'ack' && f.ref === 'd1');
    expect(ack.seq).toBe(1);
    expect(ack.readings).toBe(4);
    const d = await c.next((f) => f.type === 'decisions' && (f.decisions as Array<{ inter: string; phase: number }>).some((x) => x.inter === 'C' && x.phase === 3), 10_000, from);
    expect(d.inputSeq).toBe(1);
    expect(server.service.accepted.detectors).toBe(1);
    // bad content: unknown ids and wrong fields are refused, and change nothing
    c.send({ type: 'detectors', id: 'd2', detectors: { nope: { count: 1 } } });
    expect(await c.next((f) => f.ref === 'd2')).toMatchObject({ type: 'error', code: 'unknown-id' });
    c.send({ type: 'detectors', id: 'd3', lanes: { 'N-C_1': { vehicles: -4 } } });
    const e3 = await c.next((f) => f.ref === 'd3');
    expect(e3).toMatchObject({ type: 'error', code: 'bad-message' });
    expect(String(e3.message)).toContain('lanes.N-C_1.vehicles');
    expect(server.service.seq).toBe(1);
  });

  it('emergency requests in field mode: routed, acknowledged, position reports accepted; bad ones refused', async () => {
    const { url } = await serve(gridScenario({ rows: 2, cols: 2 }), { mode: 'field', speed: 10 });
    const c = await client(url, auth);
    c.send({ type: 'emergency', id: 'e1', vehicle: 'amb-1', from: 'W0', to: 'E1', priority: 1 });
    const a = await c.next((f) => f.ref === 'e1');
    expect(a.type).toBe('ack');
    expect((a.route as string[])[0]).toBe('W0-i_0_0');
    expect((a.route as string[]).at(-1)).toBe('i_1_1-E1');
    c.send({ type: 'emergency-position', id: 'e2', vehicle: 'amb-1', road: 'W0-i_0_0', posM: 100, speedMps: 13 });
    expect(await c.next((f) => f.ref === 'e2')).toMatchObject({ type: 'ack' });
    c.send({ type: 'emergency', id: 'e3', vehicle: 'amb-2', from: 'W0', to: 'Hospital' });
    const e = await c.next((f) => f.ref === 'e3');
    expect(e).toMatchObject({ type: 'error', code: 'refused' });
    expect(String(e.message)).toContain('unknown destination "Hospital"');
    c.send({ type: 'emergency-position', id: 'e4', vehicle: 'ghost', road: 'W0-i_0_0', posM: 1 });
    expect(await c.next((f) => f.ref === 'e4')).toMatchObject({ type: 'error', code: 'unknown-id' });
  });
});

describe('emergency vehicles from clients in the built-in simulator', () => {
  it('a request at any moment puts a vehicle on the road; its green wave streams on the emergency topic and it arrives', async () => {
    const { url, server } = await serve(gridScenario({ rows: 3, cols: 3 }), { mode: 'sim', speed: 60 });
    const watcher = await client(url);
    watcher.send({ type: 'subscribe', topics: ['emergency'] });
    await watcher.next((f) => f.type === 'subscribed');
    const c = await client(url, auth);
    c.send({ type: 'emergency', id: 'e', vehicle: 'amb-9', from: 'W1', to: 'E1', priority: 1 });
    const a = await c.next((f) => f.ref === 'e');
    expect(a).toMatchObject({ type: 'ack', route: ['W1-i_1_0', 'i_1_0-i_1_1', 'i_1_1-i_1_2', 'i_1_2-E1'] });
    // entries (105) at the three signals on its way, then it is gone from the road
    const codes = async (code: number, n: number): Promise<void> => {
      for (;;) {
        const got = watcher.frames.filter((f) => f.type === 'emergency').flatMap((f) => f.events as Array<{ code: number; vehicle: string }>).filter((e) => e.code === code && e.vehicle === 'amb-9');
        if (got.length >= n) return;
        await watcher.next((f) => f.type === 'emergency', 10_000, watcher.frames.length);
      }
    };
    await codes(105, 3);
    await codes(111, 3);
    expect(watcher.frames.some((f) => f.type === 'emergency' && (f.vehicles as Array<{ id: string }>).some((v) => v.id === 'amb-9'))).toBe(true);
    const sim = server.service.sim as Simulation;
    const k = sim.trips.emergency.find((e) => e.id === 'amb-9')!.trip;
    for (let i = 0; i < 100 && sim.tripState[k] !== TRIP_DONE; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sim.tripState[k]).toBe(3);
    expect(server.service.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    // a bad one is refused and changes nothing
    c.send({ type: 'emergency', id: 'bad', vehicle: 'amb-10', from: 'W1', to: 'Nowhere' });
    expect(await c.next((f) => f.ref === 'bad')).toMatchObject({ type: 'error', code: 'refused' });
    expect(sim.trips.emergency.filter((e) => e.id !== '').map((e) => e.id)).toEqual(['amb-9']);
  }, 30_000);
});

describe('operator overrides', () => {
  it('holds a phase for the time asked, safely, then hands back to the controller; bad ones are refused', async () => {
    const { url, server } = await serve(singleScenario(), { mode: 'sim', controller: 'fixed', speed: 40 });
    const c = await client(url);
    c.send({ type: 'override', id: 'o0', intersection: 'C', phase: 2, durationS: 60 });
    expect(await c.next((f) => f.ref === 'o0')).toMatchObject({ type: 'error', code: 'unauthorized' });
    c.send({ type: 'auth', token: TOKEN });
    await c.next((f) => f.type === 'auth-ok');
    c.send({ type: 'subscribe', topics: ['states'] });
    await c.next((f) => f.type === 'subscribed');
    c.send({ type: 'override', id: 'o1', intersection: 'C', phase: 2, durationS: 90 });
    const ack = await c.next((f) => f.ref === 'o1');
    expect(ack).toMatchObject({ type: 'ack', intersection: 'C', phase: 2 });
    const from = (ack.until as number) - 90;
    // within the hold (after the change it needs, at most a minimum green and a clearance) the signal shows phase 2 in green
    const held = await c.next((f) => f.type === 'state' && (f.t as number) > from + 30);
    expect((held.phases as number[])[0]).toBe(2);
    expect((held.stages as number[])[0]).toBe(0);
    const states = () => c.frames.filter((f) => f.type === 'state' && (f.t as number) > from + 30 && (f.t as number) < (ack.until as number)) as unknown as Array<{ phases: number[] }>;
    await c.next((f) => f.type === 'state' && (f.t as number) > (ack.until as number) + 100);
    expect(states().every((f) => f.phases[0] === 2)).toBe(true);
    // afterwards the fixed plan runs again: other phases come back
    const after = c.frames.filter((f) => f.type === 'state' && (f.t as number) > (ack.until as number)) as unknown as Array<{ phases: number[] }>;
    expect(after.some((f) => f.phases[0] !== 2)).toBe(true);
    c.send({ type: 'override', id: 'o2', intersection: 'C', phase: 9, durationS: 10 });
    expect(String((await c.next((f) => f.ref === 'o2')).message)).toContain('phases 0 … 3');
    c.send({ type: 'override', id: 'o3', intersection: 'X', phase: 0, durationS: 10 });
    expect(await c.next((f) => f.ref === 'o3')).toMatchObject({ type: 'error', code: 'unknown-id' });
    expect(server.service.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
  }, 30_000);
});

describe('external clock (co-simulation)', () => {
  it('600 simulated seconds in lock-step: exactly one answer per request, in order', async () => {
    const { url, server } = await serve(singleScenario(), { mode: 'external', controller: 'fixed' });
    const c = await client(url, auth);
    await c.next((f) => f.type === 'welcome');
    const answers: Frame[] = [];
    for (let t = 0; t < 600; t++) {
      const from = c.frames.length;
      c.send({ type: 'step', id: t, t, lanes: { 'N-C_1': { vehicles: t % 7, halting: t % 3 } }, detectors: {} });
      answers.push(await c.next((f) => f.type === 'signals' || f.type === 'error', 10_000, from));
    }
    await new Promise((r) => setTimeout(r, 100));
    const replies = c.frames.filter((f) => f.type === 'signals' || f.type === 'error');
    expect(replies).toHaveLength(600);
    replies.forEach((f, i) => {
      expect(f.type).toBe('signals');
      expect(f.ref).toBe(i);
      expect(f.t).toBe(i);
      expect(f.seq).toBe(i + 1);
    });
    const phases = replies.map((f) => (f.signals as Record<string, { phase: number; stage: string; movements: string }>).C!);
    expect(new Set(phases.map((p) => p.phase)).size).toBeGreaterThanOrEqual(2);
    expect(phases.every((p) => /^[rygG]+$/.test(p.movements))).toBe(true);
    expect(server.service.monitor.counts()).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
    // time may not go backwards
    c.send({ type: 'step', id: 'back', t: 10 });
    expect(await c.next((f) => f.ref === 'back')).toMatchObject({ type: 'error', code: 'out-of-order' });
  });
});

describe('robustness', () => {
  it('10,000 malformed or random frames: every one answered or its connection closed; the server keeps serving others with bounded memory', async () => {
    const { url, server, http } = await serve(singleScenario(), { mode: 'field', speed: 10, limits: { maxPayload: 64 * 1024, ratePerS: 1e6, burst: 1e6 } });
    const watcher = await client(url);
    watcher.send({ type: 'subscribe', topics: ['states'] });
    await watcher.next((f) => f.type === 'state');
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const gen: Array<() => string | Buffer> = [
      () => '{"type":"detectors","lanes":{"N-C_1":{"vehicles":' + '9'.repeat(1 + Math.floor(rnd() * 400)) + '}}}',
      () => '{' + 'x'.repeat(Math.floor(rnd() * 50)),
      () => JSON.stringify({ type: 'step', t: 'soon' }),
      () => JSON.stringify({ type: ['ping'] }),
      () => JSON.stringify({ type: 'x'.repeat(Math.floor(rnd() * 300)) }),
      () => JSON.stringify([1, 2, 3]),
      () => 'null',
      () => JSON.stringify({ type: 'subscribe', topics: ['everything'] }),
      () => JSON.stringify({ type: 'detectors', detectors: { 'N-C_1': { count: 1e308 } } }),
      () => JSON.stringify({ type: 'ping', id: Math.floor(rnd() * 1e9) }),
      () => JSON.stringify({ type: 'auth', token: 'z'.repeat(Math.floor(rnd() * 5000)) }),
      () => '{"a":' + '['.repeat(2000) + ']'.repeat(2000) + '}',
      () => Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 500) }, () => Math.floor(rnd() * 256))),
      () => 'x'.repeat(70 * 1024), // over the size cap: the server closes this connection
    ];
    // one close listener per connection, not one per message (a listener per loop made Node warn of a leak 413 times)
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const closeOf = (x: typeof c) => new Promise<'close'>((resolve) => x.ws.once('close', () => resolve('close')));
    let c = await client(url);
    let gotClose = closeOf(c);
    let answered = 0;
    let closed = 0;
    const heap0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) {
      const frame = gen[Math.floor(rnd() * gen.length)]!();
      const before = c.frames.length;
      const gotAnswer = c.next((f) => f.type !== 'welcome', 5000, before).then(() => 'answer' as const);
      c.ws.send(frame);
      const r = await Promise.race([gotAnswer, gotClose]);
      if (r === 'answer') answered++;
      else {
        closed++;
        expect(c.closed?.code).toBe(1009);
        c = await client(url);
        gotClose = closeOf(c);
      }
      gotAnswer.catch(() => {});
    }
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([]);
    expect(answered + closed).toBe(10_000);
    expect(closed).toBeGreaterThan(100);
    // the watcher was never disturbed, and the server still answers over HTTP
    const n0 = watcher.frames.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(watcher.frames.length).toBeGreaterThan(n0);
    expect(watcher.closed).toBeUndefined();
    const h = (await (await fetch(`${http}/health`)).json()) as { ok: boolean };
    expect(h.ok).toBe(true);
    expect(server.service.seq).toBe(0); // nothing unauthenticated got in
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(150 * 1024 * 1024);
  });

  it('a client that never reads is dropped to the latest state, then disconnected; memory stays bounded and others are not delayed', async () => {
    const { url, server } = await serve(gridScenario({ rows: 32, cols: 32, durationS: 3600 }), {
      mode: 'field',
      controller: 'fixed',
      speed: 100,
      limits: { softBufferBytes: 256 * 1024, hardBufferBytes: 2 * 1024 * 1024, slowTimeoutMs: 3000 },
    });
    const port = Number(new URL(url).port);
    // a raw WebSocket handshake, one subscribe frame, then the socket is never read again
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const sub = Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['states', 'queues', 'plans', 'metrics'] }));
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(sub.map((b, i) => b ^ mask[i % 4]!));
    sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | 126, sub.length >> 8, sub.length & 255]), mask, masked]));
    await new Promise((r) => setTimeout(r, 200));
    sock.pause();
    sock.on('error', () => {});
    const good = await client(url);
    good.send({ type: 'subscribe', topics: ['states'] });
    await good.next((f) => f.type === 'state');
    const heap0 = process.memoryUsage().heapUsed;
    let heapMax = heap0;
    const t0 = Date.now();
    while (Date.now() - t0 < 8000 && server.stats.disconnectedSlow === 0) {
      await new Promise((r) => setTimeout(r, 200));
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
    }
    expect(server.stats.dropped + server.stats.disconnectedSlow).toBeGreaterThan(0);
    expect(server.stats.disconnectedSlow).toBe(1);
    // the server has let go of it: only the good client is left
    await new Promise((r) => setTimeout(r, 1000));
    expect(((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { clients: number }).clients).toBe(1);
    expect(heapMax - heap0).toBeLessThan(100 * 1024 * 1024);
    // the good client kept getting fresh states: delivery within 250 ms (p95)
    const lat = good.frames.filter((f) => f.type === 'state').map((f) => f.recvAt - (f.sentAt as number)).sort((a, b) => a - b);
    expect(lat.length).toBeGreaterThan(100);
    expect(lat[Math.floor(lat.length * 0.95)]!).toBeLessThan(250);
    expect(good.closed).toBeUndefined();
    sock.destroy();
  }, 30_000);

  it('the rate cap answers a flood with rate-limited errors and keeps the connection', async () => {
    const { url } = await serve(singleScenario(), { mode: 'field', limits: { ratePerS: 50, burst: 50 } });
    const c = await client(url);
    for (let i = 0; i < 500; i++) c.send({ type: 'ping', id: i });
    await c.next((f) => f.type === 'error' && f.code === 'rate-limited');
    await new Promise((r) => setTimeout(r, 300));
    const pongs = c.frames.filter((f) => f.type === 'pong').length;
    expect(pongs).toBeGreaterThanOrEqual(50);
    expect(pongs).toBeLessThan(500);
    expect(c.closed).toBeUndefined();
  });
});

describe('HTTP', () => {
  it('serves the dashboard page, its script, the network and a health check; 404 elsewhere', async () => {
    const { http, server } = await serve(gridScenario({ rows: 2, cols: 2 }), { mode: 'sim' });
    const page = await fetch(`${http}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<canvas id="map"');
    expect(await (await fetch(`${http}/app.js`)).text()).toContain('new WebSocket');
    const net = (await (await fetch(`${http}/network.json`)).json()) as { signals: string[]; roads: unknown[] };
    expect(net.signals).toEqual(server.service.signalIds);
    expect(net.roads.length).toBe(server.service.net.nRoads);
    expect((await fetch(`${http}/nope`)).status).toBe(404);
    expect((await fetch(`${http}/`, { method: 'POST' })).status).toBe(405);
  });
});
