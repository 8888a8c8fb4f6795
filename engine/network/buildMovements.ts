/**
 * buildNetwork's movement steps: the movements through each intersection (the
 * scenario's, or every turn its lane use allows) with their lane links and
 * paths, and the conflict matrix of each intersection's movements.
 */
import type { ScenarioJson, TurnType } from '../../scenarios/types.js';
import type { ErrorAt } from './buildTiming.js';
import { movementConflicts } from './conflicts.js';
import { angleDeg, angleDiffDeg, bezierPath, polylineLength, sub, vec, type Vec } from './geometry.js';
import type { IntersectionModel, LaneModel, LinkModel, MovementModel, RoadModel } from './model.js';

/** Lateral acceleration that sets the speed on a turning path: v = √(a·R). */
export const TURN_LATERAL_ACCEL_MPS2 = 3;
export const MIN_TURN_SPEED_MPS = 4;

const TURN_LETTER: Record<TurnType, string> = { left: 'L', through: 'T', right: 'R', uturn: 'U' };

/** Turn type from the change of heading, right-hand traffic. */
export function turnType(inDir: Vec, outDir: Vec): TurnType {
  const d = angleDiffDeg(angleDeg(inDir), angleDeg(outDir));
  if (Math.abs(d) <= 45) return 'through';
  if (Math.abs(d) > 150) return 'uturn';
  return d > 0 ? 'left' : 'right';
}

/** The scenario's movements, checked, by intersection: intersection → indices into sc.movements. */
export function explicitMovements(
  sc: ScenarioJson,
  intersections: IntersectionModel[],
  roads: RoadModel[],
  roadIndex: Map<string, number>,
  err: ErrorAt,
): Map<number, number[]> {
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
  return explicit;
}

export interface BuiltMovements {
  movements: MovementModel[];
  links: LinkModel[];
  movementIndex: Map<string, number>;
  movementByRoads: Map<string, number>;
}

/**
 * The movements of every intersection that is not a boundary, with their lane
 * links (path, length, speed): the scenario's where it lists any for the
 * intersection (`explicit`), else every turn the lane use allows.
 */
export function buildMovements(
  sc: ScenarioJson,
  intersections: IntersectionModel[],
  roads: RoadModel[],
  lanes: LaneModel[],
  roadIndex: Map<string, number>,
  explicit: Map<number, number[]>,
  err: ErrorAt,
): BuiltMovements {
  const movements: MovementModel[] = [];
  const links: LinkModel[] = [];
  const movementIndex = new Map<string, number>();
  const movementByRoads = new Map<string, number>();

  const addLink = (mv: MovementModel, fromLane: number, toLane: number, given: Vec[] | undefined, speedOverride: number | undefined, waitM = 0): void => {
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
      waitM: Math.min(waitM, lengthM),
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
            ll.points ? ll.points.map(([x, y]) => vec(x, y)) : undefined,
            m.speedLimitMps,
            ll.waitM,
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
  return { movements, links, movementIndex, movementByRoads };
}

/** Per intersection: the conflict matrix of its movements (local indices, m × m) and the kind of each conflict. */
export function buildConflicts(
  intersections: IntersectionModel[],
  movements: MovementModel[],
  links: LinkModel[],
): { conflicts: Uint8Array[]; conflictKinds: string[][] } {
  const conflicts: Uint8Array[] = [];
  const conflictKinds: string[][] = [];
  for (const node of intersections) {
    const { matrix, kinds } = movementConflicts(node.movements.map((m) => movements[m]!.links.map((l) => links[l]!)));
    conflicts.push(matrix);
    conflictKinds.push(kinds);
  }
  return { conflicts, conflictKinds };
}
