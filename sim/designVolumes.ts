/**
 * Design volumes from the trip table: per movement, 4 × the busiest 15
 * minutes (windows of three 5-minute bins sliding by 5 min), or, for runs
 * shorter than 900 s, the mean rate over the run (count / durationS × 3600).
 *
 * Kept sparse: per movement, the bins of the trips that take it, in departure
 * order, so memory follows the trips' routes, not movements × bins (a big
 * network over a week would need gigabytes of mostly empty bins).
 */

export interface DesignTrips {
  readonly n: number;
  /** Departure (ms), ascending. */
  readonly departMs: Float64Array;
  readonly emergencyIdx: Int32Array;
  readonly routeOff: Int32Array;
  readonly routeLen: Int32Array;
  readonly routeMoves: Int32Array;
}

const BIN_MS = 300_000;

/** Design volume (veh/h) of each of nMovements movements; emergency trips and those departing at or after durationS do not count. */
export function designVolumes(t: DesignTrips, nMovements: number, durationS: number): Float64Array {
  const designVph = new Float64Array(nMovements);
  const nBins = Math.max(1, Math.ceil((durationS * 1000) / BIN_MS));
  const counts = (k: number): boolean => t.emergencyIdx[k]! < 0 && t.departMs[k]! < durationS * 1000;
  // per movement (CSR): start[m] … start[m + 1] in bins
  const start = new Int32Array(nMovements + 1);
  for (let k = 0; k < t.n; k++) {
    if (!counts(k)) continue;
    for (let q = t.routeOff[k]!; q < t.routeOff[k]! + t.routeLen[k]! - 1; q++) start[t.routeMoves[q]! + 1]!++;
  }
  for (let m = 0; m < nMovements; m++) start[m + 1]! += start[m]!;
  const bins = new Int32Array(start[nMovements]!);
  const fill = start.slice(0, nMovements);
  for (let k = 0; k < t.n; k++) {
    if (!counts(k)) continue;
    const b = Math.min(nBins - 1, Math.floor(t.departMs[k]! / BIN_MS));
    for (let q = t.routeOff[k]!; q < t.routeOff[k]! + t.routeLen[k]! - 1; q++) bins[fill[t.routeMoves[q]!]!++] = b;
  }
  const window = Math.min(3, nBins);
  const windowH = (window * BIN_MS) / 3_600_000;
  const shortRun = durationS < 900;
  for (let m = 0; m < nMovements; m++) {
    const a = start[m]!;
    const z = start[m + 1]!;
    if (shortRun) {
      designVph[m] = ((z - a) / durationS) * 3600;
      continue;
    }
    // The busiest window [s, s + window) with s ≤ nBins − window: one starting at a trip's bin (pulled back to fit) is as busy as any.
    let best = 0;
    let lo = a;
    let hi = a;
    for (let i = a; i < z; i++) {
      const s = Math.min(bins[i]!, nBins - window);
      while (bins[lo]! < s) lo++;
      while (hi < z && bins[hi]! < s + window) hi++;
      if (hi - lo > best) best = hi - lo;
    }
    designVph[m] = best / windowH;
  }
  return designVph;
}
