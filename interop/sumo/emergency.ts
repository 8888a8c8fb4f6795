/**
 * Emergency vehicles in a SUMO co-simulation, seen as a dispatcher and a
 * vehicle tracker would see them: when SUMO inserts a vehicle that the
 * scenario lists as an emergency vehicle (vClass emergency), its dispatch
 * request goes to the engine, which answers with the route to drive (set in
 * SUMO); then its position (edge, metres along it, speed) is reported every
 * step, and its arrival when SUMO says it arrived. The engine pre-empts the
 * signals ahead as it does in greenwave's own simulator; it is told nothing
 * else about the vehicle.
 */
import type { CompiledNetwork, NetworkModel } from '../../engine/network/index.js';
import { routeFreeFlowS } from '../../engine/network/index.js';
import type { PrioritySink, RouteAnswer } from '../../engine/preemption/index.js';
import type { EmergencyVehicleJson } from '../../scenarios/types.js';
import type { TraciBatch } from './traci.js';
import { DOMAIN, VAR, Writer, type SubscriptionResults } from './traciCodec.js';

interface Tracked {
  ev: number;
  id: string;
  priority: number;
  fromRoad: number;
  toRoad: number;
  /** The route the engine answered (roads, movements), once dispatched. */
  route: RouteAnswer | undefined;
  /** Edges to set in SUMO before the next step. */
  pendingRoute: string[] | undefined;
  state: 'waiting' | 'driving' | 'arrived';
}

/** The emergency vehicles' part of each step's TraCI batch. */
export class SumoEmergencies {
  private readonly byId = new Map<string, Tracked>();
  private readonly list: Tracked[];
  /** Vehicles whose positions to subscribe to before the next step. */
  private readonly toSubscribe: string[] = [];

  constructor(
    evs: readonly EmergencyVehicleJson[],
    private readonly model: NetworkModel,
    private readonly net: CompiledNetwork,
    private readonly sink: PrioritySink,
  ) {
    const road = (id: string): number => model.roadIndex.get(id)!;
    this.list = evs.map((e, ev) => {
      const roads = e.route ?? [e.from!, e.to!];
      return { ev, id: e.id, priority: e.priority ?? 1, fromRoad: road(roads[0]!), toRoad: road(roads[roads.length - 1]!), route: undefined, pendingRoute: undefined, state: 'waiting' as const };
    });
    for (const t of this.list) this.byId.set(t.id, t);
  }

  /** The scenario's emergency vehicles' ids. */
  get ids(): Set<string> {
    return new Set(this.list.map((t) => t.id));
  }

  /** Subscriptions made once before the first step: which vehicles SUMO inserted and which arrived, each step. */
  subscribe(b: TraciBatch): void {
    if (this.list.length) b.subscribe(DOMAIN.SIM, '', [VAR.VAR_DEPARTED_VEHICLES_IDS, VAR.VAR_ARRIVED_VEHICLES_IDS]);
  }

  /** Commands for the coming step: routes the engine answered since the last one, and the position subscriptions of vehicles just inserted. */
  beforeStep(b: TraciBatch): void {
    for (const id of this.toSubscribe) b.subscribe(DOMAIN.VEHICLE, id, [VAR.VAR_ROAD_ID, VAR.VAR_LANEPOSITION, VAR.VAR_SPEED, VAR.VAR_ROUTE_INDEX]);
    this.toSubscribe.length = 0;
    for (const t of this.list) {
      if (!t.pendingRoute) continue;
      b.set(DOMAIN.VEHICLE, VAR.VAR_ROUTE, t.id, new Writer().typedStringList(t.pendingRoute).finish());
      t.pendingRoute = undefined;
    }
  }

  /**
   * After a step that ended at `timeMs`: dispatches the emergency vehicles
   * SUMO inserted (their routes and position subscriptions go out before the
   * next step), reports the positions of those driving, and the arrivals.
   */
  afterStep(res: SubscriptionResults, timeMs: number): void {
    if (!this.list.length) return;
    const sim = res.get(DOMAIN.SIM)?.get('');
    const departed = (sim?.get(VAR.VAR_DEPARTED_VEHICLES_IDS) ?? []) as string[];
    const arrived = (sim?.get(VAR.VAR_ARRIVED_VEHICLES_IDS) ?? []) as string[];
    for (const id of departed) {
      const t = this.byId.get(id);
      if (!t || t.state !== 'waiting') continue;
      t.state = 'driving';
      const a = this.sink.dispatch({ ev: t.ev, id: t.id, priority: t.priority, fromRoad: t.fromRoad, toRoad: t.toRoad, timeMs });
      this.setRoute(t, a, 0);
      this.toSubscribe.push(id);
    }
    const vehicles = res.get(DOMAIN.VEHICLE);
    for (const t of this.list) {
      if (t.state !== 'driving') continue;
      const v = vehicles?.get(t.id);
      const edge = v?.get(VAR.VAR_ROAD_ID);
      if (typeof edge !== 'string') continue;
      const onLink = edge.startsWith(':');
      const idx = Number(v!.get(VAR.VAR_ROUTE_INDEX) ?? -1);
      // on a junction's internal lane SUMO's route index is still the edge just left
      const road = onLink ? (t.route && idx >= 0 ? (t.route.roads[idx] ?? -1) : -1) : (this.model.roadIndex.get(edge) ?? -1);
      if (road < 0) continue;
      const a = this.sink.report({ ev: t.ev, timeMs, road, onLink, posM: Number(v!.get(VAR.VAR_LANEPOSITION) ?? 0), speedMps: Number(v!.get(VAR.VAR_SPEED) ?? 0) });
      if (a) this.setRoute(t, a, Math.max(0, a.roads.indexOf(road)));
    }
    for (const id of arrived) {
      const t = this.byId.get(id);
      if (!t || t.state !== 'driving') continue;
      t.state = 'arrived';
      this.sink.arrived(t.ev, timeMs);
    }
  }

  /** The engine's route for vehicle t; SUMO is given its edges from the one it is on (index `from`). */
  private setRoute(t: Tracked, a: RouteAnswer, from: number): void {
    t.route = { roads: [...a.roads], moves: [...a.moves] };
    t.pendingRoute = a.roads.slice(from).map((r) => this.model.roads[r]!.id);
  }

  /** Free-flow time (s) of the route each vehicle was last given (or NaN when it never entered). */
  freeFlowS(id: string): number {
    const t = this.byId.get(id);
    if (!t?.route) return NaN;
    return routeFreeFlowS({ roadS: this.net.roadFreeFlowS, movS: this.net.movFreeFlowS }, t.route.roads, t.route.moves);
  }
}
