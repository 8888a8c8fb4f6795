/** The shapes of a sweep: its cells (one run each), their results, and the summaries over seeds. */
import type { Paired, Summary } from './stats.js';

/** Which simulator moves the vehicles: greenwave's own, or SUMO driven over TraCI. */
export type SweepSim = 'greenwave' | 'sumo';

/** One run: a scenario under a controller in one simulator with one seed. */
export interface SweepCell {
  /** Position in the sweep's fixed order (scenario, simulator, controller, seed). */
  index: number;
  /** As given: a built-in name, a scenario file, `cityflow:ROADNET,FLOW`, `cityflow:DATASET` (shipped) or `sumo:CFG`. */
  scenario: string;
  sim: SweepSim;
  controller: string;
  seed: number;
  /** Simulated seconds (absent: the scenario's). */
  durationS?: number;
}

/** The figures a cell gives (SPEC §4 definitions). */
export interface CellMetrics {
  /** Mean travel time over every trip due (unfinished counted to the end), s. */
  travelTimeS: number;
  /** Mean delay, s. */
  delayS: number;
  /** Mean stops per trip (SUMO: its waitingCount). */
  stops: number;
  /** Completed trips per hour of the run. */
  throughputVph: number;
  /** Mean travel time of the emergency vehicles that were due, s; null when there were none. */
  emergencyTravelTimeS: number | null;
  /** Their mean delay (travel time less the free-flow time of their route), s; null when there were none. */
  emergencyDelayS: number | null;
  /** Phase changes per signal per hour. */
  phaseChangesPerSignalHour: number;
  scheduled: number;
  completed: number;
  /** Conflicting greens + short greens + short clearances (must be 0). */
  safetyViolations: number;
  /** SUMO only: its teleports and collisions. */
  teleports?: number;
  collisions?: number;
}

/** What a cell ended with (no timings here: they go in SweepResult.timing, so results compare byte for byte). */
export type CellOutcome = { ok: true; metrics: CellMetrics } | { ok: false; error: string };

/** A cell's outcome, with how long it took (wall clock, s). */
export type CellResult = CellOutcome & { index: number; wallS: number };

/** The metrics summarised over seeds, in this order. */
export const SWEEP_METRICS = ['travelTimeS', 'delayS', 'stops', 'throughputVph', 'emergencyTravelTimeS', 'phaseChangesPerSignalHour'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

/** One scenario × simulator × controller over the seeds. */
export interface SweepGroup {
  scenario: string;
  sim: SweepSim;
  controller: string;
  /** Seeds whose cell succeeded, and those whose cell failed. */
  seeds: number[];
  failed: number[];
  metrics: Record<SweepMetric, Summary>;
  /** The paired difference with the baseline controller, seed by seed (absent for the baseline itself). */
  vsBaseline?: Record<SweepMetric, Paired>;
  safetyViolations: number;
}

export interface SweepResult {
  format: 'greenwave-sweep';
  version: 1;
  scenarios: string[];
  sims: SweepSim[];
  controllers: string[];
  seeds: number[];
  baseline: string;
  durationS: number | null;
  cells: Array<SweepCell & CellOutcome>;
  groups: SweepGroup[];
  /** Everything that depends on the machine or on --jobs: left out when two sweeps are compared. */
  timing: { jobs: number; wallS: number; cellWallS: number[] };
}
