/**
 * Emergency-vehicle pre-emption: a green wave along the route, safe
 * transitions, recovery. See docs/PREEMPTION.md.
 *
 * The manager learns of a vehicle only from messages (types.ts): a dispatch
 * request, which it answers with a route (shortest by travel times estimated
 * from the detectors, so a congested road is avoided), then position reports.
 * From each report it updates the vehicle's ETA at every signal ahead (free-
 * flow driving along the rest of the route). A signal is *called* when the ETA
 * falls to its lead time: the time to end the current green safely (down to
 * the pre-emption minimum, then yellow and all-red in full), plus the time the
 * queue the cameras see in front of the vehicle needs to discharge, plus a
 * margin. Per intersection the call of the highest priority (then the first
 * called) owns the signal:
 *   entry (105): the signal changes to the phase serving the vehicle's
 *     movement; the green in force may end early, never below minGreenS;
 *   dwell (107): that phase holds while the vehicle approaches;
 *   exit (111): once the vehicle is past the stop line (call off, 104) and no
 *     other call is left, the phase with the longest queue (the movements
 *     starved during the pre-emption) gets the next green, and after its
 *     minimum green the normal controller takes over again.
 * Two vehicles on crossing routes at one intersection are served one after
 * the other; the signal layer inserts yellow and all-red between them.
 *
 * Routing and the vehicles' route tables live in routes.ts, the lead times
 * in eta.ts; this module keeps the messages and the state machine.
 */
import type { ControllerContext } from '../controllers/types.js';
import { phaseCameras, pressureCandidates, type PhaseCameras } from '../detectors/phaseCameras.js';
import type { Router } from '../network/routing.js';
import {
  EventLog,
  EV_PREEMPT_CALL_OFF,
  EV_PREEMPT_CALL_ON,
  EV_PREEMPT_DWELL,
  EV_PREEMPT_ENTRY,
  EV_PREEMPT_EXIT,
  STAGE_GREEN,
} from '../signals/index.js';
import { LeadTimes } from './eta.js';
import { PREEMPTION_DEFAULTS, type PreemptionOptions } from './options.js';
import { Routes } from './routes.js';
import type { DispatchRequest, PositionReport, PriorityMessage, PrioritySink, RouteAnswer } from './types.js';
import { newVehicle, traceOf, type EmergencyTrace, type RouteSignal, type Vehicle } from './vehicle.js';

export { PREEMPTION_DEFAULTS, type PreemptionOptions } from './options.js';
export type { EmergencyTrace } from './vehicle.js';

const IDLE = 0;
const ENTRY = 1;
const DWELL = 2;
const RECOVERY = 3;

/** A bad emergency request (unknown id, unreachable destination): nothing was changed. */
export class PreemptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PreemptionError';
  }
}

/** A pre-emption event: the Indiana code (102 call on, 104 call off, 105 entry, 107 dwell, 111 exit), the intersection and the vehicle id. */
export interface PreemptionEvent {
  tMs: number;
  code: number;
  inter: number;
  vehicle: string;
}

export class PreemptionManager implements PrioritySink {
  readonly o: typeof PREEMPTION_DEFAULTS;
  private readonly ctx: ControllerContext;
  private readonly log: EventLog | undefined;
  private readonly cams: PhaseCameras;
  private readonly candidates: number[][];
  /** Road travel times, blocked roads, the vehicles' routes; the lead times of the calls. */
  private readonly routes: Routes;
  private readonly leadTimes: LeadTimes;
  private readonly vehicles: Vehicle[] = [];
  private readonly active: Vehicle[] = [];
  /** Per intersection: stage, owner vehicle (index in vehicles), its phase, stage start, recovery phase. */
  readonly stage: Uint8Array;
  private readonly owner: Int32Array;
  private readonly ownerPhase: Int32Array;
  private readonly ownerMovement: Int32Array;
  private readonly stageMs: Float64Array;
  private readonly recoverPhase: Int32Array;
  /** Counters. */
  entries = 0;
  calls = 0;

  constructor(ctx: ControllerContext, router: Router, log?: EventLog, options: PreemptionOptions = {}) {
    this.ctx = ctx;
    this.log = log;
    this.o = { ...PREEMPTION_DEFAULTS, ...options };
    const net = ctx.net;
    this.cams = phaseCameras(net);
    this.candidates = pressureCandidates(net);
    this.stage = new Uint8Array(net.nInter);
    this.owner = new Int32Array(net.nInter).fill(-1);
    this.ownerPhase = new Int32Array(net.nInter).fill(-1);
    this.ownerMovement = new Int32Array(net.nInter).fill(-1);
    this.stageMs = new Float64Array(net.nInter);
    this.recoverPhase = new Int32Array(net.nInter).fill(-1);
    this.seen = new Int32Array(net.nInter);
    this.routes = new Routes(ctx, router, this.o, this.candidates);
    this.leadTimes = new LeadTimes(ctx, this.o);
  }

  /** True while pre-emption (entry, dwell or recovery) controls intersection ix. */
  controls(ix: number): boolean {
    return this.stage[ix] !== IDLE;
  }

  // --------------------------------------------------------------- messages

  dispatch(req: DispatchRequest): RouteAnswer {
    const roads = this.routes.route(req.fromRoad, req.toRoad, req.timeMs);
    if (!roads) throw new PreemptionError('to', `"${this.ctx.net.roadIds[req.toRoad]}" cannot be reached from "${this.ctx.net.roadIds[req.fromRoad]}"`);
    const a = this.routes.answer(roads);
    this.admit(req, a);
    this.onMessage?.({ kind: 'dispatch', req, route: a });
    return a;
  }

  /** A dispatched vehicle on route a. */
  private admit(req: DispatchRequest, a: RouteAnswer): void {
    const v = newVehicle(req);
    this.routes.setRoute(v, a);
    this.vehicles[req.ev] = v;
    this.active.push(v);
  }

  /**
   * Told of every message with the manager's answer (the route of a
   * dispatch, a report's new route or null), after it was applied.
   */
  onMessage: ((m: PriorityMessage) => void) | undefined;

  /**
   * Applies a message another manager answered (a distributed city's field,
   * which sees every detector): the vehicle drives the route it was given and
   * is re-routed only when the message says so, so every region's manager
   * follows the same vehicle on the same route. Pre-emption then goes on
   * from the reports as always.
   */
  follow(m: PriorityMessage): void {
    if (m.kind === 'dispatch') this.admit(m.req, m.route);
    else if (m.kind === 'arrived') this.arrived(m.ev, m.timeMs);
    else {
      const v = this.track(m.rep);
      if (v && m.route) this.reroute(v, m.route, m.rep.timeMs);
    }
  }

  /**
   * A request from outside (a client, a test), by ids: validated first, so a
   * bad one throws a PreemptionError and changes nothing. The returned route
   * is the one the vehicle should drive; its reports go to report().
   */
  request(msg: { id: string; from: string; to: string; priority?: number }, nowMs: number): { ev: number; route: string[] } {
    const r = this.resolve(msg, nowMs);
    const ev = this.vehicles.length;
    const a = this.dispatch({ ev, id: r.id, priority: r.priority, fromRoad: r.fromRoad, toRoad: r.toRoad, timeMs: nowMs });
    return { ev, route: a.roads.map((x) => this.ctx.net.roadIds[x]!) };
  }

  /**
   * Checks a request by ids and finds its origin and destination roads (a
   * destination intersection: the road into it that is quickest to reach).
   * Throws a PreemptionError naming the field; changes nothing.
   */
  resolve(msg: { id: string; from: string; to: string; priority?: number }, nowMs: number): { id: string; priority: number; fromRoad: number; toRoad: number } {
    const model = this.ctx.net.model;
    if (typeof msg.id !== 'string' || msg.id.length === 0) throw new PreemptionError('id', 'must be a non-empty string');
    if (this.vehicles.some((v) => v && v.id === msg.id && !v.done)) throw new PreemptionError('id', `emergency vehicle "${msg.id}" is already active`);
    const priority = msg.priority ?? 1;
    if (!Number.isInteger(priority) || priority < 1 || priority > 9) throw new PreemptionError('priority', `must be an integer 1 … 9, got ${String(priority)}`);
    const from = model.roadIndex.get(msg.from) ?? (model.intersectionIndex.has(msg.from) ? model.intersections[model.intersectionIndex.get(msg.from)!]!.outRoads[0] : undefined);
    if (from === undefined) throw new PreemptionError('from', `unknown origin "${msg.from}" (not a road or intersection id with roads leaving it)`);
    let toRoads: number[];
    if (model.roadIndex.has(msg.to)) toRoads = [model.roadIndex.get(msg.to)!];
    else if (model.intersectionIndex.has(msg.to)) toRoads = [...model.intersections[model.intersectionIndex.get(msg.to)!]!.inRoads];
    else throw new PreemptionError('to', `unknown destination "${msg.to}" (not a road or intersection id)`);
    const best = this.routes.quickest(from, toRoads, nowMs);
    if (!best) throw new PreemptionError('to', `"${msg.to}" cannot be reached from "${msg.from}"`);
    return { id: msg.id, priority, fromRoad: best[0]!, toRoad: best[best.length - 1]! };
  }

  report(rep: PositionReport): RouteAnswer | null {
    const v = this.track(rep);
    const a = v ? this.maybeReroute(v, rep.timeMs) : null;
    if (v) this.onMessage?.({ kind: 'report', rep, route: a });
    return a;
  }

  /** A report's position applied (signals passed); the vehicle, or undefined when the report is ignored (no such vehicle, off its route). */
  private track(rep: PositionReport): Vehicle | undefined {
    const v = this.vehicles[rep.ev];
    if (!v || v.done) return undefined;
    if (!this.routes.locate(v, rep)) return undefined; // not on its route: ignored
    const k = v.k;
    // Signals passed: the vehicle is past the stop line of road k when on its link, or on a later road.
    while (v.next < v.signals.length) {
      const s = v.signals[v.next]!;
      if (s.k < k || (s.k === k && rep.onLink)) {
        this.pass(v, s, rep.timeMs);
        v.next++;
      } else break;
    }
    return v;
  }

  arrived(ev: number, timeMs: number): void {
    const v = this.vehicles[ev];
    if (!v || v.done) return;
    for (let j = v.next; j < v.signals.length; j++) this.pass(v, v.signals[j]!, timeMs);
    v.next = v.signals.length;
    v.done = true;
    v.arrivedMs = timeMs;
    v.trajectory.push(timeMs, v.lengthM);
    this.active.splice(this.active.indexOf(v), 1);
    this.onMessage?.({ kind: 'arrived', ev, timeMs });
  }

  /**
   * Re-routes when a road ahead looks blocked. The vehicle keeps its current
   * road and the next one (its lane for the turn after is chosen already); the
   * new route starts from the end of the next road.
   */
  private maybeReroute(v: Vehicle, nowMs: number): RouteAnswer | null {
    const keep = v.k + (v.onLink ? 2 : 1);
    const a = this.routes.detour(v, keep, nowMs);
    if (a) this.reroute(v, a, nowMs);
    return a;
  }

  /** v drives route a from now on (the roads it has driven and the next unchanged): the calls of the signals it leaves end. */
  private reroute(v: Vehicle, a: RouteAnswer, nowMs: number): void {
    const keep = v.k + (v.onLink ? 2 : 1);
    for (let j = v.next; j < v.signals.length; j++) if (v.signals[j]!.k > keep) this.pass(v, v.signals[j]!, nowMs, true);
    v.reroutes++;
    this.routes.setRoute(v, a);
  }

  // --------------------------------------------------------------- signals

  /** The vehicle has passed (or no longer needs) signal s: its call ends. */
  private pass(v: Vehicle, s: RouteSignal, nowMs: number, dropped = false): void {
    if (!dropped) s.passed = true;
    if (!s.called) return;
    s.called = false;
    this.emit(nowMs, s.inter, EV_PREEMPT_CALL_OFF, v);
  }

  private record(s: RouteSignal, nowMs: number): void {
    const st = this.ctx.signals.stateOf(s.movement);
    const n = s.states.length;
    if (n === 0 || s.states[n - 1] !== st) s.states.push(nowMs, st);
  }

  /** Called at the start of every step: calls, owners, entry/dwell/exit. */
  update(nowMs: number): void {
    if (this.active.length === 0 && !this.anyControlled) return;
    this.routes.watchBlocked(nowMs);
    const { net, signals } = this.ctx;
    // Calls: a signal is called once the vehicle's ETA is within its lead time.
    for (const v of this.active) {
      const sinceS = (nowMs - v.reportMs) / 1000;
      for (let j = 0; j < v.signals.length; j++) {
        const s = v.signals[j]!;
        this.record(s, nowMs);
        if (j < v.next || s.called || !this.o.enabled) continue;
        const eta = s.ffAtS - v.ffNowS - sinceS;
        const lead = this.leadTimes.leadS(s, nowMs);
        if (eta <= lead) {
          s.called = true;
          s.callMs = nowMs;
          this.calls++;
          this.emit(nowMs, s.inter, EV_PREEMPT_CALL_ON, v);
        }
      }
    }
    if (!this.o.enabled) return;
    // Owners: the highest priority, then the first called.
    this.anyControlled = false;
    const stamp = ++this.stampNow;
    for (const v of this.active)
      for (let j = v.next; j < v.signals.length; j++) {
        const s = v.signals[j]!;
        if (!s.called) continue;
        const ix = s.inter;
        if (this.seen[ix] !== stamp) {
          this.seen[ix] = stamp;
          this.resolveOwner(ix, nowMs);
        }
      }
    for (let ix = 0; ix < net.nInter; ix++) {
      const st = this.stage[ix]!;
      if (st === IDLE) continue;
      if (this.seen[ix] !== stamp && st !== RECOVERY) this.exit(ix, nowMs);
      if (this.stage[ix] === ENTRY || this.stage[ix] === DWELL) {
        const ph = this.ownerPhase[ix]!;
        if (signals.stageOf(ix) === STAGE_GREEN && signals.phaseOf(ix) === ph) {
          if (this.stage[ix] === ENTRY) {
            this.stage[ix] = DWELL;
            this.stageMs[ix] = nowMs;
            this.emit(nowMs, ix, EV_PREEMPT_DWELL, this.vehicles[this.owner[ix]!]!);
          } else if (nowMs - this.stageMs[ix]! > this.o.maxDwellS * 1000) {
            this.dropOwner(ix, nowMs);
          }
        } else if (this.stage[ix] === DWELL) {
          // held phase lost (cannot happen while the manager holds it): enter again
          this.stage[ix] = ENTRY;
        }
        if (this.stage[ix] === ENTRY) signals.preempt(ix, ph, this.o.minGreenS * 1000);
      } else if (this.stage[ix] === RECOVERY) {
        const rp = this.recoverPhase[ix]!;
        const p = net.interPhaseStart[ix]! + rp;
        const served = signals.stageOf(ix) === STAGE_GREEN && signals.phaseOf(ix) === rp && signals.greenElapsedMs(ix, nowMs) >= net.phaseMinGreenMs[p]!;
        if (rp < 0 || served || nowMs - this.stageMs[ix]! > this.o.maxRecoveryS * 1000) this.stage[ix] = IDLE;
      }
      if (this.stage[ix] !== IDLE) this.anyControlled = true;
    }
  }

  private anyControlled = false;
  /** Intersections with a call this step (stamp = the step's number): no allocation per step. */
  private readonly seen: Int32Array;
  private stampNow = 0;

  private resolveOwner(ix: number, nowMs: number): void {
    let best: Vehicle | undefined;
    let bestS: RouteSignal | undefined;
    for (const v of this.active)
      for (let j = v.next; j < v.signals.length; j++) {
        const s = v.signals[j]!;
        if (s.inter !== ix || !s.called) continue;
        if (!best || v.priority < best.priority || (v.priority === best.priority && (s.callMs < bestS!.callMs || (s.callMs === bestS!.callMs && v.ev < best.ev)))) {
          best = v;
          bestS = s;
        }
      }
    if (!best) return;
    const cur = this.owner[ix]!;
    if (this.stage[ix] !== IDLE && this.stage[ix] !== RECOVERY && cur === best.ev && this.ownerMovement[ix] === bestS!.movement) return;
    const signals = this.ctx.signals;
    const now = signals.phaseOf(ix);
    this.owner[ix] = best.ev;
    this.ownerMovement[ix] = bestS!.movement;
    // the green in force already gives the vehicle right of way: hold it rather than change
    this.ownerPhase[ix] = signals.stageOf(ix) === STAGE_GREEN && this.leadTimes.serves(ix, now, bestS!.movement) ? now : bestS!.phase;
    this.stage[ix] = ENTRY;
    this.stageMs[ix] = nowMs;
    this.entries++;
    this.emit(nowMs, ix, EV_PREEMPT_ENTRY, best);
  }

  /** The owner's call has held too long: drop it (the vehicle is stuck elsewhere). */
  private dropOwner(ix: number, nowMs: number): void {
    const v = this.vehicles[this.owner[ix]!]!;
    for (let j = v.next; j < v.signals.length; j++) if (v.signals[j]!.inter === ix) this.pass(v, v.signals[j]!, nowMs, true);
    this.exit(ix, nowMs);
  }

  /** Exit: the next green goes to the phase with the longest queue (the movements starved meanwhile). */
  private exit(ix: number, nowMs: number): void {
    const { net, signals, detectors, health } = this.ctx;
    this.emit(nowMs, ix, EV_PREEMPT_EXIT, this.owner[ix]! >= 0 ? this.vehicles[this.owner[ix]!] : undefined);
    let best = -1;
    let bestQ = 0;
    const held = this.ownerPhase[ix]!;
    for (const local of this.candidates[ix] ?? []) {
      if (local === held) continue;
      const p = net.interPhaseStart[ix]! + local;
      let q = 0;
      for (let k = this.cams.inCamStart[p]!; k < this.cams.inCamStart[p + 1]!; k++) {
        const c = this.cams.inCams[k]!;
        if (health.trusted(c)) q += detectors.halting[c]!;
      }
      if (q > bestQ) {
        bestQ = q;
        best = local;
      }
    }
    this.owner[ix] = -1;
    this.ownerPhase[ix] = -1;
    this.ownerMovement[ix] = -1;
    this.recoverPhase[ix] = best;
    this.stage[ix] = RECOVERY;
    this.stageMs[ix] = nowMs;
    if (best >= 0) signals.request(ix, best);
  }

  /** Writes a pre-emption event to the log and tells the listener. */
  private emit(nowMs: number, ix: number, code: number, v: Vehicle | undefined): void {
    this.log?.push(nowMs, ix, code, v ? v.priority : 0);
    this.listener?.({ tMs: nowMs, code, inter: ix, vehicle: v ? v.id : '' });
  }

  /** Told of every pre-emption event (the live service streams them). */
  listener: ((e: PreemptionEvent) => void) | undefined;

  /** Routes of the vehicles on the road now: id → road indices and how far along (m). */
  activeVehicles(): Array<{ id: string; priority: number; roads: number[]; k: number; distM: number }> {
    return this.active.map((v) => ({ id: v.id, priority: v.priority, roads: v.roads, k: v.k, distM: v.trajectory.length ? v.trajectory[v.trajectory.length - 1]! : 0 }));
  }

  /** The vehicle number of an active vehicle by id, or −1. */
  vehicleNumber(id: string): number {
    const v = this.active.find((x) => x.id === id);
    return v ? v.ev : -1;
  }

  // --------------------------------------------------------------- output

  /** What happened to each emergency vehicle: route, signals with their display changes, reports. */
  traces(): EmergencyTrace[] {
    const net = this.ctx.net;
    return this.vehicles.filter(Boolean).map((v) => traceOf(v, net));
  }
}
