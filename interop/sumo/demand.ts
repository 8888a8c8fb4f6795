/** SUMO's demand in a greenwave scenario: vehicle types, vehicles, trips and flows in the run's window, shifted to start at 0. */
import type { NetworkModel } from '../../engine/network/index.js';
import { InputError } from '../../scenarios/errors.js';
import type { EmergencyVehicleJson, FlowJson, VehicleJson, VehicleTypeJson } from '../../scenarios/types.js';
import { clamp, type Ctx } from './common.js';
import { SUMO_PASSENGER, type SumoDemand, type SumoDeparture, type SumoVType } from './routes.js';

function vehicleType(t: SumoVType): VehicleTypeJson {
  return {
    lengthM: clamp(t.length, 1, 30),
    minGapM: clamp(t.minGap, 0.5, 10),
    maxSpeedMps: clamp(t.maxSpeed, 1, 70),
    accelMps2: clamp(t.accel, 0.3, 10),
    decelMps2: clamp(t.decel, 0.5, 10),
    emergencyDecelMps2: clamp(Math.max(t.emergencyDecel, t.decel), 1, 15),
    tauS: clamp(t.tau, 0.3, 5),
    sigma: clamp(t.sigma, 0, 1),
    laneChangeForSpeed: t.lcSpeedGain > 0,
  };
}

/** Vehicles, flows and trips in the run's window, shifted to start at 0. */
export function convertDemand(
  c: Ctx,
  d: SumoDemand,
  model: NetworkModel,
  beginS: number,
  durationS: number,
  warnings: string[],
): { vehicleTypes: Record<string, VehicleTypeJson>; flows: FlowJson[]; vehicles: VehicleJson[]; emergency: EmergencyVehicleJson[] } {
  // keyed by SUMO's vType ids, which are data (`__proto__` too): no prototype to collide with
  const vehicleTypes: Record<string, VehicleTypeJson> = Object.create(null);
  const emergencyTypes = new Set<string>();
  const typeName = (id: string, el: { file: string; pos: { line: number; column: number }; id: string }, tag: string): string => {
    if (id === 'DEFAULT_VEHTYPE' && !d.vTypes.has(id)) {
      vehicleTypes['DEFAULT_VEHTYPE'] ??= vehicleType({ id, vClass: 'passenger', ...SUMO_PASSENGER, carFollowModel: 'Krauss', lcSpeedGain: 1, pos: el.pos });
      return id;
    }
    const t = d.vTypes.get(id);
    if (!t) throw new InputError(el.file, `<${tag} id="${el.id}"> at ${el.pos.line}:${el.pos.column} type`, `unknown vType "${id}"`);
    vehicleTypes[id] ??= vehicleType(t);
    if (t.vClass === 'emergency') emergencyTypes.add(id);
    return id;
  };
  const checkEdges = (edges: string[], el: { file: string; pos: { line: number; column: number }; id: string }, tag: string, attr: string): string[] => {
    for (const e of edges) {
      if (model.roadIndex.has(e)) continue;
      const where = `<${tag} id="${el.id}"> at ${el.pos.line}:${el.pos.column} ${attr}`;
      if (c.net.edgeById.has(e)) throw new InputError(el.file, where, `edge "${e}" has no lane that allows passenger cars`);
      throw new InputError(el.file, where, `unknown edge "${e}"`);
    }
    return edges;
  };
  // SUMO's departSpeed (default 0: from standstill): a number is kept; max, desired and speedLimit are
  // greenwave's default (as fast as the lane, the type and the vehicle ahead allow), and so, with a
  // warning, are random, avg and last, which greenwave does not model.
  let approxSpeeds = 0;
  const departSpeed = (el: SumoDeparture, tag: string): { departSpeedMps?: number } => {
    const ds = el.departSpeed;
    if (ds === undefined) return { departSpeedMps: 0 };
    if (ds === 'max' || ds === 'desired' || ds === 'speedLimit') return {};
    if (ds === 'random' || ds === 'avg' || ds === 'last') {
      approxSpeeds++;
      return {};
    }
    const x = Number(ds);
    if (ds.trim() === '' || !Number.isFinite(x) || x < 0 || x > 100)
      throw new InputError(el.file, `<${tag} id="${el.id}"> at ${el.pos.line}:${el.pos.column} departSpeed`, `must be a speed from 0 to 100 m/s or max, desired, speedLimit, random, avg or last, got "${ds}"`);
    return { departSpeedMps: x };
  };
  // SUMO's departPos: random, free and random_free are greenwave's random_free (any free gap along the
  // first edge); base (the default) is the edge's start; a position, last and stop enter at the start too, counted.
  let approxPos = 0;
  const departPos = (el: SumoDeparture): { departPos?: 'random_free' } => {
    const dp = el.departPos;
    if (dp === 'random' || dp === 'free' || dp === 'random_free') return { departPos: 'random_free' };
    if (dp !== undefined && dp !== 'base') approxPos++;
    return {};
  };
  // SUMO's departLane: first (the default) puts a vehicle on the rightmost lane, from which it changes to
  // one its route needs: greenwave's departLane "first" (the rightmost lane that serves the first
  // movement); best, free, random, allowed and a lane number are greenwave's default (the lane with the
  // most room among those that serve it), a number counted in a warning.
  let approxLane = 0;
  const departLane = (el: SumoDeparture): { departLane?: 'first' } => {
    const dl = el.departLane;
    if (dl === undefined || dl === 'first') return { departLane: 'first' };
    if (!['best', 'free', 'random', 'allowed'].includes(dl)) approxLane++;
    return {};
  };
  const vehicles: VehicleJson[] = [];
  const emergency: EmergencyVehicleJson[] = [];
  let outside = 0;
  for (const v of d.vehicles) {
    const t = v.departS - beginS;
    const vt = typeName(v.type, v, 'vehicle');
    const route = v.edges ? checkEdges(v.edges, v, 'vehicle', 'route') : undefined;
    const from = route ? undefined : checkEdges([v.from!], v, 'trip', 'from')[0];
    const to = route ? undefined : checkEdges([v.to!], v, 'trip', 'to')[0];
    if (!route && v.via.length) checkEdges(v.via, v, 'trip', 'via');
    if (t < 0 || t >= durationS) {
      outside++;
      continue;
    }
    const spec = { ...(route ? { route } : { route: from === to && v.via.length === 0 ? [from!] : [from!, ...v.via, to!] }), ...departSpeed(v, 'vehicle'), ...departPos(v), ...departLane(v) };
    if (emergencyTypes.has(vt)) emergency.push({ id: v.id, departS: t, ...spec, vehicleType: vt });
    else vehicles.push({ id: v.id, departS: t, ...spec, vehicleType: vt });
  }
  const flows: FlowJson[] = [];
  for (const f of d.flows) {
    const vt = typeName(f.type, f, 'flow');
    const route = f.edges ? checkEdges(f.edges, f, 'flow', 'route') : [...checkEdges([f.from ?? ''], f, 'flow', 'from'), ...checkEdges(f.via, f, 'flow', 'via'), ...checkEdges([f.to ?? ''], f, 'flow', 'to')];
    const b = Math.max(0, f.beginS - beginS);
    const e = Math.min(durationS, (Number.isFinite(f.endS) ? f.endS : Infinity) - beginS);
    if (e <= b) {
      outside++;
      continue;
    }
    const flow: FlowJson = { id: f.id, route, vehicleType: vt, ...departSpeed(f, 'flow'), ...departPos(f), ...departLane(f), beginS: b, endS: e };
    if (f.vehsPerHour !== undefined) Object.assign(flow, { vph: f.vehsPerHour, arrivals: 'uniform' });
    else if (f.periodS !== undefined) flow.intervalS = f.periodS;
    else if (f.probability !== undefined) Object.assign(flow, { vph: f.probability * 3600, arrivals: 'poisson' });
    else flow.intervalS = (Math.min(f.endS, Infinity) - f.beginS) / Math.max(1, f.number!);
    flows.push(flow);
  }
  if (outside) warnings.push(`${outside} vehicles and flows depart outside the run's window (${beginS}–${beginS + durationS} s) and are left out`);
  if (approxSpeeds) warnings.push(`${approxSpeeds} vehicles and flows with departSpeed random, avg or last enter as fast as the lane and the vehicle ahead allow (greenwave does not model those)`);
  if (approxPos) warnings.push(`${approxPos} vehicles and flows with a departPos other than base, random, free or random_free enter at the start of their first edge`);
  if (approxLane) warnings.push(`${approxLane} vehicles and flows with a departLane other than first, best, free, random or allowed enter the lane with the most room among those serving their first movement`);
  if (d.skipped) warnings.push(`${d.skipped} persons and containers are left out (greenwave simulates vehicles)`);
  return { vehicleTypes, flows, vehicles, emergency };
}
