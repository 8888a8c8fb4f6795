/**
 * The network re-plan: from smoothed lane flows to a timing plan for every
 * signal (cycle, green splits, offsets), in the manner of TRANSYT and SCOOT:
 *
 *  1. demand  (per intersection, shardable): critical flow ratio yₚ of each
 *     served phase (busiest approach lane of its protected movements / the
 *     saturation flow), Y = Σ yₚ, and the cycle the intersection wants,
 *     Webster's C₀ = (1.5·L + 5)/(1 − Y), clamped and at least the sum of
 *     minimum greens and clearances;
 *  2. cycles  (whole network): every intersection of a connected group of
 *     signals takes the group's critical (longest) cycle, so that offsets mean
 *     something; the change from the previous plan is bounded;
 *  3. splits  (per intersection, shardable): greens in proportion to the flow
 *     ratios (equal degrees of saturation), within min/max green, filling the
 *     cycle; bounded change from the previous plan;
 *  4. offsets (whole network): along a maximum spanning forest of the links
 *     between signals weighted by their flows (the heavy paths first), each
 *     signal's main green starts when the platoon from its parent arrives;
 *  5. refine  (per intersection, shardable): the dispersed arrival profile of
 *     every link, once; then, in Jacobi rounds, each signal tries nearby
 *     offsets and keeps the one that minimises the flow arriving on red over
 *     its links in and out, with platoons dispersed by Robertson's model
 *     (TRANSYT: q′(t+T) = F·q(t) + (1−F)·q′(t+T−1), T = β·tₐ, F = 1/(1+α·β·tₐ),
 *     α = 0.35, β = 0.8); the move per re-plan is bounded.
 *
 * Every step reads only its inputs and writes only its outputs (typed arrays),
 * so shards can run in any thread and the result is the same.
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

/** Flow of each link (veh/h): the sum over its road's lanes; for the links leaving intersections [from, to) when given. */
export function linkFlows(opt: OptNet, laneFlowVph: Float64Array, out: Float64Array = new Float64Array(opt.nLinks), from = 0, to = opt.nInter): Float64Array {
  for (let i = from; i < to; i++) {
    for (let q = opt.interLinkStart[i]!; q < opt.interLinkStart[i + 1]!; q++) {
      const k = opt.interLinks[q]!;
      if (opt.linkUp[k] !== i) continue;
      let s = 0;
      for (let j = opt.linkLaneStart[k]!; j < opt.linkLaneStart[k + 1]!; j++) s += laneFlowVph[opt.linkLanes[j]!]!;
      out[k] = s;
    }
  }
  return out;
}

const mod = (x: number, m: number): number => ((x % m) + m) % m;

/**
 * Step 4: offsets along a maximum spanning forest of the links (by flow): each
 * child's green for the link starts when the parent's platoon arrives. Roots
 * (the most loaded signal of each group) keep their previous offset (0 at first).
 */
export function offsetStep(opt: OptNet, flow: Float64Array, plan: PlanArrays, prevOffsetMs: Int32Array | undefined, wantCycleMs: Int32Array): void {
  const nL = opt.nLinks;
  const nI = opt.nInter;
  // Links by flow, heaviest first, ties by index: one native sort of packed keys
  // (flow in 1/16 veh/h above the index bits).
  const keys = new Float64Array(nL);
  const idxBits = 2 ** Math.ceil(Math.log2(nL + 1));
  for (let k = 0; k < nL; k++) keys[k] = -Math.round(Math.max(0, flow[k]!) * 16) * idxBits + k;
  keys.sort();
  // Kruskal with union-find; the forest kept as CSR adjacency
  const parent = new Int32Array(nI);
  for (let i = 0; i < nI; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const tree = new Int32Array(nL);
  let nTree = 0;
  const deg = new Int32Array(nI + 1);
  for (let j = 0; j < nL; j++) {
    const key = keys[j]!;
    const k = key - Math.floor(key / idxBits) * idxBits;
    const a = find(opt.linkUp[k]!);
    const b = find(opt.linkDown[k]!);
    if (a === b) continue;
    parent[a] = b;
    tree[nTree++] = k;
    deg[opt.linkUp[k]! + 1]!++;
    deg[opt.linkDown[k]! + 1]!++;
  }
  for (let i = 0; i < nI; i++) deg[i + 1]! += deg[i]!;
  const adj = new Int32Array(2 * nTree);
  const fill = deg.slice(0, nI);
  for (let j = 0; j < nTree; j++) {
    const k = tree[j]!;
    adj[fill[opt.linkUp[k]!]!++] = k;
    adj[fill[opt.linkDown[k]!]!++] = k;
  }
  // roots: in each tree, the signal that wants the longest cycle (the critical one)
  const rootKeys = new Float64Array(nI);
  let nRoots = 0;
  const iBits = 2 ** Math.ceil(Math.log2(nI + 1));
  for (let i = 0; i < nI; i++) if (opt.svcStart[i + 1]! > opt.svcStart[i]!) rootKeys[nRoots++] = -wantCycleMs[i]! * iBits + i;
  const roots = rootKeys.subarray(0, nRoots).sort();
  const done = new Uint8Array(nI);
  const queue = new Int32Array(nI);
  for (let j = 0; j < nRoots; j++) {
    const rk = roots[j]!;
    const r = rk - Math.floor(rk / iBits) * iBits;
    if (done[r]) continue;
    done[r] = 1;
    plan.offsetMs[r] = prevOffsetMs ? prevOffsetMs[r]! : 0;
    let head = 0;
    let tail = 0;
    queue[tail++] = r;
    while (head < tail) {
      const a = queue[head++]!;
      for (let q = deg[a]!; q < deg[a + 1]!; q++) {
        const k = adj[q]!;
        const up = opt.linkUp[k]!;
        const down = opt.linkDown[k]!;
        const b = up === a ? down : up;
        if (done[b]) continue;
        done[b] = 1;
        const C = plan.cycleMs[b]!;
        const tt = opt.linkTravelMs[k]!;
        const su = plan.startMs[opt.linkPhaseUp[k]!]!;
        const sd = plan.startMs[opt.linkPhaseDown[k]!]!;
        // green at down starts when the platoon that left up at its green start arrives
        plan.offsetMs[b] = up === a ? mod(plan.offsetMs[a]! + su + tt - sd, C) : mod(plan.offsetMs[a]! + sd - tt - su, C);
        queue[tail++] = b;
      }
    }
  }
}

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

/** The whole re-plan in one thread (the reference the worker pool must reproduce). */
export function replanInline(opt: OptNet, laneFlowVph: Float64Array, prev: PlanArrays | undefined, out: PlanArrays, p: ReplanParams = REPLAN_DEFAULTS, rounds = 2): void {
  const yPhase = new Float64Array(opt.nPhases);
  const want = new Int32Array(opt.nInter);
  demandStep(opt, laneFlowVph, 0, opt.nInter, yPhase, want);
  const group = signalGroups(opt);
  cycleStep(opt, group, want, prev?.cycleMs, p, out.cycleMs);
  splitStep(opt, yPhase, out.cycleMs, prev, p, 0, opt.nInter, out);
  const flow = linkFlows(opt, laneFlowVph);
  offsetStep(opt, flow, out, prev?.offsetMs, want);
  const profStart = profileLayout(opt, out.cycleMs);
  const prof = new Float32Array(profStart[opt.nLinks]!);
  profileStep(opt, flow, out, p, profStart, 0, opt.nInter, prof);
  let a = new Int32Array(out.offsetMs);
  let b = new Int32Array(opt.nInter);
  for (let r = 0; r < rounds; r++) {
    refineStep(opt, prof, profStart, out, a, p, 0, opt.nInter, b);
    [a, b] = [b, a];
  }
  out.offsetMs.set(a);
}
