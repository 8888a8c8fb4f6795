/**
 * A city split into regions (`greenwave partition`): N connected regions of
 * signals of similar size, cutting the links that carry the least flow, so
 * that each region's engine depends on its neighbours through as little
 * traffic as possible (docs/DISTRIBUTED.md).
 *
 * 1. Seeds far apart: the first is the signal farthest (in hops) from the
 *    network's first signal, each next one the signal farthest from the
 *    seeds so far.
 * 2. Growth: the smallest region takes, among the unassigned signals next to
 *    it, the one it is bound to by the most flow, until every signal has a
 *    region. Regions are connected by construction and their sizes differ
 *    by little.
 * 3. Refinement (a Fiduccia–Mattheyses-style pass, repeated while it helps):
 *    a boundary signal moves to the neighbouring region it carries more
 *    flow to when the move lowers the cut, keeps both sizes within the
 *    balance bound and leaves its old region connected.
 * Intersections without a signal (the network's entries, exits and
 * uncontrolled junctions) join the region of the signal they exchange the
 * most flow with. Everything is in index order, so the same network and
 * flows always give the same regions.
 */
import type { CompiledNetwork } from '../network/compile.js';
import { INTER_SIGNAL } from '../network/compile.js';

export interface PartitionOptions {
  /** Regions may differ from the mean size by this fraction (default 0.1), and by at least one signal. */
  balance?: number;
  /** Refinement passes at most (default 20). */
  passes?: number;
}

export interface Partition {
  regions: number;
  /** Per intersection (network order): its region. */
  regionOf: Int32Array;
  /** Per region: its signals (intersection indices, ascending). */
  signals: number[][];
  /** Roads whose two ends are in different regions, with their flow (veh/h). */
  cut: Array<{ road: number; from: number; to: number; fromRegion: number; toRegion: number; flowVph: number }>;
  cutFlowVph: number;
  totalFlowVph: number;
}

/** Flow per road (veh/h): the design volumes of the movements leaving it at its downstream end. */
export function roadFlows(net: CompiledNetwork): Float64Array {
  const f = new Float64Array(net.nRoads);
  for (let m = 0; m < net.movFromRoad.length; m++) f[net.movFromRoad[m]!]! += net.movDesignVph[m]!;
  return f;
}

/** Splits the signals of `net` into `n` connected regions; `flows` per road (default: roadFlows). */
export function partitionNetwork(net: CompiledNetwork, n: number, flows: Float64Array = roadFlows(net), o: PartitionOptions = {}): Partition {
  const nI = net.nInter;
  const isSignal = (i: number): boolean => net.interType[i] === INTER_SIGNAL && net.interPhaseStart[i + 1]! > net.interPhaseStart[i]!;
  const sig: number[] = [];
  for (let i = 0; i < nI; i++) if (isSignal(i)) sig.push(i);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`regions must be an integer ≥ 1, got ${n}`);
  if (n > sig.length) throw new RangeError(`${n} regions for ${sig.length} signals: at most one region per signal`);

  // undirected weighted adjacency between intersections (both directions' flows added)
  const adj: Array<Map<number, number>> = Array.from({ length: nI }, () => new Map());
  for (let r = 0; r < net.nRoads; r++) {
    const a = net.roadFrom[r]!;
    const b = net.roadTo[r]!;
    if (a === b) continue;
    const w = flows[r]! + 1e-6; // a link with no flow still connects
    adj[a]!.set(b, (adj[a]!.get(b) ?? 0) + w);
    adj[b]!.set(a, (adj[b]!.get(a) ?? 0) + w);
  }
  // signals see each other through chains of non-signal intersections: contract those
  const sAdj = signalGraph(sig, adj, isSignal);

  const region = new Int32Array(nI).fill(-1);
  const size = new Int32Array(n);
  // 1. seeds far apart (hops over the signal graph)
  const seeds: number[] = [];
  let dist = hops(sAdj, [sig[0]!]);
  for (let k = 0; k < n; k++) {
    let best = -1;
    for (const s of sig) if (!seeds.includes(s) && (best < 0 || dist.get(s)! > dist.get(best)!)) best = s;
    seeds.push(best);
    region[best] = k;
    size[k] = 1;
    dist = hops(sAdj, seeds);
  }
  // 2. growth: the smallest region that can grow takes its most bound unassigned neighbour
  let left = sig.length - n;
  while (left > 0) {
    let grew = false;
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => size[a]! - size[b]! || a - b);
    for (const k of order) {
      let best = -1;
      let bestW = -1;
      for (const s of sig) {
        if (region[s] !== -1) continue;
        let w = 0;
        let touches = false;
        for (const [t, x] of sAdj.get(s)!)
          if (region[t] === k) {
            w += x;
            touches = true;
          }
        if (touches && w > bestW) {
          bestW = w;
          best = s;
        }
      }
      if (best >= 0) {
        region[best] = k;
        size[k]!++;
        left--;
        grew = true;
        break;
      }
    }
    if (!grew) {
      // a piece of the network not connected to any seed: it becomes part of the smallest region
      const s = sig.find((x) => region[x] === -1)!;
      region[s] = order[0]!;
      size[order[0]!]!++;
      left--;
    }
  }
  // 3. refinement
  const mean = sig.length / n;
  const slack = Math.max(1, Math.floor(mean * (o.balance ?? 0.1)));
  const lo = Math.floor(mean) - slack;
  const hi = Math.ceil(mean) + slack;
  // balance first: a boundary signal moves from a region to a neighbour smaller by two or more (the largest
  // difference first, then the least flow lost to the cut), until every region is within the bounds
  for (let guard = 0; guard < sig.length * 4; guard++) {
    let big = 0;
    let small = 0;
    for (let k = 1; k < n; k++) {
      if (size[k]! > size[big]!) big = k;
      if (size[k]! < size[small]!) small = k;
    }
    if (size[big]! <= hi && size[small]! >= lo) break;
    const cands: Array<{ s: number; to: number; key: number }> = [];
    for (const s of sig) {
      const a = region[s]!;
      const to = new Map<number, number>();
      for (const [t, x] of sAdj.get(s)!) to.set(region[t]!, (to.get(region[t]!) ?? 0) + x);
      const own = to.get(a) ?? 0;
      for (const [k, x] of to) if (k !== a && size[k]! + 1 < size[a]!) cands.push({ s, to: k, key: (size[a]! - size[k]!) * 1e12 + (x - own) });
    }
    cands.sort((p, q) => q.key - p.key || p.s - q.s || p.to - q.to);
    const move = cands.find((c) => staysConnected(sAdj, region, c.s, region[c.s]!));
    if (!move) break;
    size[region[move.s]!]!--;
    size[move.to]!++;
    region[move.s] = move.to;
  }
  for (let pass = 0; pass < (o.passes ?? 20); pass++) {
    let moved = false;
    for (const s of sig) {
      const a = region[s]!;
      if (size[a]! - 1 < lo) continue;
      const to = new Map<number, number>();
      for (const [t, x] of sAdj.get(s)!) to.set(region[t]!, (to.get(region[t]!) ?? 0) + x);
      const own = to.get(a) ?? 0;
      let b = -1;
      let gain = 1e-9;
      for (const [k, x] of [...to].sort((p, q) => p[0] - q[0]))
        if (k !== a && size[k]! + 1 <= hi && x - own > gain) {
          gain = x - own;
          b = k;
        }
      if (b < 0 || !staysConnected(sAdj, region, s, a)) continue;
      region[s] = b;
      size[a]!--;
      size[b]!++;
      moved = true;
    }
    if (!moved) break;
  }
  // intersections without a signal: with the region they exchange the most flow with (through other such ones if need be)
  for (let round = 0; round < nI; round++) {
    let changed = false;
    for (let i = 0; i < nI; i++) {
      if (region[i] !== -1) continue;
      const to = new Map<number, number>();
      for (const [t, x] of adj[i]!) if (region[t] !== -1) to.set(region[t]!, (to.get(region[t]!) ?? 0) + x);
      let best = -1;
      for (const [k, x] of [...to].sort((p, q) => p[0] - q[0])) if (best < 0 || x > to.get(best)!) best = k;
      if (best >= 0) {
        region[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < nI; i++) if (region[i] === -1) region[i] = 0; // isolated: anywhere

  const signals: number[][] = Array.from({ length: n }, () => []);
  for (const s of sig) signals[region[s]!]!.push(s);
  const cut: Partition['cut'] = [];
  let cutFlow = 0;
  let total = 0;
  for (let r = 0; r < net.nRoads; r++) {
    total += flows[r]!;
    const a = region[net.roadFrom[r]!]!;
    const b = region[net.roadTo[r]!]!;
    if (a === b) continue;
    cut.push({ road: r, from: net.roadFrom[r]!, to: net.roadTo[r]!, fromRegion: a, toRegion: b, flowVph: flows[r]! });
    cutFlow += flows[r]!;
  }
  return { regions: n, regionOf: region, signals, cut, cutFlowVph: cutFlow, totalFlowVph: total };
}

/** Signal-to-signal adjacency: direct links, and links through intersections without a signal. */
function signalGraph(sig: number[], adj: Array<Map<number, number>>, isSignal: (i: number) => boolean): Map<number, Map<number, number>> {
  const g = new Map<number, Map<number, number>>();
  for (const s of sig) g.set(s, new Map());
  for (const s of sig) {
    // walk out of s through non-signal intersections; every signal reached is a neighbour
    const seen = new Set<number>([s]);
    const stack: Array<[number, number]> = [[s, Infinity]];
    while (stack.length) {
      const [u, w] = stack.pop()!;
      for (const [t, x] of adj[u]!) {
        if (seen.has(t)) continue;
        seen.add(t);
        const wt = Math.min(w, x);
        if (isSignal(t)) g.get(s)!.set(t, (g.get(s)!.get(t) ?? 0) + wt);
        else stack.push([t, wt]);
      }
    }
  }
  return g;
}

/** Hops from the nearest of `from` to every signal (unreachable: a large number). */
function hops(g: Map<number, Map<number, number>>, from: number[]): Map<number, number> {
  const d = new Map<number, number>();
  for (const s of g.keys()) d.set(s, 1e9);
  const q = [...from];
  for (const s of from) d.set(s, 0);
  for (let h = 0; h < q.length; h++) {
    const u = q[h]!;
    for (const t of g.get(u)!.keys())
      if (d.get(t)! > d.get(u)! + 1) {
        d.set(t, d.get(u)! + 1);
        q.push(t);
      }
  }
  return d;
}

/** Whether region `a` stays connected without signal s. */
function staysConnected(g: Map<number, Map<number, number>>, region: Int32Array, s: number, a: number): boolean {
  const rest: number[] = [];
  for (const t of g.get(s)!.keys()) if (region[t] === a) rest.push(t);
  if (rest.length <= 1) return true;
  const seen = new Set<number>([s, rest[0]!]);
  const q = [rest[0]!];
  for (let h = 0; h < q.length; h++)
    for (const t of g.get(q[h]!)!.keys())
      if (region[t] === a && !seen.has(t)) {
        seen.add(t);
        q.push(t);
      }
  return rest.every((t) => seen.has(t));
}
