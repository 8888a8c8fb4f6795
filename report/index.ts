/** Reports: the ATSPM readings of the event log (phase intervals, Purdue Coordination Diagram, split monitor) and SVG charts. */
export { eventRows, parseEventsCsv, pcdDetectors, phaseIntervals, purdueCoordination, splitMonitor, type EventRow, type Pcd, type PcdCycle, type PcdDetectors, type PcdGreen, type PhaseInterval, type SplitRecord } from './atspm.js';
export { barChart, lineChart, pcdSvg, splitMonitorSvg } from './svg.js';
export { liveCharts, type LiveCharts } from './live.js';
export { csvCell } from './csv.js';
