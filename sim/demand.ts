/**
 * Demand → trips. Flows (time-varying rates with seeded Poisson or uniform
 * arrivals, or CityFlow-style fixed intervals), explicit vehicles and
 * emergency vehicles become one table of trips sorted by departure time, each
 * with its route (roads and the movements between them) and free-flow time.
 * All departures are drawn before the run, so every controller sees exactly
 * the same demand for a given seed.
 */
import type { NetworkModel, Router } from '../engine/network/index.js';
import { InputError, jsonPath } from '../scenarios/errors.js';
import { expectedDepartures, MAX_ROUTE_ROADS, rateAt, routeRoomError } from '../scenarios/limits.js';
import type { FlowJson, ScenarioJson } from '../scenarios/types.js';
import { designVolumes } from './designVolumes.js';
import { Rng } from './rng.js';
import type { VehicleType } from './vehicleTypes.js';

/** Trip states (Simulation.tripState): not yet scheduled, waiting to enter, on the road, arrived. */
export const TRIP_FUTURE = 0;
export const TRIP_WAITING = 1;
export const TRIP_ACTIVE = 2;
export const TRIP_DONE = 3;

/** Trips.departPos: enter at the start of the first road, or into any free gap along it. */
export const DEPART_START = 0;
export const DEPART_RANDOM_FREE = 1;
const posOf = (p: 'start' | 'random_free' | undefined): number => (p === 'random_free' ? DEPART_RANDOM_FREE : DEPART_START);
/** Trips.departLane: the lane with the most room among those serving the first movement, or the rightmost of them. */
export const DEPART_LANE_BEST = 0;
export const DEPART_LANE_FIRST = 1;
const laneOf = (l: 'best' | 'first' | undefined): number => (l === 'first' ? DEPART_LANE_FIRST : DEPART_LANE_BEST);

export interface Trips {
  readonly n: number;
  /** Scheduled departure (ms), ascending. */
  readonly departMs: Float64Array;
  readonly routeOff: Int32Array;
  readonly routeLen: Int32Array;
  /** Room for the trip's route in the pool: an emergency vehicle's route may be replaced (re-routing) by one as long as the network has roads. */
  readonly routeCap: Int32Array;
  /** Route roads and, per road, the movement at its end (−1 after the last road). */
  readonly routeRoads: Int32Array;
  readonly routeMoves: Int32Array;
  readonly vtype: Int32Array;
  /** Speed on entering (m/s); NaN: as fast as the lane, the type and the vehicle ahead allow. */
  readonly departSpeedMps: Float64Array;
  /** Where a trip enters its first road: DEPART_START, or DEPART_RANDOM_FREE (any free gap along it). */
  readonly departPos: Uint8Array;
  /** Which lane a trip enters: DEPART_LANE_BEST or DEPART_LANE_FIRST. */
  readonly departLane: Uint8Array;
  readonly freeFlowS: Float64Array;
  /** Index into `emergency`, or −1. */
  readonly emergencyIdx: Int32Array;
  /** Emergency vehicles; `spare` ones (the live service's) are dispatched when a client asks, and reused once arrived. */
  readonly emergency: ReadonlyArray<{ id: string; priority: number; trip: number; spare?: boolean }>;
  /** Roads on which some trip starts. */
  readonly originRoads: Int32Array;
  /** Where a trip that is not an emergency vehicle comes from (tripId names it): its index in demand.flows, with the departure's number from 0 (srcSeq), or in demand.vehicles (srcSeq −1). */
  readonly srcIndex: Int32Array;
  readonly srcSeq: Int32Array;
}

/**
 * Trip k's id: an emergency vehicle's id (a spare one's once dispatched,
 * else ""), a listed vehicle's own id, and for a flow's departures `FLOW.N`
 * (N from 0, SUMO's naming of flow vehicles).
 */
export function tripId(sc: ScenarioJson, trips: Trips, k: number): string {
  if (trips.emergencyIdx[k]! >= 0) return trips.emergency[trips.emergencyIdx[k]!]!.id;
  const i = trips.srcIndex[k]!;
  const seq = trips.srcSeq[k]!;
  return seq >= 0 ? `${sc.demand.flows![i]!.id}.${seq}` : sc.demand.vehicles![i]!.id;
}

interface RawTrip {
  departMs: number;
  route: number[];
  vtype: number;
  departSpeedMps: number;
  departPos: number;
  departLane: number;
  emergency: number;
  order: number;
  /** Index in demand.flows (seq ≥ 0: the departure's number) or demand.vehicles (seq −1); unused for emergency trips. */
  index: number;
  seq: number;
}

/** Departure times (s) of one flow in [begin, end]. */
export function flowDepartures(f: FlowJson, durationS: number, rng: Rng): number[] {
  const begin = f.beginS ?? 0;
  const end = Math.min(f.endS ?? Infinity, durationS);
  const out: number[] = [];
  if (f.intervalS !== undefined) {
    // CityFlow's rule: the first vehicle at startTime, then one every interval, while t ≤ end.
    for (let k = 0; ; k++) {
      const t = begin + k * f.intervalS;
      if (t > end + 1e-9 || t >= durationS) break;
      out.push(t);
    }
    return out;
  }
  const profile: Array<[number, number]> = f.profile ? [...f.profile].sort((a, b) => a[0] - b[0]) : [[0, f.vph ?? 0]];
  const maxRate = Math.max(...profile.map((p) => p[1]));
  if (maxRate <= 0) return out;
  if ((f.arrivals ?? 'poisson') === 'poisson') {
    // Non-homogeneous Poisson process by thinning.
    const lambdaMax = maxRate / 3600;
    let t = begin;
    for (;;) {
      t += rng.exp(lambdaMax);
      if (t > end) break;
      if (rng.next() * maxRate < rateAt(profile, t)) out.push(t);
    }
  } else {
    // Uniform: the cumulative expected count crosses each integer.
    let acc = 0;
    const dt = 0.5;
    for (let t = begin; t < end; t += dt) {
      acc += (rateAt(profile, t + dt / 2) / 3600) * dt;
      while (acc >= 1) {
        acc -= 1;
        out.push(Math.min(end, t + dt));
      }
    }
  }
  return out;
}

export interface DemandResult {
  trips: Trips;
  /** Design volume per movement (veh/h): 4 × the busiest 15 minutes. */
  designVph: Float64Array;
}

/** Builds the trip table. Throws InputError for bad routes or rates. */
export function buildTrips(
  sc: ScenarioJson,
  net: NetworkModel,
  router: Router,
  types: readonly VehicleType[],
  seed: number,
  durationS: number,
  file: string,
  spareEmergency = 0,
): DemandResult {
  const err = (parts: Array<string | number>, reason: string): InputError => new InputError(file, jsonPath(parts), reason);
  const typeIndex = new Map(types.map((t, i) => [t.name, i]));
  const typeOf = (name: string | undefined, fallback: string, at: Array<string | number>): number => {
    const k = typeIndex.get(name ?? fallback);
    if (k === undefined) throw err([...at, 'vehicleType'], `unknown vehicle type "${name}"; known: ${[...typeIndex.keys()].join(', ')}`);
    return k;
  };

  const routeCache = new Map<string, number[]>();
  const resolveRoute = (spec: { route?: string[]; from?: string; to?: string }, at: Array<string | number>): number[] => {
    if (spec.route) {
      const key = 'R:' + spec.route.join('\u0000');
      const hit = routeCache.get(key);
      if (hit) return hit;
      const anchors = spec.route.map((id, k) => {
        const r = net.roadIndex.get(id);
        if (r === undefined) throw err([...at, 'route', k], `unknown road "${id}"`);
        return r;
      });
      const full = router.expand(anchors);
      if (!full) {
        for (let k = 1; k < anchors.length; k++)
          if (!router.expand([anchors[k - 1]!, anchors[k]!]))
            throw err([...at, 'route', k], `road "${spec.route[k]}" cannot be reached from road "${spec.route[k - 1]}"`);
        throw err([...at, 'route'], 'the roads do not connect');
      }
      routeCache.set(key, full);
      return full;
    }
    if (spec.from === undefined || spec.to === undefined)
      throw err(at, 'needs either "route" or both "from" and "to"');
    const key = `OD:${spec.from}\u0000${spec.to}`;
    const hit = routeCache.get(key);
    if (hit) return hit;
    for (const [field, id] of [
      ['from', spec.from],
      ['to', spec.to],
    ] as const) {
      if (!net.intersectionIndex.has(id) && !net.roadIndex.has(id))
        throw err([...at, field], `unknown intersection or road "${id}"`);
    }
    const r = router.route(spec.from, spec.to);
    if (!r) throw err(at, `no route from "${spec.from}" to "${spec.to}"`);
    routeCache.set(key, r);
    return r;
  };

  const raw: RawTrip[] = [];
  let order = 0;
  // The route room the trips need (scenarios/limits.ts), counted before each flow's departures are drawn, now that its route is known.
  let room = 0;
  const reserve = (roads: number, at: Array<string | number>): void => {
    room += roads;
    if (!(room <= MAX_ROUTE_ROADS)) throw routeRoomError(file, at, room);
  };
  const flowIds = new Set<string>();
  (sc.demand.flows ?? []).forEach((f, i) => {
    const at = ['demand', 'flows', i];
    if (flowIds.has(f.id)) throw err([...at, 'id'], `duplicate flow id "${f.id}"`);
    flowIds.add(f.id);
    if (f.intervalS === undefined && f.vph === undefined && f.profile === undefined)
      throw err(at, 'needs a rate: "vph", "profile" or "intervalS"');
    if (f.endS !== undefined && f.beginS !== undefined && f.endS < f.beginS) throw err([...at, 'endS'], `must be ≥ beginS (${f.beginS})`);
    const route = resolveRoute(f, at);
    reserve(expectedDepartures(f, durationS) * route.length, at);
    const vtype = typeOf(f.vehicleType, 'car', at);
    const rng = new Rng(seed, i + 1);
    const departSpeedMps = f.departSpeedMps ?? NaN;
    const departPos = posOf(f.departPos);
    const departLane = laneOf(f.departLane);
    let seq = 0;
    for (const t of flowDepartures(f, durationS, rng)) raw.push({ departMs: Math.round(t * 1000), route, vtype, departSpeedMps, departPos, departLane, emergency: -1, order: order++, index: i, seq: seq++ });
  });
  const vehicleIds = new Set<string>();
  (sc.demand.vehicles ?? []).forEach((v, i) => {
    const at = ['demand', 'vehicles', i];
    if (vehicleIds.has(v.id)) throw err([...at, 'id'], `duplicate vehicle id "${v.id}"`);
    vehicleIds.add(v.id);
    const route = resolveRoute(v, at);
    reserve(route.length, at);
    raw.push({ departMs: Math.round(v.departS * 1000), route, vtype: typeOf(v.vehicleType, 'car', at), departSpeedMps: v.departSpeedMps ?? NaN, departPos: posOf(v.departPos), departLane: laneOf(v.departLane), emergency: -1, order: order++, index: i, seq: -1 });
  });
  const emergency: Array<{ id: string; priority: number; trip: number; spare?: boolean }> = [];
  const evIds = new Set<string>();
  (sc.emergencyVehicles ?? []).forEach((e, i) => {
    const at = ['emergencyVehicles', i];
    if (evIds.has(e.id)) throw err([...at, 'id'], `duplicate emergency vehicle id "${e.id}"`);
    evIds.add(e.id);
    const route = resolveRoute(e, at);
    reserve(Math.max(route.length, net.roads.length), at);
    raw.push({ departMs: Math.round(e.departS * 1000), route, vtype: typeOf(e.vehicleType, 'emergency', at), departSpeedMps: e.departSpeedMps ?? NaN, departPos: posOf(e.departPos), departLane: laneOf(e.departLane), emergency: emergency.length, order: order++, index: i, seq: -1 });
    emergency.push({ id: e.id, priority: e.priority ?? 1, trip: -1 });
  });

  // Spare emergency trips (the live service's simulator): no departure until a client asks for one.
  for (let i = 0; i < spareEmergency; i++) {
    raw.push({ departMs: Infinity, route: [0], vtype: typeOf(undefined, 'emergency', ['emergencyVehicles']), departSpeedMps: NaN, departPos: DEPART_START, departLane: DEPART_LANE_BEST, emergency: emergency.length, order: order++, index: i, seq: -1 });
    emergency.push({ id: '', priority: 1, trip: -1, spare: true });
  }

  raw.sort((a, b) => (a.departMs === b.departMs ? 0 : a.departMs - b.departMs) || a.order - b.order);
  const n = raw.length;
  let poolLen = 0;
  const capOf = (t: RawTrip): number => (t.emergency >= 0 ? Math.max(t.route.length, net.roads.length) : t.route.length);
  for (const t of raw) poolLen += capOf(t);
  const routeRoads = new Int32Array(poolLen);
  const routeMoves = new Int32Array(poolLen);
  const departMs = new Float64Array(n);
  const routeOff = new Int32Array(n);
  const routeLen = new Int32Array(n);
  const routeCap = new Int32Array(n);
  const vtype = new Int32Array(n);
  const departSpeedMps = new Float64Array(n);
  const departPos = new Uint8Array(n);
  const departLane = new Uint8Array(n);
  const freeFlowS = new Float64Array(n);
  const emergencyIdx = new Int32Array(n);
  const srcIndex = new Int32Array(n);
  const srcSeq = new Int32Array(n);
  const ffCache = new Map<number[], number>();
  const origins = new Set<number>();
  let off = 0;
  raw.forEach((t, k) => {
    departMs[k] = t.departMs;
    routeOff[k] = off;
    routeLen[k] = t.route.length;
    routeCap[k] = capOf(t);
    for (let q = 0; q < t.route.length; q++) {
      routeRoads[off + q] = t.route[q]!;
      routeMoves[off + q] = q + 1 < t.route.length ? net.movementByRoads.get(`${t.route[q]},${t.route[q + 1]}`)! : -1;
    }
    off += routeCap[k]!;
    vtype[k] = t.vtype;
    departSpeedMps[k] = t.departSpeedMps;
    departPos[k] = t.departPos;
    departLane[k] = t.departLane;
    let ff = ffCache.get(t.route);
    if (ff === undefined) ffCache.set(t.route, (ff = router.freeFlowS(t.route)));
    freeFlowS[k] = ff;
    emergencyIdx[k] = t.emergency;
    srcIndex[k] = t.index;
    srcSeq[k] = t.seq;
    if (t.emergency >= 0) emergency[t.emergency]!.trip = k;
    if (Number.isFinite(t.departMs)) origins.add(t.route[0]!);
  });

  // Design volumes: 4 × the busiest 15 minutes (windows sliding by 5 min) per movement.
  const designVph = designVolumes({ n, departMs, emergencyIdx, routeOff, routeLen, routeMoves }, net.movements.length, durationS);

  return {
    trips: {
      n,
      departMs,
      routeOff,
      routeCap,
      routeLen,
      routeRoads,
      routeMoves,
      vtype,
      departSpeedMps,
      departPos,
      departLane,
      freeFlowS,
      emergencyIdx,
      emergency,
      originRoads: Int32Array.from([...origins].sort((a, b) => a - b)),
      srcIndex,
      srcSeq,
    },
    designVph,
  };
}
