/**
 * The live service over a prepared scenario: in sim mode the built-in
 * simulator drives the engine (with room for emergency vehicles asked for
 * while it runs); in field and external mode the service's own engine takes
 * detector data from clients.
 */
import { Service, type ServiceMode } from '../engine/server/index.js';
import { createSimulation, type Prepared } from './run.js';

export interface ServiceSetup {
  mode: ServiceMode;
  controller?: string;
  /** Emergency pre-emption (default on). */
  preemption?: boolean;
}

/** Builds the Service for `p` (prepare it with spareEmergency for client emergency requests in sim mode). */
export function createService(p: Prepared, o: ServiceSetup): Service {
  const controller = o.controller ?? 'adaptive';
  const preemption = o.preemption ?? true;
  if (o.mode === 'sim') return new Service({ mode: 'sim', controller, preemption, simulator: createSimulation(p, controller, { preemption }) });
  return new Service({ mode: o.mode, controller, preemption, net: p.net, router: p.router });
}
