/**
 * greenwave as a library: the package's public API (`import … from 'greenwave'`).
 *
 * Three ways in, from the simplest:
 *
 * - {@link simulate}: a scenario (built-in name, file, object) → metrics, in one call;
 * - {@link prepare} + {@link createSimulation}: the same in steps, with the
 *   simulation to drive or inspect yourself;
 * - {@link createEngine}: the signal engine alone for a compiled network, driven
 *   by a clock of your own (field detectors, another simulator): write the
 *   detector readings for time t, `step(t)`, read `signals`.
 *
 * Units: time in ms inside the engine (`step(tMs)`, fault times, event log),
 * in s in scenarios and metrics (`durationS`, travel times); distances in m,
 * speeds in m/s. Bad input (scenario files and objects, options, names)
 * throws {@link InputError}, whose message names the file or option, the JSON
 * path and the reason. See docs/API.md.
 *
 * @packageDocumentation
 */

// ─── Scenarios: the format, loading, validation, built-in generators ─────────

/** Scenario types: the JSON format (docs/SCENARIO.md) and a scenario with its origin. */
export type {
  ScenarioJson,
  ScenarioSource,
  IntersectionJson,
  RoadJson,
  MovementJson,
  PhaseJson,
  DetectorsJson,
  DetectorJson,
  FlowJson,
  VehicleJson,
  VehicleTypeJson,
  EmergencyVehicleJson,
  SignalTimingJson,
  TurnType,
  DetectorKind,
  IntersectionType,
} from './scenarios/index.js';
export {
  /** Bad input: `file`, JSON `path` and `reason`, one line of `message`. */
  InputError,
  /** A scenario from a built-in name (`default`, `single`, `arterial-N`, `grid-RxC`) or a file path, validated. */
  loadScenario,
  /** Reads, parses and validates a scenario file. */
  loadScenarioFile,
  /** Validates parsed JSON against the scenario JSON Schema; returns it typed or throws InputError. */
  validateScenario,
  /** The scenario JSON Schema (scenarios/scenario.schema.json). */
  scenarioSchema,
  /** The built-in scenario of a name, or undefined. */
  builtinScenario,
  BUILTIN_NAMES,
  /** An isolated four-leg intersection. */
  singleScenario,
  /** R × C signals on 300 m blocks. */
  gridScenario,
  /** N signals on a main street. */
  arterialScenario,
  /** The 4×4 morning peak with an ambulance. */
  defaultScenario,
  /** Builds scenarios programmatically. */
  ScenarioBuilder,
  type SingleOptions,
  type GridOptions,
  type ArterialOptions,
} from './scenarios/index.js';

// ─── Simulation: one call, or step by step ───────────────────────────────────

export {
  /** Simulates a scenario under one controller: `Promise<{ metrics, sim }>`. */
  simulate,
  /** The ScenarioSource a name, path, object or source stands for, validated. */
  resolveScenario,
  /** Builds and compiles the network and draws the demand: everything a run needs. */
  prepare,
  /** A simulation of a prepared scenario under a controller (name or factory), to run or step yourself. */
  createSimulation,
  /** Runs a prepared scenario to the end (controllers that do not wait for worker threads). */
  runPrepared,
  /** Runs a prepared scenario to the end under any controller. */
  runPreparedAsync,
  /** The metrics of a finished (or stopped) simulation. */
  computeMetrics,
  /** The scenario's display name. */
  scenarioName,
  /** The microsimulation (Krauss car-following over typed arrays), driving a Cabinet. */
  Simulation,
  FAULT_KINDS,
  type ScenarioInput,
  type SimulateOptions,
  type SimulateFault,
  type Prepared,
  type PrepareOptions,
  type RunOptions,
  type RunResult,
  type RunMetrics,
  type EmergencyMetrics,
  type FaultKind,
  type FaultSpec,
  type SimulationInit,
} from './sim/index.js';

// ─── The engine: one unit for a clock of your own ────────────────────────────

import { createCabinet } from './engine/cabinet/index.js';
export { Cabinet, createCabinet, type CabinetOptions, type CabinetTap, type SignalCall } from './engine/cabinet/index.js';

/**
 * Builds the signal engine for a compiled network (an alias of
 * createCabinet): detector arrays, diagnostics, the controller with operator
 * overrides and emergency pre-emption, the signal layer, the conflict
 * monitor, the event log. Drive it with your own clock: write the readings
 * for time `tMs` into `engine.detectors`, call `engine.step(tMs)` (await it if
 * it returns a promise), read `engine.signals`; `close()` at the end.
 */
export const createEngine: typeof createCabinet = createCabinet;

// ─── Detectors ───────────────────────────────────────────────────────────────

export {
  /** The arrays every detector source fills and controllers read (index = detector index). */
  DetectorArrays,
  /** Detector arrays filled from readings by detector id (counts as increments, occupancy as a fraction). */
  IngestedDetectors,
  IngestError,
  /** Stuck, silent and impossible detectors, flagged from the readings. */
  DetectorHealth,
  type DetectorView,
  type DetectorReading,
  type Observations,
} from './engine/detectors/index.js';

// ─── The network model ───────────────────────────────────────────────────────

export type { NetworkModel, ResolvedTiming, IntersectionModel, RoadModel, LaneModel, MovementModel, LinkModel, PhaseModel, DetectorModel } from './engine/network/index.js';
export {
  /** Scenario → graphology graph and checked network model (throws InputError). */
  buildNetwork,
  /** Network model → flat typed arrays (the compiled network every part reads). */
  compileNetwork,
  /** Shortest paths by free-flow time (and by detector travel times for emergency vehicles). */
  Router,
  INTER_BOUNDARY,
  INTER_SIGNAL,
  INTER_UNCONTROLLED,
  DET_STOP_LINE,
  DET_ADVANCE,
  DET_LANE_AREA,
  DET_COUNT,
  DET_KIND_NAMES,
  type CompiledNetwork,
} from './engine/network/index.js';

// ─── Signals ─────────────────────────────────────────────────────────────────

export {
  /** The signal layer: the only part that decides what is shown. */
  SignalLayer,
  /** Counts conflicting greens, short greens and short clearances. */
  ConflictMonitor,
  /** The high-resolution event log (Indiana/ATSPM codes). */
  EventLog,
  RED,
  YELLOW,
  GREEN,
  PERMITTED,
  STAGE_GREEN,
  STAGE_YELLOW,
  STAGE_ALL_RED,
  loopChannels,
  iteYellow,
  iteAllRed,
  type SignalControl,
  type SafetyCounts,
} from './engine/signals/index.js';

// ─── Controllers ─────────────────────────────────────────────────────────────

export {
  /** Controllers by name, with a description each. */
  CONTROLLERS,
  CONTROLLER_NAMES,
  /** The factory of a controller name (throws InputError for an unknown one). */
  controllerFactory,
  /** The controllers that can run a compiled network. */
  controllersFor,
  FixedTimeController,
  ActuatedController,
  MaxPressureController,
  AdvancedMaxPressureController,
  AdaptiveController,
  CityFlowFixedController,
  OverrideController,
  type Controller,
  type ControllerContext,
  type ControllerFactory,
  type ControllerOptions,
  type AdaptiveOptions,
  type PlanSet,
  type SignalPlan,
} from './engine/controllers/index.js';

// ─── Emergency pre-emption ───────────────────────────────────────────────────

export {
  /** Emergency vehicles: routes, ETAs, calls, green waves, recovery. */
  PreemptionManager,
  PreemptionError,
  PREEMPTION_DEFAULTS,
  timeSpaceSvg,
  type PreemptionOptions,
  type PreemptionEvent,
  type EmergencyTrace,
  type DispatchRequest,
  type PositionReport,
  type PriorityMessage,
} from './engine/preemption/index.js';

// ─── The live service ────────────────────────────────────────────────────────

export {
  /** The WebSocket server and dashboard over a Service (docs/PROTOCOL.md). */
  GreenwaveServer,
  /** The engine behind the server: sim, field or external clock. */
  Service,
  ServiceError,
  PROTOCOL_VERSION,
  SERVER_LIMITS,
  type ServerOptions,
  type ServiceMode,
  type ServiceOptions,
} from './engine/server/index.js';
export {
  /** The Service for a prepared scenario (sim mode: the built-in simulator drives it). */
  createService,
  type ServiceSetup,
} from './sim/index.js';

// ─── CityFlow ────────────────────────────────────────────────────────────────

import { importCityFlow } from './interop/cityflow/index.js';
export { importCityFlow, readCityFlowRoadnet, readCityFlowFlows, type CityFlowImport, type CityFlowImportOptions } from './interop/cityflow/index.js';
/** An alias of importCityFlow: a CityFlow roadnet + flow file pair as a greenwave scenario. */
export const importCityflow: typeof importCityFlow = importCityFlow;

// ─── SUMO ────────────────────────────────────────────────────────────────────

export {
  /** A SUMO net (and route files) as a greenwave scenario, keeping SUMO's ids (docs/SUMO.md). */
  importSumo,
  /** A .sumocfg: its net, routes and time window, as a greenwave scenario. */
  importSumoConfig,
  /** greenwave's engine driving SUMO itself over TraCI (`greenwave sumo`). */
  runSumoCosim,
  /** The files runSumoCosim leaves in `outDir` (`greenwave sumo --out`). */
  SUMO_OUT_FILES,
  /** SUMO running a configuration by itself: its own figures. */
  runSumoOwn,
  TraciClient,
  startSumo,
  type SumoImport,
  type SumoImportOptions,
  type SumoCosimOptions,
  type SumoCosimResult,
} from './interop/sumo/index.js';

// ─── Sweeps: many runs in parallel, with statistics ─────────────────────────

export {
  /** Scenarios × controllers × seeds (× greenwave and SUMO) in a pool of worker threads, summarised (`greenwave sweep`). */
  runSweep,
  planCells,
  summarizeCells,
  /** Mean, sample sd and the 95 % interval (Student's t) of values over seeds. */
  summarize,
  /** The paired difference seed by seed, its 95 % interval, significance. */
  pairedDifference,
  tQuantile975,
  sweepTable,
  sweepCsv,
  sweepSvg,
  type SweepOptions,
  type SweepResult,
  type SweepGroup,
  type SweepCell,
  type CellMetrics,
  type Summary,
  type Paired,
} from './bench/index.js';

// ─── Reports ─────────────────────────────────────────────────────────────────

export {
  /** The event log as rows (time, intersection, code, parameter). */
  eventRows,
  parseEventsCsv,
  phaseIntervals,
  /** The Purdue Coordination Diagram of one phase, from the log. */
  purdueCoordination,
  /** The detector channels and travel time a PCD of one phase uses. */
  pcdDetectors,
  /** Green per phase and cycle, from the log. */
  splitMonitor,
  barChart,
  lineChart,
  pcdSvg,
  splitMonitorSvg,
  type EventRow,
  type Pcd,
  type PcdCycle,
  type PcdDetectors,
  type PcdGreen,
  type PhaseInterval,
  type SplitRecord,
} from './report/index.js';
