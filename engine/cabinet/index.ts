/** The engine as one unit: detectors, diagnostics, controller with pre-emption and overrides, signal layer, monitor, control loop, event log. */
export { ControlLoop } from './loop.js';
export { Cabinet, createCabinet, type CabinetOptions } from './cabinet.js';
export { applyCall, type CabinetTap, type SignalCall } from './tap.js';
