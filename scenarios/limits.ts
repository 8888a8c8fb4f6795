/**
 * The most one run may ask for, checked from an estimate made on the
 * scenario itself before anything big is built or drawn: a scenario that
 * would not fit in memory is bad input, refused at once with one line
 * naming the field and the limit, not a crash minutes later
 * (docs/SCENARIO.md#limits).
 *
 * What takes the memory: the built network, about 11 kB per lane (grid-100x100,
 * 101,000 lanes, takes 1.2 GB), and the trip table, about 200 bytes per trip
 * plus 8 bytes per road of each trip's route (100,000,000 route roads: 800 MB).
 */
import { InputError, jsonPath } from './errors.js';
import type { FlowJson, ScenarioJson } from './types.js';

/** Simulated seconds: one week, the schema's durationS maximum (the --duration flags and the library's durationS obey it too). */
export const MAX_DURATION_S = 604_800;
/** One flow's rate (veh/h): the schema's maximum for vph and for each rate of a profile. */
export const MAX_FLOW_VPH = 20_000;
/** The shortest intervalS (s), the schema's minimum: one vehicle every 0.18 s is MAX_FLOW_VPH. */
export const MIN_INTERVAL_S = 0.18;
/** Lanes in all: about 1.7 GB once built. */
export const MAX_LANES = 150_000;
/** Trips in one run: flows' departures, vehicles and emergency vehicles. */
export const MAX_TRIPS = 4_000_000;
/** The trip table's route room: every trip's route length added up (an emergency vehicle keeps room for the network's every road, to be re-routed). */
export const MAX_ROUTE_ROADS = 100_000_000;

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));

/** Rate (veh/h) of a profile sorted by time at t: piecewise linear, constant outside it (the simulator draws departures from it). */
export function rateAt(p: ReadonlyArray<readonly [number, number]>, t: number): number {
  if (t <= p[0]![0]) return p[0]![1];
  for (let i = 1; i < p.length; i++) {
    const [t1, r1] = p[i]!;
    if (t <= t1) {
      const [t0, r0] = p[i - 1]!;
      return t1 > t0 ? r0 + ((r1 - r0) * (t - t0)) / (t1 - t0) : r1;
    }
  }
  return p[p.length - 1]![1];
}

/**
 * About how many vehicles a flow sends in a run of durationS seconds: exact
 * for intervalS (give or take one), the mean for vph and profile. Infinity for
 * a rate that never ends (an intervalS ≤ 0, a rate that is not a number).
 */
export function expectedDepartures(f: FlowJson, durationS: number): number {
  const begin = f.beginS ?? 0;
  const end = Math.min(f.endS ?? Infinity, durationS);
  if (f.intervalS !== undefined) {
    if (!(f.intervalS > 0)) return Infinity;
    return end >= begin && begin < durationS ? Math.floor((end - begin) / f.intervalS) + 1 : 0;
  }
  if (!(end > begin)) return 0;
  if (f.profile && f.profile.length) {
    const p = [...f.profile].sort((a, b) => a[0] - b[0]);
    if (p.some(([t, r]) => !Number.isFinite(t) || !Number.isFinite(r))) return Infinity;
    // trapezoids between the profile's points: exact for a piecewise-linear rate
    const ts = [begin, ...p.map((q) => q[0]).filter((t) => t > begin && t < end), end];
    let vehH = 0;
    for (let i = 1; i < ts.length; i++) vehH += ((ts[i]! - ts[i - 1]!) * (rateAt(p, ts[i - 1]!) + rateAt(p, ts[i]!))) / 2;
    return vehH / 3600;
  }
  const vph = f.vph ?? 0;
  return Number.isFinite(vph) ? (Math.max(0, vph) * (end - begin)) / 3600 : Infinity;
}

/** Refuses a run longer than MAX_DURATION_S: `where` names the field (durationS, options.durationS). */
export function checkDuration(file: string, where: string, durationS: number): void {
  if (durationS > MAX_DURATION_S) throw new InputError(file, where, `must be ≤ ${MAX_DURATION_S} s (one week), got ${durationS}`);
}

/** Refuses a network of more than MAX_LANES lanes, before it is built. */
export function checkLanes(sc: Pick<ScenarioJson, 'roads'>, file: string): void {
  let lanes = 0;
  for (const r of sc.roads) lanes += r.lanes;
  if (lanes > MAX_LANES) throw new InputError(file, 'roads', `${fmt(lanes)} lanes in all; a scenario has at most ${fmt(MAX_LANES)} lanes`);
}

/** The route-room error for the trips up to `parts` (the simulator's own count, once routes are known). */
export function routeRoomError(file: string, parts: Array<string | number>, roads: number): InputError {
  return new InputError(
    file,
    jsonPath(parts),
    `the trips so far need room for about ${fmt(roads)} route roads (trips × roads per route); a run has at most ${fmt(MAX_ROUTE_ROADS)}: shorten the run or the routes`,
  );
}

/**
 * The estimate of a run's work, before anything is built: the duration, the
 * lanes, the trips (each flow's expected departures, the vehicles, the
 * emergency vehicles) and the trips' route room counted from the routes as
 * written (a from/to route as one road; the simulator counts again once the
 * routes are known). Throws an InputError naming the field and the limit.
 */
export function checkWork(sc: ScenarioJson, file: string, durationS: number, durationField = 'durationS'): void {
  checkDuration(file, durationField, durationS);
  checkLanes(sc, file);
  const flows = sc.demand.flows ?? [];
  const vehicles = sc.demand.vehicles ?? [];
  const emergency = sc.emergencyVehicles ?? [];
  let trips = vehicles.length + emergency.length;
  let room = emergency.length * Math.max(1, sc.roads.length);
  let top = -1;
  let topTrips = 0;
  flows.forEach((f, i) => {
    const n = expectedDepartures(f, durationS);
    trips += n;
    room += n * Math.max(1, f.route?.length ?? 1);
    if (!(n <= topTrips)) {
      top = i;
      topTrips = n;
    }
  });
  for (const v of vehicles) room += Math.max(1, v.route?.length ?? 1);
  const span = `in ${durationS} s`;
  if (!(topTrips <= MAX_TRIPS))
    throw new InputError(file, jsonPath(['demand', 'flows', top]), `flow "${flows[top]!.id}" sends about ${fmt(topTrips)} vehicles ${span}; a run has at most ${fmt(MAX_TRIPS)} trips`);
  if (!(trips <= MAX_TRIPS)) {
    const most = top >= 0 ? ` (the most, demand.flows[${top}] "${flows[top]!.id}": about ${fmt(topTrips)})` : '';
    throw new InputError(file, 'demand', `the flows, vehicles and emergency vehicles make about ${fmt(trips)} trips ${span}${most}; a run has at most ${fmt(MAX_TRIPS)} trips`);
  }
  if (!(room <= MAX_ROUTE_ROADS)) throw routeRoomError(file, ['demand'], room);
}
