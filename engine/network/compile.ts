/**
 * Network model → flat typed arrays, built once. The simulator, the signal
 * layer and the controllers compute on these; ids stay at the edge (the
 * `*Ids` arrays) for input and output only.
 *
 * Drivables: lanes are drivables [0, nLanes); lane links (paths through an
 * intersection) are drivables [nLanes, nLanes + nLinks). Link k is drivable
 * nLanes + k.
 */
import type { DetectorKind, IntersectionType, TurnType } from '../../scenarios/types.js';
import { toStepMs } from './timing.js';
import type { NetworkModel } from './model.js';
import { freeFlowTables } from './routing.js';

/** Intersection types in the compiled arrays (interType). */
export const INTER_BOUNDARY = 0;
export const INTER_SIGNAL = 1;
export const INTER_UNCONTROLLED = 2;
export const INTER_TYPE: Record<IntersectionType, number> = { boundary: INTER_BOUNDARY, signal: INTER_SIGNAL, uncontrolled: INTER_UNCONTROLLED };
export const TURN_CODE: Record<TurnType, number> = { through: 0, left: 1, right: 2, uturn: 3 };
export const DET_KIND: Record<DetectorKind, number> = { stopLine: 0, advance: 1, laneArea: 2, count: 3 };
/** Detector kind names by code (the inverse of DET_KIND). */
export const DET_KIND_NAMES: readonly DetectorKind[] = ['stopLine', 'advance', 'laneArea', 'count'];
export const DET_STOP_LINE = 0;
export const DET_ADVANCE = 1;
export const DET_LANE_AREA = 2;
/** A set-back count loop (ATSPM's "advanced count" detection), upstream of the queues; for measurement, not actuation. */
export const DET_COUNT = 3;

export interface CompiledNetwork {
  readonly model: NetworkModel;
  readonly stepMs: number;

  readonly intersectionIds: readonly string[];
  readonly roadIds: readonly string[];
  readonly laneIds: readonly string[];
  readonly movementIds: readonly string[];
  readonly phaseNames: readonly string[];
  readonly detectorIds: readonly string[];

  readonly nInter: number;
  readonly nRoads: number;
  readonly nLanes: number;
  readonly nLinks: number;
  readonly nDrv: number;
  readonly nMov: number;
  readonly nPhases: number;
  readonly nDet: number;

  // intersections
  readonly interType: Uint8Array;
  readonly interMovStart: Int32Array;
  readonly interPhaseStart: Int32Array;
  /** Offset of each intersection's m×m local conflict matrix in `conflict`. */
  readonly interConfOff: Int32Array;
  readonly conflict: Uint8Array;
  readonly interPassageMs: Int32Array;
  readonly interLostTimeMs: Int32Array;
  readonly interSatFlowVphpl: Float64Array;
  readonly interCycleMinMs: Int32Array;
  readonly interCycleMaxMs: Int32Array;

  // movements (contiguous per intersection)
  readonly movInter: Int32Array;
  readonly movFromRoad: Int32Array;
  readonly movToRoad: Int32Array;
  readonly movType: Uint8Array;
  readonly movLinkStart: Int32Array;
  /** Distinct approach lanes of each movement (CSR). */
  readonly movLaneStart: Int32Array;
  readonly movLanes: Int32Array;
  /** Conflicting movements of each movement, global indices (CSR). */
  readonly movConfStart: Int32Array;
  readonly movConf: Int32Array;
  /** Safety requirements per movement: the smallest values over its phases. */
  readonly movMinGreenMs: Int32Array;
  readonly movYellowMs: Int32Array;
  readonly movAllRedMs: Int32Array;
  /** Design volume (veh/h), from the demand; used by Webster timing. */
  readonly movDesignVph: Float64Array;

  // roads
  readonly roadFrom: Int32Array;
  readonly roadTo: Int32Array;
  readonly roadFirstLane: Int32Array;
  readonly roadLanes: Int32Array;

  // drivables
  readonly drvLengthM: Float64Array;
  readonly drvSpeedMps: Float64Array;
  /** Free-flow seconds of each road (its first lane end to end) and each movement (mean over its links): see freeFlowTables. */
  readonly roadFreeFlowS: Float64Array;
  readonly movFreeFlowS: Float64Array;
  readonly laneRoad: Int32Array;
  readonly laneIndex: Int32Array;
  readonly laneOutStart: Int32Array;
  /** Outgoing link drivables of each lane. */
  readonly laneOut: Int32Array;
  readonly laneInStart: Int32Array;
  /** Link drivables that feed each lane. */
  readonly laneIn: Int32Array;
  /** Per link (index k, drivable nLanes + k). */
  readonly linkMov: Int32Array;
  readonly linkFromLane: Int32Array;
  readonly linkToLane: Int32Array;
  /** Where a vehicle waits inside the intersection while the link's movement is permitted (m along the link; 0: at the stop line). */
  readonly linkWaitM: Float64Array;

  // phases (contiguous per intersection)
  readonly phaseInter: Int32Array;
  /** Movements of each phase (CSR): its protected ones first, then its permitted ones. */
  readonly phaseMovStart: Int32Array;
  readonly phaseMovs: Int32Array;
  /** Aligned with phaseMovs: 1 where the movement is permitted (yields) in that phase. */
  readonly phaseMovPermitted: Uint8Array;
  /** Number of protected movements of each phase. */
  readonly phaseProtected: Int32Array;
  /** Length of each phase in the scenario's own fixed plan (ms), or 0. */
  readonly phaseDurationMs: Int32Array;
  /** 1 for phases that only bridge two greens (see PhaseJson.clearance). */
  readonly phaseClearance: Uint8Array;
  readonly phaseMinGreenMs: Int32Array;
  readonly phaseMaxGreenMs: Int32Array;
  readonly phaseYellowMs: Int32Array;
  readonly phaseAllRedMs: Int32Array;
  /** Stop-line and advance detectors on the approach lanes of each phase's protected movements (of its permitted ones if it has none) (CSR). */
  readonly phaseDetStart: Int32Array;
  readonly phaseDets: Int32Array;

  // detectors
  readonly detLane: Int32Array;
  readonly detKind: Uint8Array;
  readonly detStartM: Float64Array;
  readonly detEndM: Float64Array;
  readonly laneDetStart: Int32Array;
  readonly laneDets: Int32Array;
  /** The lane-area (camera) detector of each lane, or -1. */
  readonly laneCamera: Int32Array;
}

function csr(lists: ReadonlyArray<ReadonlyArray<number>>): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) start[i + 1] = start[i]! + lists[i]!.length;
  const items = new Int32Array(start[lists.length]!);
  for (let i = 0; i < lists.length; i++) items.set(lists[i]!, start[i]!);
  return { start, items };
}

/** Compiles the model. `designVph` (per movement) comes from the demand. */
export function compileNetwork(net: NetworkModel, stepMs: number, designVph?: Float64Array): CompiledNetwork {
  const ff = freeFlowTables(net);
  const nInter = net.intersections.length;
  const nLanes = net.lanes.length;
  const nLinks = net.links.length;
  const nMov = net.movements.length;
  const nPhases = net.phases.length;
  const nDet = net.detectors.length;

  // movements and phases must be contiguous per intersection (build.ts guarantees it)
  const interMovStart = new Int32Array(nInter + 1);
  const interPhaseStart = new Int32Array(nInter + 1);
  for (let i = 0; i < nInter; i++) {
    const n = net.intersections[i]!;
    interMovStart[i + 1] = interMovStart[i]! + n.movements.length;
    interPhaseStart[i + 1] = interPhaseStart[i]! + n.phases.length;
    n.movements.forEach((m, k) => {
      if (m !== interMovStart[i]! + k) throw new Error('internal: movements not contiguous');
    });
    n.phases.forEach((p, k) => {
      if (p !== interPhaseStart[i]! + k) throw new Error('internal: phases not contiguous');
    });
  }
  const interConfOff = new Int32Array(nInter + 1);
  for (let i = 0; i < nInter; i++) interConfOff[i + 1] = interConfOff[i]! + net.conflicts[i]!.length;
  const conflict = new Uint8Array(interConfOff[nInter]!);
  for (let i = 0; i < nInter; i++) conflict.set(net.conflicts[i]!, interConfOff[i]!);

  const movConfLists: number[][] = net.movements.map((mv) => {
    const i = mv.inter;
    const m = net.intersections[i]!.movements.length;
    const a = mv.idx - interMovStart[i]!;
    const out: number[] = [];
    for (let b = 0; b < m; b++) if (net.conflicts[i]![a * m + b]) out.push(interMovStart[i]! + b);
    return out;
  });
  const movConf = csr(movConfLists);
  const movLinks = csr(net.movements.map((m) => m.links));
  for (let k = 0; k < nMov; k++) {
    const links = net.movements[k]!.links;
    links.forEach((l, q) => {
      if (l !== movLinks.start[k]! + q) throw new Error('internal: links not contiguous');
    });
  }
  const movLanes = csr(net.movements.map((m) => [...new Set(m.links.map((l) => net.links[l]!.fromLane))].sort((a, b) => a - b)));

  const movMinGreenMs = new Int32Array(nMov).fill(0x7fffffff);
  const movYellowMs = new Int32Array(nMov).fill(0x7fffffff);
  const movAllRedMs = new Int32Array(nMov).fill(0x7fffffff);
  const phaseMinGreenMs = new Int32Array(nPhases);
  const phaseMaxGreenMs = new Int32Array(nPhases);
  const phaseYellowMs = new Int32Array(nPhases);
  const phaseAllRedMs = new Int32Array(nPhases);
  for (const p of net.phases) {
    phaseMinGreenMs[p.idx] = toStepMs(p.minGreenS, stepMs);
    phaseMaxGreenMs[p.idx] = Math.max(phaseMinGreenMs[p.idx]!, toStepMs(p.maxGreenS, stepMs));
    phaseYellowMs[p.idx] = toStepMs(p.yellowS, stepMs);
    phaseAllRedMs[p.idx] = toStepMs(p.allRedS, stepMs);
    for (const m of [...p.movements, ...p.permitted]) {
      movMinGreenMs[m] = Math.min(movMinGreenMs[m]!, phaseMinGreenMs[p.idx]!);
      movYellowMs[m] = Math.min(movYellowMs[m]!, phaseYellowMs[p.idx]!);
      movAllRedMs[m] = Math.min(movAllRedMs[m]!, phaseAllRedMs[p.idx]!);
    }
  }
  for (let m = 0; m < nMov; m++) {
    if (movMinGreenMs[m] === 0x7fffffff) {
      movMinGreenMs[m] = 0;
      movYellowMs[m] = 0;
      movAllRedMs[m] = 0;
    }
  }

  const laneDetLists: number[][] = net.lanes.map(() => []);
  const laneCamera = new Int32Array(nLanes).fill(-1);
  for (const d of net.detectors) {
    laneDetLists[d.lane]!.push(d.idx);
    if (d.kind === 'laneArea' && laneCamera[d.lane] === -1) laneCamera[d.lane] = d.idx;
  }
  const laneDets = csr(laneDetLists);

  const phaseDetLists = net.phases.map((p) => {
    const served = p.movements.length > 0 ? p.movements : p.permitted;
    const lanes = [...new Set(served.flatMap((m) => net.movements[m]!.links.map((l) => net.links[l]!.fromLane)))].sort((a, b) => a - b);
    return lanes.flatMap((l) => laneDetLists[l]!.filter((d) => net.detectors[d]!.kind === 'stopLine' || net.detectors[d]!.kind === 'advance'));
  });
  const phaseDets = csr(phaseDetLists);
  const phaseMovs = csr(net.phases.map((p) => [...p.movements, ...p.permitted]));
  const phaseMovPermitted = new Uint8Array(phaseMovs.items.length);
  for (const p of net.phases) phaseMovPermitted.fill(1, phaseMovs.start[p.idx]! + p.movements.length, phaseMovs.start[p.idx + 1]!);

  const nDrv = nLanes + nLinks;
  const drvLengthM = new Float64Array(nDrv);
  const drvSpeedMps = new Float64Array(nDrv);
  for (const l of net.lanes) {
    drvLengthM[l.idx] = l.lengthM;
    drvSpeedMps[l.idx] = l.speedMps;
  }
  for (const k of net.links) {
    drvLengthM[nLanes + k.idx] = k.lengthM;
    drvSpeedMps[nLanes + k.idx] = k.speedMps;
  }
  const outLists: number[][] = net.lanes.map(() => []);
  const inLists: number[][] = net.lanes.map(() => []);
  for (const k of net.links) {
    outLists[k.fromLane]!.push(nLanes + k.idx);
    inLists[k.toLane]!.push(nLanes + k.idx);
  }
  const laneOut = csr(outLists);
  const laneIn = csr(inLists);

  const I32 = (f: (i: number) => number, n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => f(i));
  const timingOf = (i: number): NetworkModel['intersections'][number]['timing'] => net.intersections[i]!.timing;

  return {
    model: net,
    stepMs,
    intersectionIds: net.intersections.map((n) => n.id),
    roadIds: net.roads.map((r) => r.id),
    laneIds: net.lanes.map((l) => l.id),
    movementIds: net.movements.map((m) => m.id),
    phaseNames: net.phases.map((p) => p.name),
    detectorIds: net.detectors.map((d) => d.id),
    nInter,
    nRoads: net.roads.length,
    nLanes,
    nLinks,
    nDrv,
    nMov,
    nPhases,
    nDet,
    interType: Uint8Array.from(net.intersections.map((n) => INTER_TYPE[n.type])),
    interMovStart,
    interPhaseStart,
    interConfOff,
    conflict,
    interPassageMs: I32((i) => toStepMs(timingOf(i).passageS, stepMs), nInter),
    interLostTimeMs: I32((i) => Math.round(timingOf(i).lostTimePerPhaseS * 1000), nInter),
    interSatFlowVphpl: Float64Array.from(net.intersections.map((n) => n.timing.saturationFlowVphpl)),
    interCycleMinMs: I32((i) => Math.round(timingOf(i).cycleMinS * 1000), nInter),
    interCycleMaxMs: I32((i) => Math.round(timingOf(i).cycleMaxS * 1000), nInter),
    movInter: I32((m) => net.movements[m]!.inter, nMov),
    movFromRoad: I32((m) => net.movements[m]!.fromRoad, nMov),
    movToRoad: I32((m) => net.movements[m]!.toRoad, nMov),
    movType: Uint8Array.from(net.movements.map((m) => TURN_CODE[m.type])),
    movLinkStart: movLinks.start,
    movLaneStart: movLanes.start,
    movLanes: movLanes.items,
    movConfStart: movConf.start,
    movConf: movConf.items,
    movMinGreenMs,
    movYellowMs,
    movAllRedMs,
    movDesignVph: designVph ?? new Float64Array(nMov),
    roadFrom: I32((r) => net.roads[r]!.from, net.roads.length),
    roadTo: I32((r) => net.roads[r]!.to, net.roads.length),
    roadFirstLane: I32((r) => net.roads[r]!.firstLane, net.roads.length),
    roadLanes: I32((r) => net.roads[r]!.lanes, net.roads.length),
    drvLengthM,
    drvSpeedMps,
    roadFreeFlowS: ff.roadS,
    movFreeFlowS: ff.movS,
    laneRoad: I32((l) => net.lanes[l]!.road, nLanes),
    laneIndex: I32((l) => net.lanes[l]!.index, nLanes),
    laneOutStart: laneOut.start,
    laneOut: laneOut.items,
    laneInStart: laneIn.start,
    laneIn: laneIn.items,
    linkMov: I32((k) => net.links[k]!.movement, nLinks),
    linkFromLane: I32((k) => net.links[k]!.fromLane, nLinks),
    linkToLane: I32((k) => net.links[k]!.toLane, nLinks),
    linkWaitM: Float64Array.from(net.links, (k) => k.waitM),
    phaseInter: I32((p) => net.phases[p]!.inter, nPhases),
    phaseMovStart: phaseMovs.start,
    phaseMovs: phaseMovs.items,
    phaseMovPermitted,
    phaseProtected: I32((p) => net.phases[p]!.movements.length, nPhases),
    phaseDurationMs: I32((p) => Math.round((net.phases[p]!.durationS ?? 0) * 1000), nPhases),
    phaseClearance: Uint8Array.from(net.phases.map((p) => (p.clearance ? 1 : 0))),
    phaseMinGreenMs,
    phaseMaxGreenMs,
    phaseYellowMs,
    phaseAllRedMs,
    phaseDetStart: phaseDets.start,
    phaseDets: phaseDets.items,
    detLane: I32((d) => net.detectors[d]!.lane, nDet),
    detKind: Uint8Array.from(net.detectors.map((d) => DET_KIND[d.kind])),
    detStartM: Float64Array.from(net.detectors.map((d) => d.startM)),
    detEndM: Float64Array.from(net.detectors.map((d) => d.endM)),
    laneDetStart: laneDets.start,
    laneDets: laneDets.items,
    laneCamera,
  };
}
