/**
 * Who may connect, and the log an operator greps. Admission happens on the
 * HTTP upgrade, before a WebSocket exists: a wrong path, a foreign Origin
 * (when --allowed-origin is set), a full server or an address over its share
 * is answered with a plain HTTP status and the socket closed, so refusing a
 * client costs next to nothing. Room is kept for authenticated clients: an
 * unauthenticated one is admitted only while the server is below its cap
 * less that reserve.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData } from 'ws';

/** Connection limits (part of SERVER_LIMITS). */
export interface AdmissionLimits {
  maxClients: number;
  /** Of maxClients, kept for clients that authenticate on the upgrade (Authorization header). */
  reservedForAuthenticated: number;
  /** Connections at once from one address. */
  maxPerAddress: number;
}

export interface AdmissionPolicy {
  /** Allowed Origin header values (scheme://host[:port]); empty: any. A request without Origin (not a browser) or from the page's own origin is always allowed. */
  allowedOrigins: ReadonlySet<string>;
}

export type Refusal = { status: number; reason: string };

/** The remote address and port of a request, as `addr:port` (IPv6 in brackets). */
export function peerOf(req: IncomingMessage): { addr: string; peer: string } {
  const addr = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
  const port = req.socket.remotePort ?? 0;
  return { addr, peer: addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}` };
}

/** Whether the request's Origin may open a WebSocket. */
export function originAllowed(req: IncomingMessage, p: AdmissionPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || p.allowedOrigins.size === 0) return true;
  if (p.allowedOrigins.has(origin)) return true;
  // the dashboard's own page: same host and port as this request
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * Counts of open connections, in total, per address and unauthenticated, and
 * the decision on a new one.
 */
export class Admission {
  total = 0;
  private readonly perAddr = new Map<string, number>();

  constructor(private readonly l: AdmissionLimits) {}

  /** Why a new connection from `addr` (authenticated on the upgrade or not) is refused, or null. */
  check(addr: string, authed: boolean): Refusal | null {
    if (this.total >= this.l.maxClients) return { status: 503, reason: `server full (${this.l.maxClients} clients)` };
    if (!authed && this.total >= this.l.maxClients - this.l.reservedForAuthenticated)
      return { status: 503, reason: `server full for clients without the token (${this.l.maxClients - this.l.reservedForAuthenticated} of ${this.l.maxClients}; the rest are kept for authenticated clients)` };
    if ((this.perAddr.get(addr) ?? 0) >= this.l.maxPerAddress) return { status: 429, reason: `too many connections from this address (at most ${this.l.maxPerAddress})` };
    return null;
  }

  opened(addr: string): void {
    this.total++;
    this.perAddr.set(addr, (this.perAddr.get(addr) ?? 0) + 1);
  }

  closed(addr: string): void {
    this.total--;
    const n = (this.perAddr.get(addr) ?? 1) - 1;
    if (n <= 0) this.perAddr.delete(addr);
    else this.perAddr.set(addr, n);
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, r: Refusal): void {
  const body = r.reason + '\n';
  if (socket.writable)
    socket.end(
      `HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${r.status === 429 || r.status === 503 ? 'Retry-After: 5\r\n' : ''}\r\n${body}`,
    );
  socket.destroy();
}

type Field = string | number | boolean | undefined;
const quote = (v: Field): string => {
  const s = String(v);
  return /^[\w.:/@[\]+-]+$/.test(s) ? s : JSON.stringify(s);
};

/**
 * The server's log: one line per event, `TIME EVENT key=value …` (ISO time,
 * values quoted when they hold spaces), so `grep peer=10.0.0.7` or
 * `grep ' refused '` finds what an operator looks for. Never a token: no
 * field carries one. Events that an attacker can repeat at will (refusals,
 * rate limiting, connections from one address) are throttled per kind and
 * address, and the next line logged counts those that were not.
 */
export class ServerLog {
  private readonly quiet = new Map<string, { atMs: number; n: number; suppressed: number }>();

  constructor(private readonly out: ((line: string) => void) | undefined) {}

  event(event: string, fields: Record<string, Field> = {}): void {
    if (!this.out) return;
    let line = `${new Date().toISOString()} ${event}`;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${quote(v)}`;
    this.out(line);
  }

  /** As event(), at most `perS` lines a second per `key`; the next line logged says how many were not. */
  throttled(key: string, event: string, fields: Record<string, Field>, perS = 1): void {
    if (!this.out) return;
    const now = Date.now();
    let q = this.quiet.get(key);
    if (q && now - q.atMs >= 1000) {
      if (q.suppressed === 0) this.quiet.delete(key);
      q.atMs = now;
      q.n = 0;
    }
    if (!q) {
      if (this.quiet.size > 10_000) this.quiet.clear(); // bounded: keys are per address or connection
      q = { atMs: now, n: 0, suppressed: 0 };
      this.quiet.set(key, q);
    }
    if (q.n >= perS) {
      q.suppressed++;
      return;
    }
    q.n++;
    this.event(event, { ...fields, ...(q.suppressed ? { notLoggedBefore: q.suppressed } : {}) });
    q.suppressed = 0;
  }
}

export function refOf(data: RawData, isBinary: boolean): string | number | undefined {
  if (isBinary) return undefined;
  try {
    const v = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8')) as { id?: unknown };
    return typeof v?.id === 'string' || typeof v?.id === 'number' ? v.id : undefined;
  } catch {
    return undefined;
  }
}
