/**
 * The TraCI client (interop/sumo/traci.ts): the codec and the connection
 * logic against Buffers and a fake server (no SUMO needed), then against
 * Debian's SUMO 1.15 on the committed fixtures (test/fixtures/sumo/), skipped
 * locally and failing on CI when SUMO is missing (`apt-get install sumo sumo-tools`).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CMD, DOMAIN, MessageDecoder, Reader, TraciClient, TraciError, VAR, Writer, encodeCommand, encodeMessage, startSumo,
  type SubscriptionResults, type SumoRun,
} from '../interop/sumo/traci.js';
import { parseControlledLinks, parseLogics, readStatus, readSubscriptionResult, TYPE } from '../interop/sumo/traciCodec.js';
import { describeWithSumo, makeGridNet, SUMO_FIXTURES, SUMO_HOME } from './sumo-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A status block as SUMO writes it (one ubyte length, which wraps for long descriptions). */
const statusBlock = (id: number, status = 0, description = ''): Buffer => {
  const d = Buffer.from(description, 'utf8');
  return new Writer().ubyte((7 + d.length) & 0xff).ubyte(id).ubyte(status).string(description).finish();
};

/** Rejects when `p` has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what}: still pending after ${ms} ms`)))]);

describe('TraCI codec', () => {
  it('frames short commands with a ubyte length and long ones (> 255 bytes) as 0 + int32 length', () => {
    const short = encodeCommand(0xc2, new Writer().ubyte(0x20).string('B1').typedString('GrGr').finish());
    expect(short[0]).toBe(short.length);
    expect(short[1]).toBe(0xc2);
    const state = 'G'.repeat(300);
    const long = encodeCommand(0xc2, new Writer().ubyte(0x20).string('B1').typedString(state).finish());
    expect(long.length).toBe(6 + 1 + 4 + 2 + 1 + 4 + 300);
    expect(long[0]).toBe(0);
    expect(long.readInt32BE(1)).toBe(long.length);
    expect(long[5]).toBe(0xc2);
    const r = new Reader(long);
    expect(r.length()).toBe(long.length);
    expect([r.ubyte(), r.ubyte(), r.string(), r.typed()]).toEqual([0xc2, 0x20, 'B1', state]);
    expect(r.remaining).toBe(0);
    // the boundary: 2 + 253 bytes still fits one ubyte, 2 + 254 does not
    expect(encodeCommand(1, Buffer.alloc(253))[0]).toBe(255);
    expect(encodeCommand(1, Buffer.alloc(254))[0]).toBe(0);
    const msg = encodeMessage([short, long]);
    expect(msg.readInt32BE(0)).toBe(msg.length);
    expect(msg.length).toBe(4 + short.length + long.length);
  });

  it('reassembles a message split into pieces, and splits chunks holding several messages', () => {
    const m1 = encodeMessage([statusBlock(0x02), new Writer().int(0).finish()]);
    const m2 = encodeMessage([statusBlock(0xc2, 0, 'x'.repeat(400))]);
    const d = new MessageDecoder();
    // one byte at a time
    const got: Buffer[] = [];
    for (let i = 0; i < m1.length; i++) got.push(...d.push(m1.subarray(i, i + 1)));
    expect(got).toHaveLength(1);
    expect(got[0]!.equals(m1.subarray(4))).toBe(true);
    expect(d.pending).toBe(0);
    // the length itself split over two chunks
    expect(d.push(m2.subarray(0, 2))).toEqual([]);
    expect(d.push(m2.subarray(2, 50))).toEqual([]);
    const [b2] = d.push(m2.subarray(50));
    expect(b2!.equals(m2.subarray(4))).toBe(true);
    // two messages and the start of a third in one chunk
    const both = Buffer.concat([m1, m2, m1.subarray(0, 3)]);
    const two = d.push(both);
    expect(two.map((b) => b.length)).toEqual([m1.length - 4, m2.length - 4]);
    expect(d.pending).toBe(3);
    expect(d.push(m1.subarray(3))).toHaveLength(1);
    expect(() => new MessageDecoder().push(Buffer.from([0, 0, 0, 2]))).toThrow(/bad message length/);
  });

  it('reads status blocks whose length byte wrapped, typed values, compounds and subscription results', () => {
    const long = 'no such lane '.repeat(30);
    const body = Buffer.concat([statusBlock(0xa3, 0xff, long), statusBlock(0xab, 0)]);
    const r = new Reader(body);
    expect(readStatus(r)).toEqual({ commandId: 0xa3, status: 0xff, description: long });
    expect(readStatus(r)).toEqual({ commandId: 0xab, status: 0, description: '' });
    // controlled links as SUMO 1.15 writes them: compound(count) int n, (int k, k string lists)…
    const links = new Writer().ubyte(TYPE.COMPOUND).int(5).typedInt(2).typedInt(1).typedStringList(['a_0', 'b_0', ':J_0_0']).typedInt(1).typedStringList(['a_1', 'c_0', '']).finish();
    expect(parseControlledLinks(new Reader(links).typed())).toEqual([[{ from: 'a_0', to: 'b_0', via: ':J_0_0' }], [{ from: 'a_1', to: 'c_0', via: '' }]]);
    // a program with one phase, as TL var 0x2b answers
    const phase = new Writer().ubyte(TYPE.COMPOUND).int(6).typedDouble(42).typedString('GrGr').typedDouble(5).typedDouble(50).ubyte(TYPE.COMPOUND).int(1).typedInt(0).typedString('main');
    const logic = new Writer().ubyte(TYPE.COMPOUND).int(1).ubyte(TYPE.COMPOUND).int(5).typedString('0').typedInt(3).typedInt(0)
      .ubyte(TYPE.COMPOUND).int(1).bytes(phase.finish()).ubyte(TYPE.COMPOUND).int(1).typedStringList(['k', 'v']).finish();
    expect(parseLogics(new Reader(logic).typed())).toEqual([
      { programId: '0', type: 3, currentPhaseIndex: 0, phases: [{ duration: 42, state: 'GrGr', minDur: 5, maxDur: 50, next: [0], name: 'main' }], params: { k: 'v' } },
    ]);
    // a variable subscription result: len, 0xe3, id, count, (var, status, typed)…; a failed var carries its message
    const sub = new Writer().ubyte(CMD.RESPONSE_SUBSCRIBE + DOMAIN.LANE).string('L_0').ubyte(2).ubyte(0x10).ubyte(0).typedInt(3).ubyte(0x99).ubyte(0xff).typedString('bad var').finish();
    const into: SubscriptionResults = new Map();
    readSubscriptionResult(new Reader(encodeCommand(sub[0]!, sub.subarray(1))), into);
    const vars = into.get(DOMAIN.LANE)!.get('L_0')!;
    expect(vars.get(0x10)).toBe(3);
    expect((vars.get(0x99) as { message: string }).message).toBe('bad var');
    expect(() => new Reader(Buffer.from([TYPE.INTEGER, 0, 0])).typed()).toThrow(/truncated/);
  });
});

/** A fake SUMO: hands each whole message received to `onMessage`, with the socket to answer on. */
async function fakeServer(onMessage: (body: Buffer, socket: Socket, n: number) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const d = new MessageDecoder();
    let n = 0;
    socket.on('data', (c) => d.push(c).forEach((b) => onMessage(b, socket, n++)));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

const versionAnswer = () => encodeMessage([statusBlock(CMD.GETVERSION), encodeCommand(CMD.GETVERSION, new Writer().int(20).string('SUMO fake').finish())]);

describe('TraCI client against a fake server', () => {
  const servers: Server[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it('reassembles an answer that arrives one byte at a time, and keeps one message in flight', async () => {
    let unanswered = 0;
    let maxUnanswered = 0;
    const { server, port } = await fakeServer(async (_b, socket) => {
      maxUnanswered = Math.max(maxUnanswered, ++unanswered);
      const a = versionAnswer();
      for (let i = 0; i < a.length; i++) {
        if (i === a.length - 1) unanswered--;
        socket.write(a.subarray(i, i + 1));
        await sleep(1);
      }
    });
    servers.push(server);
    const client = await TraciClient.connect(port);
    const answers = await Promise.all([client.getVersion(), client.getVersion(), client.getVersion()]);
    expect(answers).toEqual(Array(3).fill({ apiVersion: 20, sumoVersion: 'SUMO fake' }));
    expect(maxUnanswered).toBe(1);
    expect(client.messagesSent).toBe(3);
  });

  it('rejects with SUMO\'s description on an error status, and the connection stays usable', async () => {
    const { server, port } = await fakeServer((_b, socket, n) => {
      socket.write(n === 0 ? encodeMessage([statusBlock(CMD.GET + DOMAIN.TL, 0xff, "Traffic light 'x' is not known")]) : versionAnswer());
    });
    servers.push(server);
    const client = await TraciClient.connect(port);
    const e = await client.tlState('x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TraciError);
    expect((e as TraciError).description).toBe("Traffic light 'x' is not known");
    expect(await client.getVersion()).toEqual({ apiVersion: 20, sumoVersion: 'SUMO fake' });
  });

  it('rejects the request in flight and every queued one when the server closes the connection, and later ones at once', async () => {
    const { server, port } = await fakeServer((_b, socket) => setTimeout(() => socket.destroy(), 20));
    servers.push(server);
    const client = await TraciClient.connect(port);
    const all = await within(Promise.allSettled([client.step(), client.step(), client.getVersion()]), 2000, 'pending requests');
    expect(all.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const s of all) expect((s as PromiseRejectedResult).reason.message).toMatch(/SUMO closed the connection|socket error/);
    await expect(within(client.step(), 100, 'request after close')).rejects.toThrow(/SUMO closed the connection|socket error/);
    expect(client.closed).toBe(true);
  });

  it('times a request out (and closes the connection) when no answer comes', async () => {
    const { server, port } = await fakeServer(() => undefined);
    servers.push(server);
    const client = await TraciClient.connect(port, '127.0.0.1', { timeoutMs: 100 });
    await expect(within(client.getVersion(), 2000, 'request')).rejects.toThrow(/timed out after 100 ms/);
    expect(client.closed).toBe(true);
  });

  it('gives up connecting after its retries with the last error', async () => {
    const { server, port } = await fakeServer(() => undefined);
    server.close();
    await expect(TraciClient.connect(port, '127.0.0.1', { retries: 3, retryDelayMs: 10 })).rejects.toThrow(/after 3 attempts: .*ECONNREFUSED/);
  });

  it('startSumo names the package to install when the binary is missing', async () => {
    await expect(startSumo({ binary: 'sumo-does-not-exist', args: ['-c', 'x.sumocfg'] })).rejects.toThrow(
      "sumo-does-not-exist not found: install Debian's sumo (apt-get install sumo sumo-tools)",
    );
  });
});

const GRID = ['-c', 'grid3x3.sumocfg', '--no-step-log', '--no-warnings'];
const cwd = SUMO_FIXTURES;

describeWithSumo('TraCI against SUMO', () => {
  const runs: SumoRun[] = [];
  const start = async (args: string[]) => {
    const run = await startSumo({ args, cwd });
    runs.push(run);
    return run;
  };
  afterEach(async () => {
    for (const r of runs.splice(0)) {
      r.process.kill('SIGKILL');
      await r.exited;
    }
  });

  it('reads version, links and program, sets a signal every step in one round trip, and gets subscriptions every step', async () => {
    const { client, stop } = await start(GRID);
    const v = await client.getVersion();
    expect(v.apiVersion).toBe(20);
    expect(v.sumoVersion).toMatch(/1\.15/);
    expect((await client.tlIds()).sort()).toEqual(['A0', 'A1', 'A2', 'B0', 'B1', 'B2', 'C0', 'C1', 'C2']);
    const links = await client.controlledLinks('B1');
    expect(links).toHaveLength(20);
    expect(links[16]).toEqual([{ from: 'A1B1_0', to: 'B1C1_0', via: ':B1_16_0' }]);
    const [program, ...others] = await client.tlPrograms('B1');
    expect(others).toEqual([]);
    expect(program!.programId).toBe('0');
    expect(program!.phases.map((p) => [p.duration, p.minDur, p.maxDur])).toEqual([[42, 42, 42], [3, 3, 3], [42, 42, 42], [3, 3, 3]]);
    expect(program!.phases[0]!.state).toBe('GGGggrrrrrGGGggrrrrr');
    expect(await client.tlState('B1')).toBe(program!.phases[0]!.state);

    const lanes = ['A1B1_0', 'A1B1_1', 'C1B1_0', 'C1B1_1', 'B0B1_0', 'B0B1_1', 'B2B1_0', 'B2B1_1'];
    for (const l of lanes) await client.subscribe(DOMAIN.LANE, l, [VAR.LAST_STEP_VEHICLE_NUMBER, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER]);
    await client.subscribe(DOMAIN.INDUCTIONLOOP, 'e1_A1B1_0', [VAR.LAST_STEP_VEHICLE_ID_LIST, VAR.LAST_STEP_OCCUPANCY]);
    await client.subscribe(DOMAIN.LANEAREA, 'e2_A1B1_0', [VAR.LAST_STEP_VEHICLE_NUMBER, VAR.JAM_LENGTH_METERS]);

    const departed = new Set<string>();
    const arrived = new Set<string>();
    let onLanes = 0;
    let previous = program!.phases[0]!.state;
    for (let i = 0; i < 100; i++) {
      const state = program!.phases[Math.floor(i / 10) % 4]!.state;
      const before = client.messagesSent;
      const b = client.batch();
      const held = b.tlState('B1'); // still what the previous step ran with
      b.setTlState('B1', state);
      const readBack = b.tlState('B1');
      const dep = b.departedIds();
      const arr = b.arrivedIds();
      const step = b.step();
      const r = await b.send();
      expect(client.messagesSent - before).toBe(1);
      expect(r.get(held)).toBe(previous);
      expect(r.get(readBack)).toBe(state);
      previous = state;
      r.get(dep).forEach((id) => departed.add(id));
      r.get(arr).forEach((id) => arrived.add(id));
      const subs = r.get(step);
      expect([...subs.keys()].sort((a, b) => a - b)).toEqual([DOMAIN.INDUCTIONLOOP, DOMAIN.LANE, DOMAIN.LANEAREA]);
      expect([...subs.get(DOMAIN.LANE)!.keys()].sort()).toEqual([...lanes].sort());
      for (const vars of subs.get(DOMAIN.LANE)!.values()) {
        const n = vars.get(VAR.LAST_STEP_VEHICLE_NUMBER) as number;
        const halting = vars.get(VAR.LAST_STEP_VEHICLE_HALTING_NUMBER) as number;
        expect(Number.isInteger(n) && Number.isInteger(halting) && halting <= n).toBe(true);
        onLanes += n;
      }
      const loop = subs.get(DOMAIN.INDUCTIONLOOP)!.get('e1_A1B1_0')!;
      expect(Array.isArray(loop.get(VAR.LAST_STEP_VEHICLE_ID_LIST))).toBe(true);
      expect(loop.get(VAR.LAST_STEP_OCCUPANCY)).toBeGreaterThanOrEqual(0);
      expect(typeof subs.get(DOMAIN.LANEAREA)!.get('e2_A1B1_0')!.get(VAR.JAM_LENGTH_METERS)).toBe('number');
    }
    // the GETs of a batch ran before its step: collect the last step's departures and arrivals now
    (await client.departedIds()).forEach((id) => departed.add(id));
    (await client.arrivedIds()).forEach((id) => arrived.add(id));
    expect(await client.tlState('B1')).toBe(previous);
    expect(await client.simulationTime()).toBe(100);
    // 1 vehicle every 2 s from t=0; departures happen inside the step that ends at t
    expect(departed.size).toBeGreaterThan(40);
    expect(arrived.size).toBeGreaterThan(0);
    expect([...arrived].every((id) => departed.has(id))).toBe(true);
    expect(onLanes).toBeGreaterThan(0);
    // running plus loaded but not yet inserted (SUMO reads the routes ahead in 200 s slices)
    expect(await client.minExpectedVehicles()).toBeGreaterThan(departed.size - arrived.size);
    // the vehicle domain
    const ids = await client.vehicleIds();
    expect(ids.length).toBe(departed.size - arrived.size);
    const veh = ids[0]!;
    expect(await client.vehicleClass(veh)).toBe('passenger');
    expect(typeof (await client.vehicleRoadId(veh))).toBe('string');
    expect(await client.vehicleLanePosition(veh)).toBeGreaterThanOrEqual(0);
    expect(await client.vehicleSpeed(veh)).toBeGreaterThanOrEqual(0);
    // an unknown signal: SUMO's own message, and the connection goes on
    await expect(client.tlState('nope')).rejects.toThrow("Traffic light 'nope' is not known");
    expect(await client.simulationTime()).toBe(100);
    expect(await stop()).toBe(0);
  });

  it('rejects pending requests promptly when SUMO is killed mid-run', async () => {
    const { client, process: child, exited } = await start(GRID);
    await client.step();
    const pending = Array.from({ length: 2000 }, () => client.step());
    await pending[0];
    child.kill('SIGKILL');
    const settled = await within(Promise.allSettled(pending), 5000, 'requests after SUMO was killed');
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const s of rejected) expect(s.reason.message).toMatch(/SUMO closed the connection|TraCI socket error/);
    await expect(within(client.getVersion(), 1000, 'request after the kill')).rejects.toThrow();
    expect(await exited).toBe(null);
  });

  it('startSumo rejects with SUMO\'s own error when it exits before accepting', async () => {
    await expect(startSumo({ args: ['-c', 'no-such.sumocfg'], cwd })).rejects.toThrow(/sumo exited \(code 1\) before accepting a TraCI connection[\s\S]*no-such\.sumocfg/);
  });

  it('runs every fixture; the joined fixture has one signal over two junctions, the spider actuated programs', async () => {
    const expected: Record<string, string[]> = {
      grid3x3: ['A0', 'A1', 'A2', 'B0', 'B1', 'B2', 'C0', 'C1', 'C2'],
      spider: ['A1', 'B1', 'B2', 'B3', 'B4', 'B5', 'C1', 'C2', 'C3', 'C4', 'C5'],
      random: ['1', '2', '24', '28', '62'],
      joined: ['joinedS_A0_B0', 'joinedS_A1_B1'],
    };
    for (const [name, tls] of Object.entries(expected)) {
      const { client, stop } = await start(['-c', `${name}.sumocfg`, '--no-step-log', '--no-warnings']);
      expect((await client.tlIds()).sort()).toEqual([...tls].sort());
      let departed = 0;
      for (let i = 0; i < 30; i++) {
        const b = client.batch();
        const d = b.departedIds();
        b.step();
        departed += (await b.send()).get(d).length;
      }
      expect(departed).toBeGreaterThan(5);
      if (name === 'joined') {
        const links = (await client.controlledLinks('joinedS_A0_B0')).flat();
        const junctions = new Set(links.map((l) => l.via.replace(/^:(\w+?)_\d+_\d+$/, '$1')));
        expect([...junctions].sort()).toEqual(['A0', 'B0']);
      }
      if (name === 'spider') {
        const [p] = await client.tlPrograms('A1');
        expect(p!.type).toBe(3); // actuated
        expect(p!.phases.some((ph) => ph.minDur < ph.maxDur)).toBe(true);
      }
      expect(await stop()).toBe(0);
    }
    // the grid's unrouted trips: SUMO routes them at insertion
    const trips = spawnSync('sumo', ['-n', 'grid3x3.net.xml', '-r', 'grid3x3.trips.xml', '--end', '100', '--no-step-log', '--duration-log.statistics'], { cwd, encoding: 'utf8', env: { ...process.env, SUMO_HOME } });
    expect(trips.status).toBe(0);
    expect(Number(/Inserted: (\d+)/.exec(trips.stdout)?.[1])).toBeGreaterThan(40);
  });

  it('drives a net made by netgenerate in a temporary folder', async () => {
    const net = makeGridNet(2, 100);
    try {
      const { client, stop } = await start(['-n', net.netFile, '--no-step-log', '--end', '10']);
      expect((await client.tlIds()).sort()).toEqual(['A0', 'A1', 'B0', 'B1']);
      await client.step(5);
      expect(await client.simulationTime()).toBe(5);
      expect(await stop()).toBe(0);
    } finally {
      net.dispose();
    }
  });

  it('measures the cost per step: SUMO alone vs one batched setTlState + step round trip', async () => {
    const steps = 3600;
    const alone = (end: number) => {
      const t0 = performance.now();
      const r = spawnSync('sumo', [...GRID, '--end', String(end), '--duration-log.statistics'], { cwd, encoding: 'utf8', env: { ...process.env, SUMO_HOME } });
      expect(r.status).toBe(0);
      return { ms: performance.now() - t0, duration: /Duration: ([\d.]+)s/.exec(r.stdout)?.[1] };
    };
    const load = Math.min(...[0, 1, 2].map(() => alone(1).ms));
    const full = [0, 1, 2].map(() => alone(steps));
    const fullMs = Math.min(...full.map((f) => f.ms));
    const aloneUs = ((fullMs - load) * 1000) / steps;

    const timeTraci = async (batched: boolean) => {
      const { client, stop } = await start([...GRID, '--end', String(steps + 10)]);
      const states = (await client.tlPrograms('B1'))[0]!.phases.map((p) => p.state);
      const m0 = client.messagesSent;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) {
        const state = states[Math.floor(i / 10) % states.length]!;
        if (batched) {
          const b = client.batch();
          b.setTlState('B1', state);
          b.step();
          await b.send();
        } else {
          await client.setRedYellowGreenState('B1', state);
          await client.step();
        }
      }
      const us = ((performance.now() - t0) * 1000) / steps;
      expect(client.messagesSent - m0).toBe(batched ? steps : 2 * steps);
      expect(await stop()).toBe(0);
      return us;
    };
    // alternate the two and keep the best of two each, so that warm-up does not favour the second
    const runsUs = { batched: [] as number[], unbatched: [] as number[] };
    for (let k = 0; k < 2; k++) {
      runsUs.batched.push(await timeTraci(true));
      runsUs.unbatched.push(await timeTraci(false));
    }
    const batchedUs = Math.min(...runsUs.batched);
    const unbatchedUs = Math.min(...runsUs.unbatched);
    console.log(
      `TraCI cost per step, grid3x3 fixture, ${steps} steps: SUMO alone ${aloneUs.toFixed(0)} µs/step (wall ${fullMs.toFixed(0)} ms minus ${load.toFixed(0)} ms load; SUMO's own Duration ${full.map((f) => f.duration).join('/')} s); ` +
        `batched setTlState+step (1 round trip) ${batchedUs.toFixed(0)} µs/step; unbatched (2 round trips) ${unbatchedUs.toFixed(0)} µs/step`,
    );
  });
});
