/**
 * Which phases a cyclic controller serves: the scenario may list more phases
 * than a cycle needs (CityFlow's plans have eight, four of which already serve
 * every movement, plus a clearance phase). A cycle takes, in order, each
 * phase that gives a protected green to a movement not yet served; clearance
 * phases are never served on their own. If no phase has a protected movement,
 * every non-clearance phase is served.
 */
import type { CompiledNetwork } from './compile.js';

/** Local indices of the phases intersection ix serves in a cycle, in order. */
export function servicePhases(net: CompiledNetwork, ix: number): number[] {
  const p0 = net.interPhaseStart[ix]!;
  const p1 = net.interPhaseStart[ix + 1]!;
  const served = new Set<number>();
  const out: number[] = [];
  for (let p = p0; p < p1; p++) {
    if (net.phaseClearance[p]) continue;
    let adds = false;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) {
      if (!served.has(net.phaseMovs[k]!)) adds = true;
    }
    if (!adds) continue;
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) served.add(net.phaseMovs[k]!);
    out.push(p - p0);
  }
  if (out.length === 0) for (let p = p0; p < p1; p++) if (!net.phaseClearance[p]) out.push(p - p0);
  return out;
}
