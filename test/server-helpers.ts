/** Helpers for the live-service tests: an in-process server on a free loopback port, and a client that records frames. */
import { WebSocket } from 'ws';
import { GreenwaveServer, type ServiceMode, SERVER_LIMITS } from '../engine/server/index.js';
import { createService } from '../sim/index.js';
import { liveCharts } from '../report/index.js';
import type { ScenarioJson } from '../scenarios/index.js';
import type { FaultSpec } from '../sim/faults.js';
import { prepared } from './helpers.js';

export const TOKEN = 'test-token-0123456789abcdef';

export async function startServer(
  sc: ScenarioJson,
  o: {
    mode: ServiceMode;
    controller?: string;
    speed?: number;
    limits?: Partial<typeof SERVER_LIMITS>;
    durationS?: number;
    readsNeedToken?: boolean;
    allowedOrigins?: string[];
    log?: (line: string) => void;
    /** sim mode: detector faults to inject. */
    faults?: FaultSpec[];
  },
): Promise<{ server: GreenwaveServer; url: string; http: string; port: number }> {
  const p = prepared(sc, { ...(o.durationS ? { durationS: o.durationS } : {}), spareEmergency: o.mode === 'sim' ? 4 : 0 });
  const service = createService(p, { controller: o.controller ?? 'adaptive', mode: o.mode, ...(o.faults ? { faults: o.faults } : {}) });
  const events = service.cabinet.eventLog;
  const server = new GreenwaveServer({
    service,
    port: 0,
    token: TOKEN,
    clock: o.mode === 'external' ? 'external' : 'realtime',
    speed: o.speed ?? 1,
    limits: o.limits,
    readsNeedToken: o.readsNeedToken,
    allowedOrigins: o.allowedOrigins,
    log: o.log,
    ...(events ? { charts: liveCharts(service.net, events, service.controllerName) } : {}),
  });
  const port = await server.listen();
  return { server, url: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}`, port };
}

export type Frame = Record<string, unknown> & { type: string };

/** A client that keeps every frame it receives, and can wait for one. */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Array<Frame & { recvAt: number }> = [];
  closed: { code: number } | undefined;
  private waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }> = [];

  constructor(url: string, headers: Record<string, string> = {}, localAddress?: string) {
    this.ws = new WebSocket(url, { headers, ...(localAddress ? { localAddress } : {}) });
    this.ws.on('message', (m) => {
      const f = JSON.parse(String(m)) as Frame;
      this.frames.push({ ...f, recvAt: Date.now() });
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(f)) {
          w.resolve(f);
          return false;
        }
        return true;
      });
    });
    this.ws.on('close', (code) => {
      this.closed = { code };
    });
    this.ws.on('error', () => {});
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(o: unknown): void {
    this.ws.send(typeof o === 'string' ? o : JSON.stringify(o));
  }

  /** The first frame received at or after index `from` (default: any so far) that matches, waiting for it if need be. */
  next(pred: (f: Frame) => boolean, timeoutMs = 10_000, from = 0): Promise<Frame> {
    for (let i = from; i < this.frames.length; i++) if (pred(this.frames[i]!)) return Promise.resolve(this.frames[i]!);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, from };
      this.waiters.push(w);
      setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms`)), timeoutMs).unref();
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * Opens a WebSocket and says how the server answered the upgrade: 'open' (the
 * socket, left open), or the HTTP status it was refused with.
 */
export function tryConnect(url: string, o: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<{ status: 'open'; ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: o.headers ?? {}, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    ws.once('open', () => resolve({ status: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (e) => reject(e));
  });
}
