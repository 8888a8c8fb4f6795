/**
 * One call from a scenario to its metrics: the library's convenience over
 * prepare + runPreparedAsync, with every input checked first so that a
 * mistake is an InputError naming the option, not a failure halfway through.
 */
import { CONTROLLER_NAMES } from '../engine/controllers/index.js';
import { InputError } from '../scenarios/errors.js';
import { MAX_DURATION_S } from '../scenarios/limits.js';
import { loadScenario } from '../scenarios/load.js';
import type { ScenarioJson, ScenarioSource } from '../scenarios/types.js';
import { validateScenario } from '../scenarios/validate.js';
import { FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.js';
import { prepare, runPreparedAsync, type RunResult } from './run.js';

/** What `simulate` takes as a scenario: a built-in name or a file path, a scenario object, or a scenario with its origin. */
export type ScenarioInput = string | ScenarioJson | ScenarioSource;

/** A detector fault for `simulate`: the detector by index in the compiled network or by its id. */
export interface SimulateFault {
  detector: number | string;
  kind: FaultKind;
  /** When the fault begins (ms of simulated time). */
  fromMs: number;
  /** When it ends (ms; absent: at the end of the run). */
  toMs?: number;
}

export interface SimulateOptions {
  /** A controller name (CONTROLLER_NAMES); default 'fixed'. */
  controller?: string;
  /** Seed of the demand's random arrivals (integer ≥ 0); default: the scenario's, else 1. */
  seed?: number;
  /** Simulated seconds (> 0, ≤ 604800: one week); default: the scenario's durationS. */
  durationS?: number;
  /** Worker threads for the adaptive controller's network re-plans (0–256; the results are the same with any number); default 0. */
  workers?: number;
  /** Emergency pre-emption; default true. */
  preemption?: boolean;
  /** Record the high-resolution event log (result.sim.eventLog); default false. */
  eventLog?: boolean;
  /** Detector faults to inject. */
  faults?: readonly SimulateFault[];
  /** Called with the fraction of the run done (0–1) as it runs. */
  onProgress?: (fraction: number) => void;
}

const OPTION_NAMES: readonly string[] = ['controller', 'seed', 'durationS', 'workers', 'preemption', 'eventLog', 'faults', 'onProgress'];
const WHERE = 'simulate';

const bad = (path: string, reason: string): InputError => new InputError(WHERE, path, reason);
const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'an array' : 'an object') : String(v));
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The scenario `input` names, validated against the scenario JSON Schema:
 * a string is a built-in name (`single`, `default`, `arterial-N`,
 * `grid-RxC`) or a file path; an object with `format` is a scenario; one
 * with `scenario` and `file` a ScenarioSource. Throws InputError.
 */
export function resolveScenario(input: ScenarioInput): ScenarioSource {
  if (typeof input === 'string') return loadScenario(input);
  if (isObject(input) && isObject(input.scenario) && !('format' in input)) {
    const file = typeof input.file === 'string' && input.file !== '' ? input.file : 'scenario';
    return { scenario: validateScenario(input.scenario, file), file };
  }
  if (isObject(input)) {
    const name = typeof input.name === 'string' && input.name !== '' ? input.name : 'scenario';
    return { scenario: validateScenario(input, name), file: name };
  }
  throw bad('scenario', `expected a built-in name, a file path, a scenario object or { scenario, file }, got ${shown(input)}`);
}

function checkOptions(o: SimulateOptions): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('options', `expected an object, got ${shown(o)}`);
  for (const k of Object.keys(o)) if (!OPTION_NAMES.includes(k)) throw bad(`options.${k}`, `unknown option; known: ${OPTION_NAMES.join(', ')}`);
  if (o.controller !== undefined && (typeof o.controller !== 'string' || !CONTROLLER_NAMES.includes(o.controller)))
    throw bad('options.controller', `unknown controller ${shown(o.controller)}; known: ${CONTROLLER_NAMES.join(', ')}`);
  if (o.seed !== undefined && !isInt(o.seed, 0, Number.MAX_SAFE_INTEGER)) throw bad('options.seed', `must be an integer ≥ 0, got ${shown(o.seed)}`);
  if (o.durationS !== undefined && !(typeof o.durationS === 'number' && Number.isFinite(o.durationS) && o.durationS > 0 && o.durationS <= MAX_DURATION_S))
    throw bad('options.durationS', `must be a number of seconds > 0 and ≤ ${MAX_DURATION_S} (one week), got ${shown(o.durationS)}`);
  if (o.workers !== undefined && !isInt(o.workers, 0, 256)) throw bad('options.workers', `must be an integer from 0 to 256, got ${shown(o.workers)}`);
  for (const k of ['preemption', 'eventLog'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw bad(`options.${k}`, `must be true or false, got ${shown(o[k])}`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw bad('options.onProgress', `must be a function, got ${shown(o.onProgress)}`);
  if (o.faults !== undefined && !Array.isArray(o.faults)) throw bad('options.faults', `must be an array, got ${shown(o.faults)}`);
}

/** The faults with detectors as indices of `detectorIds`, each checked. */
function resolveFaults(faults: readonly SimulateFault[], detectorIds: readonly string[]): FaultSpec[] {
  return faults.map((f, k) => {
    const at = `options.faults[${k}]`;
    if (!isObject(f)) throw bad(at, `expected { detector, kind, fromMs, toMs? }, got ${shown(f)}`);
    let detector: number;
    if (typeof f.detector === 'string') {
      detector = detectorIds.indexOf(f.detector);
      if (detector < 0) throw bad(`${at}.detector`, `unknown detector id ${shown(f.detector)}`);
    } else if (isInt(f.detector, 0, detectorIds.length - 1)) detector = f.detector;
    else throw bad(`${at}.detector`, `must be a detector id or an index from 0 to ${detectorIds.length - 1}, got ${shown(f.detector)}`);
    if (!FAULT_KINDS.includes(f.kind)) throw bad(`${at}.kind`, `must be one of ${FAULT_KINDS.join(', ')}, got ${shown(f.kind)}`);
    if (!(typeof f.fromMs === 'number' && Number.isFinite(f.fromMs) && f.fromMs >= 0)) throw bad(`${at}.fromMs`, `must be a time ≥ 0 ms, got ${shown(f.fromMs)}`);
    if (f.toMs !== undefined && !(typeof f.toMs === 'number' && Number.isFinite(f.toMs) && f.toMs > f.fromMs)) throw bad(`${at}.toMs`, `must be a time after fromMs (ms), got ${shown(f.toMs)}`);
    return f.toMs === undefined ? { detector, kind: f.kind, fromMs: f.fromMs } : { detector, kind: f.kind, fromMs: f.fromMs, toMs: f.toMs };
  });
}

/**
 * Simulates a scenario to the end under one controller and returns its
 * metrics and the finished simulation. Same scenario, controller and seed
 * give the same metrics (apart from the wall-clock fields in `metrics.sim`).
 * Bad input (scenario, options) throws InputError; worker threads are closed
 * before it returns.
 */
export async function simulate(scenario: ScenarioInput, options: SimulateOptions = {}): Promise<RunResult> {
  checkOptions(options);
  const t0 = performance.now();
  const source = resolveScenario(scenario);
  const parseSeconds = (performance.now() - t0) / 1000;
  const p = prepare(source, { seed: options.seed, durationS: options.durationS, parseSeconds });
  const faults = options.faults && options.faults.length ? resolveFaults(options.faults, p.net.detectorIds) : undefined;
  return runPreparedAsync(p, options.controller ?? 'fixed', {
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.preemption !== undefined ? { preemption: options.preemption } : {}),
    ...(options.eventLog !== undefined ? { eventLog: options.eventLog } : {}),
    ...(faults ? { faults } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
