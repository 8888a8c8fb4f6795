/**
 * What the city's processes say to each other over NATS (docs/DISTRIBUTED.md):
 * subject and stream names, the detector readings of one intersection, and
 * a region's answer for one step. Intersections are named by their index in
 * the compiled network (ids may hold characters NATS subjects cannot), and
 * every message carries the scenario's hash, so processes started on
 * different scenarios refuse each other instead of mixing.
 */
import { createHash } from 'node:crypto';
import type { CompiledNetwork } from '../network/compile.js';
import type { DetectorArrays } from '../detectors/arrays.js';
import type { SignalCall } from '../cabinet/index.js';
import type { PriorityMessage } from '../preemption/index.js';

/** A city's subjects, stream and consumer names. `city` must be a NATS token: letters, digits, _ and -. */
export function names(city: string) {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(city)) throw new RangeError(`city must be 1–64 letters, digits, _ or -, got "${city.slice(0, 80)}"`);
  return {
    /** JetStream: one message per intersection per step, under the region the intersection belongs to. */
    det: (region: number, inter: number) => `greenwave.${city}.det.${region}.${inter}`,
    detAll: `greenwave.${city}.det.>`,
    /** One region's intersections' readings (a consumer's filter). */
    detGroup: (region: number) => `greenwave.${city}.det.${region}.>`,
    detStream: `GREENWAVE_${city}_DET`,
    /** JetStream (the same stream): the emergency vehicles' dispatches, position reports and arrivals, in order, with the routes the field's dispatcher gave them. */
    ev: `greenwave.${city}.ev`,
    /** Region K's consumer of the emergency-vehicle messages. */
    evConsumer: (region: number) => `region-${region}-ev`,
    /** Core NATS: the field's step (all of step t's readings are stored). */
    step: `greenwave.${city}.step`,
    /** Core NATS: a region's decisions and states for a step. */
    decisions: (region: number) => `greenwave.${city}.decisions.${region}`,
    decisionsAll: `greenwave.${city}.decisions.*`,
    /** Region K's consumer of region G's readings. */
    consumer: (region: number, from: number) => `region-${region}-from-${from}`,
    /** KV: each region's last answer (decisions and states), key `region.K`: where a view that starts late begins. */
    statesBucket: `greenwave_${city}_states`,
    statesKey: (region: number) => `region.${region}`,
    /** KV: every signal's timing plan in force (where its controller runs on one), key `signal.<intersection>`, put when it changes. */
    plansBucket: `greenwave_${city}_plans`,
    planKey: (inter: number) => `signal.${inter}`,
  };
}

/** A hash of the network and demand a process runs (its compiled arrays and trips): processes must agree on it. */
export function scenarioHash(net: CompiledNetwork, extra: string): string {
  const h = createHash('sha256');
  h.update(net.intersectionIds.join('\u0000'));
  h.update(net.roadIds.join('\u0000'));
  h.update(net.detectorIds.join('\u0000'));
  h.update(String(net.stepMs));
  h.update(Buffer.from(net.movDesignVph.buffer, net.movDesignVph.byteOffset, net.movDesignVph.byteLength));
  h.update(extra);
  return h.digest('hex').slice(0, 16);
}

/** Detectors by the intersection their lane leads to (whose controller reads them first). */
export function detectorsByIntersection(net: CompiledNetwork): Int32Array[] {
  const by: number[][] = Array.from({ length: net.nInter }, () => []);
  for (let d = 0; d < net.detectorIds.length; d++) by[net.roadTo[net.laneRoad[net.detLane[d]!]!]!]!.push(d);
  return by.map((x) => Int32Array.from(x));
}

/** One intersection's readings at step t: per detector [index, count, occupancyMs, presence, vehicles, halting, queueM]. */
export interface Readings {
  hash: string;
  t: number;
  inter: number;
  d: number[][];
}

export function encodeReadings(hash: string, t: number, inter: number, dets: Int32Array, a: DetectorArrays): string {
  const d: number[][] = [];
  for (const k of dets) d.push([k, a.count[k]!, a.occupancyMs[k]!, a.presence[k]!, a.vehicles[k]!, a.halting[k]!, a.queueM[k]!]);
  return JSON.stringify({ hash, t, inter, d } satisfies Readings);
}

/** Writes readings into the arrays; false when one names a detector the network does not have. */
export function applyReadings(r: Readings, a: DetectorArrays): boolean {
  const n = a.count.length;
  for (const row of r.d) {
    const k = row[0]!;
    if (!Number.isInteger(k) || k < 0 || k >= n || row.length !== 7 || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) return false;
  }
  for (const [k, count, occ, presence, vehicles, halting, queueM] of r.d as Array<[number, number, number, number, number, number, number]>) {
    a.count[k] = count;
    a.occupancyMs[k] = occ;
    a.presence[k] = presence;
    a.vehicles[k] = vehicles;
    a.halting[k] = halting;
    a.queueM[k] = queueM;
  }
  return true;
}

/** A region's answer for step t: for each of its signals decided at t, the requests made and the time it wants to decide next; and the states shown. */
export interface Decisions {
  hash: string;
  t: number;
  region: number;
  /** [intersection, calls ([phase, reason] a request, [phase, −1, minGreenMs] a pre-emption), next decision (ms)] */
  decided: Array<[number, SignalCall[], number]>;
  /** The calls made before the step's decisions (pre-emption's entries and exits): [intersection, call]. */
  before?: Array<[number, SignalCall]>;
  /** Pre-emption events at this region's signals during the step: [t (ms), code (102 call on, 104 call off, 105 entry, 107 dwell, 111 exit), intersection, vehicle id]. */
  events?: Array<[number, number, number, string]>;
  /** [intersection, phase, stage, target (the phase a clearance leads to, −1 in a green)] of every signal of the region, after the step. */
  states: Array<[number, number, number, number]>;
}

/** JSON text as one value, or undefined when it is not JSON. */
function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A readings message of the run `hash`, or undefined (not JSON, another scenario, or not shaped as Readings). */
export function parseReadings(text: string, hash: string): Readings | undefined {
  const r = json(text) as Readings | null | undefined;
  if (r === null || typeof r !== 'object' || r.hash !== hash || typeof r.t !== 'number' || !Number.isInteger(r.inter) || !Array.isArray(r.d)) return undefined;
  return r;
}

/** A region's answer, of any run (callers check the hash: the field stops on another, a view counts it), or undefined when not one. */
export function parseDecisions(text: string): Decisions | undefined {
  const d = json(text) as Decisions | null | undefined;
  if (d === null || typeof d !== 'object' || typeof d.t !== 'number' || !Number.isInteger(d.region) || !Array.isArray(d.states) || !Array.isArray(d.decided)) return undefined;
  return d;
}

/** A signal's timing plan in the plans bucket, put by its region at step t (ms): cycle, offset and each phase's green [phase, start, length]. */
export interface PlanValue {
  hash: string;
  t: number;
  inter: number;
  cycleMs: number;
  offsetMs: number;
  phases: Array<[number, number, number]>;
}

/** A plans-bucket value of the run `hash`, or undefined (not JSON, another scenario, or not shaped as PlanValue). */
export function parsePlan(text: string, hash: string): PlanValue | undefined {
  const p = json(text) as PlanValue | null | undefined;
  const num = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  if (p === null || typeof p !== 'object' || p.hash !== hash || !num(p.t) || !Number.isInteger(p.inter) || !num(p.cycleMs) || !num(p.offsetMs) || !Array.isArray(p.phases)) return undefined;
  if (!p.phases.every((x) => Array.isArray(x) && x.length === 3 && x.every(num))) return undefined;
  return p;
}

/** A region's pre-emption events as it sent them, keeping only the well-formed ones at this network's intersections. */
export function parseEvents(events: unknown, net: CompiledNetwork): NonNullable<Decisions['events']> {
  if (!Array.isArray(events)) return [];
  return events.filter((e): e is [number, number, number, string] => Array.isArray(e) && e.length === 4 && isNum(e[0]) && isInt(e[1]) && isInt(e[2]) && e[2] >= 0 && e[2] < net.nInter && typeof e[3] === 'string');
}

/** An emergency vehicle's message at step t (number `seq` of the run's, from 0): the field's dispatcher's message and answer (PriorityMessage). */
export interface EvMessage {
  hash: string;
  t: number;
  seq: number;
  m: PriorityMessage;
}

const isInt = (x: unknown): x is number => Number.isInteger(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A route in a message: roads of the network, each movement the one from its road to the next (−1 after the last). */
function isRoute(r: unknown, net: CompiledNetwork): boolean {
  const a = r as { roads?: unknown; moves?: unknown } | null;
  if (a === null || typeof a !== 'object' || !Array.isArray(a.roads) || !Array.isArray(a.moves) || a.roads.length !== a.moves.length || a.roads.length === 0) return false;
  const moves = a.moves as unknown[];
  const roads = a.roads as unknown[];
  if (!roads.every((x) => isInt(x) && x >= 0 && x < net.nRoads)) return false;
  const mb = net.model.movementByRoads;
  return moves.every((x, i) => (i === moves.length - 1 ? x === -1 : isInt(x) && mb.get(`${roads[i] as number},${roads[i + 1] as number}`) === x));
}

/** An emergency-vehicle message of the run `hash` for this network, or undefined (not JSON, another scenario, not shaped as one). */
export function parseEv(text: string, hash: string, net: CompiledNetwork): EvMessage | undefined {
  const e = json(text) as EvMessage | null | undefined;
  if (e === null || typeof e !== 'object' || e.hash !== hash || !isNum(e.t) || !isInt(e.seq) || e.seq < 0 || e.m === null || typeof e.m !== 'object') return undefined;
  const m = e.m;
  const evOk = (ev: unknown): boolean => isInt(ev) && ev >= 0 && ev < 1e6;
  if (m.kind === 'dispatch') {
    const q = m.req;
    if (q === null || typeof q !== 'object' || !evOk(q.ev) || typeof q.id !== 'string' || !isInt(q.priority) || !isInt(q.fromRoad) || !isInt(q.toRoad) || !isNum(q.timeMs) || !isRoute(m.route, net)) return undefined;
  } else if (m.kind === 'report') {
    const r = m.rep;
    if (r === null || typeof r !== 'object' || !evOk(r.ev) || !isNum(r.timeMs) || !isInt(r.road) || r.road < 0 || r.road >= net.nRoads || typeof r.onLink !== 'boolean' || !isNum(r.posM) || !isNum(r.speedMps)) return undefined;
    if (m.route !== null && !isRoute(m.route, net)) return undefined;
  } else if (m.kind === 'arrived') {
    if (!evOk(m.ev) || !isNum(m.timeMs)) return undefined;
  } else return undefined;
  return e;
}
