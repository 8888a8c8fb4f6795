/**
 * `greenwave serve`: one HTTP server on one port, carrying the dashboard page
 * (GET /), the network (GET /network.json), a health check (GET /health) and
 * the WebSocket endpoint (/ws). See docs/PROTOCOL.md.
 *
 * Robustness: every frame is validated (protocol.ts) and answered, a dropped
 * one too; nothing a client sends can throw out of a handler. Writes need the
 * bearer token (in the upgrade request's Authorization header, or an `auth`
 * message), compared in constant time and never logged; a deployment can ask
 * it for reads too, and restrict the Origins a browser may connect from.
 * Admission (guard.ts): caps in total, per address, and room kept for
 * authenticated clients; a connection that neither subscribes nor
 * authenticates within idleTimeoutMs is closed. Per connection: a size cap
 * per message (1009 above it), a token-bucket rate cap, and one for large
 * answers. Outgoing memory (outbox.ts) is bounded per client and for the
 * whole server. An external-clock step runs in slices, so a long one does
 * not hold the event loop: writes that arrive meanwhile wait their turn,
 * reads and the HTTP side are served.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { Admission, originAllowed, peerOf, refOf, refuseUpgrade, ServerLog } from './guard.js';
import { httpHandler, type ChartSource } from './http.js';
import { SERVER_LIMITS } from './limits.js';
import { newConn, Outbox, type Conn } from './outbox.js';
import { ERR, parseMessage, PROTOCOL_VERSION, TOPICS, WRITE_TYPES, type ClientMessage } from './protocol.js';
import { Service, ServiceError } from './service.js';
import { Topics } from './topics.js';

export interface ServerOptions {
  service: Service;
  port?: number;
  host?: string;
  /** Bearer token for writes; without one every write is refused. */
  token?: string;
  /** Reads (subscriptions, the network, /network.json) need the token too. */
  readsNeedToken?: boolean;
  /** Origins a browser may open the WebSocket from (besides the page's own); empty or absent: any. */
  allowedOrigins?: string[];
  clock: 'realtime' | 'external' | 'nats';
  /** Realtime: simulated seconds per wall-clock second (default 1). */
  speed?: number;
  limits?: Partial<typeof SERVER_LIMITS>;
  /** One line per notable event (guard.ts ServerLog: time, event, peer, reason); never a token. */
  log?: (line: string) => void;
  /** The dashboard's PCD and split monitor from the live event log (report/live.ts liveCharts), where there is one. */
  charts?: ChartSource;
}

export { SERVER_LIMITS };

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class GreenwaveServer {
  readonly service: Service;
  readonly limits: typeof SERVER_LIMITS;
  private readonly o: ServerOptions;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly admission: Admission;
  private readonly outbox: Outbox;
  private readonly logger: ServerLog;
  private readonly tokenDigest: Buffer | undefined;
  private readonly allowedOrigins: ReadonlySet<string>;
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private startWallMs = 0;
  private startSimMs = 0;
  private connNo = 0;
  /** An external-clock step in progress, and the writes waiting for it. */
  private busy = false;
  private readonly queue: Array<{ c: Conn; msg: ClientMessage }> = [];
  private readonly topics: Topics;
  private networkBuf: Buffer | undefined;
  private readonly counts = { connections: 0, refused: 0, messages: 0, limited: 0, errors: 0, disconnectedSlow: 0, disconnectedIdle: 0 };

  constructor(o: ServerOptions) {
    this.o = o;
    this.service = o.service;
    this.limits = { ...SERVER_LIMITS, ...o.limits };
    this.tokenDigest = o.token ? digest(o.token) : undefined;
    this.allowedOrigins = new Set(o.allowedOrigins ?? []);
    this.logger = new ServerLog(o.log);
    this.admission = new Admission(this.limits);
    this.outbox = new Outbox(this.limits, (c, why) => this.cutOff(c, why));
    this.topics = new Topics(this.service, this.outbox, this.limits.metricsEveryS);
    this.http = createServer(
      httpHandler({
        readsNeedToken: o.readsNeedToken === true,
        bearerOk: (req) => this.bearerOk(req),
        network: () => this.network(),
        shownS: () => this.service.shownS,
        health: () => ({ clients: this.conns.size, rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed, ...this.stats }),
        ...(o.charts ? { charts: o.charts } : {}),
      }),
    );
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxPayload, perMessageDeflate: false });
    this.wss.on('error', (e) => this.logger.event('websocket-error', { reason: e.message }));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_e, socket) => socket.destroy());
  }

  /** Logs one event (guard.ts ServerLog). */
  log(event: string, fields: Record<string, string | number | boolean | undefined> = {}): void {
    this.logger.event(event, fields);
  }

  /** Starts listening; resolves with the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const port = (this.http.address() as { port: number }).port;
    this.sweeper = setInterval(() => this.sweep(), 250);
    if (this.o.clock === 'realtime') {
      this.startWallMs = performance.now();
      this.startSimMs = this.service.nowMs;
      this.tick();
    }
    return port;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    this.timer = undefined;
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.service.close();
  }

  // ------------------------------------------------------------------ HTTP

  private bearerOk(req: IncomingMessage): boolean {
    const h = req.headers.authorization;
    return typeof h === 'string' && /^Bearer /i.test(h) && this.tokenOk(h.slice(7).trim());
  }

  /** The network description, encoded once. */
  private network(): Buffer {
    return (this.networkBuf ??= Buffer.from(JSON.stringify(this.service.describe()), 'utf8'));
  }

  /** Counters for the health check and the load benchmark. */
  get stats(): typeof this.counts & { dropped: number; framesSent: number; bufferedBytes: number } {
    const o = this.outbox.stats;
    return { ...this.counts, dropped: o.dropped + this.counts.limited, framesSent: o.framesSent, bufferedBytes: o.bufferedTotal };
  }

  // ------------------------------------------------------------ connections

  private tokenOk(t: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digest(t), this.tokenDigest);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const { addr, peer } = peerOf(req);
    const refuse = (status: number, reason: string): void => {
      this.counts.refused++;
      this.logger.throttled(`refused:${status}:${addr}`, 'refused', { peer, status, reason });
      refuseUpgrade(socket, { status, reason });
    };
    if ((req.url ?? '').split('?')[0] !== '/ws') return refuse(404, 'the WebSocket endpoint is /ws');
    if (!originAllowed(req, { allowedOrigins: this.allowedOrigins })) return refuse(403, `origin not allowed: ${String(req.headers.origin).slice(0, 100)}`);
    const authed = this.bearerOk(req);
    const r = this.admission.check(addr, authed);
    if (r) return refuse(r.status, r.reason);
    this.admission.opened(addr);
    let counted = true;
    const release = (): void => {
      if (counted) this.admission.closed(addr);
      counted = false;
    };
    socket.once('close', release);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, addr, peer, authed, release));
  }

  private onConnection(ws: WebSocket, addr: string, peer: string, authed: boolean, release: () => void): void {
    const c = newConn(ws, ++this.connNo, addr, peer, authed, this.limits);
    this.conns.add(c);
    this.counts.connections++;
    this.logger.throttled(`connect:${addr}`, 'connect', { peer, conn: c.n, authenticated: authed, clients: this.conns.size }, 20);
    ws.on('message', (data, isBinary) => {
      try {
        this.onMessage(c, data, isBinary);
      } catch (e) {
        this.internalError(c, e, undefined);
      }
    });
    ws.on('close', (code, reason) => {
      this.conns.delete(c);
      release();
      this.logger.throttled(`disconnect:${addr}`, 'disconnect', { peer, conn: c.n, code, reason: c.closeReason ?? (reason.length ? reason.toString('utf8').slice(0, 120) : 'closed by the client'), seconds: Math.round(performance.now() - c.openedMs) / 1000 }, 20);
    });
    ws.on('error', (e) => {
      c.closeReason ??= `socket error: ${e.message}`;
    });
    const s = this.service;
    this.sendControl(c, {
      type: 'welcome',
      version: PROTOCOL_VERSION,
      mode: s.mode,
      clock: this.o.clock,
      controller: s.controllerName,
      stepMs: s.stepMs,
      t: s.shownS,
      signals: s.signalIds.length,
      topics: TOPICS,
      authenticated: c.authed,
      writes: this.tokenDigest ? 'need the bearer token' : 'disabled (the server has no token)',
      reads: this.o.readsNeedToken ? 'need the bearer token' : 'open',
    });
  }

  /** Every 250 ms: idle connections closed, the send budget enforced. */
  private sweep(): void {
    const now = performance.now();
    for (const c of this.conns)
      if (!c.engaged && now - c.openedMs > this.limits.idleTimeoutMs && c.ws.readyState === WebSocket.OPEN) {
        this.counts.disconnectedIdle++;
        c.closeReason = `idle: neither subscribed nor authenticated within ${this.limits.idleTimeoutMs / 1000} s`;
        c.ws.close(1008, `subscribe or authenticate within ${this.limits.idleTimeoutMs / 1000} s`);
        c.engaged = true; // closing: not again
      }
    this.outbox.sweep(this.conns);
  }

  private cutOff(c: Conn, why: string): void {
    this.counts.disconnectedSlow++;
    c.closeReason = why;
    c.ws.terminate();
    this.conns.delete(c);
  }

  /** Token bucket: true if the message may be processed. */
  private admit(c: Conn): boolean {
    const now = performance.now();
    c.tokens = Math.min(this.limits.burst, c.tokens + ((now - c.refillMs) / 1000) * this.limits.ratePerS);
    c.refillMs = now;
    if (c.tokens >= 1) {
      c.tokens -= 1;
      return true;
    }
    c.limited++;
    return false;
  }

  /** The bucket for large answers. */
  private admitHeavy(c: Conn): number {
    const now = performance.now();
    c.heavyTokens = Math.min(this.limits.heavyBurst, c.heavyTokens + (now - c.heavyRefillMs) / 1000 / this.limits.heavyEveryS);
    c.heavyRefillMs = now;
    if (c.heavyTokens >= 1) {
      c.heavyTokens -= 1;
      return 0;
    }
    return (1 - c.heavyTokens) * this.limits.heavyEveryS;
  }

  private onMessage(c: Conn, data: RawData, isBinary: boolean): void {
    this.counts.messages++;
    if (!this.admit(c)) {
      // dropped, and answered: a lock-step client must never wait for an answer that will not come
      this.counts.limited++;
      this.logger.throttled(`limited:${c.n}`, 'rate-limited', { peer: c.peer, conn: c.n, dropped: c.limited });
      this.error(c, ERR.rateLimited, `more than ${this.limits.ratePerS} messages/s: this one was dropped (${c.limited} so far)`, refOf(data, isBinary));
      return;
    }
    if (isBinary) {
      this.error(c, ERR.binary, 'binary frames are not part of the protocol: send JSON text');
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const p = parseMessage(text);
    if (!p.ok) {
      this.error(c, p.code, p.message, p.ref);
      return;
    }
    const msg = p.msg;
    if (WRITE_TYPES.has(msg.type) && !c.authed) {
      this.error(c, ERR.unauthorized, `${msg.type}: writes need the bearer token (Authorization header or an auth message)`, msg.id);
      return;
    }
    if (this.o.readsNeedToken && !c.authed && msg.type !== 'auth' && msg.type !== 'ping') {
      this.error(c, ERR.unauthorized, `${msg.type}: this server needs the bearer token for reads too (Authorization header or an auth message)`, msg.id);
      return;
    }
    if (this.busy && WRITE_TYPES.has(msg.type)) {
      // a long step is running: writes wait their turn, in order
      if (this.queue.length >= this.limits.maxQueued) this.error(c, ERR.rateLimited, `${msg.type}: ${this.limits.maxQueued} writes already wait for a long step; this one was dropped`, msg.id);
      else this.queue.push({ c, msg });
      return;
    }
    this.apply(c, msg);
  }

  /** Handles one valid message, turning a refusal into an error frame. */
  private apply(c: Conn, msg: ClientMessage): void {
    try {
      this.handle(c, msg);
    } catch (e) {
      if (e instanceof ServiceError) this.error(c, e.code, e.message, msg.id);
      else throw e;
    }
  }

  /** The writes that waited for a step, in order, until one starts another long step. */
  private drain(): void {
    while (!this.busy && this.queue.length) {
      const { c, msg } = this.queue.shift()!;
      if (c.ws.readyState !== WebSocket.OPEN) continue; // never acknowledged: nothing lost
      try {
        this.apply(c, msg);
      } catch (e) {
        this.internalError(c, e, msg.id);
      }
    }
  }

  /** An external-clock step: the engine advances in slices of stepSliceMs, yielding between them; answered when there. */
  private step(c: Conn, msg: ClientMessage & { type: 'step' }): void {
    const s = this.service;
    const r = s.beginStep(msg.t, msg, this.limits.maxStepJumpS);
    const ref = msg.id !== undefined ? { ref: msg.id } : {};
    const finish = (): void => {
      this.sendControl(c, { type: 'signals', ...ref, seq: r.seq, t: r.tMs / 1000, signals: s.signalStates() });
      this.broadcast(true);
    };
    if (s.advanceTo(r.tMs, this.limits.stepSliceMs)) return finish();
    this.busy = true;
    const slice = (): void => {
      let done = false;
      try {
        done = s.advanceTo(r.tMs, this.limits.stepSliceMs);
      } catch (e) {
        this.busy = false;
        this.internalError(c, e, msg.id);
        this.drain();
        return;
      }
      if (!done) {
        setImmediate(slice);
        return;
      }
      this.busy = false;
      finish();
      this.drain();
    };
    setImmediate(slice);
  }

  private handle(c: Conn, msg: ClientMessage): void {
    const s = this.service;
    const ref = msg.id !== undefined ? { ref: msg.id } : {};
    switch (msg.type) {
      case 'auth':
        if (!this.tokenOk(msg.token)) {
          this.logger.throttled(`auth:${c.n}`, 'auth-failed', { peer: c.peer, conn: c.n });
          this.error(c, ERR.unauthorized, 'auth: wrong token', msg.id);
          return;
        }
        c.authed = true;
        c.engaged = true;
        this.logger.event('authenticated', { peer: c.peer, conn: c.n });
        this.sendControl(c, { type: 'auth-ok', ...ref });
        return;
      case 'ping':
        this.sendControl(c, { type: 'pong', ...ref, t: s.shownS });
        return;
      case 'network': {
        const wait = this.admitHeavy(c);
        if (wait > 0) {
          this.error(c, ERR.rateLimited, `network: at most one every ${this.limits.heavyEveryS} s per connection (GET /network.json gives it too); retry in ${Math.ceil(wait)} s`, msg.id);
          return;
        }
        this.outbox.sendWrapped(c, `{"type":"network"${msg.id !== undefined ? `,"ref":${JSON.stringify(msg.id)}` : ''},"network":`, this.network(), '}');
        return;
      }
      case 'subscribe': {
        let inters: Int32Array | null = null;
        if (msg.intersections) {
          const ids = s.net.model.intersectionIndex;
          const idx: number[] = [];
          for (const id of msg.intersections) {
            const i = ids.get(id);
            if (i === undefined) throw new ServiceError(ERR.unknownId, `subscribe: intersections: unknown intersection "${id.slice(0, 80)}"`);
            idx.push(i);
          }
          inters = Int32Array.from(idx);
        }
        for (const t of msg.topics) c.topics.add(t);
        c.engaged = true;
        c.interIds = msg.intersections ? new Set(msg.intersections) : null;
        if (inters) {
          const pos = new Map(Array.from(s.signalIdx, (x, k) => [x, k]));
          c.statePos = Int32Array.from([...inters].filter((i) => pos.has(i)).map((i) => pos.get(i)!));
          const want = new Set(inters);
          const roads: number[] = [];
          for (let r = 0; r < s.net.nRoads; r++) if (want.has(s.net.roadTo[r]!)) roads.push(r);
          c.roads = Int32Array.from(roads);
        } else {
          c.statePos = null;
          c.roads = null;
        }
        this.sendControl(c, { type: 'subscribed', ...ref, topics: [...c.topics], intersections: inters ? inters.length : 'all' });
        this.topics.snapshot(c);
        return;
      }
      case 'unsubscribe':
        if (msg.topics) for (const t of msg.topics) c.topics.delete(t);
        else c.topics.clear();
        this.sendControl(c, { type: 'unsubscribed', ...ref, topics: [...c.topics] });
        return;
      case 'detectors': {
        const r = s.detectors(msg);
        this.sendControl(c, { type: 'ack', ...ref, seq: r.seq, readings: r.readings, t: s.nowMs / 1000 });
        return;
      }
      case 'step':
        this.step(c, msg);
        return;
      case 'emergency': {
        const r = s.emergency(msg.vehicle, msg.from, msg.to, msg.priority);
        this.sendControl(c, { type: 'ack', ...ref, seq: r.seq, vehicle: msg.vehicle, route: r.route });
        return;
      }
      case 'emergency-position': {
        const r = s.emergencyPosition(msg.vehicle, msg.road, msg.posM, msg.onLink ?? false, msg.speedMps ?? 0);
        this.sendControl(c, { type: 'ack', ...ref, seq: r.seq, ...(r.route ? { route: r.route } : {}) });
        return;
      }
      case 'override': {
        const r = s.override(msg.intersection, msg.phase, msg.durationS);
        this.logger.event('override', { peer: c.peer, conn: c.n, intersection: msg.intersection.slice(0, 80), phase: msg.phase, durationS: msg.durationS });
        this.sendControl(c, { type: 'ack', ...ref, seq: r.seq, intersection: msg.intersection, phase: msg.phase, until: r.untilS });
        return;
      }
      case 'emergency-arrived': {
        const r = s.emergencyArrived(msg.vehicle);
        this.sendControl(c, { type: 'ack', ...ref, seq: r.seq });
        return;
      }
    }
  }

  /** A bug must not take the server down: tell the client, log it, go on. */
  private internalError(c: Conn, e: unknown, ref: string | number | undefined): void {
    this.logger.event('internal-error', { peer: c.peer, conn: c.n, reason: (e as Error).message });
    this.error(c, 'internal', 'internal error; the message was not applied', ref);
  }

  private error(c: Conn, code: string, message: string, ref?: string | number): void {
    this.counts.errors++;
    this.sendControl(c, { type: 'error', code, message, ...(ref !== undefined ? { ref } : {}) });
  }

  // ------------------------------------------------------------------ sending

  /** Sends a control frame (answers, errors): never dropped, but a client past the hard cap is disconnected. */
  private sendControl(c: Conn, frame: object): void {
    this.outbox.send(c, JSON.stringify(frame), false);
  }

  /** The state frame of every signal (what a subscriber to all of them gets each step). */
  fullStateFrame(): string {
    return this.topics.stateFrame(null);
  }

  /** Sends the topic frames of the state now to every subscriber. */
  broadcast(stepped: boolean): void {
    this.topics.broadcast(this.conns, stepped);
  }

  // ------------------------------------------------------------------ clock

  /** Realtime: runs the steps due by the wall clock, then broadcasts. */
  private tick(): void {
    const s = this.service;
    const speed = this.o.speed ?? 1;
    const target = this.startSimMs + (performance.now() - this.startWallMs) * speed;
    let n = 0;
    while (s.nowMs <= target && s.nowMs < s.durationMs && n < 200) {
      s.step();
      n++;
    }
    if (n > 0) this.broadcast(true);
    if (s.nowMs >= s.durationMs) {
      this.logger.event('scenario-ended', { t: s.durationMs / 1000, reason: 'still serving its last state' });
      return;
    }
    const wait = Math.max(2, Math.min(100, (s.nowMs - target) / speed));
    this.timer = setTimeout(() => this.tick(), wait);
  }
}
