/**
 * buildNetwork's phase step: the signal phases of every signalised
 * intersection (the scenario's, checked against the conflict matrix, or the
 * default plan), with their timing and ITE clearance intervals.
 */
import type { PhaseJson, ScenarioJson } from '../../scenarios/types.js';
import { checkTiming, resolveTiming, type ErrorAt } from './buildTiming.js';
import { angleDeg, scale } from './geometry.js';
import type { IntersectionModel, MovementModel, PhaseModel, RoadModel } from './model.js';
import { defaultPhases, type LegInfo } from './phases.js';
import { iteAllRed, iteYellow } from './timing.js';

/** One phase of an intersection's plan, before timing. */
interface PlanEntry {
  name: string;
  /** Local movement indices: protected, and permitted (yielding). */
  movements: number[];
  permitted: number[];
  json?: PhaseJson;
  at: Array<string | number>;
}

/**
 * The phases of every intersection; boundary nodes have none, and an
 * uncontrolled intersection none either (its movements must not conflict).
 */
export function buildPhases(
  sc: ScenarioJson,
  intersections: IntersectionModel[],
  roads: RoadModel[],
  movements: MovementModel[],
  movementIndex: Map<string, number>,
  conflicts: Uint8Array[],
  conflictKinds: string[][],
  err: ErrorAt,
): PhaseModel[] {
  const phases: PhaseModel[] = [];
  for (const node of intersections) {
    const m = node.movements.length;
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
    const plan = jsonNode.phases
      ? scenarioPlan(jsonNode.phases, node, intersections, movements, movementIndex, conf, conflictKinds[node.idx]!, err)
      : defaultPlan(node, roads, movements, conf);
    plan.forEach((p, pi) => {
      // clearance intervals from the phase's movements (an empty clearance phase: from all of the intersection's)
      const own = [...p.movements, ...p.permitted];
      const all = (own.length ? own : node.movements.map((_, k) => k)).map((k) => movements[node.movements[k]!]!);
      const t = resolveTiming(sc.signalDefaults, jsonNode.signal, p.json);
      checkTiming(err, t, p.at);
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
  return phases;
}

/**
 * The scenario's phases of `node`, checked: known movements of this
 * intersection, no two conflicting ones protected (or permitted) together,
 * and every movement in some phase.
 */
function scenarioPlan(
  jsonPhases: PhaseJson[],
  node: IntersectionModel,
  intersections: IntersectionModel[],
  movements: MovementModel[],
  movementIndex: Map<string, number>,
  conf: (a: number, b: number) => boolean,
  kinds: string[],
  err: ErrorAt,
): PlanEntry[] {
  const m = node.movements.length;
  const local = new Map(node.movements.map((g, k) => [g, k]));
  const mvId = (k: number): string => movements[node.movements[k]!]!.id;
  const conflictWords = (a: number, b: number): string =>
    kinds[a * m + b] === 'merge' ? 'merge into the same lane' : 'cross';
  const plan = jsonPhases.map((p, pi) => {
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
  return plan;
}

/** The default plan of `node` (phases.ts), from its approaches. */
function defaultPlan(node: IntersectionModel, roads: RoadModel[], movements: MovementModel[], conf: (a: number, b: number) => boolean): PlanEntry[] {
  const legs: LegInfo[] = node.inRoads.map((r) => ({
    road: r,
    angleDeg: angleDeg(scale(roads[r]!.dirEnd, -1)),
    lanes: roads[r]!.lanes,
    movements: node.movements.map((g, k) => (movements[g]!.fromRoad === r ? k : -1)).filter((k) => k >= 0),
  }));
  return defaultPhases(legs, (k) => movements[node.movements[k]!]!.type, conf).map((p) => ({
    ...p,
    permitted: [],
    at: ['intersections', node.idx],
  }));
}
