/**
 * Scenario → network model. Resolves ids, geometry, lanes, movements and their
 * lane links, the conflict matrix, phases (the scenario's or the default plan)
 * and detectors, and rejects anything inconsistent with an InputError that
 * names the JSON path.
 */
import graphology from 'graphology';
import { InputError, jsonPath } from '../../scenarios/errors.js';
import type {
  DetectorKind,
  IntersectionType,
  ScenarioJson,
  SignalTimingJson,
  TurnType,
} from '../../scenarios/types.js';
import { iteAllRed, iteYellow } from './timing.js';
import { movementConflicts } from './conflicts.js';
import {
  angleDeg,
  angleDiffDeg,
  bezierPath,
  endDir,
  polylineLength,
  rightOf,
  scale,
  add,
  startDir,
  sub,
  trimPolyline,
  vec,
  type Vec,
} from './geometry.js';
import type {
  DetectorModel,
  IntersectionModel,
  LaneModel,
  LinkModel,
  MovementModel,
  NetworkModel,
  PhaseModel,
  ResolvedTiming,
  RoadModel,
} from './model.js';
import { defaultPhases, type LegInfo } from './phases.js';

const { MultiDirectedGraph } = graphology;

/** Defaults for signal timing where the scenario says nothing. */
export const TIMING_DEFAULTS: Readonly<ResolvedTiming> = {
  minGreenS: 7,
  maxGreenS: 60,
  yellowS: undefined,
  allRedS: undefined,
  passageS: 3,
  lostTimePerPhaseS: 4,
  saturationFlowVphpl: 1800,
  cycleMinS: 40,
  cycleMaxS: 150,
};

export const DEFAULT_LANE_WIDTH_M = 3.2;
export const DEFAULT_SPEED_LIMIT_MPS = 13.89;
/** Lateral acceleration that sets the speed on a turning path: v = √(a·R). */
export const TURN_LATERAL_ACCEL_MPS2 = 3;
export const MIN_TURN_SPEED_MPS = 4;
/** Stop-line set-back added to the box half-width by default. */
const BOX_SETBACK_M = 2;
export const DETECTOR_DEFAULTS = {
  stopLine: { distanceM: 0, lengthM: 6 },
  advance: { distanceM: 40, lengthM: 2 },
  /** A video or radar detector at the stop line sees about 200 m upstream (the whole lane if shorter). */
  laneArea: { distanceM: 0, lengthM: 200 },
  /**
   * ATSPM's set-back count detection for the Purdue Coordination Diagram:
   * about 400 ft upstream, beyond the queues, so that an arrival is counted
   * when it arrives and not when the queue it joined discharges.
   */
  count: { distanceM: 120, lengthM: 2 },
} as const;

/** Default lane use by number of lanes, left lane first. */
export function defaultLaneUse(lanes: number): string[] {
  if (lanes === 1) return ['LTR'];
  if (lanes === 2) return ['LT', 'TR'];
  const out = ['L'];
  for (let i = 0; i < lanes - 2; i++) out.push('T');
  out.push('TR');
  return out;
}

const TURN_LETTER: Record<TurnType, string> = { left: 'L', through: 'T', right: 'R', uturn: 'U' };

/** Turn type from the change of heading, right-hand traffic. */
export function turnType(inDir: Vec, outDir: Vec): TurnType {
  const d = angleDiffDeg(angleDeg(inDir), angleDeg(outDir));
  if (Math.abs(d) <= 45) return 'through';
  if (Math.abs(d) > 150) return 'uturn';
  return d > 0 ? 'left' : 'right';
}

function resolveTiming(...layers: Array<SignalTimingJson | undefined>): ResolvedTiming {
  const t: ResolvedTiming = { ...TIMING_DEFAULTS };
  for (const l of layers) {
    if (!l) continue;
    for (const [k, v] of Object.entries(l)) if (v !== undefined) (t as unknown as Record<string, number>)[k] = v;
  }
  return t;
}

/** Builds and checks the network model of a validated scenario. */
export function buildNetwork(sc: ScenarioJson, file: string): NetworkModel {
  const err = (parts: Array<string | number>, reason: string): InputError => new InputError(file, jsonPath(parts), reason);
  const graph = new MultiDirectedGraph();

  // ---- intersections
  const intersectionIndex = new Map<string, number>();
  sc.intersections.forEach((j, i) => {
    if (intersectionIndex.has(j.id)) throw err(['intersections', i, 'id'], `duplicate id "${j.id}"`);
    intersectionIndex.set(j.id, i);
  });
  const base = resolveTiming(sc.signalDefaults);
  const checkTiming = (t: ResolvedTiming, parts: Array<string | number>): void => {
    if (t.maxGreenS < t.minGreenS) throw err([...parts, 'maxGreenS'], `must be ≥ minGreenS (${t.minGreenS})`);
    if (t.cycleMaxS < t.cycleMinS) throw err([...parts, 'cycleMaxS'], `must be ≥ cycleMinS (${t.cycleMinS})`);
  };
  checkTiming(base, ['signalDefaults']);

  // ---- roads
  const roadIndex = new Map<string, number>();
  const touching: number[][] = sc.intersections.map(() => []);
  sc.roads.forEach((r, i) => {
    if (roadIndex.has(r.id)) throw err(['roads', i, 'id'], `duplicate id "${r.id}"`);
    const from = intersectionIndex.get(r.from);
    const to = intersectionIndex.get(r.to);
    if (from === undefined) throw err(['roads', i, 'from'], `unknown intersection "${r.from}"`);
    if (to === undefined) throw err(['roads', i, 'to'], `unknown intersection "${r.to}"`);
    if (from === to) throw err(['roads', i, 'to'], `road starts and ends at the same intersection "${r.to}"`);
    if (r.laneUse && r.laneUse.length !== r.lanes)
      throw err(['roads', i, 'laneUse'], `has ${r.laneUse.length} entries for ${r.lanes} lanes`);
    if (r.laneSpeedLimitsMps && r.laneSpeedLimitsMps.length !== r.lanes)
      throw err(['roads', i, 'laneSpeedLimitsMps'], `has ${r.laneSpeedLimitsMps.length} entries for ${r.lanes} lanes`);
    roadIndex.set(r.id, i);
    touching[from]!.push(i);
    touching[to]!.push(i);
  });

  const intersections: IntersectionModel[] = sc.intersections.map((j, i) => {
    const neighbours = new Set<number>();
    for (const r of touching[i]!) {
      const rj = sc.roads[r]!;
      neighbours.add(intersectionIndex.get(rj.from) === i ? intersectionIndex.get(rj.to)! : intersectionIndex.get(rj.from)!);
    }
    // A dead end is a boundary; a node joining two neighbours (a bend) needs no signal.
    const type: IntersectionType = j.type ?? (neighbours.size <= 1 ? 'boundary' : neighbours.size === 2 ? 'uncontrolled' : 'signal');
    const maxRoadWidth = Math.max(0, ...touching[i]!.map((r) => sc.roads[r]!.lanes * (sc.roads[r]!.laneWidthM ?? DEFAULT_LANE_WIDTH_M)));
    const widthM = j.widthM ?? (type === 'boundary' ? 0 : maxRoadWidth + BOX_SETBACK_M);
    const timing = resolveTiming(sc.signalDefaults, j.signal);
    checkTiming(timing, ['intersections', i, 'signal']);
    return {
      idx: i,
      id: j.id,
      path: jsonPath(['intersections', i]),
      point: vec(j.x, j.y),
      type,
      widthM,
      timing,
      inRoads: [],
      outRoads: [],
      movements: [],
      phases: [],
    };
  });
  for (const n of intersections) graph.addNode(n.id, { x: n.point.x, y: n.point.y, type: n.type, idx: n.idx });

  // ---- road geometry and lanes
  const roads: RoadModel[] = [];
  const lanes: LaneModel[] = [];
  sc.roads.forEach((r, i) => {
    const from = intersections[intersectionIndex.get(r.from)!]!;
    const to = intersections[intersectionIndex.get(r.to)!]!;
    const raw: Vec[] = r.points ? r.points.map(([x, y]) => vec(x, y)) : [from.point, to.point];
    const rawLen = polylineLength(raw);
    if (rawLen <= 0)
      throw err(r.points ? ['roads', i, 'points'] : ['roads', i], `has zero length: its ends coincide (intersections "${r.from}" and "${r.to}" are at the same point)`);
    const pts = trimPolyline(raw, from.widthM, to.widthM);
    const geomLen = polylineLength(pts);
    const lengthM = r.lengthM ?? geomLen;
    if (lengthM < 1)
      throw err(['roads', i], `is ${lengthM.toFixed(2)} m long after the intersection boxes are cut off; needs ≥ 1 m`);
    const dirStart = geomLen > 0 ? startDir(pts) : startDir(raw);
    const dirEnd = geomLen > 0 ? endDir(pts) : endDir(raw);
    const laneWidthM = r.laneWidthM ?? DEFAULT_LANE_WIDTH_M;
    const road: RoadModel = {
      idx: i,
      id: r.id,
      path: jsonPath(['roads', i]),
      from: from.idx,
      to: to.idx,
      lanes: r.lanes,
      laneWidthM,
      lengthM,
      points: pts,
      dirStart,
      dirEnd,
      laneUse: r.laneUse ?? defaultLaneUse(r.lanes),
      firstLane: lanes.length,
    };
    roads.push(road);
    from.outRoads.push(i);
    to.inRoads.push(i);
    for (let k = 0; k < r.lanes; k++) {
      const off = (k + 0.5) * laneWidthM;
      lanes.push({
        idx: lanes.length,
        id: `${r.id}_${k}`,
        road: i,
        index: k,
        lengthM,
        speedMps: r.laneSpeedLimitsMps?.[k] ?? r.speedLimitMps ?? DEFAULT_SPEED_LIMIT_MPS,
        startPt: add(pts[0]!, scale(rightOf(dirStart), off)),
        endPt: add(pts[pts.length - 1]!, scale(rightOf(dirEnd), off)),
      });
    }
    graph.addDirectedEdgeWithKey(r.id, r.from, r.to, { idx: i, lanes: r.lanes, lengthM, speedMps: lanes[road.firstLane]!.speedMps });
  });

  // ---- movements and lane links
  const explicit = new Map<number, number[]>(); // intersection → indices into sc.movements
  (sc.movements ?? []).forEach((m, i) => {
    const a = roadIndex.get(m.from);
    const b = roadIndex.get(m.to);
    if (a === undefined) throw err(['movements', i, 'from'], `unknown road "${m.from}"`);
    if (b === undefined) throw err(['movements', i, 'to'], `unknown road "${m.to}"`);
    if (roads[a]!.to !== roads[b]!.from)
      throw err(['movements', i], `road "${m.from}" ends at "${intersections[roads[a]!.to]!.id}" but road "${m.to}" starts at "${intersections[roads[b]!.from]!.id}"`);
    const at = roads[a]!.to;
    if (intersections[at]!.type === 'boundary')
      throw err(['movements', i], `intersection "${intersections[at]!.id}" is a boundary node and has no movements`);
    let list = explicit.get(at);
    if (!list) explicit.set(at, (list = []));
    list.push(i);
  });

  const movements: MovementModel[] = [];
  const links: LinkModel[] = [];
  const movementIndex = new Map<string, number>();
  const movementByRoads = new Map<string, number>();

  const addLink = (mv: MovementModel, fromLane: number, toLane: number, given: Vec[] | undefined, speedOverride: number | undefined): void => {
    const lin = lanes[fromLane]!;
    const lout = lanes[toLane]!;
    const inDir = roads[lin.road]!.dirEnd;
    const outDir = roads[lout.road]!.dirStart;
    const points = given ?? bezierPath(lin.endPt, inDir, lout.startPt, outDir);
    const lengthM = Math.max(1, polylineLength(points));
    let speedMps = Math.min(lin.speedMps, lout.speedMps);
    if (speedOverride !== undefined) speedMps = speedOverride;
    else if (mv.type !== 'through') {
      // Radius of the arc through both ends with this change of heading.
      const turn = Math.abs(angleDiffDeg(angleDeg(inDir), angleDeg(outDir))) * (Math.PI / 180);
      const chord = Math.hypot(lout.startPt.x - lin.endPt.x, lout.startPt.y - lin.endPt.y);
      const radius = turn > 1e-3 ? chord / (2 * Math.sin(turn / 2)) : Infinity;
      speedMps = Math.min(speedMps, Math.max(MIN_TURN_SPEED_MPS, Math.sqrt(TURN_LATERAL_ACCEL_MPS2 * radius)));
    }
    const centre = intersections[mv.inter]!.point;
    const a0 = points[0]!;
    const a1 = points[points.length - 1]!;
    links.push({
      idx: links.length,
      movement: mv.idx,
      fromLane,
      toLane,
      lengthM,
      speedMps,
      points,
      startAngle: angleDeg(sub(a0, centre)),
      endAngle: angleDeg(sub(a1, centre)),
    });
    mv.links.push(links.length - 1);
  };

  const newMovement = (inter: number, fromRoad: number, toRoad: number, type: TurnType, id: string, parts: Array<string | number>): MovementModel => {
    const key = `${fromRoad},${toRoad}`;
    if (movementByRoads.has(key)) throw err(parts, `duplicate movement from "${roads[fromRoad]!.id}" to "${roads[toRoad]!.id}"`);
    if (movementIndex.has(id)) throw err([...parts, 'id'], `duplicate movement id "${id}"`);
    const fromLane0 = lanes[roads[fromRoad]!.firstLane]!;
    const mv: MovementModel = {
      idx: movements.length,
      id,
      inter,
      fromRoad,
      toRoad,
      type,
      links: [],
      lengthM: 0,
      approachSpeedMps: fromLane0.speedMps,
    };
    movements.push(mv);
    movementIndex.set(id, mv.idx);
    movementByRoads.set(key, mv.idx);
    intersections[inter]!.movements.push(mv.idx);
    return mv;
  };

  for (const node of intersections) {
    if (node.type === 'boundary') continue;
    const ex = explicit.get(node.idx);
    if (ex) {
      for (const i of ex) {
        const m = sc.movements![i]!;
        const a = roadIndex.get(m.from)!;
        const b = roadIndex.get(m.to)!;
        const type = m.type ?? turnType(roads[a]!.dirEnd, roads[b]!.dirStart);
        const mv = newMovement(node.idx, a, b, type, m.id ?? `${m.from}>${m.to}`, ['movements', i]);
        const given = m.laneLinks ?? [];
        if (given.length === 0) {
          // No lane links given: every lane allowed by laneUse to every exit lane.
          const letter = TURN_LETTER[type];
          let any = false;
          roads[a]!.laneUse.forEach((use, k) => {
            if (!use.includes(letter)) return;
            any = true;
            for (let q = 0; q < roads[b]!.lanes; q++) addLink(mv, roads[a]!.firstLane + k, roads[b]!.firstLane + q, undefined, m.speedLimitMps);
          });
          if (!any) for (let q = 0; q < roads[b]!.lanes; q++) addLink(mv, roads[a]!.firstLane, roads[b]!.firstLane + q, undefined, m.speedLimitMps);
        }
        given.forEach((ll, k) => {
          if (ll.fromLane >= roads[a]!.lanes)
            throw err(['movements', i, 'laneLinks', k, 'fromLane'], `road "${m.from}" has only ${roads[a]!.lanes} lanes`);
          if (ll.toLane >= roads[b]!.lanes)
            throw err(['movements', i, 'laneLinks', k, 'toLane'], `road "${m.to}" has only ${roads[b]!.lanes} lanes`);
          addLink(
            mv,
            roads[a]!.firstLane + ll.fromLane,
            roads[b]!.firstLane + ll.toLane,
            ll.points?.map(([x, y]) => vec(x, y)),
            m.speedLimitMps,
          );
        });
      }
    } else {
      for (const a of node.inRoads) {
        for (const b of node.outRoads) {
          const ra = roads[a]!;
          const rb = roads[b]!;
          let type = turnType(ra.dirEnd, rb.dirStart);
          if (rb.to === ra.from) type = 'uturn';
          const letter = TURN_LETTER[type];
          const srcLanes: number[] = [];
          ra.laneUse.forEach((use, k) => {
            if (use.includes(letter)) srcLanes.push(k);
          });
          if (srcLanes.length === 0) continue;
          const mv = newMovement(node.idx, a, b, type, `${ra.id}>${rb.id}`, ra.path ? ['roads', a] : []);
          for (const k of srcLanes) for (let q = 0; q < rb.lanes; q++) addLink(mv, ra.firstLane + k, rb.firstLane + q, undefined, undefined);
        }
      }
    }
  }
  for (const mv of movements) {
    mv.lengthM = mv.links.reduce((s, l) => s + links[l]!.lengthM, 0) / Math.max(1, mv.links.length);
  }

  // ---- conflicts
  const conflicts: Uint8Array[] = [];
  const conflictKinds: string[][] = [];
  for (const node of intersections) {
    const { matrix, kinds } = movementConflicts(node.movements.map((m) => movements[m]!.links.map((l) => links[l]!)));
    conflicts.push(matrix);
    conflictKinds.push(kinds);
  }

  // ---- phases
  const phases: PhaseModel[] = [];
  for (const node of intersections) {
    const m = node.movements.length;
    const local = new Map(node.movements.map((g, k) => [g, k]));
    const conf = (a: number, b: number): boolean => conflicts[node.idx]![a * m + b] === 1;
    const jsonNode = sc.intersections[node.idx]!;
    if (node.type === 'boundary') {
      if (jsonNode.phases) throw err(['intersections', node.idx, 'phases'], 'a boundary node has no signal phases');
      continue;
    }
    if (node.type === 'uncontrolled') {
      if (jsonNode.phases) throw err(['intersections', node.idx, 'phases'], 'an uncontrolled intersection has no signal phases');
      for (let a = 0; a < m; a++)
        for (let b = a + 1; b < m; b++)
          if (conf(a, b))
            throw err(
              ['intersections', node.idx, 'type'],
              `is "uncontrolled" but movements "${movements[node.movements[a]!]!.id}" and "${movements[node.movements[b]!]!.id}" conflict; make it a "signal"`,
            );
      continue;
    }
    if (m === 0) {
      if (jsonNode.phases) throw err(['intersections', node.idx, 'phases'], 'the intersection has no movements for its phases to serve');
      continue;
    }
    interface PlanEntry {
      name: string;
      /** Local movement indices: protected, and permitted (yielding). */
      movements: number[];
      permitted: number[];
      json?: (typeof jsonNode.phases & object)[number];
      at: Array<string | number>;
    }
    let plan: PlanEntry[];
    const mvId = (k: number): string => movements[node.movements[k]!]!.id;
    const conflictWords = (a: number, b: number): string =>
      conflictKinds[node.idx]![a * m + b] === 'merge' ? 'merge into the same lane' : 'cross';
    if (jsonNode.phases) {
      plan = jsonNode.phases.map((p, pi) => {
        const at: Array<string | number> = ['intersections', node.idx, 'phases', pi];
        const resolve = (ids: readonly string[], field: string): number[] =>
          ids.map((id, k) => {
            const g = movementIndex.get(id);
            if (g === undefined) throw err([...at, field, k], `unknown movement "${id}"`);
            const l = local.get(g);
            if (l === undefined) throw err([...at, field, k], `movement "${id}" belongs to intersection "${intersections[movements[g]!.inter]!.id}"`);
            return l;
          });
        const mvs = resolve(p.movements, 'movements');
        const permitted = resolve(p.permitted ?? [], 'permitted');
        if (mvs.length + permitted.length === 0 && !p.clearance) throw err([...at, 'movements'], 'a phase needs at least one movement (only a clearance phase may have none)');
        permitted.forEach((k, q) => {
          if (mvs.includes(k)) throw err([...at, 'permitted', q], `movement "${mvId(k)}" is already protected in this phase`);
        });
        for (let a = 0; a < mvs.length; a++)
          for (let b = a + 1; b < mvs.length; b++)
            if (conf(mvs[a]!, mvs[b]!))
              throw err(
                [...at, 'movements'],
                `movements "${mvId(mvs[a]!)}" and "${mvId(mvs[b]!)}" conflict (their paths ${conflictWords(mvs[a]!, mvs[b]!)}) and cannot be green together; make one of them permitted`,
              );
        for (let a = 0; a < permitted.length; a++)
          for (let b = a + 1; b < permitted.length; b++)
            if (conf(permitted[a]!, permitted[b]!))
              throw err(
                [...at, 'permitted'],
                `permitted movements "${mvId(permitted[a]!)}" and "${mvId(permitted[b]!)}" conflict (their paths ${conflictWords(permitted[a]!, permitted[b]!)}): each would wait for the other`,
              );
        return { name: p.name ?? `phase ${pi + 1}`, movements: mvs, permitted, json: p, at };
      });
      const served = new Set(plan.flatMap((p) => [...p.movements, ...p.permitted]));
      for (let k = 0; k < m; k++)
        if (!served.has(k)) throw err(['intersections', node.idx, 'phases'], `movement "${mvId(k)}" is in no phase, so it would never get green`);
    } else {
      const legs: LegInfo[] = node.inRoads.map((r) => ({
        road: r,
        angleDeg: angleDeg(scale(roads[r]!.dirEnd, -1)),
        lanes: roads[r]!.lanes,
        movements: node.movements.map((g, k) => (movements[g]!.fromRoad === r ? k : -1)).filter((k) => k >= 0),
      }));
      plan = defaultPhases(legs, (k) => movements[node.movements[k]!]!.type, conf).map((p) => ({
        ...p,
        permitted: [],
        at: ['intersections', node.idx],
      }));
    }
    plan.forEach((p, pi) => {
      // clearance intervals from the phase's movements (an empty clearance phase: from all of the intersection's)
      const own = [...p.movements, ...p.permitted];
      const all = (own.length ? own : node.movements.map((_, k) => k)).map((k) => movements[node.movements[k]!]!);
      const t = resolveTiming(sc.signalDefaults, jsonNode.signal, p.json);
      checkTiming(t, p.at);
      const yellowS = p.json?.yellowS ?? t.yellowS ?? Math.max(...all.map((mv) => iteYellow(mv.approachSpeedMps)));
      const allRedS = p.json?.allRedS ?? t.allRedS ?? Math.max(...all.map((mv) => iteAllRed(mv.lengthM, mv.approachSpeedMps)));
      phases.push({
        idx: phases.length,
        inter: node.idx,
        local: pi,
        name: p.name,
        movements: p.movements.map((k) => node.movements[k]!),
        permitted: p.permitted.map((k) => node.movements[k]!),
        minGreenS: t.minGreenS,
        maxGreenS: t.maxGreenS,
        yellowS,
        allRedS,
        durationS: p.json?.durationS,
        clearance: p.json?.clearance ?? false,
      });
      node.phases.push(phases.length - 1);
    });
  }

  // ---- detectors
  const detectors: DetectorModel[] = [];
  const detIds = new Set<string>();
  const dcfg = sc.detectors ?? {};
  const addDet = (id: string, kind: DetectorKind, lane: number, distanceM: number, lengthM: number): void => {
    const L = lanes[lane]!.lengthM;
    const endM = Math.max(0, L - distanceM);
    const startM = Math.max(0, endM - lengthM);
    detectors.push({ idx: detectors.length, id, kind, lane, startM, endM: Math.max(endM, startM + 1e-3) });
    detIds.add(id);
  };
  for (const road of roads) {
    const toNode = intersections[road.to]!;
    const signalised = toNode.type === 'signal';
    for (let k = 0; k < road.lanes; k++) {
      const lane = road.firstLane + k;
      const L = lanes[lane]!.lengthM;
      if (signalised && dcfg.stopLine?.enabled !== false) {
        const d = { ...DETECTOR_DEFAULTS.stopLine, ...dcfg.stopLine };
        addDet(`${lanes[lane]!.id}_stop`, 'stopLine', lane, d.distanceM, Math.min(d.lengthM, L));
      }
      if (signalised && dcfg.advance?.enabled !== false) {
        const d = { ...DETECTOR_DEFAULTS.advance, ...dcfg.advance };
        if (d.distanceM + d.lengthM <= L) addDet(`${lanes[lane]!.id}_adv`, 'advance', lane, d.distanceM, d.lengthM);
      }
      if (dcfg.laneArea?.enabled !== false) {
        const d = { ...DETECTOR_DEFAULTS.laneArea, ...dcfg.laneArea };
        addDet(`${lanes[lane]!.id}_cam`, 'laneArea', lane, d.distanceM, Math.min(d.lengthM, L - d.distanceM));
      }
    }
  }
  // Count loops after all the others, so adding them left the others' indices (and event-log channels) as they were.
  if (dcfg.count?.enabled !== false) {
    const d = { ...DETECTOR_DEFAULTS.count, ...dcfg.count };
    for (const road of roads) {
      if (intersections[road.to]!.type !== 'signal') continue;
      for (let k = 0; k < road.lanes; k++) {
        const lane = road.firstLane + k;
        if (d.distanceM + d.lengthM <= lanes[lane]!.lengthM) addDet(`${lanes[lane]!.id}_cnt`, 'count', lane, d.distanceM, d.lengthM);
      }
    }
  }
  (dcfg.list ?? []).forEach((d, i) => {
    const at = ['detectors', 'list', i];
    if (detIds.has(d.id)) throw err([...at, 'id'], `duplicate detector id "${d.id}"`);
    const r = roadIndex.get(d.road);
    if (r === undefined) throw err([...at, 'road'], `unknown road "${d.road}"`);
    if (d.lane >= roads[r]!.lanes) throw err([...at, 'lane'], `road "${d.road}" has only ${roads[r]!.lanes} lanes`);
    const lane = roads[r]!.firstLane + d.lane;
    const L = lanes[lane]!.lengthM;
    const distanceM = d.distanceM ?? (d.kind === 'laneArea' ? 0 : DETECTOR_DEFAULTS[d.kind].distanceM);
    const lengthM = d.lengthM ?? (d.kind === 'laneArea' ? Math.min(DETECTOR_DEFAULTS.laneArea.lengthM, L - distanceM) : DETECTOR_DEFAULTS[d.kind].lengthM);
    if (distanceM + lengthM > L + 1e-6)
      throw err([...at, 'distanceM'], `detector reaches ${(distanceM + lengthM).toFixed(1)} m upstream but the lane is ${L.toFixed(1)} m long`);
    addDet(d.id, d.kind, lane, distanceM, lengthM);
  });

  return {
    graph,
    intersections,
    roads,
    lanes,
    movements,
    links,
    phases,
    detectors,
    conflicts,
    intersectionIndex,
    roadIndex,
    movementIndex,
    movementByRoads,
  };
}
