/**
 * The optimizer's view of the network: flat typed arrays in one
 * SharedArrayBuffer, built once from the compiled network. Worker threads map
 * views onto the same memory (no copy, no object graph crosses threads).
 *
 * Layout: a small header of Int32 counts, then each array at an 8-byte
 * aligned offset, in the order of FIELDS.
 */
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';
import { servicePhases } from '../network/servicePhases.js';

/** Buffer layout version; a worker refuses a buffer of another version. */
export const OPTNET_VERSION = 1;

export interface OptNet {
  readonly buffer: SharedArrayBuffer;
  readonly nInter: number;
  readonly nPhases: number;
  readonly nLanes: number;
  readonly nLinks: number;
  /** Service phases of each intersection, in order (global phase indices, CSR). */
  readonly svcStart: Int32Array;
  readonly svc: Int32Array;
  /** Per intersection: lost time per phase (ms), cycle bounds (ms), saturation flow (veh/h/lane). */
  readonly lostMs: Int32Array;
  readonly cycleMinMs: Int32Array;
  readonly cycleMaxMs: Int32Array;
  readonly satVphpl: Float64Array;
  /** Per phase: yellow + all-red (ms), min and max green (ms). */
  readonly clearMs: Int32Array;
  readonly minGreenMs: Int32Array;
  readonly maxGreenMs: Int32Array;
  /** Approach lanes of each phase's protected movements (CSR). */
  readonly phaseLaneStart: Int32Array;
  readonly phaseLanes: Int32Array;
  /**
   * Links between signals (a road from one signal to the next): upstream and
   * downstream intersection, free travel time (ms) from the upstream stop line
   * to the downstream one, the phase at each end that serves the road's main
   * flow (the phase of the through movement into / out of the road), and the
   * road's lanes (CSR) whose flows weigh the link.
   */
  readonly linkUp: Int32Array;
  readonly linkDown: Int32Array;
  readonly linkTravelMs: Int32Array;
  readonly linkPhaseUp: Int32Array;
  readonly linkPhaseDown: Int32Array;
  readonly linkLaneStart: Int32Array;
  readonly linkLanes: Int32Array;
  /** Links touching each intersection (CSR of link indices, in and out). */
  readonly interLinkStart: Int32Array;
  readonly interLinks: Int32Array;
}

type ArrayKind = 'i32' | 'f64';
interface Field {
  name: keyof OptNet;
  kind: ArrayKind;
}
const FIELDS: Field[] = [
  { name: 'svcStart', kind: 'i32' },
  { name: 'svc', kind: 'i32' },
  { name: 'lostMs', kind: 'i32' },
  { name: 'cycleMinMs', kind: 'i32' },
  { name: 'cycleMaxMs', kind: 'i32' },
  { name: 'satVphpl', kind: 'f64' },
  { name: 'clearMs', kind: 'i32' },
  { name: 'minGreenMs', kind: 'i32' },
  { name: 'maxGreenMs', kind: 'i32' },
  { name: 'phaseLaneStart', kind: 'i32' },
  { name: 'phaseLanes', kind: 'i32' },
  { name: 'linkUp', kind: 'i32' },
  { name: 'linkDown', kind: 'i32' },
  { name: 'linkTravelMs', kind: 'i32' },
  { name: 'linkPhaseUp', kind: 'i32' },
  { name: 'linkPhaseDown', kind: 'i32' },
  { name: 'linkLaneStart', kind: 'i32' },
  { name: 'linkLanes', kind: 'i32' },
  { name: 'interLinkStart', kind: 'i32' },
  { name: 'interLinks', kind: 'i32' },
];
/** Header: version, nInter, nPhases, nLanes, nLinks, then (offset, length) per field. */
const HEADER_INTS = 5 + 2 * FIELDS.length;

function pack(counts: [number, number, number, number], arrays: Record<string, Int32Array | Float64Array>): SharedArrayBuffer {
  let off = Math.ceil((HEADER_INTS * 4) / 8) * 8;
  const layout: Array<[number, number]> = [];
  for (const f of FIELDS) {
    const a = arrays[f.name]!;
    layout.push([off, a.length]);
    off += Math.ceil((a.length * (f.kind === 'i32' ? 4 : 8)) / 8) * 8;
  }
  const buffer = new SharedArrayBuffer(Math.max(8, off));
  const head = new Int32Array(buffer, 0, HEADER_INTS);
  head.set([OPTNET_VERSION, ...counts]);
  FIELDS.forEach((f, k) => {
    const [o, n] = layout[k]!;
    head[5 + 2 * k] = o;
    head[6 + 2 * k] = n;
    const view = f.kind === 'i32' ? new Int32Array(buffer, o, n) : new Float64Array(buffer, o, n);
    view.set(arrays[f.name]!);
  });
  return buffer;
}

/** Maps the typed-array views of an optimizer network onto its shared buffer (used in workers). */
export function viewOptNet(buffer: SharedArrayBuffer): OptNet {
  const head = new Int32Array(buffer, 0, HEADER_INTS);
  if (head[0] !== OPTNET_VERSION) throw new Error(`optimizer network buffer version ${head[0]}, expected ${OPTNET_VERSION}`);
  const out: Record<string, unknown> = { buffer, nInter: head[1], nPhases: head[2], nLanes: head[3], nLinks: head[4] };
  FIELDS.forEach((f, k) => {
    const o = head[5 + 2 * k]!;
    const n = head[6 + 2 * k]!;
    out[f.name] = f.kind === 'i32' ? new Int32Array(buffer, o, n) : new Float64Array(buffer, o, n);
  });
  return out as unknown as OptNet;
}

/** The phase of intersection ix (global index) that gives movement m a protected green, first in service order; −1 if none. */
function servingPhase(net: CompiledNetwork, svc: readonly number[], ix: number, m: number): number {
  for (const k of svc) {
    const p = net.interPhaseStart[ix]! + k;
    for (let q = net.phaseMovStart[p]!; q < net.phaseMovStart[p]! + net.phaseProtected[p]!; q++) if (net.phaseMovs[q] === m) return p;
  }
  return -1;
}

/** Builds the optimizer network from the compiled network. */
export function buildOptNet(net: CompiledNetwork): OptNet {
  const svcLists = Array.from({ length: net.nInter }, (_, i) => (net.interType[i] === INTER_SIGNAL ? servicePhases(net, i) : []));
  const svcStart = new Int32Array(net.nInter + 1);
  const svc: number[] = [];
  svcLists.forEach((l, i) => {
    for (const k of l) svc.push(net.interPhaseStart[i]! + k);
    svcStart[i + 1] = svc.length;
  });
  const phaseLaneStart = new Int32Array(net.nPhases + 1);
  const phaseLanes: number[] = [];
  const clearMs = new Int32Array(net.nPhases);
  for (let p = 0; p < net.nPhases; p++) {
    const lanes = new Set<number>();
    for (let q = net.phaseMovStart[p]!; q < net.phaseMovStart[p]! + net.phaseProtected[p]!; q++) {
      const m = net.phaseMovs[q]!;
      for (let k = net.movLaneStart[m]!; k < net.movLaneStart[m + 1]!; k++) lanes.add(net.movLanes[k]!);
    }
    phaseLanes.push(...[...lanes].sort((a, b) => a - b));
    phaseLaneStart[p + 1] = phaseLanes.length;
    clearMs[p] = net.phaseYellowMs[p]! + net.phaseAllRedMs[p]!;
  }
  // Links between signals: a road whose both ends are signals with service phases.
  const linkUp: number[] = [];
  const linkDown: number[] = [];
  const linkTravelMs: number[] = [];
  const linkPhaseUp: number[] = [];
  const linkPhaseDown: number[] = [];
  const linkLaneStart: number[] = [0];
  const linkLanes: number[] = [];
  const touching: number[][] = Array.from({ length: net.nInter }, () => []);
  for (let r = 0; r < net.nRoads; r++) {
    const up = net.roadFrom[r]!;
    const down = net.roadTo[r]!;
    if (svcLists[up]!.length === 0 || svcLists[down]!.length === 0) continue;
    // main movement into r at up: the through movement if any, else the heaviest by design volume
    const pick = (ms: number[]): number => {
      const th = ms.filter((m) => net.movType[m] === 0);
      const pool = th.length ? th : ms;
      return pool.reduce((a, b) => (net.movDesignVph[b]! > net.movDesignVph[a]! ? b : a), pool[0]!);
    };
    const into: number[] = [];
    const outOf: number[] = [];
    for (let m = net.interMovStart[up]!; m < net.interMovStart[up + 1]!; m++) if (net.movToRoad[m] === r) into.push(m);
    for (let m = net.interMovStart[down]!; m < net.interMovStart[down + 1]!; m++) if (net.movFromRoad[m] === r) outOf.push(m);
    if (into.length === 0 || outOf.length === 0) continue;
    const pu = servingPhase(net, svcLists[up]!, up, pick(into));
    const pd = servingPhase(net, svcLists[down]!, down, pick(outOf));
    if (pu < 0 || pd < 0) continue;
    const lane0 = net.roadFirstLane[r]!;
    const mvIn = pick(into);
    const linkTime = (net.drvLengthM[net.nLanes + net.movLinkStart[mvIn]!]! / net.drvSpeedMps[net.nLanes + net.movLinkStart[mvIn]!]!) * 1000;
    const k = linkUp.length;
    linkUp.push(up);
    linkDown.push(down);
    linkTravelMs.push(Math.round((net.drvLengthM[lane0]! / net.drvSpeedMps[lane0]!) * 1000 + linkTime));
    linkPhaseUp.push(pu);
    linkPhaseDown.push(pd);
    for (let q = 0; q < net.roadLanes[r]!; q++) linkLanes.push(lane0 + q);
    linkLaneStart.push(linkLanes.length);
    touching[up]!.push(k);
    touching[down]!.push(k);
  }
  const interLinkStart = new Int32Array(net.nInter + 1);
  const interLinks: number[] = [];
  touching.forEach((l, i) => {
    interLinks.push(...l);
    interLinkStart[i + 1] = interLinks.length;
  });
  const I = (a: number[]): Int32Array => Int32Array.from(a);
  const buffer = pack([net.nInter, net.nPhases, net.nLanes, linkUp.length], {
    svcStart,
    svc: I(svc),
    lostMs: net.interLostTimeMs,
    cycleMinMs: net.interCycleMinMs,
    cycleMaxMs: net.interCycleMaxMs,
    satVphpl: net.interSatFlowVphpl,
    clearMs,
    minGreenMs: net.phaseMinGreenMs,
    maxGreenMs: net.phaseMaxGreenMs,
    phaseLaneStart,
    phaseLanes: I(phaseLanes),
    linkUp: I(linkUp),
    linkDown: I(linkDown),
    linkTravelMs: I(linkTravelMs),
    linkPhaseUp: I(linkPhaseUp),
    linkPhaseDown: I(linkPhaseDown),
    linkLaneStart: I(linkLaneStart),
    linkLanes: I(linkLanes),
    interLinkStart,
    interLinks: I(interLinks),
  });
  return viewOptNet(buffer);
}

/** Lane flows (veh/h) from the design volumes: each movement's volume shared evenly over its lanes. */
export function designLaneFlows(net: CompiledNetwork): Float64Array {
  const f = new Float64Array(net.nLanes);
  for (let m = 0; m < net.nMov; m++) {
    const a = net.movLaneStart[m]!;
    const b = net.movLaneStart[m + 1]!;
    for (let q = a; q < b; q++) f[net.movLanes[q]!]! += net.movDesignVph[m]! / (b - a);
  }
  return f;
}
