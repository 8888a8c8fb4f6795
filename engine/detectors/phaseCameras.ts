/**
 * What pressure-based controllers read per phase: the (incoming camera,
 * outgoing camera) pair of every lane link of its protected movements, its
 * distinct incoming cameras, and per intersection the phases they may choose.
 */
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';

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
  const pairStart = new Int32Array(net.nPhases + 1);
  const inCamStart = new Int32Array(net.nPhases + 1);
  for (let p = 0; p < net.nPhases; p++) {
    pairStart[p] = ins.length;
    inCamStart[p] = inCams.length;
    const seen = new Set<number>();
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) {
      const m = net.phaseMovs[k]!;
      for (let l = net.movLinkStart[m]!; l < net.movLinkStart[m + 1]!; l++) {
        const a = net.laneCamera[net.linkFromLane[l]!]!;
        ins.push(a);
        outs.push(net.laneCamera[net.linkToLane[l]!]!);
        if (a >= 0 && !seen.has(a)) {
          seen.add(a);
          inCams.push(a);
        }
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
