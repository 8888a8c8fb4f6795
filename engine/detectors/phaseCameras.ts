/**
 * What pressure-based controllers read per phase: the (incoming camera,
 * outgoing camera) pair of every lane link of its protected movements, its
 * distinct incoming cameras, and per intersection the phases they may choose.
 */
import { DET_LANE_AREA, INTER_BOUNDARY, INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';

export interface PhaseCameras {
  /** Per phase (global index), CSR: camera of the link's incoming and outgoing lane (−1: none). */
  readonly pairStart: Int32Array;
  readonly pairIn: Int32Array;
  readonly pairOut: Int32Array;
  /** Per phase, CSR: its distinct incoming cameras. */
  readonly inCamStart: Int32Array;
  readonly inCams: Int32Array;
}

export function phaseCameras(net: CompiledNetwork): PhaseCameras {
  const ins: number[] = [];
  const outs: number[] = [];
  const inCams: number[] = [];
  const reach = cameraReachM(net);
  const up: number[] = [];
  const pairStart = new Int32Array(net.nPhases + 1);
  const inCamStart = new Int32Array(net.nPhases + 1);
  for (let p = 0; p < net.nPhases; p++) {
    pairStart[p] = ins.length;
    inCamStart[p] = inCams.length;
    const seen = new Set<number>();
    const pair = (inCam: number, outCam: number): void => {
      ins.push(inCam);
      outs.push(outCam);
      if (inCam >= 0 && !seen.has(inCam)) {
        seen.add(inCam);
        inCams.push(inCam);
      }
    };
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) {
      const m = net.phaseMovs[k]!;
      for (let l = net.movLinkStart[m]!; l < net.movLinkStart[m + 1]!; l++) {
        const from = net.linkFromLane[l]!;
        const a = net.laneCamera[from]!;
        pair(a, net.laneCamera[net.linkToLane[l]!]!);
        // a lane shorter than a camera's reach: the camera sees on up the road, onto the lanes feeding it
        up.length = 0;
        if (a >= 0) upstreamCameras(net, net.phaseInter[p]!, from, net.drvLengthM[from]!, reach, up);
        for (const u of up) pair(u, -1);
      }
    }
  }
  pairStart[net.nPhases] = ins.length;
  inCamStart[net.nPhases] = inCams.length;
  return { pairStart, pairIn: Int32Array.from(ins), pairOut: Int32Array.from(outs), inCamStart, inCams: Int32Array.from(inCams) };
}

/** Per intersection, the local indices of the phases a pressure controller may choose: those with a protected movement, never a clearance phase. */
export function pressureCandidates(net: CompiledNetwork): number[][] {
  return Array.from({ length: net.nInter }, (_, i) => {
    const out: number[] = [];
    if (net.interType[i] !== INTER_SIGNAL) return out;
    for (let p = net.interPhaseStart[i]!; p < net.interPhaseStart[i + 1]!; p++)
      if (net.phaseProtected[p]! > 0 && !net.phaseClearance[p]) out.push(p - net.interPhaseStart[i]!);
    return out;
  });
}

/** How far the network's cameras see (m): the longest camera zone. */
function cameraReachM(net: CompiledNetwork): number {
  let r = 0;
  for (let d = 0; d < net.nDet; d++) if (net.detKind[d] === DET_LANE_AREA) r = Math.max(r, net.detEndM[d]! - net.detStartM[d]!);
  return r;
}

/**
 * The cameras of the lanes feeding lane `a` (covered: the metres seen so far
 * from its stop line) until `reach` is covered: an approach lane shorter
 * than a camera's zone is seen on up the road, as a camera or radar over a
 * road sees distance, not lane segments (an imported net splits a road at
 * every minor junction: cologne1's signal stands 41 m past one). Only
 * through junctions that are not signals of two or more phases, and only
 * lanes all of whose links lead onto a's road (their vehicles are bound
 * for this approach); never through a boundary, nor from the signal's own
 * exits turning back.
 */
function upstreamCameras(net: CompiledNetwork, signal: number, a: number, covered: number, reach: number, out: number[]): void {
  if (covered >= reach) return;
  const road = net.laneRoad[a]!;
  const j = net.roadFrom[road]!;
  // (a boundary's turnarounds bring back the vehicles leaving: nobody arrives through one)
  if (net.interType[j] === INTER_BOUNDARY) return;
  if (net.interType[j] === INTER_SIGNAL) {
    let phases = 0;
    for (let p = net.interPhaseStart[j]!; p < net.interPhaseStart[j + 1]!; p++) if (!net.phaseClearance[p]) phases++;
    if (phases >= 2) return;
  }
  for (let q = net.laneInStart[a]!; q < net.laneInStart[a + 1]!; q++) {
    const u = net.linkFromLane[net.laneIn[q]! - net.nLanes]!;
    if (net.roadFrom[net.laneRoad[u]!] === signal) continue; // this signal's own exit, turning back
    let onlyHere = true;
    for (let r = net.laneOutStart[u]!; r < net.laneOutStart[u + 1]! && onlyHere; r++) onlyHere = net.laneRoad[net.linkToLane[net.laneOut[r]! - net.nLanes]!] === road;
    if (!onlyHere) continue;
    const cam = net.laneCamera[u]!;
    if (cam >= 0 && !out.includes(cam)) out.push(cam);
    upstreamCameras(net, signal, u, covered + net.drvLengthM[u]!, reach, out);
  }
}
