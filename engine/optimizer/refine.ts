/**
 * Re-plan step 5 (see replan.ts): the dispersed arrival profile of every link
 * (Robertson's platoon dispersion), and the refinement of each signal's offset
 * against the flow arriving on red.
 */
import { mod } from './offsets.js';
import type { OptNet } from './optnet.js';
import { REPLAN_DEFAULTS, type PlanArrays, type ReplanParams } from './plan.js';

/**
 * The dispersed arrival profile (veh per 1 s bin, over one cycle, in the
 * upstream's cycle frame) of link k: the cycle's vehicles leave evenly during
 * the upstream green and arrive T later, smoothed by Robertson's filter. The
 * filter's periodic steady state is computed exactly: one pass from zero gives
 * the response S to one cycle, and the state at the cycle boundary is
 * S / (1 − (1−F)^C). Returns C (s).
 */
export function arrivalProfile(opt: OptNet, plan: PlanArrays, flowVph: number, k: number, p: ReplanParams, out: Float64Array): number {
  const up = opt.linkUp[k]!;
  const C = Math.max(1, Math.round(plan.cycleMs[up]! / 1000));
  const pu = opt.linkPhaseUp[k]!;
  const start = Math.round(plan.startMs[pu]! / 1000);
  const g = Math.max(1, Math.round(plan.greenMs[pu]! / 1000));
  const rate = ((flowVph / 3600) * C) / g;
  const tt = opt.linkTravelMs[k]! / 1000;
  const T = Math.max(1, Math.round(p.beta * tt)) % C;
  const F = 1 / (1 + p.alpha * p.beta * tt);
  const keep = 1 - F;
  const s0 = mod(-start, C); // phase within the green of t = 0
  let x = 0;
  let ph = s0;
  for (let t = 0; t < C; t++) {
    x = F * (ph < g ? rate : 0) + keep * x;
    if (++ph === C) ph = 0;
  }
  x /= 1 - Math.pow(keep, C);
  ph = s0;
  let j = T;
  for (let t = 0; t < C; t++) {
    x = F * (ph < g ? rate : 0) + keep * x;
    out[j] = x;
    if (++ph === C) ph = 0;
    if (++j === C) j = 0;
  }
  return C;
}

/** Where each link's cumulative arrival profile starts in the flat profile array: C + 1 entries, C the upstream cycle (s). */
export function profileLayout(opt: OptNet, cycleMs: Int32Array): Int32Array {
  const start = new Int32Array(opt.nLinks + 1);
  for (let k = 0; k < opt.nLinks; k++) start[k + 1] = start[k]! + Math.max(1, Math.round(cycleMs[opt.linkUp[k]!]! / 1000)) + 1;
  return start;
}

/**
 * Step 5a, for intersections [from, to): the cumulative arrival profile of
 * every link leaving them (prof[profStart[k] + t] = vehicles arriving in the
 * first t seconds of the upstream cycle). Links between signals on different
 * cycles, or without flow, are left at zero.
 */
export function profileStep(opt: OptNet, flow: Float64Array, plan: PlanArrays, p: ReplanParams, profStart: Int32Array, from: number, to: number, prof: Float32Array): void {
  let scratch = new Float64Array(256);
  for (let i = from; i < to; i++) {
    for (let q = opt.interLinkStart[i]!; q < opt.interLinkStart[i + 1]!; q++) {
      const k = opt.interLinks[q]!;
      if (opt.linkUp[k] !== i) continue;
      const o = profStart[k]!;
      const C = profStart[k + 1]! - o - 1;
      prof.fill(0, o, o + C + 1);
      if (plan.cycleMs[i] !== plan.cycleMs[opt.linkDown[k]!] || flow[k]! <= 0) continue;
      if (scratch.length < C) scratch = new Float64Array(C);
      arrivalProfile(opt, plan, flow[k]!, k, p, scratch);
      let sum = 0;
      for (let t = 0; t < C; t++) {
        sum += scratch[t]!;
        prof[o + t + 1] = sum;
      }
    }
  }
}

/**
 * Step 5b, for intersections [from, to): each signal's offset moved, within
 * ±maxOffsetMoveMs, to the value that minimises the flow arriving on red over
 * its links (from the profiles of step 5a), given its neighbours' offsets in
 * `offsetsIn` (Jacobi: all read the same old offsets, so the order and the
 * threads do not matter).
 */
export function refineStep(
  opt: OptNet,
  prof: Float32Array,
  profStart: Int32Array,
  plan: PlanArrays,
  offsetsIn: Int32Array,
  p: ReplanParams,
  from: number,
  to: number,
  offsetsOut: Int32Array,
): void {
  const nCand = 2 * Math.floor(p.maxOffsetMoveMs / p.offsetStepMs) + 1;
  const mid = (nCand - 1) / 2;
  const stepS = p.offsetStepMs / 1000;
  const cost = new Float64Array(nCand);
  for (let i = from; i < to; i++) {
    offsetsOut[i] = offsetsIn[i]!;
    const l0 = opt.interLinkStart[i]!;
    const l1 = opt.interLinkStart[i + 1]!;
    if (l1 === l0 || plan.cycleMs[i]! <= 0) continue;
    cost.fill(0);
    for (let q = l0; q < l1; q++) {
      const k = opt.interLinks[q]!;
      const up = opt.linkUp[k]!;
      const down = opt.linkDown[k]!;
      const o = profStart[k]!;
      const C = profStart[k + 1]! - o - 1;
      const total = prof[o + C]!;
      if (plan.cycleMs[up] !== plan.cycleMs[down] || total <= 0) continue;
      const pd = opt.linkPhaseDown[k]!;
      const gd = Math.round(plan.greenMs[pd]! / 1000);
      const sd = Math.round(plan.startMs[pd]! / 1000);
      const sign = up === i ? -1 : 1;
      const base = offsetsIn[down]! / 1000 - offsetsIn[up]! / 1000 + sd;
      for (let c = 0; c < nCand; c++) {
        // relative offset of down against up, in s, with i's candidate move applied
        const a = mod(Math.round(base + sign * (c - mid) * stepS), C);
        // arrivals during down's green: bins [a, a + gd) of the profile (cyclic)
        let onGreen: number;
        if (gd >= C) onGreen = total;
        else if (a + gd <= C) onGreen = prof[o + a + gd]! - prof[o + a]!;
        else onGreen = total - prof[o + a]! + prof[o + a + gd - C]!;
        cost[c]! += total - onGreen;
      }
    }
    let best = mid;
    for (let c = 0; c < nCand; c++) {
      const d = Math.abs(c - mid) - Math.abs(best - mid);
      if (cost[c]! < cost[best]! - 1e-6 || (Math.abs(cost[c]! - cost[best]!) <= 1e-6 && d < 0)) best = c;
    }
    offsetsOut[i] = mod(offsetsIn[i]! + (best - mid) * p.offsetStepMs, plan.cycleMs[i]!);
  }
}

/** Arrivals on red over every link, veh/h (the quantity offsets minimise; for reports and tests). */
export function arrivalsOnRed(opt: OptNet, flow: Float64Array, plan: PlanArrays, p: ReplanParams = REPLAN_DEFAULTS): number {
  let sum = 0;
  let prof = new Float64Array(256);
  for (let k = 0; k < opt.nLinks; k++) {
    const up = opt.linkUp[k]!;
    const down = opt.linkDown[k]!;
    if (plan.cycleMs[up] !== plan.cycleMs[down] || flow[k]! <= 0) continue;
    if (prof.length < plan.cycleMs[up]! / 1000 + 1) prof = new Float64Array(Math.ceil(plan.cycleMs[up]! / 1000) + 1);
    const C = arrivalProfile(opt, plan, flow[k]!, k, p, prof);
    const pd = opt.linkPhaseDown[k]!;
    const gd = Math.round(plan.greenMs[pd]! / 1000);
    const a = mod(Math.round((plan.offsetMs[down]! - plan.offsetMs[up]!) / 1000 + plan.startMs[pd]! / 1000), C);
    let red = 0;
    for (let t = 0; t < C; t++) if (mod(t - a, C) >= gd) red += prof[t]!;
    sum += (red * 3600) / C;
  }
  return sum;
}
