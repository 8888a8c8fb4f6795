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
import type { NetworkModel } from './model.js';

export { TIMING_DEFAULTS } from './buildTiming.js';
export { DEFAULT_LANE_WIDTH_M, DEFAULT_SPEED_LIMIT_MPS, defaultLaneUse } from './buildRoads.js';
export { TURN_LATERAL_ACCEL_MPS2, MIN_TURN_SPEED_MPS, turnType } from './buildMovements.js';
export { DETECTOR_DEFAULTS } from './buildDetectors.js';

const { MultiDirectedGraph } = graphology;

/**
 * The first steps only: intersections, roads, movements and the conflict
 * matrix, without phases or detectors (an importer that needs the conflicts
 * to write the phases; cheaper than a full build on a big network). A lane
 * link given a path keeps only its two ends (a chord: all the conflicts
 * read), so links' lengths here are chord lengths.
 */
export function buildConflictModel(sc: ScenarioJson, file: string): Pick<NetworkModel, 'intersections' | 'roads' | 'lanes' | 'movements' | 'links' | 'conflicts' | 'movementIndex'> {
  const err: ErrorAt = (parts, reason) => new InputError(file, jsonPath(parts), reason);
  const graph = new MultiDirectedGraph();
  const intersectionIndex = indexIntersections(sc, err);
  const { roadIndex, touching } = indexRoads(sc, intersectionIndex, err);
  const intersections = buildIntersections(sc, intersectionIndex, touching, graph, err);
  const { roads, lanes } = buildRoads(sc, intersections, intersectionIndex, graph, err);
  const explicit = explicitMovements(sc, intersections, roads, roadIndex, err);
  const { movements, links, movementIndex } = buildMovements(sc, intersections, roads, lanes, roadIndex, explicit, err, true);
  const { conflicts } = buildConflicts(intersections, movements, links);
  return { intersections, roads, lanes, movements, links, conflicts, movementIndex };
}

/** Builds and checks the network model of a validated scenario. */
export function buildNetwork(sc: ScenarioJson, file: string): NetworkModel {
  const err: ErrorAt = (parts, reason) => new InputError(file, jsonPath(parts), reason);
  const graph = new MultiDirectedGraph();

  const intersectionIndex = indexIntersections(sc, err);
  checkTiming(err, resolveTiming(sc.signalDefaults), ['signalDefaults']);
  const { roadIndex, touching } = indexRoads(sc, intersectionIndex, err);
  const intersections = buildIntersections(sc, intersectionIndex, touching, graph, err);
  const { roads, lanes } = buildRoads(sc, intersections, intersectionIndex, graph, err);
  const explicit = explicitMovements(sc, intersections, roads, roadIndex, err);
  const { movements, links, movementIndex, movementByRoads } = buildMovements(sc, intersections, roads, lanes, roadIndex, explicit, err);
  const { conflicts, conflictKinds } = buildConflicts(intersections, movements, links);
  const phases = buildPhases(sc, intersections, roads, movements, movementIndex, conflicts, conflictKinds, err);
  const detectors = buildDetectors(sc, intersections, roads, lanes, roadIndex, err);
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
