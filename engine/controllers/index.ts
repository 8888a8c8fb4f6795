/** Signal controllers: one interface, selected by name. */
import { InputError } from '../../scenarios/errors.js';
import { createActuated } from './actuated.js';
import { createAdaptive, type AdaptiveOptions } from './adaptive.js';
import { createCityFlowFixed, createSumoStatic } from './cityflowFixed.js';
import { createFixed } from './fixed.js';
import { createMaxPressure } from './maxPressure.js';
import { createAdvancedMaxPressure } from './advancedMaxPressure.js';
import type { CompiledNetwork } from '../network/compile.js';
import type { ControllerFactory } from './types.js';

export type { Controller, ControllerContext, ControllerFactory, PlanSet, SignalPlan } from './types.js';
export { FixedTimeController } from './fixed.js';
export { ActuatedController } from './actuated.js';
export { AdaptiveController, ADAPTIVE_DEFAULTS, type AdaptiveOptions } from './adaptive.js';
export { CityFlowFixedController } from './cityflowFixed.js';
export { MaxPressureController, MAX_PRESSURE_MIN_GREEN_S, MAX_PRESSURE_DECISION_S } from './maxPressure.js';
export { AdvancedMaxPressureController, ADVANCED_MAX_PRESSURE_ACTION_S } from './advancedMaxPressure.js';
export { OverrideController } from './override.js';
export * from './webster.js';

/** Controllers by name, with a one-line description each. */
export const CONTROLLERS: Readonly<Record<string, { create: ControllerFactory; description: string }>> = {
  fixed: { create: createFixed, description: 'pretimed plan, Webster-timed from the design volumes' },
  actuated: { create: createActuated, description: 'gap-out / max-out from stop-line and advance loops, phase skipping' },
  'max-pressure': { create: createMaxPressure, description: 'Varaiya max-pressure from lane-area camera counts, 10 s minimum green' },
  'advanced-max-pressure': {
    create: createAdvancedMaxPressure,
    description: 'Zhang et al. (ICML 2022): efficient pressure from halting vehicles, the current phase kept while its vehicles within reach outnumber it, 10 s actions',
  },
  adaptive: { create: (ctx) => createAdaptive(ctx), description: "greenwave's own: network plans in worker threads, pressure with head-of-line waiting locally, switching at a price (a least-delay schedule) early in a green" },
  'adaptive-isolated': {
    create: (ctx) => createAdaptive(ctx, { isolated: true }),
    description: 'adaptive with its network part switched off (an ablation): each signal decides from its own approaches, no downstream readings',
  },
  'adaptive-upstream': {
    create: (ctx) => createAdaptive(ctx, { upstream: true }),
    description: "adaptive whose schedule also counts the vehicles its upstream neighbours are sending (Surtrac's projected arrivals; an ablation)",
  },
  'cityflow-fixed': { create: createCityFlowFixed, description: "the scenario's own plan (an imported CityFlow network's lightphases), run as CityFlow runs it" },
  'sumo-static': { create: createSumoStatic, description: "the scenario's own plan (an imported SUMO net's tlLogic programs), run as SUMO runs a static program" },
};

/** Controllers that need something only some scenarios have (cityflow-fixed: a plan with durations). */
export const OPTIONAL_CONTROLLERS: readonly string[] = ['cityflow-fixed', 'sumo-static'];
/** Variants of a general controller for ablation studies: they run anywhere, but compare, sweep and bench run them only when asked. */
export const VARIANT_CONTROLLERS: readonly string[] = ['adaptive-isolated', 'adaptive-upstream'];
/** Controllers that run on any scenario. */
export const GENERAL_CONTROLLERS: readonly string[] = Object.keys(CONTROLLERS).filter((n) => !OPTIONAL_CONTROLLERS.includes(n) && !VARIANT_CONTROLLERS.includes(n));

/**
 * The controllers that can run a network: the general ones, and the
 * scenario's own plan when every signal phase has its own duration, under the
 * name of where it came from (cityflow-fixed, or sumo-static for a SUMO net).
 */
export function controllersFor(net: CompiledNetwork, origin: 'cityflow' | 'sumo' = 'cityflow'): string[] {
  let ownPlan = net.nPhases > 0;
  for (let p = 0; p < net.nPhases && ownPlan; p++) if (net.phaseDurationMs[p]! <= 0) ownPlan = false;
  return ownPlan ? [...GENERAL_CONTROLLERS, origin === 'sumo' ? 'sumo-static' : 'cityflow-fixed'] : [...GENERAL_CONTROLLERS];
}

export const CONTROLLER_NAMES = Object.keys(CONTROLLERS);

export interface ControllerOptions {
  /** Worker threads for controllers that re-plan in a pool (adaptive); 0: in the simulation's thread. */
  workers?: number;
}

/** The factory for a controller name; an InputError for an unknown one. */
export function controllerFactory(name: string, options: ControllerOptions = {}): ControllerFactory {
  const c = CONTROLLERS[name];
  if (!c) throw new InputError('controller', '', `unknown controller "${name}"; known: ${CONTROLLER_NAMES.join(', ')}`);
  if (name.startsWith('adaptive') && options.workers) {
    const opts: AdaptiveOptions = { workers: options.workers, isolated: name === 'adaptive-isolated', upstream: name === 'adaptive-upstream' };
    return (ctx) => createAdaptive(ctx, opts);
  }
  return c.create;
}
