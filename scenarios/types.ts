/**
 * The greenwave scenario file, as TypeScript types. The JSON Schema in
 * `scenario.schema.json` is the validator; these types mirror it. Units are in
 * the names: M metres, S seconds, Ms milliseconds, Mps m/s, Mps2 m/s², Vph veh/h.
 */

export type Point = [number, number];

export interface SignalTimingJson {
  minGreenS?: number;
  maxGreenS?: number;
  /** Yellow change interval; default from the ITE formula and the approach speed. */
  yellowS?: number;
  /** Red clearance; default (W + L)/v (ITE) from the crossing distance. */
  allRedS?: number;
  /** Actuated vehicle extension (passage time). */
  passageS?: number;
  /** Lost time per phase used by Webster timing. */
  lostTimePerPhaseS?: number;
  /** Saturation flow per lane used by Webster timing. */
  saturationFlowVphpl?: number;
  cycleMinS?: number;
  cycleMaxS?: number;
}

export interface VehicleTypeJson {
  lengthM?: number;
  minGapM?: number;
  maxSpeedMps?: number;
  accelMps2?: number;
  decelMps2?: number;
  emergencyDecelMps2?: number;
  tauS?: number;
  sigma?: number;
  /** Changes lanes for speed: out of a lane whose vehicle ahead stands into a neighbouring lane that also serves its route and is freer (SUMO's speed-gain changes; default false). */
  laneChangeForSpeed?: boolean;
}

export interface PhaseJson {
  name?: string;
  /** Protected movements: green with right of way. Pairwise conflict-free. */
  movements: string[];
  /** Permitted movements: green but yielding to conflicting traffic (e.g. right turns in CityFlow plans). */
  permitted?: string[];
  /** Length of this phase in the scenario's own fixed plan (s), e.g. a CityFlow lightphase's time. */
  durationS?: number;
  /** A short phase that only bridges two greens (CityFlow's 5 s right-turns-only phase): the yellow and all-red play its part. */
  clearance?: boolean;
  minGreenS?: number;
  maxGreenS?: number;
  yellowS?: number;
  allRedS?: number;
}

export type IntersectionType = 'signal' | 'boundary' | 'uncontrolled';

export interface IntersectionJson {
  id: string;
  x: number;
  y: number;
  type?: IntersectionType;
  widthM?: number;
  signal?: SignalTimingJson;
  phases?: PhaseJson[];
}

export interface RoadJson {
  id: string;
  from: string;
  to: string;
  lanes: number;
  laneWidthM?: number;
  speedLimitMps?: number;
  laneSpeedLimitsMps?: number[];
  lengthM?: number;
  points?: Point[];
  laneUse?: string[];
  /** Lane ids, lane 0 (the innermost) first; default `ROAD_k` (kept from imported files, e.g. SUMO's `EDGE_INDEX`). */
  laneIds?: string[];
}

export type TurnType = 'left' | 'through' | 'right' | 'uturn';

export interface LaneLinkJson {
  fromLane: number;
  toLane: number;
  points?: Point[];
  /** Where a vehicle of this link waits inside the intersection for a gap while its movement is permitted (m from the stop line along the link); absent: at the stop line. */
  waitM?: number;
}

export interface MovementJson {
  id?: string;
  from: string;
  to: string;
  type?: TurnType;
  speedLimitMps?: number;
  laneLinks?: LaneLinkJson[];
}

export interface DetectorPlacementJson {
  enabled?: boolean;
  distanceM?: number;
  lengthM?: number;
}

export type DetectorKind = 'stopLine' | 'advance' | 'laneArea' | 'count';

export interface DetectorJson {
  id: string;
  road: string;
  lane: number;
  kind: DetectorKind;
  distanceM?: number;
  lengthM?: number;
}

export interface DetectorsJson {
  stopLine?: DetectorPlacementJson;
  advance?: DetectorPlacementJson;
  laneArea?: DetectorPlacementJson;
  count?: DetectorPlacementJson;
  list?: DetectorJson[];
}

export interface FlowJson {
  id: string;
  from?: string;
  to?: string;
  route?: string[];
  vehicleType?: string;
  /** Speed on entering the network (m/s); absent: as fast as the lane, the type and the vehicle ahead allow. */
  departSpeedMps?: number;
  /** Where on its first road a vehicle enters: at the start (default), or `random_free`: into any free gap along the road (SUMO's departPos). */
  departPos?: 'start' | 'random_free';
  /** Which lane of its first road a vehicle enters: `best` (default), the one with the most room among those serving its first movement; `first`, the rightmost of those (SUMO's default departLane). */
  departLane?: 'best' | 'first';
  vph?: number;
  profile?: Array<[number, number]>;
  intervalS?: number;
  arrivals?: 'poisson' | 'uniform';
  beginS?: number;
  endS?: number;
}

export interface VehicleJson {
  id: string;
  departS: number;
  from?: string;
  to?: string;
  route?: string[];
  vehicleType?: string;
  /** Speed on entering the network (m/s); absent: as fast as the lane, the type and the vehicle ahead allow. */
  departSpeedMps?: number;
  /** Where on its first road a vehicle enters: at the start (default), or `random_free`: into any free gap along the road (SUMO's departPos). */
  departPos?: 'start' | 'random_free';
  /** Which lane of its first road a vehicle enters: `best` (default), the one with the most room among those serving its first movement; `first`, the rightmost of those (SUMO's default departLane). */
  departLane?: 'best' | 'first';
}

export interface EmergencyVehicleJson {
  id: string;
  departS: number;
  from?: string;
  to?: string;
  route?: string[];
  priority?: number;
  vehicleType?: string;
  /** Speed on entering the network (m/s); absent: as fast as the lane, the type and the vehicle ahead allow. */
  departSpeedMps?: number;
  /** Where on its first road a vehicle enters: at the start (default), or `random_free`: into any free gap along the road (SUMO's departPos). */
  departPos?: 'start' | 'random_free';
  /** Which lane of its first road a vehicle enters: `best` (default), the one with the most room among those serving its first movement; `first`, the rightmost of those (SUMO's default departLane). */
  departLane?: 'best' | 'first';
}

export interface ScenarioJson {
  format: 'greenwave-scenario';
  version: 1;
  name?: string;
  description?: string;
  seed?: number;
  durationS: number;
  /** Time of day at t = 0 (s after midnight), for clock times; default none. */
  startTimeOfDayS?: number;
  stepMs?: number;
  signalDefaults?: SignalTimingJson;
  vehicleTypes?: Record<string, VehicleTypeJson>;
  intersections: IntersectionJson[];
  roads: RoadJson[];
  movements?: MovementJson[];
  detectors?: DetectorsJson;
  demand: { flows?: FlowJson[]; vehicles?: VehicleJson[] };
  emergencyVehicles?: EmergencyVehicleJson[];
}

/** A scenario together with where it came from, for error messages. */
export interface ScenarioSource {
  scenario: ScenarioJson;
  /** File path, or `builtin:NAME` for generated scenarios. */
  file: string;
}
