/**
 * The network model: the scenario's intersections, roads, lanes, movements,
 * lane links, conflicts, phases and detectors, resolved and checked, with ids.
 * Built once from a scenario (build.ts), then compiled to typed arrays
 * (compile.ts) for the simulator and the controllers.
 */
import type { MultiDirectedGraph } from 'graphology';
import type { DetectorKind, IntersectionType, TurnType } from '../../scenarios/types.js';
import type { Vec } from './geometry.js';

/** Signal timing after defaults and overrides are applied (seconds). */
export interface ResolvedTiming {
  minGreenS: number;
  maxGreenS: number;
  /** undefined: from the ITE formula per movement. */
  yellowS: number | undefined;
  /** undefined: from the ITE formula per movement. */
  allRedS: number | undefined;
  passageS: number;
  lostTimePerPhaseS: number;
  saturationFlowVphpl: number;
  cycleMinS: number;
  cycleMaxS: number;
}

export interface IntersectionModel {
  idx: number;
  id: string;
  /** JSON path of the intersection in the scenario, for messages. */
  path: string;
  point: Vec;
  type: IntersectionType;
  widthM: number;
  timing: ResolvedTiming;
  inRoads: number[];
  outRoads: number[];
  /** Global movement indices, contiguous. */
  movements: number[];
  /** Global phase indices, in service order. */
  phases: number[];
}

export interface RoadModel {
  idx: number;
  id: string;
  path: string;
  from: number;
  to: number;
  lanes: number;
  laneWidthM: number;
  lengthM: number;
  /** Polyline after trimming the intersection boxes at both ends. */
  points: Vec[];
  /** Unit direction at the start and at the end. */
  dirStart: Vec;
  dirEnd: Vec;
  laneUse: string[];
  /** Global index of lane 0. */
  firstLane: number;
}

export interface LaneModel {
  idx: number;
  /** `<roadId>_<laneIndex>`, CityFlow's convention. */
  id: string;
  road: number;
  index: number;
  lengthM: number;
  speedMps: number;
  /** Stop-line end point and start point (centre of the lane). */
  endPt: Vec;
  startPt: Vec;
}

export interface MovementModel {
  idx: number;
  /** `<fromRoad>><toRoad>` unless the scenario names it. */
  id: string;
  inter: number;
  fromRoad: number;
  toRoad: number;
  type: TurnType;
  links: number[];
  /** Mean length of the movement's lane links (m). */
  lengthM: number;
  /** Speed of the approach lanes (m/s), used for the ITE yellow. */
  approachSpeedMps: number;
}

export interface LinkModel {
  idx: number;
  movement: number;
  fromLane: number;
  toLane: number;
  lengthM: number;
  speedMps: number;
  points: Vec[];
  /** Where a vehicle waits inside the intersection while its movement is permitted (m along the link; 0: at the stop line). */
  waitM: number;
  /** Angles (deg) of the link's two ends seen from the intersection centre. */
  startAngle: number;
  endAngle: number;
}

export interface PhaseModel {
  idx: number;
  inter: number;
  /** Index within the intersection's phases. */
  local: number;
  name: string;
  /** Protected movements (global indices): green with right of way. */
  movements: number[];
  /** Permitted movements (global indices): green, but yielding to conflicting traffic. */
  permitted: number[];
  minGreenS: number;
  maxGreenS: number;
  yellowS: number;
  allRedS: number;
  /** Length in the scenario's own fixed plan (s), if it has one. */
  durationS: number | undefined;
  /** Only bridges two greens; its part is played by the yellow and all-red. */
  clearance: boolean;
}

export interface DetectorModel {
  idx: number;
  id: string;
  kind: DetectorKind;
  lane: number;
  /** Zone along the lane, metres from the lane start: [startM, endM]. */
  startM: number;
  endM: number;
}

export interface NetworkModel {
  /** Intersections as nodes (keyed by graphKey(id): the id itself unless it is a name on Object.prototype or begins with `@`), roads as directed edges (keyed by id). */
  graph: MultiDirectedGraph;
  intersections: IntersectionModel[];
  roads: RoadModel[];
  lanes: LaneModel[];
  movements: MovementModel[];
  links: LinkModel[];
  phases: PhaseModel[];
  detectors: DetectorModel[];
  /** Per intersection: local movement conflict matrix (m × m, 1 = conflict). */
  conflicts: Uint8Array[];
  intersectionIndex: Map<string, number>;
  roadIndex: Map<string, number>;
  movementIndex: Map<string, number>;
  /** Movement from road a to road b: key `${a},${b}` → movement index. */
  movementByRoads: Map<string, number>;
}
