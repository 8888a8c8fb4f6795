/**
 * A TraCI client for SUMO over `node:net`: strict request/response, one
 * message in flight per connection, several commands packed into one message
 * by a batch (so one simulation step costs one round trip), variable
 * subscriptions delivered with every step, and `startSumo` to spawn SUMO and
 * connect to it. Times are seconds of simulation time, lengths metres,
 * speeds m/s. The wire format lives in traciCodec.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import {
  CMD, DOMAIN, MessageDecoder, Reader, VAR, Writer, encodeCommand, encodeMessage, num, objectVarPayload, parseAnswers,
  parseControlledLinks, parseLogics, readSubscriptionResult, str, strs, subscribePayload,
  type Packed, type SubscriptionResults, type TlLink, type TlLogic, type TraciValue, type TraciVarError,
} from './traciCodec.js';

export { CMD, DOMAIN, VAR, TYPE, MessageDecoder, Reader, Writer, TraciError, TraciVarError, encodeCommand, encodeMessage } from './traciCodec.js';
export type { SubscriptionResults, TlLink, TlLogic, TlPhase, TraciValue } from './traciCodec.js';

/** Options of `TraciClient.connect`. */
export type ConnectOptions = {
  /** Connection attempts before giving up (SUMO opens its port a moment after it starts); default 50. */
  retries?: number;
  /** Pause between attempts, ms; default 100. */
  retryDelayMs?: number;
  /** Default limit for each request, ms (undefined: none); also bounds each connection attempt. */
  timeoutMs?: number;
  /** Stops retrying when aborted (startSumo aborts when SUMO exits). */
  signal?: AbortSignal;
};

/** A slot in a batch: its answer is `result.get(ticket)`. */
export type Ticket<T> = { readonly index: number; readonly _type?: T };

type Pending = { message: Buffer; commands: Packed[]; timeoutMs: number | undefined; resolve: (v: unknown[]) => void; reject: (e: Error) => void };

/** The answers of one batch, in the order the commands were added. */
export class BatchResult {
  constructor(readonly values: readonly unknown[]) {}
  get<T>(t: Ticket<T>): T {
    return this.values[t.index] as T;
  }
}

/**
 * Commands packed into one message: add them, then `send()` writes one
 * message and resolves with every answer (one round trip). SUMO answers every
 * other command of a message before it runs a step, so `step()` must come
 * last: GETs in the batch read the state after the previous step (read the
 * new state from the step's subscription results). Any command answered with
 * an error status rejects the whole send with a TraciError (SUMO still runs
 * the others, the step included).
 */
export class TraciBatch {
  private readonly commands: Packed[] = [];
  constructor(private readonly client: TraciClient) {}

  /** The number of commands added. */
  get size(): number { return this.commands.length; }

  private add<T>(id: number, payload: Buffer, parse?: (r: Reader) => T): Ticket<T> {
    if (this.commands.at(-1)?.id === CMD.SIMSTEP) throw new Error('TraCI: step() must be the last command of a batch (SUMO runs the step after every other command of the message)');
    this.commands.push({ id, bytes: encodeCommand(id, payload), ...(parse ? { parse } : {}) });
    return { index: this.commands.length - 1 };
  }

  /** GET variable `varId` of `objectId` in `domain`; `map` checks and converts the typed value. */
  get<T = TraciValue>(domain: number, varId: number, objectId: string, map: (v: TraciValue) => T = (v) => v as T): Ticket<T> {
    return this.add(CMD.GET + domain, objectVarPayload(varId, objectId), (r) => {
      r.length();
      const response = r.ubyte();
      const v = r.ubyte();
      const id = r.string();
      if (response !== CMD.RESPONSE_GET + domain || v !== varId || id !== objectId) {
        throw new Error(`TraCI: answer 0x${response.toString(16)}/0x${v.toString(16)}/${id} for GET 0x${(CMD.GET + domain).toString(16)}/0x${varId.toString(16)}/${objectId}`);
      }
      return map(r.typed());
    });
  }

  /** SET variable `varId` of `objectId` in `domain` to `typedValue` (type tag + value, see Writer). */
  set(domain: number, varId: number, objectId: string, typedValue: Buffer): Ticket<void> { return this.add(CMD.SET + domain, objectVarPayload(varId, objectId, typedValue)); }

  /** One simulation step (or up to `targetTimeS` s when > 0); answers with the subscription results. */
  step(targetTimeS = 0): Ticket<SubscriptionResults> {
    return this.add(CMD.SIMSTEP, new Writer().double(targetTimeS).finish(), (r) => {
      const results: SubscriptionResults = new Map();
      const n = r.int();
      for (let i = 0; i < n; i++) readSubscriptionResult(r, results);
      return results;
    });
  }

  /**
   * Subscribes to `varIds` of `objectId` from `beginS` to `endS` (s); their values
   * then come with every step's answer. Answers with the current values. An
   * empty `varIds` removes the subscription.
   */
  subscribe(domain: number, objectId: string, varIds: readonly number[], beginS = 0, endS = 2 ** 31): Ticket<Map<number, TraciValue | TraciVarError>> {
    return this.add(CMD.SUBSCRIBE + domain, subscribePayload(objectId, varIds, beginS, endS), (r) => {
      const results: SubscriptionResults = new Map();
      if (varIds.length > 0) readSubscriptionResult(r, results);
      return results.get(domain)?.get(objectId) ?? new Map();
    });
  }

  /** setRedYellowGreenState: one character per link index; SUMO holds it (program "online") until the next SET. */
  setTlState(tlId: string, state: string): Ticket<void> { return this.set(DOMAIN.TL, VAR.TL_RED_YELLOW_GREEN_STATE, tlId, new Writer().typedString(state).finish()); }
  /** The signal's current state string. */
  tlState(tlId: string): Ticket<string> { return this.get(DOMAIN.TL, VAR.TL_RED_YELLOW_GREEN_STATE, tlId, str); }
  /** Vehicles on a lane in the last step. */
  laneVehicleCount(laneId: string): Ticket<number> { return this.get(DOMAIN.LANE, VAR.LAST_STEP_VEHICLE_NUMBER, laneId, num); }
  /** Halting vehicles (below 0.1 m/s) on a lane in the last step. */
  laneHaltingCount(laneId: string): Ticket<number> { return this.get(DOMAIN.LANE, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER, laneId, num); }
  /** Ids of the vehicles an induction loop (E1) saw in the last step. */
  loopVehicleIds(loopId: string): Ticket<string[]> { return this.get(DOMAIN.INDUCTIONLOOP, VAR.LAST_STEP_VEHICLE_ID_LIST, loopId, strs); }
  /** Occupancy of an induction loop in the last step, percent (0–100). */
  loopOccupancy(loopId: string): Ticket<number> { return this.get(DOMAIN.INDUCTIONLOOP, VAR.LAST_STEP_OCCUPANCY, loopId, num); }
  /** Vehicles on a lane-area detector (E2) in the last step. */
  areaVehicleCount(detId: string): Ticket<number> { return this.get(DOMAIN.LANEAREA, VAR.LAST_STEP_VEHICLE_NUMBER, detId, num); }
  /** Halting (jammed) vehicles on a lane-area detector in the last step. */
  areaHaltingCount(detId: string): Ticket<number> { return this.get(DOMAIN.LANEAREA, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER, detId, num); }
  /** Jam length on a lane-area detector in the last step, m. */
  areaJamLengthM(detId: string): Ticket<number> { return this.get(DOMAIN.LANEAREA, VAR.JAM_LENGTH_METERS, detId, num); }
  /** Ids of the vehicles that departed in the last step. */
  departedIds(): Ticket<string[]> { return this.get(DOMAIN.SIM, VAR.VAR_DEPARTED_VEHICLES_IDS, '', strs); }
  /** Ids of the vehicles that arrived in the last step. */
  arrivedIds(): Ticket<string[]> { return this.get(DOMAIN.SIM, VAR.VAR_ARRIVED_VEHICLES_IDS, '', strs); }

  /** Writes the commands as one message; resolves with all answers. `timeoutMs` overrides the client's default. */
  send(options: { timeoutMs?: number } = {}): Promise<BatchResult> { return this.client.request(this.commands.splice(0), options.timeoutMs).then((v) => new BatchResult(v)); }
}

/** A TraCI connection to one SUMO. Open with `TraciClient.connect` or `startSumo`. */
export class TraciClient {
  private readonly decoder = new MessageDecoder();
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private sent = 0;

  private constructor(
    private readonly socket: Socket,
    /** Default limit for each request, ms (undefined: none). */
    public requestTimeoutMs: number | undefined,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(new Error(`TraCI socket error: ${e.message}`)));
    socket.on('close', () => this.fail(new Error('SUMO closed the connection')));
  }

  /** Connects to SUMO's `--remote-port`, retrying while SUMO is not yet listening. */
  static async connect(port: number, host = '127.0.0.1', options: ConnectOptions = {}): Promise<TraciClient> {
    const { retries = 50, retryDelayMs = 100, timeoutMs, signal } = options;
    let last: Error | undefined;
    for (let attempt = 0; attempt < Math.max(1, retries); attempt++) {
      if (signal?.aborted) break;
      try {
        const socket = await openSocket(port, host, timeoutMs, signal);
        return new TraciClient(socket, timeoutMs);
      } catch (e) {
        last = e as Error;
      }
      if (attempt + 1 < retries) await sleep(retryDelayMs, signal);
    }
    if (signal?.aborted) throw new Error(`connecting to SUMO at ${host}:${port} was aborted`);
    throw new Error(`could not connect to SUMO at ${host}:${port} after ${Math.max(1, retries)} attempts: ${last?.message}`);
  }

  /** Messages written to SUMO so far (one per request, however many commands it packs). */
  get messagesSent(): number { return this.sent; }
  /** True once the connection is closed or failed. */
  get closed(): boolean { return this.failure !== undefined; }

  /** A new batch of commands for one message. */
  batch(): TraciBatch { return new TraciBatch(this); }

  /** Sends framed commands as one message (queued behind any message in flight); resolves with their parsed answers. */
  request(commands: Packed[], timeoutMs = this.requestTimeoutMs): Promise<unknown[]> {
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ message: encodeMessage(commands.map((c) => c.bytes)), commands, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.failure) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    if (next.timeoutMs !== undefined) {
      const ms = next.timeoutMs;
      this.timer = setTimeout(() => this.fail(new Error(`TraCI request timed out after ${ms} ms (connection closed: answers carry no ids)`)), ms);
    }
    this.sent++;
    this.socket.write(next.message);
  }

  private onData(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.decoder.push(chunk);
    } catch (e) {
      return this.fail(e as Error);
    }
    for (const body of bodies) {
      const req = this.inFlight;
      if (!req) return this.fail(new Error('TraCI: SUMO sent a message nobody asked for'));
      this.inFlight = undefined;
      clearTimeout(this.timer);
      try {
        req.resolve(parseAnswers(req.commands, body));
      } catch (e) {
        req.reject(e as Error);
      }
    }
    this.pump();
  }

  /** Rejects the request in flight and every queued one with `e`; the connection is unusable afterwards. */
  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    clearTimeout(this.timer);
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    for (const p of all) p.reject(e);
    this.socket.destroy();
  }

  private one<T>(add: (b: TraciBatch) => Ticket<T>): Promise<T> {
    const b = this.batch();
    const t = add(b);
    return b.send().then((r) => r.get(t));
  }

  /** TraCI API level and SUMO's version text (API 20 for SUMO 1.15). */
  getVersion(): Promise<{ apiVersion: number; sumoVersion: string }> {
    return this.request([{ id: CMD.GETVERSION, bytes: encodeCommand(CMD.GETVERSION), parse: (r) => {
      r.length();
      r.ubyte();
      return { apiVersion: r.int(), sumoVersion: r.string() };
    } }]).then((v) => v[0] as { apiVersion: number; sumoVersion: string });
  }
  /** One step (or up to `targetTimeS` s); resolves with domain → object id → var id → value of all subscriptions. */
  step(targetTimeS = 0): Promise<SubscriptionResults> { return this.one((b) => b.step(targetTimeS)); }
  /** See TraciBatch.subscribe: `varIds` of `objectId` arrive with every step's answer; resolves with their current values. */
  subscribe(domain: number, objectId: string, varIds: readonly number[], beginS = 0, endS = 2 ** 31): Promise<Map<number, TraciValue | TraciVarError>> { return this.one((b) => b.subscribe(domain, objectId, varIds, beginS, endS)); }
  /** Removes a variable subscription. */
  unsubscribe(domain: number, objectId: string): Promise<void> { return this.one((b) => b.subscribe(domain, objectId, [])).then(() => undefined); }
  /** Current simulation time, s. */
  simulationTime(): Promise<number> { return this.one((b) => b.get(DOMAIN.SIM, VAR.VAR_TIME, '', num)); }
  /** Vehicles running plus those still to be inserted (0 = nothing left). */
  minExpectedVehicles(): Promise<number> { return this.one((b) => b.get(DOMAIN.SIM, VAR.VAR_MIN_EXPECTED_VEHICLES, '', num)); }
  /** Ids of the vehicles that departed in the last step. */
  departedIds(): Promise<string[]> { return this.one((b) => b.departedIds()); }
  /** Ids of the vehicles that arrived in the last step. */
  arrivedIds(): Promise<string[]> { return this.one((b) => b.arrivedIds()); }
  /** Ids of the vehicles an induction loop saw in the last step (count unique ids per interval). */
  loopVehicleIds(loopId: string): Promise<string[]> { return this.one((b) => b.loopVehicleIds(loopId)); }
  /** Induction-loop occupancy in the last step, percent. */
  loopOccupancy(loopId: string): Promise<number> { return this.one((b) => b.loopOccupancy(loopId)); }
  /** Vehicles on a lane-area detector in the last step. */
  areaVehicleCount(detId: string): Promise<number> { return this.one((b) => b.areaVehicleCount(detId)); }
  /** Halting vehicles on a lane-area detector in the last step. */
  areaHaltingCount(detId: string): Promise<number> { return this.one((b) => b.areaHaltingCount(detId)); }
  /** Jam length on a lane-area detector in the last step, m. */
  areaJamLengthM(detId: string): Promise<number> { return this.one((b) => b.areaJamLengthM(detId)); }
  /** Vehicles on a lane in the last step. */
  laneVehicleCount(laneId: string): Promise<number> { return this.one((b) => b.laneVehicleCount(laneId)); }
  /** Halting vehicles (below 0.1 m/s) on a lane in the last step. */
  laneHaltingCount(laneId: string): Promise<number> { return this.one((b) => b.laneHaltingCount(laneId)); }
  /** Ids of all signals. */
  tlIds(): Promise<string[]> { return this.one((b) => b.get(DOMAIN.TL, VAR.ID_LIST, '', strs)); }
  /** A signal's current state string, one character per link index. */
  tlState(tlId: string): Promise<string> { return this.one((b) => b.tlState(tlId)); }
  /** Sets a signal's state string (setRedYellowGreenState). */
  setRedYellowGreenState(tlId: string, state: string): Promise<void> { return this.one((b) => b.setTlState(tlId, state)); }
  /** The links of each character of a signal's state string: index i holds the links of link index i. */
  controlledLinks(tlId: string): Promise<TlLink[][]> { return this.one((b) => b.get(DOMAIN.TL, VAR.TL_CONTROLLED_LINKS, tlId, parseControlledLinks)); }
  /** A signal's programs with their phases (durations in s). */
  tlPrograms(tlId: string): Promise<TlLogic[]> { return this.one((b) => b.get(DOMAIN.TL, VAR.TL_COMPLETE_DEFINITION_RYG, tlId, parseLogics)); }
  /** Ids of the vehicles in the network. */
  vehicleIds(): Promise<string[]> { return this.one((b) => b.get(DOMAIN.VEHICLE, VAR.ID_LIST, '', strs)); }
  /** The edge a vehicle is on (an internal edge `:J_…` inside a junction). */
  vehicleRoadId(vehId: string): Promise<string> { return this.one((b) => b.get(DOMAIN.VEHICLE, VAR.VAR_ROAD_ID, vehId, str)); }
  /** A vehicle's position along its lane, m from the lane's start. */
  vehicleLanePosition(vehId: string): Promise<number> { return this.one((b) => b.get(DOMAIN.VEHICLE, VAR.VAR_LANEPOSITION, vehId, num)); }
  /** A vehicle's speed, m/s. */
  vehicleSpeed(vehId: string): Promise<number> { return this.one((b) => b.get(DOMAIN.VEHICLE, VAR.VAR_SPEED, vehId, num)); }
  /** A vehicle's class (passenger, bus, …). */
  vehicleClass(vehId: string): Promise<string> { return this.one((b) => b.get(DOMAIN.VEHICLE, VAR.VAR_VEHICLECLASS, vehId, str)); }

  /** Sends close (0x7F) and ends the socket; SUMO then finishes its run. Safe to call twice. */
  async close(): Promise<void> {
    if (this.failure) return;
    try {
      await this.request([{ id: CMD.CLOSE, bytes: encodeCommand(CMD.CLOSE) }]);
    } catch (e) {
      if (!(e instanceof Error) || e.message !== 'SUMO closed the connection') throw e;
    }
    this.failure ??= new Error('TraCI connection is closed');
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }
}

function openSocket(port: number, host: string, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const done = (e?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error').removeAllListeners('connect');
      if (e) {
        socket.destroy();
        reject(e);
      } else resolve(socket);
    };
    const onAbort = () => done(new Error('aborted'));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (e) => done(e));
    socket.once('connect', () => done());
    socket.connect(port, host);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Options of `startSumo`. */
export type StartSumoOptions = {
  /** The program: 'sumo' (default) or 'sumo-gui', or a path. */
  binary?: string;
  /** SUMO's arguments besides --remote-port, e.g. ['-c', 'x.sumocfg', '--no-step-log']. */
  args?: readonly string[];
  /** The TraCI port; default a free one. */
  port?: number;
  /** SUMO's working folder. */
  cwd?: string;
  /** Extra environment; SUMO_HOME defaults to /usr/share/sumo when unset (without it SUMO 1.15 fails on files that name a schema). */
  env?: Record<string, string>;
  /** How to connect; default 600 attempts 100 ms apart, stopped early when SUMO exits. */
  connect?: Omit<ConnectOptions, 'signal'>;
};

/** A running SUMO with its TraCI client. */
export type SumoRun = {
  client: TraciClient;
  process: ChildProcess;
  port: number;
  /** Resolves with SUMO's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Closes the client, waits for SUMO to exit (kills it after `graceMs`, default 5000); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
};

/**
 * Spawns SUMO with `--remote-port PORT` plus `args` and connects a client.
 * Rejects with a clear message when the binary is missing, or when SUMO exits
 * before accepting (with the last lines of its output); kills SUMO when the
 * connection cannot be made.
 */
export async function startSumo(options: StartSumoOptions = {}): Promise<SumoRun> {
  const binary = options.binary ?? 'sumo';
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!env.SUMO_HOME && existsSync('/usr/share/sumo')) env.SUMO_HOME = '/usr/share/sumo';
  const child = spawn(binary, ['--remote-port', String(port), ...(options.args ?? [])], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
    if (tail.length > 20) tail.splice(0, tail.length - 20);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const gone = new AbortController();
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      gone.abort();
      resolve(null);
    });
    child.once('exit', () => gone.abort());
    child.once('close', (code) => resolve(code));
  });
  try {
    const client = await TraciClient.connect(port, '127.0.0.1', { retries: 600, retryDelayMs: 100, ...options.connect, signal: gone.signal });
    const stop = async (graceMs = 5000): Promise<number | null> => {
      await client.close().catch(() => undefined);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(kill);
      return code;
    };
    return { client, process: child, port, exited, stop };
  } catch (e) {
    if (!gone.signal.aborted) child.kill('SIGKILL');
    if (spawnError?.code === 'ENOENT') throw new Error(`${binary} not found: install Debian's sumo (apt-get install sumo sumo-tools)`);
    if (spawnError) throw new Error(`could not start ${binary}: ${spawnError.message}`);
    const code = await exited;
    const lines = tail.length > 0 ? `\n${tail.join('\n')}` : '';
    if (gone.signal.aborted) throw new Error(`${binary} exited (code ${code}) before accepting a TraCI connection on port ${port}${lines}`);
    throw new Error(`${(e as Error).message}${lines}`);
  }
}
