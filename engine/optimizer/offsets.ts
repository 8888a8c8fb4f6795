/**
 * Re-plan step 4 (see replan.ts): the flow of every link between signals, and
 * offsets along a maximum spanning forest of those links.
 */
import type { OptNet } from './optnet.js';
import type { PlanArrays } from './plan.js';

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

/** x mod m, in [0, m) also for negative x. */
export const mod = (x: number, m: number): number => ((x % m) + m) % m;

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
