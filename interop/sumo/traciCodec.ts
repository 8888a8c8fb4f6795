/**
 * The TraCI wire format (SUMO's remote-control protocol), without sockets:
 * constants, a writer and a reader for its big-endian values, command and
 * message framing, and a decoder that reassembles messages from TCP chunks.
 * See docs in /usr/share/sumo/tools/traci (constants.py, connection.py).
 *
 * A message is `int32 totalLength` (counting itself) followed by commands; a
 * command is `ubyte len, ubyte id, payload` (len counts itself and id, ≤ 255)
 * or `ubyte 0, int32 len, ubyte id, payload` (len counts the 0, itself and id).
 */

/** Command ids (a GET is `CMD.GET + domain`, its answer `CMD.RESPONSE_GET + domain`, and so on). */
export const CMD = {
  GETVERSION: 0x00,
  SIMSTEP: 0x02,
  SETORDER: 0x03,
  CLOSE: 0x7f,
  GET: 0xa0,
  RESPONSE_GET: 0xb0,
  SET: 0xc0,
  SUBSCRIBE: 0xd0,
  RESPONSE_SUBSCRIBE: 0xe0,
} as const;

/** Object domains (added to the CMD bases). */
export const DOMAIN = {
  INDUCTIONLOOP: 0x00,
  TL: 0x02,
  LANE: 0x03,
  VEHICLE: 0x04,
  JUNCTION: 0x09,
  EDGE: 0x0a,
  SIM: 0x0b,
  LANEAREA: 0x0d,
} as const;

/** Variable ids used by this client (constants.py of SUMO 1.15). */
export const VAR = {
  ID_LIST: 0x00,
  ID_COUNT: 0x01,
  LAST_STEP_VEHICLE_NUMBER: 0x10,
  LAST_STEP_MEAN_SPEED: 0x11,
  LAST_STEP_VEHICLE_ID_LIST: 0x12,
  LAST_STEP_OCCUPANCY: 0x13,
  LAST_STEP_VEHICLE_HALTING_NUMBER: 0x14,
  JAM_LENGTH_VEHICLE: 0x18,
  JAM_LENGTH_METERS: 0x19,
  TL_RED_YELLOW_GREEN_STATE: 0x20,
  TL_PHASE_INDEX: 0x22,
  TL_CONTROLLED_LANES: 0x26,
  TL_CONTROLLED_LINKS: 0x27,
  TL_CURRENT_PHASE: 0x28,
  TL_COMPLETE_DEFINITION_RYG: 0x2b,
  TL_NEXT_SWITCH: 0x2d,
  VAR_SPEED: 0x40,
  VAR_VEHICLECLASS: 0x49,
  VAR_ROAD_ID: 0x50,
  VAR_LANE_ID: 0x51,
  VAR_ROUTE: 0x57,
  VAR_LANEPOSITION: 0x56,
  VAR_ROUTE_INDEX: 0x69,
  VAR_TIME: 0x66,
  VAR_DEPARTED_VEHICLES_IDS: 0x74,
  VAR_ARRIVED_VEHICLES_IDS: 0x7a,
  VAR_MIN_EXPECTED_VEHICLES: 0x7d,
} as const;

/** Type tags of typed values. */
export const TYPE = {
  POSITION_2D: 0x01,
  POSITION_3D: 0x03,
  POLYGON: 0x06,
  UBYTE: 0x07,
  BYTE: 0x08,
  INTEGER: 0x09,
  DOUBLE: 0x0b,
  STRING: 0x0c,
  STRINGLIST: 0x0e,
  COMPOUND: 0x0f,
  DOUBLELIST: 0x10,
  COLOR: 0x11,
} as const;

/** Status codes of the status block that starts every command's answer. */
export const RTYPE = { OK: 0x00, NOT_IMPLEMENTED: 0x01, ERR: 0xff } as const;

/**
 * A decoded typed value: numbers (int, double, byte), strings, string lists,
 * double lists, positions and colours as number arrays, and compounds as
 * arrays of their (typed) items.
 */
export type TraciValue = number | string | string[] | number[] | { x: number; y: number; z?: number } | TraciValue[];

/** Builds a byte string of big-endian TraCI values. */
export class Writer {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
  /** The number of bytes written so far. */
  get length(): number {
    return this.size;
  }
  ubyte(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(v & 0xff, 0);
    return this.push(b);
  }
  int(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v, 0);
    return this.push(b);
  }
  double(v: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v, 0);
    return this.push(b);
  }
  /** An untyped string: int32 byte length + UTF-8 bytes. */
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    return this.int(bytes.length).push(bytes);
  }
  stringList(list: readonly string[]): this {
    this.int(list.length);
    for (const s of list) this.string(s);
    return this;
  }
  bytes(b: Buffer): this {
    return this.push(b);
  }
  typedInt(v: number): this {
    return this.ubyte(TYPE.INTEGER).int(v);
  }
  typedDouble(v: number): this {
    return this.ubyte(TYPE.DOUBLE).double(v);
  }
  typedString(s: string): this {
    return this.ubyte(TYPE.STRING).string(s);
  }
  typedStringList(list: readonly string[]): this {
    return this.ubyte(TYPE.STRINGLIST).stringList(list);
  }
  /** The bytes written, as one Buffer. */
  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** Reads big-endian TraCI values from a Buffer; throws a RangeError when a read runs past its end. */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  private need(n: number): number {
    if (this.pos + n > this.end) throw new RangeError(`TraCI: truncated answer (need ${n} bytes at ${this.pos}, have ${this.end - this.pos})`);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  ubyte(): number {
    return this.buf.readUInt8(this.need(1));
  }
  byte(): number {
    return this.buf.readInt8(this.need(1));
  }
  int(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  double(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  string(): string {
    const n = this.int();
    if (n < 0) throw new RangeError(`TraCI: negative string length ${n}`);
    const p = this.need(n);
    return this.buf.toString('utf8', p, p + n);
  }
  stringList(): string[] {
    const n = this.int();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }
  /** A command length: ubyte, or 0 followed by int32. */
  length(): number {
    const n = this.ubyte();
    return n > 0 ? n : this.int();
  }
  /** A typed value: the type tag, then the value it announces. */
  typed(): TraciValue {
    const t = this.ubyte();
    switch (t) {
      case TYPE.UBYTE:
        return this.ubyte();
      case TYPE.BYTE:
        return this.byte();
      case TYPE.INTEGER:
        return this.int();
      case TYPE.DOUBLE:
        return this.double();
      case TYPE.STRING:
        return this.string();
      case TYPE.STRINGLIST:
        return this.stringList();
      case TYPE.DOUBLELIST: {
        const n = this.int();
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(this.double());
        return out;
      }
      case TYPE.POSITION_2D:
        return { x: this.double(), y: this.double() };
      case TYPE.POSITION_3D:
        return { x: this.double(), y: this.double(), z: this.double() };
      case TYPE.COLOR:
        return [this.ubyte(), this.ubyte(), this.ubyte(), this.ubyte()];
      case TYPE.POLYGON: {
        const n = this.length();
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(this.double(), this.double());
        return out;
      }
      case TYPE.COMPOUND: {
        const n = this.int();
        const out: TraciValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.typed());
        return out;
      }
      default:
        throw new Error(`TraCI: unknown value type 0x${t.toString(16)} at byte ${this.pos - 1}`);
    }
  }
}

/** Frames one command: short form when `1 + 1 + payload` fits a ubyte, else `0, int32 len, id, payload`. */
export function encodeCommand(id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const short = 2 + payload.length;
  if (short <= 255) {
    const b = Buffer.allocUnsafe(short);
    b[0] = short;
    b[1] = id;
    payload.copy(b, 2);
    return b;
  }
  const long = 6 + payload.length;
  const b = Buffer.allocUnsafe(long);
  b[0] = 0;
  b.writeInt32BE(long, 1);
  b[5] = id;
  payload.copy(b, 6);
  return b;
}

/** Frames a message: int32 total length (counting itself) followed by the commands. */
export function encodeMessage(commands: readonly Buffer[]): Buffer {
  const size = commands.reduce((s, c) => s + c.length, 4);
  const b = Buffer.allocUnsafe(size);
  b.writeInt32BE(size, 0);
  let p = 4;
  for (const c of commands) p += c.copy(b, p);
  return b;
}

/** A GET or SET command's payload start: ubyte varId, string objectId (the value follows for SET). */
export function objectVarPayload(varId: number, objectId: string, value?: Buffer): Buffer {
  const w = new Writer().ubyte(varId).string(objectId);
  if (value) w.bytes(value);
  return w.finish();
}

/** The payload of a variable subscription: double begin s, double end s, string objectId, ubyte count, the var ids. */
export function subscribePayload(objectId: string, varIds: readonly number[], beginS: number, endS: number): Buffer {
  const w = new Writer().double(beginS).double(endS).string(objectId).ubyte(varIds.length);
  for (const v of varIds) w.ubyte(v);
  return w.finish();
}

/**
 * Reassembles TraCI messages from a TCP byte stream: a message may arrive in
 * several chunks, and one chunk may hold several messages (or the end of one
 * and the start of the next).
 */
export class MessageDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the bodies (after the int32 length) of the messages it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    let p = 0;
    while (this.buf.length - p >= 4) {
      const total = this.buf.readInt32BE(p);
      if (total < 4) throw new Error(`TraCI: bad message length ${total}`);
      if (this.buf.length - p < total) break;
      out.push(this.buf.subarray(p + 4, p + total));
      p += total;
    }
    this.buf = p === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(p);
    return out;
  }

  /** Bytes received that do not yet make a whole message. */
  get pending(): number {
    return this.buf.length;
  }
}

/** The status block that starts each command's answer. */
export type Status = { commandId: number; status: number; description: string };

/**
 * Reads a status block: ubyte length, command id, ubyte status, string
 * description. SUMO always writes the length as one ubyte, which wraps for
 * descriptions over 248 bytes, so it is skipped and the fields are read.
 */
export function readStatus(r: Reader): Status {
  r.ubyte();
  const commandId = r.ubyte();
  const status = r.ubyte();
  const description = r.string();
  return { commandId, status, description };
}

/** A variable that a subscription could not read: SUMO's message, in place of the value. */
export class TraciVarError {
  constructor(readonly message: string) {}
}

/** Subscription results: domain → object id → variable id → value. */
export type SubscriptionResults = Map<number, Map<string, Map<number, TraciValue | TraciVarError>>>;

/**
 * Reads one variable-subscription result (`len, 0xe0 + domain, string objectId,
 * ubyte varCount, each: ubyte varId, ubyte status, typed value`) into `into`.
 * Returns the domain and object id.
 */
export function readSubscriptionResult(r: Reader, into: SubscriptionResults): { domain: number; objectId: string } {
  r.length();
  const response = r.ubyte();
  if (response < CMD.RESPONSE_SUBSCRIBE || response > CMD.RESPONSE_SUBSCRIBE + 0x0f) {
    throw new Error(`TraCI: unsupported subscription response 0x${response.toString(16)} (only variable subscriptions are handled)`);
  }
  const domain = response - CMD.RESPONSE_SUBSCRIBE;
  const objectId = r.string();
  const n = r.ubyte();
  let byObject = into.get(domain);
  if (!byObject) into.set(domain, (byObject = new Map()));
  let vars = byObject.get(objectId);
  if (!vars) byObject.set(objectId, (vars = new Map()));
  for (let i = 0; i < n; i++) {
    const varId = r.ubyte();
    const status = r.ubyte();
    const value = r.typed();
    vars.set(varId, status === RTYPE.OK ? value : new TraciVarError(String(value)));
  }
  return { domain, objectId };
}

/** One phase of a signal program; durations in seconds. */
export type TlPhase = { duration: number; state: string; minDur: number; maxDur: number; next: number[]; name: string };

/** One signal program (a `<tlLogic>`) as SUMO reports it (TL var 0x2b). */
export type TlLogic = { programId: string; type: number; currentPhaseIndex: number; phases: TlPhase[]; params: Record<string, string> };

const asArr = (v: TraciValue | undefined, what: string): TraciValue[] => {
  if (!Array.isArray(v)) throw new Error(`TraCI: expected a compound for ${what}`);
  return v as TraciValue[];
};

/** Interprets the compound of TL var 0x2b (complete program definition). */
export function parseLogics(v: TraciValue): TlLogic[] {
  return asArr(v, 'programs').map((lv) => {
    const [programId, type, currentPhaseIndex, phases, params] = asArr(lv, 'program');
    return {
      programId: String(programId),
      type: Number(type),
      currentPhaseIndex: Number(currentPhaseIndex),
      phases: asArr(phases, 'phases').map((pv) => {
        const [duration, state, minDur, maxDur, next, name] = asArr(pv, 'phase');
        return { duration: Number(duration), state: String(state), minDur: Number(minDur), maxDur: Number(maxDur), next: asArr(next, 'next').map(Number), name: String(name ?? '') };
      }),
      params: Object.fromEntries(asArr(params, 'params').map((kv) => [String((kv as string[])[0]), String((kv as string[])[1])])),
    };
  });
}

/** One controlled link of a signal: lane ids, `via` is the first internal lane ('' when none). */
export type TlLink = { from: string; to: string; via: string };

/**
 * Interprets the compound of TL var 0x27 (controlled links): flat items
 * `int n, then n times (int k, k string lists [from, to, via])`. Index i of the
 * result is the links of character i of the state string.
 */
export function parseControlledLinks(v: TraciValue): TlLink[][] {
  const items = asArr(v, 'controlled links');
  let p = 0;
  const n = Number(items[p++]);
  const out: TlLink[][] = [];
  for (let i = 0; i < n; i++) {
    const k = Number(items[p++]);
    const links: TlLink[] = [];
    for (let j = 0; j < k; j++) {
      const [from = '', to = '', via = ''] = items[p++] as string[];
      links.push({ from, to, via });
    }
    out.push(links);
  }
  return out;
}

/** An answer with status 0xFF (error) or 0x01 (not implemented): SUMO's description is the message. */
export class TraciError extends Error {
  constructor(
    readonly commandId: number,
    readonly status: number,
    readonly description: string,
  ) {
    super(`SUMO rejected TraCI command 0x${commandId.toString(16).padStart(2, '0')}${status === RTYPE.NOT_IMPLEMENTED ? ' (not implemented)' : ''}: ${description}`);
    this.name = 'TraciError';
  }
}

/** One framed command and how to parse its answer after the status block. */
export type Packed = { id: number; bytes: Buffer; parse?: (r: Reader) => unknown };

/** Parses a message's answers in order: a status block per command, then the command's result. */
export function parseAnswers(commands: readonly Packed[], body: Buffer): unknown[] {
  const r = new Reader(body);
  const values: unknown[] = [];
  let error: TraciError | undefined;
  for (const c of commands) {
    const st = readStatus(r);
    if (st.commandId !== c.id) throw new Error(`TraCI: answer for command 0x${st.commandId.toString(16)} where 0x${c.id.toString(16)} was expected`);
    if (st.status !== RTYPE.OK) {
      error ??= new TraciError(st.commandId, st.status, st.description);
      values.push(undefined);
      continue;
    }
    values.push(c.parse ? c.parse(r) : undefined);
  }
  if (error) throw error;
  return values;
}

/** Checks a typed value's kind (num, str, strs), for GET answers. */
export const num = (v: TraciValue): number => {
  if (typeof v !== 'number') throw new Error(`TraCI: expected a number, got ${JSON.stringify(v)}`);
  return v;
};
export const str = (v: TraciValue): string => {
  if (typeof v !== 'string') throw new Error(`TraCI: expected a string, got ${JSON.stringify(v)}`);
  return v;
};
export const strs = (v: TraciValue): string[] => {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`TraCI: expected a string list, got ${JSON.stringify(v)}`);
  return v as string[];
};
