/**
 * The re-plan's parameters and its output: a timing plan for every signal, in
 * typed arrays over one SharedArrayBuffer (so the worker threads share it).
 */
import type { OptNet } from './optnet.js';

export interface ReplanParams {
  /** Largest change of a group's cycle per re-plan (ms), and of a green (ms). */
  maxCycleChangeMs: number;
  maxGreenChangeMs: number;
  /** Largest move of an offset per re-plan (ms); candidates are tried in `offsetStepMs` steps. */
  maxOffsetMoveMs: number;
  offsetStepMs: number;
  /** Robertson platoon dispersion. */
  alpha: number;
  beta: number;
}

export const REPLAN_DEFAULTS: Readonly<ReplanParams> = {
  maxCycleChangeMs: 10_000,
  maxGreenChangeMs: 8_000,
  maxOffsetMoveMs: 12_000,
  offsetStepMs: 2_000,
  alpha: 0.35,
  beta: 0.8,
};

/** A plan for every signal. Arrays are indexed by intersection or by global phase index. */
export interface PlanArrays {
  cycleMs: Int32Array;
  offsetMs: Int32Array;
  /** Green of each served phase (ms; 0 for phases the cycle does not serve). */
  greenMs: Int32Array;
  /** Start of each served phase's green within the cycle (ms). */
  startMs: Int32Array;
}

export function newPlanArrays(opt: OptNet, buffer?: SharedArrayBuffer): PlanArrays {
  const bytes = 4 * (2 * opt.nInter + 2 * opt.nPhases);
  const buf = buffer ?? new SharedArrayBuffer(Math.max(8, bytes));
  let o = 0;
  const take = (n: number): Int32Array => {
    const a = new Int32Array(buf, o, n);
    o += 4 * n;
    return a;
  };
  return { cycleMs: take(opt.nInter), offsetMs: take(opt.nInter), greenMs: take(opt.nPhases), startMs: take(opt.nPhases) };
}
