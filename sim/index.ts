/** The microsimulation: vehicles, car-following, demand, detectors, metrics, and the run pipeline. */
export { Simulation, STOP_SPEED_MPS, MOVING_SPEED_MPS, type SimulationInit } from './simulation.js';
export { safeSpeed, boundSpeed, nextSpeed, type FollowerParams } from './carFollowing.js';
export { buildTrips, flowDepartures, tripId, TRIP_FUTURE, TRIP_WAITING, TRIP_ACTIVE, TRIP_DONE, type Trips, type DemandResult } from './demand.js';
export { DetectorState, HALTING_SPEED_MPS, QUEUE_JOIN_GAP_M } from './detectors.js';
export { computeMetrics, percentile, type RunMetrics, type EmergencyMetrics } from './metrics.js';
export { Rng } from './rng.js';
export { resolveVehicleTypes, DEFAULT_CAR, DEFAULT_EMERGENCY, type VehicleType } from './vehicleTypes.js';
export { prepare, runPrepared, runPreparedAsync, createSimulation, scenarioName, type Prepared, type PrepareOptions, type RunOptions, type RunResult } from './run.js';
export { FaultInjector, randomFaults, FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.js';
export { createService, type ServiceSetup } from './service.js';
export { simulate, resolveScenario, type ScenarioInput, type SimulateFault, type SimulateOptions } from './simulate.js';
