/**
 * Re-plan steps 1–3 (see replan.ts): the demand of every intersection and the
 * cycle it wants, the cycle of each connected group of signals, and the green
 * splits that fill it.
 */
import type { OptNet } from './optnet.js';
import type { PlanArrays, ReplanParams } from './plan.js';

/** Step 1, for intersections [from, to): flow ratio per phase, Y per intersection and the wanted cycle. */
export function demandStep(opt: OptNet, laneFlowVph: Float64Array, from: number, to: number, yPhase: Float64Array, wantCycleMs: Int32Array): void {
  for (let i = from; i < to; i++) {
    const s0 = opt.svcStart[i]!;
    const s1 = opt.svcStart[i + 1]!;
    if (s1 === s0) {
      wantCycleMs[i] = 0;
      continue;
    }
    const sat = opt.satVphpl[i]!;
    let Y = 0;
    let floorMs = 0;
    for (let k = s0; k < s1; k++) {
      const p = opt.svc[k]!;
      let y = 0;
      for (let q = opt.phaseLaneStart[p]!; q < opt.phaseLaneStart[p + 1]!; q++) {
        const f = laneFlowVph[opt.phaseLanes[q]!]!;
        if (f / sat > y) y = f / sat;
      }
      yPhase[p] = y;
      Y += y;
      floorMs += opt.minGreenMs[p]! + opt.clearMs[p]!;
    }
    const n = s1 - s0;
    const lostMs = opt.lostMs[i]!;
    const L = (n * lostMs) / 1000;
    const c0 = Y >= 0.95 ? opt.cycleMaxMs[i]! / 1000 : (1.5 * L + 5) / (1 - Y);
    const C = Math.min(opt.cycleMaxMs[i]!, Math.max(opt.cycleMinMs[i]!, Math.round(c0) * 1000));
    // Webster's greens at that cycle, each at least its minimum: the cycle they add up to
    let withMins = 0;
    for (let k = s0; k < s1; k++) {
      const ph = opt.svc[k]!;
      const share = Y > 0 ? yPhase[ph]! / Y : 1 / n;
      const g = share * (C - n * lostMs) + lostMs - opt.clearMs[ph]!;
      withMins += Math.min(opt.maxGreenMs[ph]!, Math.max(opt.minGreenMs[ph]!, g)) + opt.clearMs[ph]!;
    }
    wantCycleMs[i] = Math.min(opt.cycleMaxMs[i]!, Math.max(C, floorMs, Math.round(withMins / 1000) * 1000));
  }
}

const groupCache = new WeakMap<SharedArrayBuffer, Int32Array>();

/** Connected groups of signals (through links); group index per intersection, −1 for none. Computed once per network. */
export function signalGroups(opt: OptNet): Int32Array {
  const cached = groupCache.get(opt.buffer);
  if (cached) return cached;
  const group = new Int32Array(opt.nInter).fill(-1);
  let g = 0;
  const stack: number[] = [];
  for (let i = 0; i < opt.nInter; i++) {
    if (group[i] !== -1 || opt.svcStart[i + 1] === opt.svcStart[i]) continue;
    group[i] = g;
    stack.push(i);
    while (stack.length) {
      const a = stack.pop()!;
      for (let q = opt.interLinkStart[a]!; q < opt.interLinkStart[a + 1]!; q++) {
        const k = opt.interLinks[q]!;
        const b = opt.linkUp[k] === a ? opt.linkDown[k]! : opt.linkUp[k]!;
        if (group[b] === -1) {
          group[b] = g;
          stack.push(b);
        }
      }
    }
    g++;
  }
  groupCache.set(opt.buffer, group);
  return group;
}

/** Step 2: each group's critical cycle, the change from prevCycleMs bounded (prev 0 = none). */
export function cycleStep(opt: OptNet, group: Int32Array, wantCycleMs: Int32Array, prevCycleMs: Int32Array | undefined, p: ReplanParams, outCycleMs: Int32Array): void {
  const nGroups = group.reduce((a, g) => Math.max(a, g + 1), 0);
  const want = new Int32Array(nGroups);
  const floor = new Int32Array(nGroups);
  const prev = new Int32Array(nGroups);
  for (let i = 0; i < opt.nInter; i++) {
    const g = group[i]!;
    if (g < 0) continue;
    if (wantCycleMs[i]! > want[g]!) want[g] = wantCycleMs[i]!;
    let fl = 0;
    for (let k = opt.svcStart[i]!; k < opt.svcStart[i + 1]!; k++) fl += opt.minGreenMs[opt.svc[k]!]! + opt.clearMs[opt.svc[k]!]!;
    if (fl > floor[g]!) floor[g] = fl;
    if (prevCycleMs && prevCycleMs[i]! > prev[g]!) prev[g] = prevCycleMs[i]!;
  }
  for (let g = 0; g < nGroups; g++) {
    let c = want[g]!;
    if (prev[g]! > 0) c = Math.min(prev[g]! + p.maxCycleChangeMs, Math.max(prev[g]! - p.maxCycleChangeMs, c));
    want[g] = Math.max(c, floor[g]!);
  }
  for (let i = 0; i < opt.nInter; i++) outCycleMs[i] = group[i]! >= 0 ? want[group[i]!]! : 0;
}

/**
 * Step 3, for intersections [from, to): greens filling each cycle exactly, in
 * proportion to the flow ratios among the phases that are not held at their
 * minimum or maximum green (so degrees of saturation are equal where they can
 * be); the change from the previous plan's greens is bounded.
 */
export function splitStep(
  opt: OptNet,
  yPhase: Float64Array,
  cycleMs: Int32Array,
  prev: PlanArrays | undefined,
  p: ReplanParams,
  from: number,
  to: number,
  out: PlanArrays,
): void {
  for (let i = from; i < to; i++) {
    const s0 = opt.svcStart[i]!;
    const s1 = opt.svcStart[i + 1]!;
    const C = cycleMs[i]!;
    if (s1 === s0 || C <= 0) continue;
    const n = s1 - s0;
    let clear = 0;
    for (let k = s0; k < s1; k++) clear += opt.clearMs[opt.svc[k]!]!;
    const prevSame = prev !== undefined && prev.cycleMs[i] === C;
    // bounds of each green: min/max green, and within maxGreenChangeMs of the previous plan
    const lo = (ph: number): number => {
      let v = opt.minGreenMs[ph]!;
      if (prevSame && prev!.greenMs[ph]! > 0) v = Math.max(v, prev!.greenMs[ph]! - p.maxGreenChangeMs);
      return v;
    };
    const hi = (ph: number): number => {
      let v = opt.maxGreenMs[ph]!;
      if (prevSame && prev!.greenMs[ph]! > 0) v = Math.min(v, prev!.greenMs[ph]! + p.maxGreenChangeMs);
      return Math.max(v, lo(ph));
    };
    // proportional allocation with phases fixed at their bounds (a few passes suffice)
    const total = C - clear;
    for (let k = s0; k < s1; k++) out.greenMs[opt.svc[k]!] = -1; // −1: free
    for (let pass = 0; pass <= n; pass++) {
      let fixedSum = 0;
      let yFree = 0;
      let nFree = 0;
      for (let k = s0; k < s1; k++) {
        const ph = opt.svc[k]!;
        if (out.greenMs[ph]! >= 0) fixedSum += out.greenMs[ph]!;
        else {
          yFree += yPhase[ph]!;
          nFree++;
        }
      }
      if (nFree === 0) break;
      const avail = total - fixedSum;
      let changed = false;
      for (let k = s0; k < s1; k++) {
        const ph = opt.svc[k]!;
        if (out.greenMs[ph]! >= 0) continue;
        const g = yFree > 0 ? (avail * yPhase[ph]!) / yFree : avail / nFree;
        if (g < lo(ph)) {
          out.greenMs[ph] = lo(ph);
          changed = true;
        } else if (g > hi(ph)) {
          out.greenMs[ph] = hi(ph);
          changed = true;
        }
      }
      if (!changed) {
        for (let k = s0; k < s1; k++) {
          const ph = opt.svc[k]!;
          if (out.greenMs[ph]! < 0) out.greenMs[ph] = Math.round((yFree > 0 ? (avail * yPhase[ph]!) / yFree : avail / nFree) / 1000) * 1000;
        }
        break;
      }
    }
    // whole seconds that add up to the cycle: the rounding residual (or, with every phase at a
    // bound, what is left) goes to the phase with the most demand
    let sum = 0;
    let big = opt.svc[s0]!;
    for (let k = s0; k < s1; k++) {
      const ph = opt.svc[k]!;
      if (out.greenMs[ph]! < 0) out.greenMs[ph] = lo(ph);
      out.greenMs[ph] = Math.round(out.greenMs[ph]! / 1000) * 1000;
      sum += out.greenMs[ph]!;
      if (yPhase[ph]! > yPhase[big]!) big = ph;
    }
    out.greenMs[big] = Math.max(opt.minGreenMs[big]!, out.greenMs[big]! + total - sum);
    let t = 0;
    for (let k = s0; k < s1; k++) {
      const ph = opt.svc[k]!;
      out.startMs[ph] = t;
      t += out.greenMs[ph]! + opt.clearMs[ph]!;
    }
    out.cycleMs[i] = t;
  }
}
