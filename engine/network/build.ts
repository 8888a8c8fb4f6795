/**
 * Scenario → network model. Resolves ids, geometry, lanes, movements and their
 * lane links, the conflict matrix, phases (the scenario's or the default plan)
 * and detectors, and rejects anything inconsistent with an InputError that
 * names the JSON path.
 *
 * buildNetwork runs the steps in order; each lives with its kind of object:
 * buildRoads.ts (intersections, roads, lanes, the graph), buildMovements.ts
 * (movements, lane links, conflicts), buildPhases.ts, buildDetectors.ts, and
 * buildTiming.ts (timing defaults and checks, shared).
 */
import graphology from 'graphology';
import { InputError, jsonPath } from '../../scenarios/errors.js';
import type { ScenarioJson } from '../../scenarios/types.js';
import { buildDetectors } from './buildDetectors.js';
import { buildConflicts, buildMovements, explicitMovements } from './buildMovements.js';
import { buildPhases } from './buildPhases.js';
import { buildIntersections, buildRoads, indexIntersections, indexRoads } from './buildRoads.js';
import { checkTiming, resolveTiming, type ErrorAt } from './buildTiming.js';
import { graphKey } from './graphKey.js';
import type { NetworkModel } from './model.js';

export { TIMING_DEFAULTS } from './buildTiming.js';
export { DEFAULT_LANE_WIDTH_M, DEFAULT_SPEED_LIMIT_MPS, defaultLaneUse } from './buildRoads.js';
export { TURN_LATERAL_ACCEL_MPS2, MIN_TURN_SPEED_MPS, turnType } from './buildMovements.js';
export { DETECTOR_DEFAULTS } from './buildDetectors.js';

const { MultiDirectedGraph } = graphology;

/**
 * The first steps of a build: intersections, roads, movements with their lane
 * links and paths, and the conflict matrix, without phases or detectors. For
 * an importer that needs the conflicts to write the phases: it then finishes
 * the same stage with `buildNetwork(sc, file, stage)` instead of building the
 * whole network again (a big imported net takes seconds per build).
 */
export interface NetworkStage {
  /** The scenario the stage was built from (its roads and movements must be the final scenario's, the same arrays). */
  readonly source: ScenarioJson;
  graph: InstanceType<typeof MultiDirectedGraph>;
  intersectionIndex: Map<string, number>;
  roadIndex: Map<string, number>;
  intersections: NetworkModel['intersections'];
  roads: NetworkModel['roads'];
  lanes: NetworkModel['lanes'];
  movements: NetworkModel['movements'];
  links: NetworkModel['links'];
  movementIndex: Map<string, number>;
  movementByRoads: Map<string, number>;
  conflicts: Uint8Array[];
  conflictKinds: string[][];
}

export function buildConflictModel(sc: ScenarioJson, file: string): NetworkStage {
  const err: ErrorAt = (parts, reason) => new InputError(file, jsonPath(parts), reason);
  const graph = new MultiDirectedGraph();
  const intersectionIndex = indexIntersections(sc, err);
  const { roadIndex, touching } = indexRoads(sc, intersectionIndex, err);
  const intersections = buildIntersections(sc, intersectionIndex, touching, graph, err);
  const { roads, lanes } = buildRoads(sc, intersections, intersectionIndex, graph, err);
  const explicit = explicitMovements(sc, intersections, roads, roadIndex, err);
  const { movements, links, movementIndex, movementByRoads } = buildMovements(sc, intersections, roads, lanes, roadIndex, explicit, err);
  const { conflicts, conflictKinds } = buildConflicts(intersections, movements, links);
  return { source: sc, graph, intersectionIndex, roadIndex, intersections, roads, lanes, movements, links, movementIndex, movementByRoads, conflicts, conflictKinds };
}

/**
 * Whether `stage` can be finished for `sc`: the same roads and movements (the
 * same arrays), and the same intersections but for their type between
 * signal and uncontrolled, their timing and their phases.
 */
function stageFits(stage: NetworkStage, sc: ScenarioJson): boolean {
  const a = stage.source;
  if (stage.intersections.some((n) => n.phases.length > 0)) return false; // finished already
  if (a.roads !== sc.roads || a.movements !== sc.movements || a.intersections.length !== sc.intersections.length) return false;
  return sc.intersections.every((j, i) => {
    const k = a.intersections[i]!;
    return j.id === k.id && j.x === k.x && j.y === k.y && j.widthM === k.widthM && (j.type === 'boundary') === (k.type === 'boundary') && j.type !== undefined && k.type !== undefined;
  });
}

/**
 * Builds and checks the network model of a validated scenario; from `stage`
 * (buildConflictModel of a scenario with the same roads and movements) it
 * only retypes the intersections and adds phases and detectors. A stage that
 * does not fit is ignored and the network is built whole.
 */
export function buildNetwork(sc: ScenarioJson, file: string, stage?: NetworkStage): NetworkModel {
  const err: ErrorAt = (parts, reason) => new InputError(file, jsonPath(parts), reason);
  checkTiming(err, resolveTiming(sc.signalDefaults), ['signalDefaults']);
  if (stage && stageFits(stage, sc)) return finish(stage, sc, err, true);
  return finish(buildConflictModel(sc, file), sc, err, false);
}

/** The last steps on a stage: (for a stage built from another scenario) each intersection's type and timing from `sc`, then phases and detectors. */
function finish(stage: NetworkStage, sc: ScenarioJson, err: ErrorAt, retype: boolean): NetworkModel {
  const { graph, intersections, roads, lanes, movements, links, conflicts, conflictKinds, movementIndex } = stage;
  if (retype)
    sc.intersections.forEach((j, i) => {
      const node = intersections[i]!;
      node.type = j.type!;
      node.timing = resolveTiming(sc.signalDefaults, j.signal);
      checkTiming(err, node.timing, ['intersections', i, 'signal']);
      graph.setNodeAttribute(graphKey(node.id), 'type', node.type);
    });
  const phases = buildPhases(sc, intersections, roads, movements, movementIndex, conflicts, conflictKinds, err);
  const detectors = buildDetectors(sc, intersections, roads, lanes, stage.roadIndex, err);
  return { graph, intersections, roads, lanes, movements, links, phases, detectors, conflicts, intersectionIndex: stage.intersectionIndex, roadIndex: stage.roadIndex, movementIndex, movementByRoads: stage.movementByRoads };
}
