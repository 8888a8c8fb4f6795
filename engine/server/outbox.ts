/**
 * Everything the server sends goes through here, so its outgoing memory is
 * bounded for one client and for all of them together:
 *   - per client: state-like frames are dropped while its send buffer is
 *     above SOFT (it gets the latest state once it catches up); a client
 *     above HARD, or above SOFT for longer than slowTimeoutMs, is cut off;
 *   - for the whole server: the send buffers together stay under
 *     maxBufferedTotal. Over it, droppable frames are dropped for everyone
 *     behind, and the sweep cuts off the clients furthest behind first
 *     until the total is back under three quarters of the budget;
 *   - a frame sent to many clients is encoded once: one Buffer, shared by
 *     every client's queue (ws does not copy a Buffer it frames for a
 *     server), and the network description, the one large answer, is a
 *     cached Buffer sent between a small head and tail as one fragmented
 *     message.
 */
import type { WebSocket } from 'ws';
import type { Topic } from './protocol.js';

export interface SendLimits {
  softBufferBytes: number;
  hardBufferBytes: number;
  slowTimeoutMs: number;
  maxBufferedTotal: number;
}

/** One client connection. */
export interface Conn {
  readonly ws: WebSocket;
  /** Connection number (for the log), remote address and `addr:port`. */
  readonly n: number;
  readonly addr: string;
  readonly peer: string;
  readonly openedMs: number;
  authed: boolean;
  /** Subscribed or authenticated: not idle. */
  engaged: boolean;
  topics: Set<Topic>;
  /** Subscribed intersections (ids), or null for all. */
  interIds: Set<string> | null;
  /** For subset subscriptions: positions in the state arrays, and the roads entering them. */
  statePos: Int32Array | null;
  roads: Int32Array | null;
  /** Message token bucket, and the one for large answers (network). */
  tokens: number;
  refillMs: number;
  heavyTokens: number;
  heavyRefillMs: number;
  limited: number;
  slowSinceMs: number;
  dropped: number;
  /** Why the server closed it (for the disconnect log line). */
  closeReason?: string;
}

/** A new connection's state: nothing subscribed, full token buckets. */
export function newConn(ws: WebSocket, n: number, addr: string, peer: string, authed: boolean, l: { burst: number; heavyBurst: number }): Conn {
  const now = performance.now();
  return {
    ws,
    n,
    addr,
    peer,
    openedMs: now,
    authed,
    engaged: authed,
    topics: new Set(),
    interIds: null,
    statePos: null,
    roads: null,
    tokens: l.burst,
    refillMs: now,
    heavyTokens: l.heavyBurst,
    heavyRefillMs: now,
    limited: 0,
    slowSinceMs: -1,
    dropped: 0,
  };
}

const OPEN = 1;
const TEXT = { binary: false } as const;
const TEXT_MORE = { binary: false, fin: false } as const;

export class Outbox {
  /** Bytes queued since the last sweep measured the total (an upper bound between sweeps). */
  private sinceSweep = 0;
  private measured = 0;
  stats = { dropped: 0, disconnectedSlow: 0, framesSent: 0, bufferedTotal: 0 };

  constructor(
    private readonly l: SendLimits,
    private readonly cutOff: (c: Conn, why: string) => void,
  ) {}

  private get overBudget(): boolean {
    return this.measured + this.sinceSweep > this.l.maxBufferedTotal;
  }

  /** Whether the client can take a frame now; false when it was cut off, or (droppable) when the frame is to be dropped. */
  private room(c: Conn, droppable: boolean): boolean {
    const ws = c.ws;
    if (ws.readyState !== OPEN) return false;
    const buffered = ws.bufferedAmount;
    if (buffered > this.l.hardBufferBytes) {
      this.cutOff(c, 'send buffer over the hard cap');
      return false;
    }
    const behind = buffered > this.l.softBufferBytes;
    if (behind) {
      const now = performance.now();
      if (c.slowSinceMs < 0) c.slowSinceMs = now;
      else if (now - c.slowSinceMs > this.l.slowTimeoutMs) {
        this.cutOff(c, 'too far behind for too long');
        return false;
      }
    } else c.slowSinceMs = -1;
    if (this.overBudget && buffered > 0) {
      // the server's budget is spent: whoever is behind gets nothing droppable, and one far behind is cut off
      if (!droppable && buffered > this.l.softBufferBytes / 4) {
        this.cutOff(c, "server's send budget spent and this client behind");
        return false;
      }
      if (droppable) return this.drop(c);
    }
    if (behind && droppable) return this.drop(c);
    return true;
  }

  private drop(c: Conn): false {
    c.dropped++;
    this.stats.dropped++;
    return false;
  }

  /** Sends a frame (text or an encoded Buffer shared with other clients); a droppable one is dropped while the client or the server is behind. */
  send(c: Conn, frame: string | Buffer, droppable: boolean): void {
    if (!this.room(c, droppable)) return;
    c.ws.send(frame, TEXT);
    this.sinceSweep += typeof frame === 'string' ? frame.length : frame.byteLength;
    this.stats.framesSent++;
  }

  /** Sends head + body + tail as one text message; body is a Buffer shared by every such answer. */
  sendWrapped(c: Conn, head: string, body: Buffer, tail: string): void {
    if (!this.room(c, false)) return;
    c.ws.send(head, TEXT_MORE);
    c.ws.send(body, TEXT_MORE);
    c.ws.send(tail, TEXT);
    this.sinceSweep += head.length + body.byteLength + tail.length;
    this.stats.framesSent++;
  }

  /** Measures every client's send buffer; over the budget, cuts off the clients furthest behind until under 3/4 of it. */
  sweep(conns: Iterable<Conn>): void {
    let total = 0;
    const behind: Array<{ c: Conn; b: number }> = [];
    for (const c of conns) {
      const b = c.ws.bufferedAmount;
      total += b;
      if (b > 0) behind.push({ c, b });
    }
    if (total > this.l.maxBufferedTotal) {
      behind.sort((x, y) => y.b - x.b);
      for (const { c, b } of behind) {
        if (total <= this.l.maxBufferedTotal * 0.75) break;
        this.cutOff(c, "server's send budget spent: furthest behind");
        total -= b;
      }
    }
    this.measured = total;
    this.sinceSweep = 0;
    this.stats.bufferedTotal = total;
  }
}
