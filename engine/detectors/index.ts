/** Detectors: the arrays every source fills and controllers read, their diagnostics, camera helpers, and ingest of pushed readings. */
export { DetectorArrays, type DetectorView } from './arrays.js';
export * from './health.js';
export { phaseCameras, pressureCandidates, type PhaseCameras } from './phaseCameras.js';
export { IngestedDetectors, IngestError, type DetectorReading, type Observations } from './ingest.js';
