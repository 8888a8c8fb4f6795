/**
 * `adaptive`: greenwave's own controller. Two layers, both reading detector
 * data only (see docs/ADAPTIVE.md):
 *
 * - Network plans (engine/optimizer): every REPLAN_S the lane flows measured
 *   by the loops (smoothed) are turned into a timing plan for every signal —
 *   the critical intersection's cycle, splits that equalise degrees of
 *   saturation, offsets along the heavy paths refined against Robertson-
 *   dispersed platoons — in worker threads when a pool is given. A plan made
 *   from the data at T is applied at T + APPLY_DELAY_S, a defined time, so
 *   results do not depend on thread timing.
 * - Local decisions, every DECISION_S after a MIN_GREEN_S minimum (longer,
 *   queueMinGreenS, for a green that starts on a long queue): the phase
 *   with the highest value gets the green, value = max-pressure (vehicles on
 *   the incoming lanes − on the outgoing lanes, from the cameras) + a
 *   head-of-line term (seconds since the phase was first called), which
 *   keeps pressure control from starving light movements and queues the
 *   cameras cannot see,
 *   and for the green in force the vehicles still moving on its approaches
 *   (holdWeight), which keeps it from cutting a platoon off. A change the
 *   pressure rule asks for in the first scheduleReachS of a green is made
 *   only where a least-delay schedule of the queues and approaching
 *   vehicles, each change costing its clearance and start-up lost time,
 *   would not rather serve the green in force first (schedule.ts). The
 *   plan's scheduled phase may get a coordination bonus (0 by default: it did
 *   not pay on the benchmark scenarios).
 *
 * Faults: a camera that cannot be trusted is replaced by its smoothed last
 * trusted readings, a loop by its last trusted flow; an intersection whose
 * cameras are all untrusted runs the network plan as a fixed coordinated plan.
 */
import { buildOptNet, designLaneFlows, type OptNet } from '../optimizer/optnet.js';
import { ReplanPool } from '../optimizer/pool.js';
import { newPlanArrays, replanInline, REPLAN_DEFAULTS, type PlanArrays } from '../optimizer/replan.js';
import { DET_ADVANCE, DET_STOP_LINE } from '../network/compile.js';
import { STAGE_GREEN } from '../signals/signals.js';
import { phaseCameras, pressureCandidates } from '../detectors/phaseCameras.js';
import { SCHEDULE_CLUSTERS, SCHEDULE_MAX_PHASES, ScheduleScratch, scheduleFirst, type ScheduleInput } from './schedule.js';
import { untrustedAt, untrustedNote } from './fallback.js';
import type { Controller, ControllerContext, PlanSet } from './types.js';

export const ADAPTIVE_DEFAULTS = {
  minGreenS: 5,
  decisionS: 5,
  /**
   * Weight of the head-of-line term: per second since the phase was first
   * called (a vehicle halting on its approach while another phase is green).
   * It counts the wait, not the queue: the pressure term already counts the
   * vehicles (docs/ADAPTIVE.md has the measured choice).
   */
  waitWeight: 0.1,
  /**
   * Hold: the green in force counts, on top of its pressure, this weight per
   * vehicle still moving on its approaches (cameras: vehicles − halting), so
   * a green is not cut while its platoon is still arriving (advanced
   * max-pressure's hold rule, as a weight; docs/ADAPTIVE.md has the measured
   * choice of 1).
   */
  holdWeight: 1,
  /**
   * Variable initial (after NEMA's "added initial"): a green that starts with
   * at least queueMinGreenAt vehicles halting on its approaches gets
   * queueMinGreenS instead of minGreenS, so a long queue is not cut off
   * while it is still starting up (which, under saturation, wastes a
   * clearance for a few vehicles).
   */
  queueMinGreenS: 12,
  queueMinGreenAt: 15,
  /** Bonus for the phase the network plan schedules now (vehicles). */
  coordination: 0,
  /**
   * The network part switched off: each signal decides from its own
   * approaches only (no downstream readings in the pressure terms).
   */
  isolated: false,
  /**
   * Switching at a price (engine/controllers/schedule.ts, after Surtrac): in
   * the first scheduleReachS of a green, a change the pressure rule asks for
   * is made only when the least-delay schedule of what the cameras see (per
   * phase its standing queue and its vehicles still moving), each change
   * costing its yellow, all-red and startUpLostS, does not serve the green
   * in force first; while it does, the green is kept and looked at again
   * every scheduleDecisionS. Past scheduleReachS the pressure rule alone
   * decides (a schedule that only sees the cameras' zone would hold a
   * steady main stream against a side road whose queue it cannot see).
   */
  schedule: true,
  scheduleReachS: 30,
  scheduleDecisionS: 1,
  /** In the schedule, a queue's delay weighs (1 + this × seconds since its phase was called) per vehicle. */
  scheduleWaitWeight: 0.02,
  /** Start-up lost time of a green (s): part of the price of a change. */
  startUpLostS: 2,
  replanS: 300,
  applyDelayS: 10,
  /** Time constant of the smoothing of flows (s). */
  flowTauS: 300,
  /** Time constant of the smoothing of camera readings kept for faults (s). */
  cameraTauS: 60,
};

export type AdaptiveOptions = Partial<typeof ADAPTIVE_DEFAULTS> & {
  /** Re-plan in this many worker threads (a pool the controller owns and closes); 0 or absent: in this thread. */
  workers?: number;
  /** Or re-plan in a pool owned by the caller. */
  pool?: ReplanPool;
};

export class AdaptiveController implements Controller {
  readonly name = 'adaptive';
  readonly opt: OptNet;
  /** The plan in force, and the one being made. */
  plan: PlanArrays;
  private next: PlanArrays;
  private readonly o: typeof ADAPTIVE_DEFAULTS;
  private readonly ctx: ControllerContext;
  private readonly pool: ReplanPool | undefined;
  private readonly ownsPool: boolean;
  private pendingAtMs = -1;
  private pending: Promise<unknown> | undefined;
  private nextReplanMs: number;
  /** Smoothed lane flows (veh/h), the loops' last counts, and the loop used per lane (−1: none). */
  readonly laneFlowVph: Float64Array;
  private readonly laneLoop: Int32Array;
  private readonly lastLoopCount: Float64Array;
  /** Smoothed camera readings (vehicles, halting) per detector, used while the camera is untrusted. */
  private readonly camVehicles: Float64Array;
  private readonly camHalting: Float64Array;
  /** Per phase: its links' (incoming camera, outgoing camera) pairs, and its incoming cameras. */
  private readonly pairStart: Int32Array;
  private readonly pairIn: Int32Array;
  private readonly pairOut: Int32Array;
  private readonly inCamStart: Int32Array;
  private readonly inCams: Int32Array;
  private readonly candidates: number[][];
  private readonly callSinceMs: Float64Array;
  private readonly greenStartSeen: Float64Array;
  private readonly greenStartQueue: Float64Array;
  private readonly sched: ScheduleInput = {
    phases: 0,
    arrivalS: new Float64Array(SCHEDULE_MAX_PHASES * SCHEDULE_CLUSTERS),
    durationS: new Float64Array(SCHEDULE_MAX_PHASES * SCHEDULE_CLUSTERS),
    count: new Float64Array(SCHEDULE_MAX_PHASES * SCHEDULE_CLUSTERS),
    weight: new Float64Array(SCHEDULE_MAX_PHASES * SCHEDULE_CLUSTERS),
    switchLossS: new Float64Array(SCHEDULE_MAX_PHASES),
    current: 0,
  };
  private scratch: ScheduleScratch | undefined;
  /** Replans made, and replans abandoned by the pool (the last plan kept). */
  replans = 0;
  abandoned = 0;

  constructor(ctx: ControllerContext, options: AdaptiveOptions = {}) {
    this.ctx = ctx;
    const { pool, workers, ...rest } = options;
    this.o = { ...ADAPTIVE_DEFAULTS, ...rest };
    const net = ctx.net;
    this.opt = pool ? pool.opt : buildOptNet(net);
    this.ownsPool = !pool && (workers ?? 0) > 0;
    this.pool = pool ?? (this.ownsPool ? new ReplanPool(this.opt, { workers: workers! }) : undefined);
    this.plan = newPlanArrays(this.opt);
    this.next = newPlanArrays(this.opt);
    // Prior flows: the design volumes (the counts a city plans with), until the loops say otherwise.
    this.laneFlowVph = designLaneFlows(net);
    replanInline(this.opt, this.laneFlowVph, undefined, this.plan);
    this.nextReplanMs = this.o.replanS * 1000;
    this.laneLoop = new Int32Array(net.nLanes).fill(-1);
    for (let d = 0; d < net.nDet; d++) {
      const lane = net.detLane[d]!;
      const cur = this.laneLoop[lane]!;
      if (net.detKind[d] === DET_ADVANCE || (net.detKind[d] === DET_STOP_LINE && cur < 0)) this.laneLoop[lane] = d;
    }
    this.lastLoopCount = new Float64Array(net.nLanes);
    this.camVehicles = new Float64Array(net.nDet);
    this.camHalting = new Float64Array(net.nDet);
    ({ pairStart: this.pairStart, pairIn: this.pairIn, pairOut: this.pairOut, inCamStart: this.inCamStart, inCams: this.inCams } = phaseCameras(net));
    this.candidates = pressureCandidates(net);
    this.callSinceMs = new Float64Array(net.nPhases).fill(-1);
    this.greenStartSeen = new Float64Array(net.nInter).fill(-1);
    this.greenStartQueue = new Float64Array(net.nInter);
  }

  // ------------------------------------------------------------ measurements

  /** Smooths loop flows and camera readings, from trusted detectors only. */
  private measure(): void {
    const { net, detectors: det, health } = this.ctx;
    const dt = net.stepMs / 1000;
    const aFlow = 1 - Math.exp(-dt / this.o.flowTauS);
    for (let lane = 0; lane < net.nLanes; lane++) {
      const d = this.laneLoop[lane]!;
      if (d < 0) continue;
      const c = det.count[d]!;
      if (health.trusted(d)) {
        const inc = c - this.lastLoopCount[lane]!;
        if (inc >= 0) this.laneFlowVph[lane]! += aFlow * ((inc * 3600) / dt - this.laneFlowVph[lane]!);
      }
      this.lastLoopCount[lane] = c;
    }
    const aCam = 1 - Math.exp(-dt / this.o.cameraTauS);
    for (let lane = 0; lane < net.nLanes; lane++) {
      const c = net.laneCamera[lane]!;
      if (c < 0 || !health.trusted(c)) continue;
      this.camVehicles[c]! += aCam * (det.vehicles[c]! - this.camVehicles[c]!);
      this.camHalting[c]! += aCam * (det.halting[c]! - this.camHalting[c]!);
    }
  }

  private vehicles(c: number): number {
    if (c < 0) return 0;
    return this.ctx.health.trusted(c) ? this.ctx.detectors.vehicles[c]! : this.camVehicles[c]!;
  }

  private halting(c: number): number {
    if (c < 0) return 0;
    return this.ctx.health.trusted(c) ? this.ctx.detectors.halting[c]! : this.camHalting[c]!;
  }

  /** Max-pressure of phase p (global index). */
  pressure(p: number): number {
    let s = 0;
    const iso = this.o.isolated;
    for (let k = this.pairStart[p]!; k < this.pairStart[p + 1]!; k++) s += this.vehicles(this.pairIn[k]!) - (iso ? 0 : this.vehicles(this.pairOut[k]!));
    return s;
  }

  /** Vehicles moving (not halting) on phase p's approaches. */
  private movingOf(p: number): number {
    let s = 0;
    for (let k = this.inCamStart[p]!; k < this.inCamStart[p + 1]!; k++) s += this.vehicles(this.inCams[k]!) - this.halting(this.inCams[k]!);
    return s;
  }

  private haltingOf(p: number): number {
    let s = 0;
    for (let k = this.inCamStart[p]!; k < this.inCamStart[p + 1]!; k++) s += this.halting(this.inCams[k]!);
    return s;
  }

  /** Halting vehicles on phase p's approaches when its green began (recorded at the first decision of that green). */
  private queueAtStart(ix: number, p: number, greenStartMs: number): number {
    if (this.greenStartSeen[ix] !== greenStartMs) {
      this.greenStartSeen[ix] = greenStartMs;
      this.greenStartQueue[ix] = this.haltingOf(p);
    }
    return this.greenStartQueue[ix]!;
  }

  fallback(ix: number): string | undefined {
    const u = untrustedAt(this.ctx, ix, this.inCamStart, this.inCams);
    if (u.total > 0 && u.untrusted === u.total) return `all ${u.total} approach cameras untrusted: the network plan runs as a fixed coordinated plan`;
    return untrustedNote(u, 'approach cameras', 'their smoothed last trusted readings stand in');
  }

  /** True when none of the intersection's approach cameras can be trusted. */
  private blind(ix: number): boolean {
    const net = this.ctx.net;
    let any = false;
    for (let p = net.interPhaseStart[ix]!; p < net.interPhaseStart[ix + 1]!; p++)
      for (let k = this.inCamStart[p]!; k < this.inCamStart[p + 1]!; k++) {
        any = true;
        if (this.ctx.health.trusted(this.inCams[k]!)) return false;
      }
    return any;
  }

  /** The local phase the plan schedules for intersection ix at nowMs (−1 during a clearance). */
  scheduled(ix: number, nowMs: number): number {
    const C = this.plan.cycleMs[ix]!;
    if (C <= 0) return -1;
    const tc = (((nowMs - this.plan.offsetMs[ix]!) % C) + C) % C;
    const p0 = this.ctx.net.interPhaseStart[ix]!;
    for (let k = this.opt.svcStart[ix]!; k < this.opt.svcStart[ix + 1]!; k++) {
      const ph = this.opt.svc[k]!;
      if (tc >= this.plan.startMs[ph]! && tc < this.plan.startMs[ph]! + this.plan.greenMs[ph]!) return ph - p0;
    }
    return -1;
  }

  // ------------------------------------------------------------------ plans

  /** The network plan in force: each served phase's green start and length in its signal's cycle. */
  timingPlans(): PlanSet {
    const pl = this.plan;
    const o = this.opt;
    const p0 = this.ctx.net.interPhaseStart;
    return {
      version: this.planVersion,
      plan: (ix) => {
        const phases: Array<{ phase: number; startMs: number; greenMs: number }> = [];
        for (let k = o.svcStart[ix]!; k < o.svcStart[ix + 1]!; k++) {
          const ph = o.svc[k]!;
          phases.push({ phase: ph - p0[ix]!, startMs: pl.startMs[ph]!, greenMs: pl.greenMs[ph]! });
        }
        return { cycleMs: pl.cycleMs[ix]!, offsetMs: pl.offsetMs[ix]!, phases };
      },
    };
  }

  /** Counts the plans put in force (a change of version tells clients to fetch them again). */
  private planVersion = 0;

  private swap(): void {
    const t = this.plan;
    this.plan = this.next;
    this.next = t;
    this.planVersion++;
    this.pendingAtMs = -1;
    this.pending = undefined;
  }

  beforeStep(nowMs: number): Promise<void> | void {
    this.measure();
    if (nowMs === this.nextReplanMs) {
      this.nextReplanMs += this.o.replanS * 1000;
      this.pendingAtMs = nowMs + this.o.applyDelayS * 1000;
      this.replans++;
      if (this.pool) {
        this.pending = this.pool.replan(this.laneFlowVph, this.plan, this.next, REPLAN_DEFAULTS).then((s) => {
          if (s.abandoned) this.abandoned++;
        });
      } else {
        replanInline(this.opt, this.laneFlowVph, this.plan, this.next);
      }
    }
    if (nowMs === this.pendingAtMs) {
      if (this.pending) return this.pending.then(() => this.swap());
      this.swap();
    }
  }

  // -------------------------------------------------------------- decisions

  decide(ix: number, nowMs: number): number {
    const { net, signals } = this.ctx;
    const cands = this.candidates[ix]!;
    if (cands.length === 0) return Infinity;
    const p0 = net.interPhaseStart[ix]!;
    const cur = signals.phaseOf(ix);
    const green = signals.stageOf(ix) === STAGE_GREEN;
    for (const k of cands) {
      const p = p0 + k;
      if (green && k === cur) this.callSinceMs[p] = -1;
      else if (this.haltingOf(p) > 0) {
        if (this.callSinceMs[p]! < 0) this.callSinceMs[p] = nowMs;
      } else this.callSinceMs[p] = -1;
    }
    if (!green) return nowMs + net.stepMs;
    const isCand = cands.includes(cur);
    const elapsed = signals.greenElapsedMs(ix, nowMs);
    let minGreenMs = this.o.minGreenS * 1000;
    if (isCand && this.o.queueMinGreenS > this.o.minGreenS && this.queueAtStart(ix, p0 + cur, nowMs - elapsed) >= this.o.queueMinGreenAt) minGreenMs = this.o.queueMinGreenS * 1000;
    if (isCand && elapsed < minGreenMs) return nowMs + net.stepMs;
    if (this.blind(ix)) {
      // no camera to trust: run the network plan as a fixed coordinated plan
      const k = this.scheduled(ix, nowMs);
      if (k >= 0 && k !== cur) signals.request(ix, k);
      return nowMs + net.stepMs;
    }
    // early in a green, while the schedule serves it first, it is kept (and looked at again each scheduleDecisionS)
    if (this.o.schedule && isCand && elapsed < this.o.scheduleReachS * 1000 && this.scheduleKeeps(ix, cands, cur, nowMs)) return nowMs + this.o.scheduleDecisionS * 1000;
    const sch = this.o.coordination !== 0 ? this.scheduled(ix, nowMs) : -1;
    let best = isCand ? cur : cands[0]!;
    let bestV = -Infinity;
    for (const k of cands) {
      const p = p0 + k;
      const waitS = this.callSinceMs[p]! >= 0 ? (nowMs - this.callSinceMs[p]!) / 1000 : 0;
      let v = this.pressure(p) + this.o.waitWeight * waitS + (k === sch ? this.o.coordination : 0);
      if (k === cur && this.o.holdWeight !== 0) v += this.o.holdWeight * this.movingOf(p);
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    if (best !== cur) {
      signals.request(ix, best);
      return nowMs + net.stepMs;
    }
    return nowMs + this.o.decisionS * 1000;
  }

  /**
   * Whether the least-delay schedule serves the green in force (cur) first,
   * from the cameras: per phase a cluster of the vehicles halting on its
   * approaches (arriving now, served in saturation headways on its busiest
   * lane; weighed more the longer its phase has been called) and one of those
   * still moving (arriving, on average, halfway along the rest of the
   * camera's zone at the speed limit). False where there are too many phases
   * for the search.
   */
  private scheduleKeeps(ix: number, cands: number[], cur: number, nowMs: number): boolean {
    const net = this.ctx.net;
    if (cands.length > SCHEDULE_MAX_PHASES) return false;
    const p0 = net.interPhaseStart[ix]!;
    const h = 3600 / net.interSatFlowVphpl[ix]!;
    const inp = this.sched;
    inp.phases = cands.length;
    inp.current = cands.indexOf(cur);
    for (let i = 0; i < cands.length; i++) {
      const p = p0 + cands[i]!;
      let q = 0;
      let qMax = 0;
      let m = 0;
      let mMax = 0;
      let mArr = 0;
      for (let k = this.inCamStart[p]!; k < this.inCamStart[p + 1]!; k++) {
        const c = this.inCams[k]!;
        const hq = this.halting(c);
        const mv = Math.max(0, this.vehicles(c) - hq);
        const qLen = this.ctx.health.trusted(c) ? this.ctx.detectors.queueM[c]! : hq * 7.5;
        q += hq;
        qMax = Math.max(qMax, hq);
        m += mv;
        mMax = Math.max(mMax, mv);
        mArr += (mv * Math.max(0, net.detEndM[c]! - net.detStartM[c]! - qLen)) / 2 / Math.max(1, net.drvSpeedMps[net.detLane[c]!]!);
      }
      const b = i * SCHEDULE_CLUSTERS;
      let j = 0;
      if (q > 0) {
        const waitS = this.callSinceMs[p]! >= 0 ? (nowMs - this.callSinceMs[p]!) / 1000 : 0;
        inp.arrivalS[b] = 0;
        inp.durationS[b] = qMax * h;
        inp.count[b] = q;
        inp.weight[b] = q * (1 + this.o.scheduleWaitWeight * waitS);
        j++;
      }
      if (m > 0) {
        inp.arrivalS[b + j] = mArr / m;
        inp.durationS[b + j] = mMax * h;
        inp.count[b + j] = m;
        inp.weight[b + j] = m;
        j++;
      }
      for (; j < SCHEDULE_CLUSTERS; j++) inp.count[b + j] = 0;
      inp.switchLossS[i] = (net.phaseYellowMs[p]! + net.phaseAllRedMs[p]!) / 1000 + this.o.startUpLostS;
    }
    if (!this.scratch) {
      const most = Math.min(SCHEDULE_MAX_PHASES, Math.max(...this.candidates.map((c) => c.length)));
      this.scratch = new ScheduleScratch((SCHEDULE_CLUSTERS + 1) ** most * most);
    }
    return scheduleFirst(inp, this.scratch) === inp.current;
  }

  async close(): Promise<void> {
    if (this.pending) await this.pending;
    if (this.ownsPool) await this.pool!.close();
  }
}

export const createAdaptive = (ctx: ControllerContext, options: AdaptiveOptions = {}): Controller => new AdaptiveController(ctx, options);
