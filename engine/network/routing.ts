/**
 * Routing on the movement graph: roads are nodes and movements are edges, so a
 * route can only take turns that exist. Shortest paths by free-flow time with
 * graphology-shortest-path (Dijkstra); weights can be replaced, e.g. by
 * detector-based travel times.
 */
import graphology from 'graphology';
import dijkstra from 'graphology-shortest-path/dijkstra.js';
import { graphKey } from './graphKey.js';
import type { NetworkModel } from './model.js';

const { DirectedGraph } = graphology;

/** An intersection's source and sink nodes: keys that begin with `@` but not `@@` and are no road's graphKey. */
const SRC = '@from:';
const DST = '@to:';

/** Free-flow time (s) through a movement: the mean over its lane links of length / speed limit. */
export function movementTimeS(net: NetworkModel, movement: number): number {
  const links = net.movements[movement]!.links;
  let t = 0;
  for (const l of links) t += net.links[l]!.lengthM / net.links[l]!.speedMps;
  return t / Math.max(1, links.length);
}

/** Free-flow seconds of every road (its first lane, end to end) and of every movement (the mean over its lane links). */
export interface FreeFlowTables {
  roadS: Float64Array;
  movS: Float64Array;
}

/** The free-flow tables of a network: the one free-flow computation that routing, trips, metrics and pre-emption share. */
export function freeFlowTables(net: NetworkModel): FreeFlowTables {
  const roadS = new Float64Array(net.roads.length);
  for (const r of net.roads) {
    const lane = net.lanes[r.firstLane]!;
    roadS[r.idx] = lane.lengthM / lane.speedMps;
  }
  const movS = new Float64Array(net.movements.length);
  for (const m of net.movements) movS[m.idx] = movementTimeS(net, m.idx);
  return { roadS, movS };
}

/** Free-flow time (s) of the first `n` roads of a route and the movements at their ends (−1: none). */
export function routeFreeFlowS(ff: FreeFlowTables, roads: ArrayLike<number>, moves: ArrayLike<number>, n = roads.length, offset = 0): number {
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += ff.roadS[roads[offset + i]!]!;
    const m = moves[offset + i]!;
    if (m >= 0) t += ff.movS[m]!;
  }
  return t;
}

export class Router {
  private readonly g = new DirectedGraph();
  private readonly net: NetworkModel;
  /** Road index by its node's key (graphKey of its id); intersections' source and sink nodes are not in it. */
  private readonly roadOfKey = new Map<string, number>();
  /** Each road's node key. */
  private readonly roadKey: string[];
  /** Free-flow seconds of each road and movement. */
  readonly freeFlow: FreeFlowTables;
  /** Free-flow seconds to drive each road (lane 0) end to end. */
  readonly roadTimeS: Float64Array;

  constructor(net: NetworkModel) {
    this.net = net;
    this.freeFlow = freeFlowTables(net);
    this.roadTimeS = this.freeFlow.roadS;
    this.roadKey = net.roads.map((r) => graphKey(r.id));
    for (const r of net.roads) {
      this.g.addNode(this.roadKey[r.idx]!, { road: r.idx });
      this.roadOfKey.set(this.roadKey[r.idx]!, r.idx);
    }
    for (const n of net.intersections) {
      this.g.addNode(SRC + n.id);
      this.g.addNode(DST + n.id);
      for (const r of n.outRoads) this.g.addDirectedEdge(SRC + n.id, this.roadKey[r]!, { w: 0 });
      for (const r of n.inRoads) this.g.addDirectedEdge(this.roadKey[r]!, DST + n.id, { w: this.roadTimeS[r]! });
    }
    for (const m of net.movements) {
      this.g.addDirectedEdge(this.roadKey[m.fromRoad]!, this.roadKey[m.toRoad]!, {
        w: this.roadTimeS[m.fromRoad]! + this.freeFlow.movS[m.idx]!,
        movement: m.idx,
      });
    }
  }

  /**
   * Shortest route (road indices) from an origin to a destination, each an
   * intersection id or a road id. null if the destination cannot be reached.
   * Throws a plain Error for ids that are neither.
   */
  route(from: string, to: string): number[] | null {
    const src = this.net.intersectionIndex.has(from) ? SRC + from : this.net.roadIndex.has(from) ? graphKey(from) : undefined;
    const dst = this.net.intersectionIndex.has(to) ? DST + to : this.net.roadIndex.has(to) ? graphKey(to) : undefined;
    if (src === undefined) throw new Error(`unknown origin "${from}" (not an intersection or road id)`);
    if (dst === undefined) throw new Error(`unknown destination "${to}" (not an intersection or road id)`);
    if (src === dst) return [this.net.roadIndex.get(from)!];
    const path = dijkstra.bidirectional(this.g, src, dst, (_e: string, attr) => attr.w as number);
    if (!path) return null;
    const roads: number[] = [];
    for (const k of path) {
      const r = this.roadOfKey.get(k);
      if (r !== undefined) roads.push(r);
    }
    return roads.length > 0 ? roads : null;
  }

  /**
   * Shortest route (road indices) between two roads with the given time to
   * drive each road (s; e.g. from detectors). A road with an infinite time is
   * treated as closed. The first road's own time is not counted. null if the
   * destination cannot be reached.
   */
  routeTimed(fromRoad: number, toRoad: number, roadTimeS: ArrayLike<number>): number[] | null {
    if (fromRoad === toRoad) return [fromRoad];
    const net = this.net;
    const weight = (_e: string, attr: Record<string, unknown>): number => {
      const m = attr.movement as number | undefined;
      if (m === undefined) return attr.w as number;
      const mv = net.movements[m]!;
      const t = (mv.fromRoad === fromRoad ? 0 : roadTimeS[mv.fromRoad]!) + movementTimeS(net, m);
      return Number.isFinite(roadTimeS[mv.toRoad]!) ? t : Infinity;
    };
    const path = dijkstra.bidirectional(this.g, this.roadKey[fromRoad]!, this.roadKey[toRoad]!, weight);
    if (!path) return null;
    const roads = path.map((k) => this.roadOfKey.get(k)!);
    for (let i = 1; i < roads.length; i++) if (!Number.isFinite(roadTimeS[roads[i]!]!)) return null;
    return roads;
  }

  /**
   * Completes a list of anchor roads into a connected route: consecutive
   * anchors that are not joined by a movement are joined by the shortest path
   * between them (CityFlow's rule). null if some gap cannot be closed.
   */
  expand(anchors: readonly number[]): number[] | null {
    const out: number[] = [anchors[0]!];
    for (let i = 1; i < anchors.length; i++) {
      const a = anchors[i - 1]!;
      const b = anchors[i]!;
      if (this.net.movementByRoads.has(`${a},${b}`)) {
        out.push(b);
        continue;
      }
      const mid = this.route(this.net.roads[a]!.id, this.net.roads[b]!.id);
      if (!mid || mid.length < 2) return null;
      out.push(...mid.slice(1));
    }
    return out;
  }

  /** Free-flow time (s) of a route: its lanes plus the movements between them. */
  freeFlowS(route: readonly number[]): number {
    const moves = route.map((r, i) => (i + 1 < route.length ? this.net.movementByRoads.get(`${r},${route[i + 1]}`)! : -1));
    return routeFreeFlowS(this.freeFlow, route, moves);
  }
}
