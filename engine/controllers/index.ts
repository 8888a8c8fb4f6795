/** Signal controllers: one interface, selected by name. */
import { InputError } from '../../scenarios/errors.js';
import { createActuated } from './actuated.js';
import { createFixed } from './fixed.js';
import type { ControllerFactory } from './types.js';

export type { Controller, ControllerContext, ControllerFactory, DetectorView } from './types.js';
export { FixedTimeController } from './fixed.js';
export { ActuatedController } from './actuated.js';
export * from './webster.js';

/** Controllers by name, with a one-line description each. */
export const CONTROLLERS: Readonly<Record<string, { create: ControllerFactory; description: string }>> = {
  fixed: { create: createFixed, description: 'pretimed plan, Webster-timed from the design volumes' },
  actuated: { create: createActuated, description: 'gap-out / max-out from stop-line and advance loops, phase skipping' },
};

export const CONTROLLER_NAMES = Object.keys(CONTROLLERS);

/** The factory for a controller name; an InputError for an unknown one. */
export function controllerFactory(name: string): ControllerFactory {
  const c = CONTROLLERS[name];
  if (!c) throw new InputError('--controller', '', `unknown controller "${name}"; known: ${CONTROLLER_NAMES.join(', ')}`);
  return c.create;
}
