/**
 * The messages between an emergency vehicle (or its dispatcher) and the
 * engine, as a real priority-request system carries them: a dispatch request
 * with origin and destination, answered with the route to drive; then
 * position reports (a map-matched GPS fix: road, distance along it, speed)
 * every second or so. The engine knows nothing else about the vehicle.
 */

/** A dispatch request, in network indices (the simulator's side of the edge). */
export interface DispatchRequest {
  /** Emergency vehicle number (0-based, unique per run). */
  ev: number;
  id: string;
  /** Priority class 1 … 9; 1 is served first. */
  priority: number;
  fromRoad: number;
  toRoad: number;
  timeMs: number;
}

/** A route to drive: roads, and the movement at the end of each (−1 after the last). */
export interface RouteAnswer {
  roads: number[];
  moves: number[];
}

/** A position report: the vehicle is on `road` (or, with onLink, crossing the intersection at its end), posM metres in. */
export interface PositionReport {
  ev: number;
  timeMs: number;
  road: number;
  onLink: boolean;
  posM: number;
  speedMps: number;
}

/** What a controller that serves priority requests offers the simulator (or a live feed). */
export interface PrioritySink {
  /** A vehicle is dispatched: answers with the route it is to drive. */
  dispatch(req: DispatchRequest): RouteAnswer;
  /** A position report; answers a new route when the vehicle is re-routed (roads up to its current position unchanged), else null. */
  report(rep: PositionReport): RouteAnswer | null;
  /** The vehicle has reached its destination (or left the network). */
  arrived(ev: number, timeMs: number): void;
}

/**
 * One message between a vehicle and the engine with the engine's answer, as
 * the manager saw it (PreemptionManager.onMessage): what a distributed city's
 * field passes to every region, whose managers follow the routes it was given
 * (PreemptionManager.follow) instead of routing again from their part of the
 * detectors.
 */
export type PriorityMessage =
  | { kind: 'dispatch'; req: DispatchRequest; route: RouteAnswer }
  | { kind: 'report'; rep: PositionReport; route: RouteAnswer | null }
  | { kind: 'arrived'; ev: number; timeMs: number };
