/**
 * From a scenario to a result: build and compile the network, draw the
 * demand, run a controller, compute the metrics.
 */
import type { ControllerFactory } from '../engine/controllers/index.js';
import { buildNetwork, compileNetwork, Router, type CompiledNetwork, type NetworkModel } from '../engine/network/index.js';
import { InputError } from '../scenarios/errors.js';
import { checkWork } from '../scenarios/limits.js';
import type { ScenarioSource } from '../scenarios/types.js';
import { buildTrips, type Trips } from './demand.js';
import { computeMetrics, type RunMetrics } from './metrics.js';
import { Simulation } from './simulation.js';
import { resolveVehicleTypes, type VehicleType } from './vehicleTypes.js';
import type { FaultSpec } from './faults.js';
import type { PreemptionOptions } from '../engine/preemption/index.js';

export interface Prepared {
  source: ScenarioSource;
  model: NetworkModel;
  router: Router;
  net: CompiledNetwork;
  trips: Trips;
  types: VehicleType[];
  seed: number;
  durationS: number;
  /** Seconds to build and compile the network and draw the demand (plus parsing, if the caller adds it). */
  loadSeconds: number;
}

export interface PrepareOptions {
  seed?: number | undefined;
  durationS?: number | undefined;
  /** Seconds already spent reading and parsing the file, added to loadSeconds. */
  parseSeconds?: number | undefined;
  /** Room for this many emergency vehicles requested while running (the live service). */
  spareEmergency?: number | undefined;
}

/**
 * Builds everything a run needs. Throws InputError for inconsistent
 * scenarios, and, from an estimate made before anything big is built, for a
 * run that would not fit (scenarios/limits.ts: duration, lanes, trips).
 */
export function prepare(source: ScenarioSource, opts: PrepareOptions = {}): Prepared {
  const t0 = performance.now();
  const sc = source.scenario;
  const seed = opts.seed ?? sc.seed ?? 1;
  const durationS = opts.durationS ?? sc.durationS;
  if (!(durationS > 0)) throw new InputError(source.file, 'durationS', `must be > 0 seconds, got ${durationS}`);
  checkWork(sc, source.file, durationS);
  const stepMs = sc.stepMs ?? 1000;
  const model = buildNetwork(sc, source.file);
  const router = new Router(model);
  const types = resolveVehicleTypes(sc.vehicleTypes);
  const { trips, designVph } = buildTrips(sc, model, router, types, seed, durationS, source.file, opts.spareEmergency ?? 0);
  const net = compileNetwork(model, stepMs, designVph);
  const loadSeconds = (performance.now() - t0) / 1000 + (opts.parseSeconds ?? 0);
  return { source, model, router, net, trips, types, seed, durationS, loadSeconds };
}

export interface RunOptions {
  eventLog?: boolean;
  onProgress?: (fraction: number) => void;
  /** Detector faults to inject. */
  faults?: readonly FaultSpec[];
  /** Worker threads for controllers that use them (adaptive). */
  workers?: number;
  /** Emergency pre-emption (default on). Off: emergency vehicles are still routed by the engine, signals are not pre-empted. */
  preemption?: boolean;
  /** Pre-emption settings (engine/preemption). */
  preemptionOptions?: PreemptionOptions;
}

export interface RunResult {
  metrics: RunMetrics;
  sim: Simulation;
}

/** The scenario's display name: its `name`, else the file or built-in name. */
export function scenarioName(p: Prepared): string {
  return p.source.scenario.name ?? p.source.file.replace(/^builtin:/, '');
}

/** Creates a simulation of a prepared scenario under a controller (by name or factory). */
export function createSimulation(p: Prepared, controller: string | ControllerFactory, opts: RunOptions = {}): Simulation {
  return new Simulation({
    net: p.net,
    trips: p.trips,
    types: p.types,
    durationMs: Math.round(p.durationS * 1000),
    router: p.router,
    controller,
    workers: opts.workers,
    preemption: opts.preemption,
    preemptionOptions: opts.preemptionOptions,
    eventLog: opts.eventLog,
    seed: p.seed,
    faults: opts.faults,
  });
}

/** Runs a prepared scenario to the end under a controller (one that does not wait for worker threads). */
export function runPrepared(p: Prepared, controller: string, opts: RunOptions = {}): RunResult {
  const sim = createSimulation(p, controller, opts);
  sim.run(opts.onProgress);
  void sim.controller.close?.();
  const metrics = computeMetrics(sim, { scenario: scenarioName(p), controller, seed: p.seed, loadSeconds: p.loadSeconds });
  return { metrics, sim };
}

/** Runs a prepared scenario to the end under any controller, waiting for its worker threads where it asks. */
export async function runPreparedAsync(p: Prepared, controller: string, opts: RunOptions = {}): Promise<RunResult> {
  const sim = createSimulation(p, controller, opts);
  try {
    await sim.runAsync(opts.onProgress);
  } finally {
    await sim.controller.close?.();
  }
  const metrics = computeMetrics(sim, { scenario: scenarioName(p), controller, seed: p.seed, loadSeconds: p.loadSeconds });
  return { metrics, sim };
}
