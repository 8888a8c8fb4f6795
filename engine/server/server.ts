/**
 * `greenwave serve`: one HTTP server on one port, carrying the dashboard page
 * (GET /), the network (GET /network.json), a health check (GET /health) and
 * the WebSocket endpoint (/ws). See docs/PROTOCOL.md.
 *
 * Robustness: every frame is validated (protocol.ts) and answered; nothing a
 * client sends can throw out of a handler. Writes need the bearer token (in
 * the upgrade request's Authorization header, or an `auth` message), compared
 * in constant time and never logged. Limits per connection: a size cap per
 * message (ws closes the connection with 1009 above it), a token-bucket rate
 * cap, and a bounded send buffer: state frames are dropped while a client's
 * buffer is above SOFT (it gets the latest state once it catches up), and a
 * client above HARD, or above SOFT for longer than slowTimeoutMs, is
 * disconnected. So memory stays bounded whatever clients do.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { ERR, parseMessage, PROTOCOL_VERSION, TOPICS, WRITE_TYPES, type ClientMessage, type Topic } from './protocol.js';
import { Service, ServiceError } from './service.js';

export const SERVER_LIMITS = {
  /** Largest message accepted (bytes); a larger one closes the connection (1009). */
  maxPayload: 1 << 20,
  /** Sustained messages per second per connection, and the burst above it. */
  ratePerS: 500,
  burst: 1000,
  /** Send buffer (bytes) above which state frames are dropped, and above which the client is disconnected. */
  softBufferBytes: 1 << 20,
  hardBufferBytes: 8 << 20,
  /** A client whose buffer stays above soft this long is disconnected (ms). */
  slowTimeoutMs: 20_000,
  maxClients: 2000,
  /** Metrics frames every this many simulated seconds. */
  metricsEveryS: 5,
};

export interface ServerOptions {
  service: Service;
  port?: number;
  host?: string;
  /** Bearer token for writes; without one every write is refused. */
  token?: string;
  clock: 'realtime' | 'external';
  /** Realtime: simulated seconds per wall-clock second (default 1). */
  speed?: number;
  limits?: Partial<typeof SERVER_LIMITS>;
  /** One line per notable event (listening, client errors); never a token. */
  log?: (line: string) => void;
}

interface Conn {
  ws: WebSocket;
  authed: boolean;
  topics: Set<Topic>;
  /** Subscribed intersections (ids), or null for all. */
  interIds: Set<string> | null;
  /** For subset subscriptions: positions in the state arrays, and the roads entering them. */
  statePos: Int32Array | null;
  roads: Int32Array | null;
  tokens: number;
  refillMs: number;
  limited: number;
  lastLimitMsgMs: number;
  slowSinceMs: number;
  dropped: number;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Where the dashboard's files are: next to this module in the sources, or in the sources from dist/. */
function dashboardDir(): string {
  for (const rel of ['./dashboard/', '../../../engine/server/dashboard/']) {
    const d = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(d + 'index.html')) return d;
  }
  throw new Error('dashboard assets not found');
}

export class GreenwaveServer {
  readonly service: Service;
  readonly limits: typeof SERVER_LIMITS;
  private readonly o: ServerOptions;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private readonly tokenDigest: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startWallMs = 0;
  private startSimMs = 0;
  private lastMetricsS = -Infinity;
  private readonly assets: Map<string, { type: string; body: Buffer }>;
  private networkJson: string | undefined;
  /** Counters for the health check and the load benchmark. */
  stats = { connections: 0, messages: 0, errors: 0, dropped: 0, disconnectedSlow: 0, framesSent: 0 };

  constructor(o: ServerOptions) {
    this.o = o;
    this.service = o.service;
    this.limits = { ...SERVER_LIMITS, ...o.limits };
    this.tokenDigest = o.token ? digest(o.token) : undefined;
    const dir = dashboardDir();
    this.assets = new Map([
      ['/', { type: 'text/html; charset=utf-8', body: readFileSync(dir + 'index.html') }],
      ['/app.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(dir + 'app.js') }],
    ]);
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/ws', maxPayload: this.limits.maxPayload, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.wss.on('error', (e) => this.log(`websocket server error: ${e.message}`));
    this.http.on('clientError', (_e, socket) => socket.destroy());
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  /** Starts listening; resolves with the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const port = (this.http.address() as { port: number }).port;
    if (this.o.clock === 'realtime') {
      this.startWallMs = performance.now();
      this.startSimMs = this.service.nowMs;
      this.tick();
    }
    return port;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.service.close();
  }

  // ------------------------------------------------------------------ HTTP

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const a = this.assets.get(url);
    if (a) {
      res.writeHead(200, { 'content-type': a.type, 'cache-control': 'no-cache' }).end(a.body);
      return;
    }
    if (url === '/network.json') {
      this.networkJson ??= JSON.stringify(this.service.describe());
      res.writeHead(200, { 'content-type': 'application/json' }).end(this.networkJson);
      return;
    }
    if (url === '/health') {
      const m = process.memoryUsage();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ ok: true, t: this.service.shownS, clients: this.conns.size, rssBytes: m.rss, heapUsedBytes: m.heapUsed, ...this.stats }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  // ------------------------------------------------------------ connections

  private tokenOk(t: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digest(t), this.tokenDigest);
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    if (this.conns.size >= this.limits.maxClients) {
      ws.close(1013, 'too many clients');
      return;
    }
    const h = req.headers.authorization;
    const bearer = typeof h === 'string' && /^Bearer /i.test(h) ? h.slice(7).trim() : undefined;
    const c: Conn = {
      ws,
      authed: bearer !== undefined && this.tokenOk(bearer),
      topics: new Set(),
      interIds: null,
      statePos: null,
      roads: null,
      tokens: this.limits.burst,
      refillMs: performance.now(),
      limited: 0,
      lastLimitMsgMs: -Infinity,
      slowSinceMs: -1,
      dropped: 0,
    };
    this.conns.add(c);
    this.stats.connections++;
    ws.on('message', (data, isBinary) => {
      try {
        this.onMessage(c, data, isBinary);
      } catch (e) {
        // a bug must not take the server down: tell the client, log it, go on
        this.stats.errors++;
        this.log(`internal error on a message: ${(e as Error).message}`);
        this.sendControl(c, { type: 'error', code: 'internal', message: 'internal error; the message was not applied' });
      }
    });
    ws.on('close', () => this.conns.delete(c));
    ws.on('error', () => this.conns.delete(c));
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
    });
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
    if (now - c.lastLimitMsgMs > 1000) {
      c.lastLimitMsgMs = now;
      this.sendControl(c, { type: 'error', code: ERR.rateLimited, message: `more than ${this.limits.ratePerS} messages/s: ${c.limited} dropped so far` });
    }
    return false;
  }

  private onMessage(c: Conn, data: RawData, isBinary: boolean): void {
    this.stats.messages++;
    if (!this.admit(c)) return;
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
    try {
      this.handle(c, msg);
    } catch (e) {
      if (e instanceof ServiceError) this.error(c, e.code, e.message, msg.id);
      else throw e;
    }
  }

  private handle(c: Conn, msg: ClientMessage): void {
    const s = this.service;
    const ref = msg.id !== undefined ? { ref: msg.id } : {};
    switch (msg.type) {
      case 'auth':
        if (!this.tokenOk(msg.token)) {
          this.error(c, ERR.unauthorized, 'auth: wrong token', msg.id);
          return;
        }
        c.authed = true;
        this.sendControl(c, { type: 'auth-ok', ...ref });
        return;
      case 'ping':
        this.sendControl(c, { type: 'pong', ...ref, t: s.shownS });
        return;
      case 'network':
        this.sendControl(c, { type: 'network', ...ref, network: s.describe() });
        return;
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
        this.snapshot(c);
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
      case 'step': {
        const r = s.stepTo(msg.t, msg);
        this.sendControl(c, { type: 'signals', ...ref, seq: r.seq, t: r.tMs / 1000, signals: s.signalStates() });
        this.broadcast(true);
        return;
      }
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

  private error(c: Conn, code: string, message: string, ref?: string | number): void {
    this.stats.errors++;
    this.sendControl(c, { type: 'error', code, message, ...(ref !== undefined ? { ref } : {}) });
  }

  // ------------------------------------------------------------------ sending

  /** Sends a control frame (answers, errors): never dropped, but a client past the hard cap is disconnected. */
  private sendControl(c: Conn, frame: object): void {
    this.send(c, JSON.stringify(frame), false);
  }

  /** Sends a frame; a droppable one is dropped while the client is behind. */
  private send(c: Conn, text: string, droppable: boolean): void {
    const ws = c.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    const buffered = ws.bufferedAmount;
    if (buffered > this.limits.hardBufferBytes) {
      this.disconnectSlow(c, 'send buffer over the hard cap');
      return;
    }
    if (buffered > this.limits.softBufferBytes) {
      const now = performance.now();
      if (c.slowSinceMs < 0) c.slowSinceMs = now;
      else if (now - c.slowSinceMs > this.limits.slowTimeoutMs) {
        this.disconnectSlow(c, 'too far behind for too long');
        return;
      }
      if (droppable) {
        c.dropped++;
        this.stats.dropped++;
        return;
      }
    } else c.slowSinceMs = -1;
    ws.send(text);
    this.stats.framesSent++;
  }

  private disconnectSlow(c: Conn, why: string): void {
    this.stats.disconnectedSlow++;
    this.log(`disconnected a slow client: ${why}`);
    c.ws.terminate();
    this.conns.delete(c);
  }

  /** The current state (and plans, if any) for a client that just subscribed. */
  private snapshot(c: Conn): void {
    const s = this.service;
    if (c.topics.has('states')) this.send(c, this.stateFrame(c), true);
    if (c.topics.has('plans')) {
      const p = s.plans(true);
      if (p.plans.length) this.send(c, this.plansFrame(c, p.plans), true);
    }
  }

  /** The state frame of every signal (what a subscriber to all of them gets each step). */
  fullStateFrame(): string {
    return this.stateFrame(null);
  }

  private stateFrame(c: Conn | null): string {
    const s = this.service;
    if (!c || !c.statePos) {
      const { phases, stages } = s.phasesOf(s.signalIdx);
      return JSON.stringify({ type: 'state', t: s.shownS, sentAt: Date.now(), phases, stages });
    }
    const idx = Array.from(c.statePos, (k) => s.signalIdx[k]!);
    const { phases, stages } = s.phasesOf(idx);
    return JSON.stringify({ type: 'state', t: s.shownS, sentAt: Date.now(), ids: idx.map((i) => s.net.intersectionIds[i]), phases, stages });
  }

  private plansFrame(c: Conn, plans: Array<{ inter: string }>): string {
    const s = this.service;
    const list = c.interIds ? plans.filter((p) => c.interIds!.has(p.inter)) : plans;
    return JSON.stringify({ type: 'plans', t: s.shownS, inputSeq: s.ingest?.lastSeq ?? 0, plans: list });
  }

  /** Sends the topic frames of the state now to every subscriber. */
  broadcast(stepped: boolean): void {
    const s = this.service;
    if (this.conns.size === 0) {
      s.decisions();
      s.plans();
      s.emergencyEvents();
      return;
    }
    let fullState: string | undefined;
    let fullQueues: string | undefined;
    const decisions = s.decisions();
    const plans = s.plans();
    const em = s.emergencyEvents();
    const t = s.shownS;
    const metricsDue = t - this.lastMetricsS >= this.limits.metricsEveryS;
    let metrics: string | undefined;
    if (metricsDue) {
      this.lastMetricsS = t;
      metrics = JSON.stringify({ type: 'metrics', ...s.metrics(), clients: this.conns.size });
    }
    const inputSeq = s.ingest?.lastSeq ?? 0;
    for (const c of this.conns) {
      if (c.topics.size === 0) continue;
      if (stepped && c.topics.has('states')) this.send(c, c.statePos ? this.stateFrame(c) : (fullState ??= this.stateFrame(null)), true);
      if (c.topics.has('plans')) {
        if (plans.changed && plans.plans.length) this.send(c, this.plansFrame(c, plans.plans), false);
        const d = c.interIds ? decisions.filter((x) => c.interIds!.has(x.inter)) : decisions;
        if (d.length) this.send(c, JSON.stringify({ type: 'decisions', t, inputSeq, decisions: d }), false);
      }
      if (stepped && c.topics.has('queues')) {
        if (c.roads) this.send(c, JSON.stringify({ type: 'queues', t, ids: Array.from(c.roads, (r) => s.net.roadIds[r]), halting: s.queues(c.roads) }), true);
        else this.send(c, (fullQueues ??= JSON.stringify({ type: 'queues', t, halting: s.queues(Array.from({ length: s.net.nRoads }, (_, r) => r)) })), true);
      }
      if (metrics && c.topics.has('metrics')) this.send(c, metrics, true);
      if (c.topics.has('emergency') && (em.events.length || em.vehicles.length)) this.send(c, JSON.stringify({ type: 'emergency', t, events: em.events, vehicles: em.vehicles }), em.events.length === 0);
    }
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
      this.log(`the scenario ended at ${s.durationMs / 1000} s; still serving its last state`);
      return;
    }
    const wait = Math.max(2, Math.min(100, (s.nowMs - target) / speed));
    this.timer = setTimeout(() => this.tick(), wait);
  }
}
