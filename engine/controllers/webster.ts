/**
 * Webster (1958) fixed-time signal timing and delay, with the critical lane
 * flow ratios computed from design volumes.
 *
 *   C₀ = (1.5·L + 5) / (1 − Y)          optimal cycle, L = lost time per cycle
 *   gᵢ = (yᵢ / Y) · (C₀ − L)             effective green of phase i
 *   G  = g + lost − yellow − all-red      displayed green
 *   d  = C(1−λ)²/[2(1−λx)] + x²/[2q(1−x)] − 0.65·(C/q²)^(1/3)·x^(2+5λ)
 */
import type { CompiledNetwork } from '../network/compile.js';
import { servicePhases } from '../network/servicePhases.js';

/** Webster's optimal cycle (s) for total lost time L (s) and Σ critical flow ratios Y, clamped to [minS, maxS]. */
export function websterCycleS(lostS: number, Y: number, minS = 30, maxS = 150): number {
  if (Y >= 0.95) return maxS;
  const c = (1.5 * lostS + 5) / (1 - Y);
  return Math.min(maxS, Math.max(minS, c));
}

/** Effective greens (s) proportional to the flow ratios; equal shares if Y = 0. */
export function websterEffectiveGreensS(y: readonly number[], cycleS: number, lostS: number): number[] {
  const Y = y.reduce((a, b) => a + b, 0);
  const avail = Math.max(0, cycleS - lostS);
  return y.map((yi) => (Y > 0 ? (yi / Y) * avail : avail / y.length));
}

/**
 * Webster's mean delay per vehicle (s) on an approach: cycle C (s), effective
 * green g (s), arrival flow q (veh/s), saturation flow s (veh/s). Valid for
 * degrees of saturation below about 0.9; returns Infinity for x ≥ 1.
 */
export function websterDelayS(C: number, g: number, q: number, s: number): number {
  const lambda = g / C;
  const x = (q * C) / (s * g);
  if (x >= 1) return Infinity;
  const uniform = (C * (1 - lambda) ** 2) / (2 * (1 - lambda * x));
  const random = (x * x) / (2 * q * (1 - x));
  const correction = 0.65 * Math.cbrt(C / (q * q)) * x ** (2 + 5 * lambda);
  return uniform + random - correction;
}

/** HCM uniform delay d₁ = 0.5·C·(1 − λ)² / (1 − min(1, x)·λ). */
export function hcmUniformDelayS(C: number, g: number, x: number): number {
  const lambda = g / C;
  return (0.5 * C * (1 - lambda) ** 2) / (1 - Math.min(1, x) * lambda);
}

export interface FixedPlan {
  /** Cycle length actually run (ms): Σ (green + yellow + all-red). */
  cycleMs: number;
  /** Local indices of the phases served, in order. */
  phases: number[];
  /** Displayed green per served phase (ms). */
  greenMs: number[];
  /** Start of each served phase's green within the cycle (ms). */
  startMs: number[];
  /** Critical flow ratio per served phase. */
  y: number[];
  /** Webster's optimal cycle before clamping the greens (s). */
  websterCycleS: number;
}

/**
 * The critical lane flow ratio of each phase of intersection `ix`: a movement's
 * design volume is shared equally by its approach lanes; a phase's ratio is
 * the highest (volume it serves on a lane) / (saturation flow per lane).
 */
export function criticalFlowRatios(net: CompiledNetwork, ix: number): number[] {
  const s = net.interSatFlowVphpl[ix]!;
  const p0 = net.interPhaseStart[ix]!;
  const p1 = net.interPhaseStart[ix + 1]!;
  const out: number[] = [];
  for (let p = p0; p < p1; p++) {
    const laneVol = new Map<number, number>();
    // protected movements only: a permitted one takes the gaps the protected ones leave
    for (let k = net.phaseMovStart[p]!; k < net.phaseMovStart[p]! + net.phaseProtected[p]!; k++) {
      const m = net.phaseMovs[k]!;
      const a = net.movLaneStart[m]!;
      const b = net.movLaneStart[m + 1]!;
      const share = net.movDesignVph[m]! / Math.max(1, b - a);
      for (let q = a; q < b; q++) laneVol.set(net.movLanes[q]!, (laneVol.get(net.movLanes[q]!) ?? 0) + share);
    }
    let y = 0;
    for (const v of laneVol.values()) y = Math.max(y, v / s);
    out.push(y);
  }
  return out;
}

/**
 * Webster's fixed-time plan for intersection `ix` over the phases a cycle
 * serves (servicePhases), greens rounded to whole steps and clamped to min/max
 * green.
 */
export function websterPlan(net: CompiledNetwork, ix: number): FixedPlan {
  const p0 = net.interPhaseStart[ix]!;
  const phases = servicePhases(net, ix);
  const n = phases.length;
  const yAll = criticalFlowRatios(net, ix);
  const y = phases.map((k) => yAll[k]!);
  const lostPerPhaseS = net.interLostTimeMs[ix]! / 1000;
  const L = n * lostPerPhaseS;
  const Y = y.reduce((a, b) => a + b, 0);
  const C = websterCycleS(L, Y, net.interCycleMinMs[ix]! / 1000, net.interCycleMaxMs[ix]! / 1000);
  const g = websterEffectiveGreensS(y, C, L);
  const step = net.stepMs;
  const greenMs: number[] = [];
  const startMs: number[] = [];
  let t = 0;
  for (let k = 0; k < n; k++) {
    const p = p0 + phases[k]!;
    const clearMs = net.phaseYellowMs[p]! + net.phaseAllRedMs[p]!;
    const displayedMs = (g[k]! + lostPerPhaseS) * 1000 - clearMs;
    const G = Math.min(net.phaseMaxGreenMs[p]!, Math.max(net.phaseMinGreenMs[p]!, Math.round(displayedMs / step) * step));
    greenMs.push(G);
    startMs.push(t);
    t += G + clearMs;
  }
  return { cycleMs: t, phases, greenMs, startMs, y, websterCycleS: C };
}
