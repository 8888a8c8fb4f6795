/**
 * The engine behind `greenwave serve`: one network, one controller (with
 * emergency pre-emption), and a source of detector data:
 *   - 'sim': the built-in simulator, stepped by the caller (in wall-clock time);
 *   - 'field': detector data pushed by clients, the signals stepped in wall-clock time;
 *   - 'external': co-simulation, each `step` message brings the observations
 *     for time t and is answered with the signals to show from t on;
 *   - 'city': a read-only view of a city run as regions elsewhere (over
 *     NATS): the signals show what the regions say they show (mirror), the
 *     detectors hold the readings the field published; nothing is decided here.
 * It turns the engine's state into the frames the server sends (topics:
 * states, plans, queues, metrics, emergency); the server does the sockets.
 */
import { Cabinet } from '../cabinet/index.js';
import { FAULT_INVALID, FAULT_SILENT, FAULT_STUCK_ON, type DetectorHealth } from '../detectors/index.js';
import { IngestedDetectors, IngestError, type Observations } from '../detectors/index.js';
import type { Controller } from '../controllers/index.js';
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';
import type { Router } from '../network/routing.js';
import { PreemptionError, type PreemptionManager, type PreemptionEvent } from '../preemption/index.js';
import { type ConflictMonitor, type SignalLayer, STAGE_GREEN, STAGE_YELLOW, STATE_CHARS } from '../signals/index.js';
import type { OverrideController } from '../controllers/index.js';
import { describeNetwork } from './describe.js';
import { ERR } from './protocol.js';
import { CityPlans, cityController } from './city.js';

export type ServiceMode = 'sim' | 'field' | 'external' | 'city';

/**
 * What the service needs of a built-in simulator (sim mode): the engine it
 * drives, its clock, and its traffic figures. sim/'s Simulation is one.
 */
export interface ServiceSimulator {
  readonly cabinet: Cabinet;
  readonly nowMs: number;
  readonly durationMs: number;
  readonly done: boolean;
  step(): void;
  /** Puts an emergency vehicle on the road now (false: no room for another). */
  addEmergency(id: string, priority: number, fromRoad: number, toRoad: number): boolean;
  /** Live traffic figures. */
  traffic(): { scheduled: number; inNetwork: number; completed: number; waitingToEnter: number; meanTravelTimeS: number };
}

export interface ServiceOptions {
  mode: ServiceMode;
  /** The controller's name (for clients; in field and external mode the one the service builds). */
  controller?: string;
  /** sim mode: the simulator, built around its own engine. */
  simulator?: ServiceSimulator;
  /** field and external mode: the network and its router. */
  net?: CompiledNetwork;
  router?: Router;
  /** Emergency pre-emption (default on). */
  preemption?: boolean;
  /** More live figures for the metrics topic (city mode: the regions heard). */
  extraMetrics?: () => Record<string, unknown>;
  /** Time of day at t = 0 (s after midnight), for clients' clock times (the scenario's startTimeOfDayS). */
  startTimeOfDayS?: number;
  /** The cabinet's event log (if it keeps one) keeps this much of the past, s (default 3,600: the dashboard's hour). */
  eventLogWindowS?: number;
}

/** A refusal to pass on to the client: code (protocol ERR) and reason. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STAGE_NAMES = ['green', 'yellow', 'all-red'];

/** A detector's fault flags in words ('invalid', 'stuck-on', 'silent'; several joined with '+'). */
function faultName(f: number): string {
  const w: string[] = [];
  if (f & FAULT_INVALID) w.push('invalid');
  if (f & FAULT_STUCK_ON) w.push('stuck-on');
  if (f & FAULT_SILENT) w.push('silent');
  return w.join('+');
}

export class Service {
  readonly net: CompiledNetwork;
  readonly mode: ServiceMode;
  readonly controllerName: string;
  readonly stepMs: number;
  /** The engine: the same unit the simulator and every other clock drive. */
  readonly cabinet: Cabinet;
  readonly signals: SignalLayer;
  readonly monitor: ConflictMonitor;
  readonly health: DetectorHealth;
  readonly controller: Controller;
  readonly preemption: PreemptionManager;
  /** Operator holds. */
  readonly overrides: OverrideController;
  readonly sim: ServiceSimulator | undefined;
  readonly ingest: IngestedDetectors | undefined;
  /** Signalised intersections, in network order: the order of state arrays. */
  readonly signalIdx: Int32Array;
  readonly signalIds: string[];
  /** Time of the next step (ms) and of the last state shown. */
  nowMs = 0;
  /** Writes accepted (sequence numbers) and readings applied. */
  seq = 0;
  accepted = { detectors: 0, steps: 0, emergency: 0 };
  /** Pre-emption events not yet sent. */
  private readonly pendingEvents: PreemptionEvent[] = [];
  /** Per intersection: phase changes already reported as decisions. */
  private readonly changesSeen: Int32Array;
  private lastPlanVersion: number | undefined;
  /** The detectors' fault flags last reported (detectorStatus). */
  private readonly flagsSeen: Uint8Array;
  readonly startTimeOfDayS: number | undefined;
  private readonly logWindowMs: number;
  private lastTrimMs = 0;

  constructor(o: ServiceOptions) {
    this.mode = o.mode;
    this.controllerName = o.controller ?? 'adaptive';
    let cab: Cabinet;
    if (o.mode === 'sim') {
      if (!o.simulator) throw new Error('sim mode needs a simulator');
      this.sim = o.simulator;
      cab = o.simulator.cabinet;
    } else {
      if (!o.net || !o.router) throw new Error(`${o.mode} mode needs the network and its router`);
      const ingest = new IngestedDetectors(o.net);
      this.ingest = ingest;
      // a city view runs no controller: its cabinet's signal layer only shows what the regions show
      const controller = o.mode === 'city' ? cityController(this.cityPlans) : this.controllerName;
      cab = new Cabinet({ net: o.net, router: o.router, controller, detectors: ingest, preemption: o.mode === 'city' ? false : (o.preemption ?? true) });
    }
    this.cabinet = cab;
    const net = cab.net;
    this.net = net;
    this.stepMs = net.stepMs;
    this.signals = cab.signals;
    this.monitor = cab.monitor;
    this.health = cab.health;
    this.controller = cab.controller;
    this.overrides = cab.overrides;
    this.preemption = cab.preemption;
    this.preemption.listener = (e) => this.pendingEvents.push(e);
    const sig: number[] = [];
    for (let i = 0; i < net.nInter; i++) if (net.interType[i] === INTER_SIGNAL && net.interPhaseStart[i + 1]! > net.interPhaseStart[i]!) sig.push(i);
    this.signalIdx = Int32Array.from(sig);
    this.signalIds = sig.map((i) => net.intersectionIds[i]!);
    this.changesSeen = new Int32Array(net.nInter);
    this.flagsSeen = new Uint8Array(net.nDet);
    this.extraMetrics = o.extraMetrics;
    this.startTimeOfDayS = o.startTimeOfDayS;
    this.logWindowMs = (o.eventLogWindowS ?? 3600) * 1000;
  }

  private readonly extraMetrics: (() => Record<string, unknown>) | undefined;

  /** City mode: the plans the regions put in force, and the field's last traffic figures. */
  readonly cityPlans = new CityPlans();
  cityTraffic: ReturnType<ServiceSimulator['traffic']> | undefined;
  /** City mode: the regions whose answer for the step shown now has not come (their signals show an earlier step). */
  cityLate: readonly number[] = [];

  /** City mode: what a region says signals show after step tMs ([intersection, phase, stage, target]). */
  mirror(tMs: number, states: ReadonlyArray<readonly [number, number, number, number]>): void {
    for (const [i, phase, stage, target] of states) if (Number.isInteger(i) && i >= 0 && i < this.net.nInter) this.signals.show(i, phase, stage, target, tMs);
    this.nowMs = Math.max(this.nowMs, tMs + this.stepMs);
  }

  /** City mode: the pre-emption events a region's signals had ([t ms, code, intersection, vehicle id]), sent on the emergency topic. */
  mirrorEvents(events: ReadonlyArray<readonly [number, number, number, string]>): void {
    for (const [tMs, code, inter, vehicle] of events) this.pendingEvents.push({ tMs, code, inter, vehicle: vehicle.slice(0, 200) });
  }

  /** City mode refuses every write: the regions run the signals. */
  private writable(what: string): void {
    if (this.mode === 'city') throw new ServiceError(ERR.notAccepted, `${what}: this server is a read-only view of a city run as regions (greenwave serve --nats); the regions run the signals`);
  }

  get durationMs(): number {
    return this.sim ? this.sim.durationMs : Infinity;
  }

  /** Advances the engine one step. */
  step(): void {
    if (this.sim) {
      if (this.sim.done) return;
      this.sim.step();
      this.nowMs = this.sim.nowMs;
      // a live event log keeps its window: trimmed once a simulated minute
      if (this.cabinet.eventLog && this.nowMs - this.lastTrimMs >= 60_000) {
        this.lastTrimMs = this.nowMs;
        this.cabinet.eventLog.dropBefore(this.nowMs - this.logWindowMs);
      }
      return;
    }
    const t = this.nowMs;
    this.ingest!.tick(t);
    if (this.cabinet.step(t)) throw new Error('the live service runs controllers in its own thread');
    this.nowMs = t + this.stepMs;
  }

  // ------------------------------------------------------------------ writes

  private needIngest(what: string): IngestedDetectors {
    this.writable(what);
    if (!this.ingest) throw new ServiceError(ERR.notAccepted, `${what}: the built-in simulator owns the detectors in this mode (field and external modes take detector data)`);
    return this.ingest;
  }

  /** A detector message (field or external mode): checked, applied at the current time. Returns its sequence number and readings. */
  detectors(o: Observations): { seq: number; readings: number } {
    const ingest = this.needIngest('detectors');
    let n: number;
    try {
      n = ingest.check(o);
    } catch (e) {
      if (e instanceof IngestError) throw new ServiceError(e.code, e.message);
      throw e;
    }
    const seq = ++this.seq;
    ingest.apply(o, this.nowMs, seq);
    this.accepted.detectors++;
    return { seq, readings: n };
  }

  /**
   * External clock: the observations for time tS; the engine advances to tS
   * and the answer is the signal state from tS on. At most maxJumpS past the
   * last step (a larger jump is refused: it would hold the engine for long).
   */
  stepTo(tS: number, o: Observations, maxJumpS = Infinity): { seq: number; tMs: number } {
    const r = this.beginStep(tS, o, maxJumpS);
    this.advanceTo(r.tMs, Infinity);
    return r;
  }

  /** The first half of stepTo: checks the step, applies its observations, and returns the time to advance to (advanceTo). Throws a ServiceError and changes nothing if refused. */
  beginStep(tS: number, o: Observations, maxJumpS = Infinity): { seq: number; tMs: number } {
    this.writable('step');
    if (this.mode !== 'external') throw new ServiceError(ERR.notAccepted, 'step: only with the external clock');
    const tMs = Math.floor((tS * 1000) / this.stepMs) * this.stepMs;
    const lastMs = this.nowMs - this.stepMs;
    if (tMs < lastMs) throw new ServiceError(ERR.outOfOrder, `step: t = ${tS} s is before the last step (${lastMs / 1000} s)`);
    if (tMs - Math.max(0, lastMs) > maxJumpS * 1000)
      throw new ServiceError(ERR.tooFar, `step: t = ${tS} s is ${(tMs - Math.max(0, lastMs)) / 1000} s after the last step (${Math.max(0, lastMs) / 1000} s); at most ${maxJumpS} s per step`);
    const ingest = this.ingest!;
    try {
      ingest.check(o);
    } catch (e) {
      if (e instanceof IngestError) throw new ServiceError(e.code, e.message);
      throw e;
    }
    const seq = ++this.seq;
    ingest.apply(o, tMs, seq);
    this.accepted.steps++;
    return { seq, tMs };
  }

  /** Steps the engine until it has shown tMs, for at most budgetMs of wall-clock time; true when there. */
  advanceTo(tMs: number, budgetMs: number): boolean {
    const t0 = performance.now();
    let n = 0;
    while (this.nowMs <= tMs) {
      this.step();
      if (++n % 16 === 0 && performance.now() - t0 > budgetMs) return this.nowMs > tMs;
    }
    return true;
  }

  /** An emergency vehicle from a client: routed, then followed by its position reports. */
  emergency(vehicle: string, from: string, to: string, priority: number | undefined): { seq: number; route: string[] } {
    this.writable('emergency');
    const m = this.preemption;
    if (!m) throw new ServiceError(ERR.notAccepted, 'emergency: pre-emption is off');
    try {
      let route: string[];
      if (this.sim) {
        // the simulator drives the vehicle and sends its position reports
        const r = m.resolve({ id: vehicle, from, to, priority }, this.nowMs);
        if (!this.sim.addEmergency(r.id, r.priority, r.fromRoad, r.toRoad)) throw new ServiceError(ERR.refused, 'emergency: no room for another emergency vehicle in this run');
        route = m.activeVehicles().find((v) => v.id === vehicle)!.roads.map((x) => this.net.roadIds[x]!);
      } else route = m.request({ id: vehicle, from, to, priority }, this.nowMs).route;
      this.accepted.emergency++;
      return { seq: ++this.seq, route };
    } catch (e) {
      if (e instanceof PreemptionError) throw new ServiceError(ERR.refused, e.message);
      throw e;
    }
  }

  /** A position report of a client's emergency vehicle. */
  emergencyPosition(vehicle: string, road: string, posM: number, onLink: boolean, speedMps: number): { seq: number; route?: string[] } {
    const m = this.preemption;
    if (!m || this.sim) throw new ServiceError(ERR.notAccepted, 'emergency-position: no client emergency vehicles in this mode');
    const ev = m.vehicleNumber(vehicle);
    if (ev < 0) throw new ServiceError(ERR.unknownId, `vehicle: no active emergency vehicle "${vehicle}"`);
    const r = this.net.model.roadIndex.get(road) ?? -1;
    if (r < 0) throw new ServiceError(ERR.unknownId, `road: unknown road id "${road}"`);
    const a = m.report({ ev, timeMs: this.nowMs, road: r, onLink, posM, speedMps });
    this.accepted.emergency++;
    return { seq: ++this.seq, ...(a ? { route: a.roads.map((x) => this.net.roadIds[x]!) } : {}) };
  }

  emergencyArrived(vehicle: string): { seq: number } {
    const m = this.preemption;
    if (!m || this.sim) throw new ServiceError(ERR.notAccepted, 'emergency-arrived: no client emergency vehicles in this mode');
    const ev = m.vehicleNumber(vehicle);
    if (ev < 0) throw new ServiceError(ERR.unknownId, `vehicle: no active emergency vehicle "${vehicle}"`);
    m.arrived(ev, this.nowMs);
    return { seq: ++this.seq };
  }

  /** An operator override: hold `phase` at intersection `inter` for durationS (0: release the hold). */
  override(inter: string, phase: number, durationS: number): { seq: number; untilS: number | null } {
    this.writable('override');
    const ix = this.net.model.intersectionIndex.get(inter) ?? -1;
    if (ix < 0) throw new ServiceError(ERR.unknownId, `override: intersection: unknown intersection "${inter.slice(0, 80)}"`);
    if (this.net.interType[ix] !== INTER_SIGNAL || this.signals.phaseCount(ix) === 0) throw new ServiceError(ERR.badMessage, `override: intersection: "${inter}" has no signal`);
    const n = this.signals.phaseCount(ix);
    if (phase >= n) throw new ServiceError(ERR.badMessage, `override: phase: "${inter}" has phases 0 … ${n - 1}, got ${phase}`);
    if (durationS === 0) {
      this.overrides.release(ix);
      return { seq: ++this.seq, untilS: null };
    }
    const until = this.nowMs + durationS * 1000;
    this.overrides.hold(ix, phase, until);
    return { seq: ++this.seq, untilS: until / 1000 };
  }

  // ------------------------------------------------------------------ frames

  /** The time of the state shown now (the last step's), s. */
  get shownS(): number {
    return Math.max(0, this.nowMs - this.stepMs) / 1000;
  }

  /** Phase (local index) and stage (0 green, 1 yellow, 2 all-red) of the signals `idx`. */
  phasesOf(idx: ArrayLike<number>): { phases: number[]; stages: number[] } {
    const phases = new Array<number>(idx.length);
    const stages = new Array<number>(idx.length);
    for (let k = 0; k < idx.length; k++) {
      phases[k] = this.signals.phaseOf(idx[k]!);
      stages[k] = this.signals.stageOf(idx[k]!);
    }
    return { phases, stages };
  }

  /** The signal every intersection must show from now on (the external clock's answer). */
  signalStates(): Record<string, { phase: number; stage: string; movements: string }> {
    const net = this.net;
    const out: Record<string, { phase: number; stage: string; movements: string }> = Object.create(null) as Record<string, never>; // ids are data: __proto__ is a real key
    for (const i of this.signalIdx) {
      let mv = '';
      for (let m = net.interMovStart[i]!; m < net.interMovStart[i + 1]!; m++) mv += STATE_CHARS[this.signals.movState[m]!];
      out[net.intersectionIds[i]!] = { phase: this.signals.phaseOf(i), stage: STAGE_NAMES[this.signals.stageOf(i)]!, movements: mv };
    }
    return out;
  }

  /** Halting vehicles per road (sum over its lanes' cameras), for the roads `roads`. */
  queues(roads: ArrayLike<number>): number[] {
    const net = this.net;
    const det = this.cabinet.detectors;
    const out = new Array<number>(roads.length);
    for (let k = 0; k < roads.length; k++) {
      const r = roads[k]!;
      let q = 0;
      for (let l = net.roadFirstLane[r]!; l < net.roadFirstLane[r]! + net.roadLanes[r]!; l++) {
        const c = net.laneCamera[l]!;
        if (c >= 0) q += det.halting[c]!;
      }
      out[k] = q;
    }
    return out;
  }

  /**
   * Phase decisions since the last call: every signal that started a change,
   * with the phase it is changing to and when that green begins.
   */
  decisions(): Array<{ inter: string; phase: number; effectiveAt: number }> {
    const net = this.net;
    const out: Array<{ inter: string; phase: number; effectiveAt: number }> = [];
    for (const i of this.signalIdx) {
      const c = this.signals.changes[i]!;
      if (c === this.changesSeen[i]) continue;
      this.changesSeen[i] = c;
      const st = this.signals.stageOf(i);
      const target = st === STAGE_GREEN ? this.signals.phaseOf(i) : this.signals.targetOf(i);
      const p = net.interPhaseStart[i]! + this.signals.phaseOf(i);
      const start = this.signals.stageStartMs[i]!;
      const at = st === STAGE_GREEN ? this.signals.greenStartMs[i]! : st === STAGE_YELLOW ? start + net.phaseYellowMs[p]! + net.phaseAllRedMs[p]! : start + net.phaseAllRedMs[p]!;
      out.push({ inter: net.intersectionIds[i]!, phase: target, effectiveAt: at / 1000 });
    }
    return out;
  }

  /**
   * The timing plan in force for every signal, when the controller has one
   * (fixed: Webster; adaptive: the network plan), and whether it changed
   * since the last call; unchanged plans are only listed when `always`.
   */
  plans(always = false): { changed: boolean; plans: Array<{ inter: string; cycleS: number; offsetS: number; phases: Array<{ phase: number; startS: number; greenS: number }> }> } {
    const out: Array<{ inter: string; cycleS: number; offsetS: number; phases: Array<{ phase: number; startS: number; greenS: number }> }> = [];
    const set = this.cabinet.plans();
    if (!set) return { changed: false, plans: out };
    const changed = set.version !== this.lastPlanVersion;
    this.lastPlanVersion = set.version;
    if (!changed && !always) return { changed, plans: out };
    for (const i of this.signalIdx) {
      const pl = set.plan(i);
      if (!pl) continue;
      out.push({
        inter: this.net.intersectionIds[i]!,
        cycleS: pl.cycleMs / 1000,
        offsetS: pl.offsetMs / 1000,
        phases: pl.phases.map((ph) => ({ phase: ph.phase, startS: ph.startMs / 1000, greenS: ph.greenMs / 1000 })),
      });
    }
    return { changed, plans: out };
  }

  /** Pre-emption events since the last call, and the emergency vehicles on the road. */
  emergencyEvents(): { events: Array<{ t: number; code: number; inter: string; vehicle: string }>; vehicles: Array<{ id: string; priority: number; route: string[]; k: number; distM: number }> } {
    const net = this.net;
    const events = this.pendingEvents.splice(0).map((e) => ({ t: e.tMs / 1000, code: e.code, inter: net.intersectionIds[e.inter]!, vehicle: e.vehicle }));
    const vehicles = (this.preemption?.activeVehicles() ?? []).map((v) => ({ id: v.id, priority: v.priority, route: v.roads.map((r) => net.roadIds[r]!), k: v.k, distM: Math.round(v.distM) }));
    return { events, vehicles };
  }

  /**
   * The detectors flagged now ({ id, fault }) and whether a flag changed since
   * the last call that took the change (`take`); the list is built only when
   * it changed or when asked for a snapshot (take false).
   */
  detectorStatus(take = true): { changed: boolean; flagged: Array<{ id: string; fault: string }> } {
    const flags = this.health.flags;
    let changed = false;
    for (let d = 0; d < flags.length; d++)
      if (flags[d] !== this.flagsSeen[d]) {
        changed = true;
        break;
      }
    const flagged: Array<{ id: string; fault: string }> = [];
    if (!changed && take) return { changed, flagged };
    if (take) this.flagsSeen.set(flags);
    for (let d = 0; d < flags.length; d++) if (flags[d]) flagged.push({ id: this.net.detectorIds[d]!, fault: faultName(flags[d]!) });
    return { changed, flagged };
  }

  /** The operator holds in force: intersection, phase and until when (s). */
  holds(): Array<{ inter: string; phase: number; untilS: number }> {
    const o = this.overrides;
    const out: Array<{ inter: string; phase: number; untilS: number }> = [];
    for (const i of this.signalIdx) if (o.heldPhase[i]! >= 0 && o.untilMs[i]! > this.nowMs - this.stepMs) out.push({ inter: this.net.intersectionIds[i]!, phase: o.heldPhase[i]!, untilS: o.untilMs[i]! / 1000 });
    return out;
  }

  /** The signals whose controller runs on a fallback now, and why (Controller.fallback). */
  fallbacks(): Array<{ inter: string; why: string }> {
    const out: Array<{ inter: string; why: string }> = [];
    const c = this.controller;
    if (!c.fallback) return out;
    for (const i of this.signalIdx) {
      const why = c.fallback(i);
      if (why) out.push({ inter: this.net.intersectionIds[i]!, why });
    }
    return out;
  }

  /** Live figures. */
  metrics(): Record<string, unknown> {
    const traffic = this.sim ? this.sim.traffic() : this.cityTraffic;
    return {
      t: this.shownS,
      mode: this.mode,
      controller: this.controllerName,
      ...(traffic ? { traffic } : {}),
      safety: this.monitor.counts(),
      detectors: { faults: this.health.events, faultyNow: this.health.faultyNow() },
      holds: this.holds(),
      fallback: this.fallbacks(),
      accepted: { ...this.accepted },
      seq: this.seq,
      ...(this.extraMetrics ? this.extraMetrics() : {}),
    };
  }

  /** The network, for clients and the dashboard: ids, geometry, phases (in words too), detectors. */
  describe(): Record<string, unknown> {
    return describeNetwork(this.net, { stepMs: this.stepMs, mode: this.mode, controller: this.controllerName, startTimeOfDayS: this.startTimeOfDayS ?? null, signals: this.signalIds });
  }

  async close(): Promise<void> {
    await this.controller.close?.();
  }
}
