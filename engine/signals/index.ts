/** The signal layer: state machines, timing formulas, the conflict monitor, the event log. */
export * from './signals.js';
export * from './monitor.js';
export * from '../network/timing.js';
export * from './eventlog.js';
