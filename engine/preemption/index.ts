/** Emergency vehicles: routing by detector travel times, ETAs, green waves, recovery, time-space diagrams. */
export { PreemptionManager, PreemptionError, PREEMPTION_DEFAULTS, type PreemptionOptions, type EmergencyTrace, type PreemptionEvent } from './manager.js';
export { PreemptingController, withPreemption } from './controller.js';
export { timeSpaceSvg } from './timeSpace.js';
export type { DispatchRequest, PositionReport, PriorityMessage, PrioritySink, RouteAnswer } from './types.js';
