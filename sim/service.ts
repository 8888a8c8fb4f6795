/**
 * The live service over a prepared scenario: in sim mode the built-in
 * simulator drives the engine (with room for emergency vehicles asked for
 * while it runs); in field and external mode the service's own engine takes
 * detector data from clients.
 */
import { Service, type ServiceMode } from '../engine/server/index.js';
import type { FaultSpec } from './faults.js';
import { createSimulation, type Prepared } from './run.js';

export interface ServiceSetup {
  mode: ServiceMode;
  controller?: string;
  /** Emergency pre-emption (default on). */
  preemption?: boolean;
  /** sim mode: detector faults to inject (a drill, or a test of what the operator sees). */
  faults?: readonly FaultSpec[];
  /** sim mode: keep the high-resolution event log of the last hour, for the dashboard's PCD and split monitor (default true). */
  eventLog?: boolean;
  /** How much of the past the live event log keeps, s (default 3,600). */
  eventLogWindowS?: number;
}

/** Builds the Service for `p` (prepare it with spareEmergency for client emergency requests in sim mode). */
export function createService(p: Prepared, o: ServiceSetup): Service {
  const controller = o.controller ?? 'adaptive';
  const preemption = o.preemption ?? true;
  const startTimeOfDayS = p.source.scenario.startTimeOfDayS;
  if (o.mode === 'sim') return new Service({ mode: 'sim', controller, preemption, startTimeOfDayS, ...(o.eventLogWindowS ? { eventLogWindowS: o.eventLogWindowS } : {}), simulator: createSimulation(p, controller, { preemption, eventLog: o.eventLog ?? true, ...(o.faults ? { faults: o.faults } : {}) }) });
  return new Service({ mode: o.mode, controller, preemption, startTimeOfDayS, net: p.net, router: p.router });
}
