/**
 * CityFlow roadnet + flow files → a greenwave scenario.
 *
 * Kept as CityFlow has it: intersection, road and lane ids (`road_1_0_1`,
 * lanes `<roadId>_<k>`), geometry (points, lane widths, the `width` cut off road
 * ends at non-virtual intersections), lane speed limits, roadLinks and their
 * laneLinks (one movement per roadLink, in order, with the links' own paths),
 * lightphases (one phase per lightphase, in order, with its `time`), vehicle
 * parameters, routes (gaps filled by the shortest path, as CityFlow does) and
 * exact departure times (`flow_<i>_<k>` vehicle ids).
 *
 * What greenwave adds: yellow and all-red (CityFlow has no yellow state; a
 * dataset's short right-turns-only lightphase, 5 s in Hangzhou and Jinan, is
 * marked as the clearance and its time becomes yellow + all-red), a split of
 * each lightphase into protected and permitted movements (CityFlow resolves
 * conflicts inside a phase by priority, straight > left > right; greenwave
 * gives the lower-priority movement a permitted green so that it yields), and
 * detectors (stop-line and advance loops, lane-area cameras) at the defaults.
 */
import { basename, dirname } from 'node:path';
import { buildNetwork, Router, type NetworkModel } from '../../engine/network/index.js';
import { iteYellow, toStepMs } from '../../engine/network/timing.js';
import { InputError, jsonPath } from '../../scenarios/errors.js';
import { checkLanes } from '../../scenarios/limits.js';
import type { FlowJson, IntersectionJson, MovementJson, PhaseJson, RoadJson, ScenarioJson, TurnType, VehicleJson, VehicleTypeJson } from '../../scenarios/types.js';
import { parseJson, readText, validateWithSchema } from '../../scenarios/validate.js';
import roadnetSchema from './cityflow-roadnet.schema.json' with { type: 'json' };
import flowSchema from './cityflow-flow.schema.json' with { type: 'json' };

interface CfPoint {
  x: number;
  y: number;
}
interface CfRoadLink {
  type: 'go_straight' | 'turn_left' | 'turn_right';
  startRoad: string;
  endRoad: string;
  laneLinks: Array<{ startLaneIndex: number; endLaneIndex: number; points?: CfPoint[] }>;
}
interface CfIntersection {
  id: string;
  point: CfPoint;
  virtual: boolean;
  width?: number;
  roadLinks?: CfRoadLink[];
  trafficLight?: { lightphases: Array<{ time: number; availableRoadLinks: number[] }> };
}
interface CfRoad {
  id: string;
  startIntersection: string;
  endIntersection: string;
  points: CfPoint[];
  lanes: Array<{ width: number; maxSpeed: number }>;
}
export interface CfRoadnet {
  intersections: CfIntersection[];
  roads: CfRoad[];
}
interface CfVehicle {
  length: number;
  width: number;
  maxPosAcc: number;
  maxNegAcc: number;
  usualPosAcc: number;
  usualNegAcc: number;
  minGap: number;
  maxSpeed: number;
  headwayTime: number;
}
interface CfFlow {
  vehicle: CfVehicle;
  route: string[];
  interval: number;
  startTime?: number;
  endTime?: number;
}

export interface CityFlowImportOptions {
  /** Simulated seconds (default 3600, the length of the reference runs). */
  durationS?: number;
  seed?: number;
  name?: string;
}

export interface CityFlowImport {
  scenario: ScenarioJson;
  /** Things CityFlow would do differently, said once each (e.g. non-integer start times). */
  warnings: string[];
  counts: { intersections: number; signals: number; roads: number; lanes: number; movements: number; flows: number; vehicles: number };
}

const TURN: Record<CfRoadLink['type'], TurnType> = { go_straight: 'through', turn_left: 'left', turn_right: 'right' };
/** CityFlow's conflict priority: the lower yields. */
const PRIORITY: Record<CfRoadLink['type'], number> = { go_straight: 3, turn_left: 2, turn_right: 1 };
/** A lightphase this short whose green movements are only right turns bridges two greens. */
const CLEARANCE_MAX_S = 10;

/** Reads, parses and checks a CityFlow roadnet file. */
export function readCityFlowRoadnet(file: string): CfRoadnet {
  const rn = validateWithSchema<CfRoadnet>(roadnetSchema, parseJson(readText(file), file), file);
  const err = (parts: Array<string | number>, reason: string): InputError => new InputError(file, jsonPath(parts), reason);
  const inters = new Map<string, number>();
  rn.intersections.forEach((it, i) => {
    if (inters.has(it.id)) throw err(['intersections', i, 'id'], `duplicate id "${it.id}"`);
    inters.set(it.id, i);
  });
  const roads = new Map<string, number>();
  rn.roads.forEach((r, i) => {
    if (roads.has(r.id)) throw err(['roads', i, 'id'], `duplicate id "${r.id}"`);
    roads.set(r.id, i);
    if (!inters.has(r.startIntersection)) throw err(['roads', i, 'startIntersection'], `unknown intersection "${r.startIntersection}"`);
    if (!inters.has(r.endIntersection)) throw err(['roads', i, 'endIntersection'], `unknown intersection "${r.endIntersection}"`);
    if (r.startIntersection === r.endIntersection) throw err(['roads', i, 'endIntersection'], 'road starts and ends at the same intersection');
  });
  rn.intersections.forEach((it, i) => {
    if (it.virtual) return;
    const links = it.roadLinks ?? [];
    links.forEach((rl, k) => {
      const at = ['intersections', i, 'roadLinks', k];
      const a = roads.get(rl.startRoad);
      const b = roads.get(rl.endRoad);
      if (a === undefined) throw err([...at, 'startRoad'], `unknown road "${rl.startRoad}"`);
      if (b === undefined) throw err([...at, 'endRoad'], `unknown road "${rl.endRoad}"`);
      if (rn.roads[a]!.endIntersection !== it.id) throw err([...at, 'startRoad'], `road "${rl.startRoad}" does not end at intersection "${it.id}"`);
      if (rn.roads[b]!.startIntersection !== it.id) throw err([...at, 'endRoad'], `road "${rl.endRoad}" does not start at intersection "${it.id}"`);
      if (rl.laneLinks.length === 0) throw err([...at, 'laneLinks'], 'a roadLink needs at least one laneLink');
      rl.laneLinks.forEach((ll, q) => {
        if (ll.startLaneIndex >= rn.roads[a]!.lanes.length)
          throw err([...at, 'laneLinks', q, 'startLaneIndex'], `road "${rl.startRoad}" has only ${rn.roads[a]!.lanes.length} lanes`);
        if (ll.endLaneIndex >= rn.roads[b]!.lanes.length)
          throw err([...at, 'laneLinks', q, 'endLaneIndex'], `road "${rl.endRoad}" has only ${rn.roads[b]!.lanes.length} lanes`);
      });
      for (let q = 0; q < k; q++)
        if (links[q]!.startRoad === rl.startRoad && links[q]!.endRoad === rl.endRoad)
          throw err(at, `roadLinks ${q} and ${k} both go from "${rl.startRoad}" to "${rl.endRoad}"; greenwave needs one movement per pair of roads`);
    });
    (it.trafficLight?.lightphases ?? []).forEach((ph, j) =>
      ph.availableRoadLinks.forEach((r, q) => {
        if (r >= links.length)
          throw err(['intersections', i, 'trafficLight', 'lightphases', j, 'availableRoadLinks', q], `no roadLink ${r}: the intersection has ${links.length}`);
      }),
    );
  });
  return rn;
}

/** Reads and checks a CityFlow flow file. */
export function readCityFlowFlows(file: string): CfFlow[] {
  return validateWithSchema<CfFlow[]>(flowSchema, parseJson(readText(file), file), file);
}

const xy = (p: CfPoint): [number, number] => [p.x, p.y];

/** The network part of the scenario: intersections, roads, movements (phases are added once conflicts are known). */
function convertNetwork(rn: CfRoadnet): { intersections: IntersectionJson[]; roads: RoadJson[]; movements: MovementJson[] } {
  const intersections: IntersectionJson[] = rn.intersections.map((it) => {
    if (it.virtual) return { id: it.id, x: it.point.x, y: it.point.y, type: 'boundary', widthM: 0 };
    return { id: it.id, x: it.point.x, y: it.point.y, type: 'signal', widthM: it.width ?? 0 };
  });
  const roads: RoadJson[] = rn.roads.map((r) => {
    const speeds = r.lanes.map((l) => l.maxSpeed);
    const width = r.lanes.reduce((s, l) => s + l.width, 0) / r.lanes.length;
    const road: RoadJson = {
      id: r.id,
      from: r.startIntersection,
      to: r.endIntersection,
      lanes: r.lanes.length,
      laneWidthM: Math.min(10, Math.max(1.5, width)),
      points: r.points.map(xy),
    };
    if (speeds.every((v) => v === speeds[0])) road.speedLimitMps = speeds[0]!;
    else road.laneSpeedLimitsMps = speeds;
    return road;
  });
  const movements: MovementJson[] = [];
  for (const it of rn.intersections) {
    if (it.virtual) continue;
    for (const rl of it.roadLinks ?? []) {
      movements.push({
        from: rl.startRoad,
        to: rl.endRoad,
        type: TURN[rl.type],
        laneLinks: rl.laneLinks.map((ll) => {
          const out: { fromLane: number; toLane: number; points?: Array<[number, number]> } = { fromLane: ll.startLaneIndex, toLane: ll.endLaneIndex };
          if (ll.points && ll.points.length >= 2) out.points = ll.points.map(xy);
          return out;
        }),
      });
    }
  }
  return { intersections, roads, movements };
}

/**
 * Splits each lightphase into protected and permitted movements by CityFlow's
 * priority (straight > left > right): a movement is protected unless it
 * conflicts with a higher-priority one already protected, in which case it is
 * permitted (it yields).
 */
function convertPhases(rn: CfRoadnet, model: NetworkModel, sc: { intersections: IntersectionJson[] }, roadnetFile: string): void {
  rn.intersections.forEach((it, i) => {
    if (it.virtual) return;
    const node = model.intersections[i]!;
    const links = it.roadLinks ?? [];
    const m = node.movements.length;
    const conflict = (a: number, b: number): boolean => model.conflicts[i]![a * m + b] === 1;
    const lightphases = it.trafficLight?.lightphases ?? [];
    const json = sc.intersections[i]!;
    if (lightphases.length === 0) {
      // No signal plan: uncontrolled if nothing conflicts, else a signal with greenwave's default plan.
      let any = false;
      for (let a = 0; a < m && !any; a++) for (let b = a + 1; b < m && !any; b++) any = conflict(a, b);
      json.type = links.length === 0 || !any ? 'uncontrolled' : 'signal';
      return;
    }
    const id = (k: number): string => model.movements[node.movements[k]!]!.id;
    const phases: PhaseJson[] = lightphases.map((lp, j) => {
      const order = [...new Set(lp.availableRoadLinks)].sort((a, b) => PRIORITY[links[b]!.type] - PRIORITY[links[a]!.type] || a - b);
      const prot: number[] = [];
      const perm: number[] = [];
      for (const k of order) {
        if (prot.some((p) => conflict(p, k))) {
          if (perm.some((p) => conflict(p, k)))
            throw new InputError(
              roadnetFile,
              jsonPath(['intersections', i, 'trafficLight', 'lightphases', j]),
              `roadLinks ${perm.find((p) => conflict(p, k))} and ${k} conflict and both yield to a higher-priority roadLink; greenwave cannot show them together`,
            );
          perm.push(k);
        } else prot.push(k);
      }
      const onlyRights = lp.availableRoadLinks.every((k) => links[k]!.type === 'turn_right');
      const phase: PhaseJson = { name: `lightphase ${j}`, movements: prot.map(id), durationS: lp.time > 0 ? lp.time : 0.001 };
      if (perm.length) phase.permitted = perm.map(id);
      // an all-red lightphase, or a short right-turns-only one, only bridges two greens
      if (lp.availableRoadLinks.length === 0 || (onlyRights && lp.time <= CLEARANCE_MAX_S)) phase.clearance = true;
      return phase;
    });
    json.phases = phases;
    // A clearance lightphase's time becomes the yellow + all-red of every change.
    const clear = lightphases.filter((_, j) => phases[j]!.clearance).map((lp) => lp.time);
    if (clear.length) {
      const clearS = Math.min(...clear);
      const approach = Math.max(...node.inRoads.map((r) => model.lanes[model.roads[r]!.firstLane]!.speedMps));
      const yellowS = Math.min(clearS, toStepMs(iteYellow(approach), 1000) / 1000);
      json.signal = { minGreenS: 5, maxGreenS: 120, yellowS: Math.max(2, yellowS), allRedS: Math.max(0, clearS - Math.max(2, yellowS)) };
    } else {
      json.signal = { minGreenS: 5, maxGreenS: 120 };
    }
  });
}

const isInt = (x: number | undefined): boolean => x === undefined || Number.isInteger(x);

/** Imports a CityFlow roadnet and flow file pair. Throws InputError naming the file, path and reason. */
export function importCityFlow(roadnetFile: string, flowFile: string, opts: CityFlowImportOptions = {}): CityFlowImport {
  const rn = readCityFlowRoadnet(roadnetFile);
  const flows = readCityFlowFlows(flowFile);
  const warnings: string[] = [];
  const net = convertNetwork(rn);
  const durationS = opts.durationS ?? 3600;
  const base: ScenarioJson = {
    format: 'greenwave-scenario',
    version: 1,
    name: opts.name ?? `cityflow:${basename(dirname(roadnetFile)) || basename(roadnetFile)}`,
    description: `Imported from CityFlow files ${basename(roadnetFile)} and ${basename(flowFile)}`,
    seed: opts.seed ?? 1,
    durationS,
    stepMs: 1000,
    intersections: net.intersections,
    roads: net.roads,
    movements: net.movements,
    demand: {},
  };
  checkLanes(base, roadnetFile); // a roadnet too big to run is refused before it is built
  // Pass 1: the network with greenwave's default plans, to learn the conflicts; then CityFlow's own phases.
  const model1 = buildNetwork(base, roadnetFile);
  convertPhases(rn, model1, base, roadnetFile);
  const model = buildNetwork(base, roadnetFile);
  const router = new Router(model);

  // Vehicle types: one per distinct parameter set.
  const types = new Map<string, string>();
  const vehicleTypes: Record<string, VehicleTypeJson> = {};
  const typeOf = (v: CfVehicle): string => {
    const key = JSON.stringify([v.length, v.minGap, v.maxSpeed, v.maxPosAcc, v.usualPosAcc, v.usualNegAcc, v.maxNegAcc, v.headwayTime]);
    let name = types.get(key);
    if (name === undefined) {
      name = types.size === 0 ? 'cityflow' : `cityflow-${types.size + 1}`;
      types.set(key, name);
      const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
      vehicleTypes[name] = {
        lengthM: clamp(v.length, 1, 30),
        minGapM: clamp(v.minGap, 0.5, 10),
        maxSpeedMps: clamp(v.maxSpeed, 1, 70),
        accelMps2: clamp(Math.min(v.usualPosAcc, v.maxPosAcc), 0.3, 10),
        decelMps2: clamp(v.usualNegAcc, 0.5, 10),
        emergencyDecelMps2: clamp(Math.max(v.maxNegAcc, v.usualNegAcc), 1, 15),
        tauS: clamp(v.headwayTime, 0.3, 5),
      };
    }
    return name;
  };

  const flowsOut: FlowJson[] = [];
  const vehicles: VehicleJson[] = [];
  let nonInteger = 0;
  flows.forEach((f, i) => {
    const at = (...p: Array<string | number>): string => jsonPath([i, ...p]);
    const anchors = f.route.map((id, k) => {
      const r = model.roadIndex.get(id);
      if (r === undefined) throw new InputError(flowFile, at('route', k), `unknown road "${id}"`);
      return r;
    });
    const full = router.expand(anchors);
    if (!full) {
      for (let k = 1; k < anchors.length; k++)
        if (!router.expand([anchors[k - 1]!, anchors[k]!]))
          throw new InputError(flowFile, at('route', k), `road "${f.route[k]}" cannot be reached from road "${f.route[k - 1]}"`);
    }
    if (!isInt(f.startTime) || !isInt(f.endTime)) {
      nonInteger++;
      if (nonInteger === 1)
        warnings.push(
          `${flowFile}: ${at(isInt(f.startTime) ? 'endTime' : 'startTime')}: ${isInt(f.startTime) ? f.endTime : f.startTime} is not an integer; CityFlow reads such values as the default (startTime 0, endTime -1 = an endless stream); greenwave uses the exact times meant`,
        );
    }
    const start = Math.max(0, f.startTime ?? 0);
    const end = f.endTime ?? -1;
    const vehicleType = typeOf(f.vehicle);
    if (end !== -1 && end < start) {
      warnings.push(`${flowFile}: ${at('endTime')}: ${end} is before startTime ${start}; the flow sends no vehicle`);
      return;
    }
    if (end !== -1 && end === start) vehicles.push({ id: `flow_${i}_0`, departS: start, route: f.route, vehicleType });
    else {
      const flow: FlowJson = { id: `flow_${i}`, route: f.route, vehicleType, intervalS: f.interval, beginS: start };
      if (end !== -1) flow.endS = end;
      flowsOut.push(flow);
    }
  });
  if (nonInteger > 1) warnings.push(`${flowFile}: ${nonInteger} flows in all have non-integer startTime or endTime`);

  const scenario: ScenarioJson = { ...base, vehicleTypes, demand: {} };
  if (flowsOut.length) scenario.demand.flows = flowsOut;
  if (vehicles.length) scenario.demand.vehicles = vehicles;
  return {
    scenario,
    warnings,
    counts: {
      intersections: model.intersections.length,
      signals: model.intersections.filter((n) => n.type === 'signal').length,
      roads: model.roads.length,
      lanes: model.lanes.length,
      movements: model.movements.length,
      flows: flows.length,
      vehicles: vehicles.length,
    },
  };
}
