/**
 * buildNetwork's detector step: the default detectors of every lane (stop-line
 * and advance loops and a camera where the road ends at a signal, count loops
 * last) and the scenario's own list.
 */
import type { DetectorKind, ScenarioJson } from '../../scenarios/types.js';
import type { ErrorAt } from './buildTiming.js';
import type { DetectorModel, IntersectionModel, LaneModel, RoadModel } from './model.js';

export const DETECTOR_DEFAULTS = {
  stopLine: { distanceM: 0, lengthM: 6 },
  advance: { distanceM: 40, lengthM: 2 },
  /** A video or radar detector at the stop line sees about 200 m upstream (the whole lane if shorter). */
  laneArea: { distanceM: 0, lengthM: 200 },
  /**
   * ATSPM's set-back count detection for the Purdue Coordination Diagram:
   * about 400 ft upstream, beyond the queues, so that an arrival is counted
   * when it arrives and not when the queue it joined discharges.
   */
  count: { distanceM: 120, lengthM: 2 },
} as const;

/** Every detector, in index order: per lane stop-line, advance, camera; then count loops; then the scenario's list. */
export function buildDetectors(
  sc: ScenarioJson,
  intersections: IntersectionModel[],
  roads: RoadModel[],
  lanes: LaneModel[],
  roadIndex: Map<string, number>,
  err: ErrorAt,
): DetectorModel[] {
  const detectors: DetectorModel[] = [];
  const detIds = new Set<string>();
  const dcfg = sc.detectors ?? {};
  const addDet = (id: string, kind: DetectorKind, lane: number, distanceM: number, lengthM: number): void => {
    const L = lanes[lane]!.lengthM;
    const endM = Math.max(0, L - distanceM);
    const startM = Math.max(0, endM - lengthM);
    detectors.push({ idx: detectors.length, id, kind, lane, startM, endM: Math.max(endM, startM + 1e-3) });
    detIds.add(id);
  };
  for (const road of roads) {
    const toNode = intersections[road.to]!;
    const signalised = toNode.type === 'signal';
    for (let k = 0; k < road.lanes; k++) {
      const lane = road.firstLane + k;
      const L = lanes[lane]!.lengthM;
      if (signalised && dcfg.stopLine?.enabled !== false) {
        const d = { ...DETECTOR_DEFAULTS.stopLine, ...dcfg.stopLine };
        addDet(`${lanes[lane]!.id}_stop`, 'stopLine', lane, d.distanceM, Math.min(d.lengthM, L));
      }
      if (signalised && dcfg.advance?.enabled !== false) {
        const d = { ...DETECTOR_DEFAULTS.advance, ...dcfg.advance };
        if (d.distanceM + d.lengthM <= L) addDet(`${lanes[lane]!.id}_adv`, 'advance', lane, d.distanceM, d.lengthM);
      }
      if (dcfg.laneArea?.enabled !== false) {
        const d = { ...DETECTOR_DEFAULTS.laneArea, ...dcfg.laneArea };
        addDet(`${lanes[lane]!.id}_cam`, 'laneArea', lane, d.distanceM, Math.min(d.lengthM, L - d.distanceM));
      }
    }
  }
  // Count loops after all the others, so adding them left the others' indices (and event-log channels) as they were.
  if (dcfg.count?.enabled !== false) {
    const d = { ...DETECTOR_DEFAULTS.count, ...dcfg.count };
    for (const road of roads) {
      if (intersections[road.to]!.type !== 'signal') continue;
      for (let k = 0; k < road.lanes; k++) {
        const lane = road.firstLane + k;
        if (d.distanceM + d.lengthM <= lanes[lane]!.lengthM) addDet(`${lanes[lane]!.id}_cnt`, 'count', lane, d.distanceM, d.lengthM);
      }
    }
  }
  (dcfg.list ?? []).forEach((d, i) => {
    const at = ['detectors', 'list', i];
    if (detIds.has(d.id)) throw err([...at, 'id'], `duplicate detector id "${d.id}"`);
    const r = roadIndex.get(d.road);
    if (r === undefined) throw err([...at, 'road'], `unknown road "${d.road}"`);
    if (d.lane >= roads[r]!.lanes) throw err([...at, 'lane'], `road "${d.road}" has only ${roads[r]!.lanes} lanes`);
    const lane = roads[r]!.firstLane + d.lane;
    const L = lanes[lane]!.lengthM;
    const distanceM = d.distanceM ?? (d.kind === 'laneArea' ? 0 : DETECTOR_DEFAULTS[d.kind].distanceM);
    const lengthM = d.lengthM ?? (d.kind === 'laneArea' ? Math.min(DETECTOR_DEFAULTS.laneArea.lengthM, L - distanceM) : DETECTOR_DEFAULTS[d.kind].lengthM);
    if (distanceM + lengthM > L + 1e-6)
      throw err([...at, 'distanceM'], `detector reaches ${(distanceM + lengthM).toFixed(1)} m upstream but the lane is ${L.toFixed(1)} m long`);
    addDet(d.id, d.kind, lane, distanceM, lengthM);
  });
  return detectors;
}
