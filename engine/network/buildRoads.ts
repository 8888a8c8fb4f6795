/**
 * buildNetwork's first steps: intersection and road ids, the intersections
 * (type, box width, timing), then each road's geometry and its lanes, with
 * the graph's nodes and edges.
 */
import type { MultiDirectedGraph } from 'graphology';
import { jsonPath } from '../../scenarios/errors.js';
import type { IntersectionType, ScenarioJson } from '../../scenarios/types.js';
import { checkTiming, resolveTiming, type ErrorAt } from './buildTiming.js';
import { graphKey } from './graphKey.js';
import { add, endDir, polylineLength, rightOf, scale, startDir, trimPolyline, vec, type Vec } from './geometry.js';
import type { IntersectionModel, LaneModel, RoadModel } from './model.js';

export const DEFAULT_LANE_WIDTH_M = 3.2;
export const DEFAULT_SPEED_LIMIT_MPS = 13.89;
/** The longest road (m), as the schema bounds lengthM: also for lengths that come from the geometry. */
export const MAX_ROAD_M = 100_000;
/** Stop-line set-back added to the box half-width by default. */
const BOX_SETBACK_M = 2;

/** Default lane use by number of lanes, left lane first. */
export function defaultLaneUse(lanes: number): string[] {
  if (lanes === 1) return ['LTR'];
  if (lanes === 2) return ['LT', 'TR'];
  const out = ['L'];
  for (let i = 0; i < lanes - 2; i++) out.push('T');
  out.push('TR');
  return out;
}

/** Intersection id → index; rejects a duplicate id. */
export function indexIntersections(sc: ScenarioJson, err: ErrorAt): Map<string, number> {
  const intersectionIndex = new Map<string, number>();
  sc.intersections.forEach((j, i) => {
    if (intersectionIndex.has(j.id)) throw err(['intersections', i, 'id'], `duplicate id "${j.id}"`);
    intersectionIndex.set(j.id, i);
  });
  return intersectionIndex;
}

/** Road id → index, and per intersection the roads touching it; rejects bad ends and lane lists. */
export function indexRoads(sc: ScenarioJson, intersectionIndex: Map<string, number>, err: ErrorAt): { roadIndex: Map<string, number>; touching: number[][] } {
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
    if (r.laneIds && r.laneIds.length !== r.lanes) throw err(['roads', i, 'laneIds'], `has ${r.laneIds.length} entries for ${r.lanes} lanes`);
    roadIndex.set(r.id, i);
    touching[from]!.push(i);
    touching[to]!.push(i);
  });
  return { roadIndex, touching };
}

/** The intersections (type from the neighbours when not given, box width, checked timing), added to the graph as nodes. */
export function buildIntersections(
  sc: ScenarioJson,
  intersectionIndex: Map<string, number>,
  touching: number[][],
  graph: MultiDirectedGraph,
  err: ErrorAt,
): IntersectionModel[] {
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
    checkTiming(err, timing, ['intersections', i, 'signal']);
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
  for (const n of intersections) graph.addNode(graphKey(n.id), { x: n.point.x, y: n.point.y, type: n.type, idx: n.idx });
  return intersections;
}

/** Each road's geometry (cut back to the intersection boxes) and its lanes, added to the graph as an edge. */
export function buildRoads(
  sc: ScenarioJson,
  intersections: IntersectionModel[],
  intersectionIndex: Map<string, number>,
  graph: MultiDirectedGraph,
  err: ErrorAt,
): { roads: RoadModel[]; lanes: LaneModel[] } {
  const roads: RoadModel[] = [];
  const lanes: LaneModel[] = [];
  /** Lane ids given explicitly (laneIds), to refuse duplicates. */
  const laneIds = new Set<string>();
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
    if (lengthM > MAX_ROAD_M) throw err(['roads', i], `is ${(lengthM / 1000).toFixed(1)} km long from its geometry; a road is at most ${MAX_ROAD_M / 1000} km (the schema's lengthM bound)`);
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
        id: r.laneIds?.[k] ?? `${r.id}_${k}`,
        road: i,
        index: k,
        lengthM,
        speedMps: r.laneSpeedLimitsMps?.[k] ?? r.speedLimitMps ?? DEFAULT_SPEED_LIMIT_MPS,
        startPt: add(pts[0]!, scale(rightOf(dirStart), off)),
        endPt: add(pts[pts.length - 1]!, scale(rightOf(dirEnd), off)),
      });
    }
    if (r.laneIds)
      for (let k = 0; k < r.lanes; k++) {
        if (laneIds.has(r.laneIds[k]!)) throw err(['roads', i, 'laneIds', k], `duplicate lane id "${r.laneIds[k]}"`);
        laneIds.add(r.laneIds[k]!);
      }
    graph.addDirectedEdgeWithKey(r.id, graphKey(r.from), graphKey(r.to), { idx: i, lanes: r.lanes, lengthM, speedMps: lanes[road.firstLane]!.speedMps });
  });
  return { roads, lanes };
}
