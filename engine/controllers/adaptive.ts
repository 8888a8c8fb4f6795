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
import { projectedArrivals, upstreamFeeders, type UpstreamFeeders } from '../detectors/upstream.js';
import { SCHEDULE_CLUSTERS, SCHEDULE_MAX_PHASES, ScheduleScratch, scheduleFirst, type ScheduleInput } from '../optimizer/schedule.js';
import { ScheduleBatch } from '../optimizer/scheduleBatch.js';
import { untrustedAt, untrustedNote } from './fallback.js';
import type { Controller, ControllerContext, PlanSet } from './types.js';
import { ADAPTIVE_DEFAULTS } from './adaptiveDefaults.js';

export { ADAPTIVE_DEFAULTS };

/** What decides after the first part of a decision (prelude's codes; a time ≥ 0 decides itself). */
const BLIND = -1;
const NEEDS_SCHEDULE = -2;
const PRESSURE = -3;

export type AdaptiveOptions = Partial<typeof ADAPTIVE_DEFAULTS> & {
  /** Re-plan, and make each second's schedule searches, in this many worker threads (a pool the controller owns and closes); 0 or absent: in this thread. */
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
  /** The network part's projected arrivals from upstream (option upstream), and their answer for one phase. */
  private readonly up: UpstreamFeeders | undefined;
  private readonly upOut = { count: 0, arrS: 0 };
  private readonly vehiclesOf = (c: number): number => this.vehicles(c);
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
  /**
   * Each second's schedule searches of the whole network, made in
   * beforeStep (in the pool's worker threads when there is one) and read by
   * the decisions of that step: per intersection the time its next decision
   * is due, the step its first part was worked out for, that part's outcome
   * and its schedule job.
   */
  private batch: ScheduleBatch | undefined;
  private readonly dueMs: Float64Array;
  private readonly preAtMs: Float64Array;
  private readonly preCode: Float64Array;
  private readonly jobOf: Int32Array;
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
    this.up = this.o.upstream && !this.o.isolated ? upstreamFeeders(net) : undefined;
    this.callSinceMs = new Float64Array(net.nPhases).fill(-1);
    this.greenStartSeen = new Float64Array(net.nInter).fill(-1);
    this.greenStartQueue = new Float64Array(net.nInter);
    this.dueMs = new Float64Array(net.nInter);
    this.preAtMs = new Float64Array(net.nInter).fill(-1);
    this.preCode = new Float64Array(net.nInter);
    this.jobOf = new Int32Array(net.nInter);
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
    let planned: Promise<void> | undefined;
    if (nowMs === this.pendingAtMs) {
      if (this.pending) planned = this.pending.then(() => this.swap());
      else this.swap();
    }
    const searched = this.searchSchedules(nowMs);
    if (planned && searched) return Promise.all([planned, searched]).then(() => undefined);
    return planned ?? searched;
  }

  /**
   * The first part of every decision due now, and the schedule searches they
   * need, all at once: in the pool's threads when there is one, else here
   * (the answers are the same).
   */
  private searchSchedules(nowMs: number): Promise<void> | void {
    const net = this.ctx.net;
    let n = 0;
    for (let ix = 0; ix < net.nInter; ix++) {
      if (this.dueMs[ix]! > nowMs || this.candidates[ix]!.length === 0) continue;
      // the last decision made ready here was not asked for (pre-empted, or held by an operator): decide makes its own when asked
      if (this.preAtMs[ix]! >= 0 && this.dueMs[ix]! <= this.preAtMs[ix]!) continue;
      const code = this.prelude(ix, nowMs);
      this.preAtMs[ix] = nowMs;
      this.preCode[ix] = code;
      if (code !== NEEDS_SCHEDULE) continue;
      this.batch ??= new ScheduleBatch(this.candidates.filter((c) => c.length > 0 && c.length <= SCHEDULE_MAX_PHASES).length);
      this.jobOf[ix] = n;
      this.fillSchedule(ix, nowMs, this.batch.input(n));
      this.batch.commit(n++);
    }
    if (n === 0) return;
    if (this.pool) return this.pool.schedules(this.batch!, n, this.searchScratch());
    this.batch!.solve(0, n, this.searchScratch());
  }

  private searchScratch(): ScheduleScratch {
    if (!this.scratch) {
      const most = Math.min(SCHEDULE_MAX_PHASES, Math.max(...this.candidates.map((c) => c.length)));
      this.scratch = new ScheduleScratch((SCHEDULE_CLUSTERS + 1) ** most * most);
    }
    return this.scratch;
  }

  // -------------------------------------------------------------- decisions

  /**
   * The part of a decision that needs no schedule: the calls, the minimum
   * green, a blind signal. Returns the time of the next decision, or
   * BLIND, NEEDS_SCHEDULE or PRESSURE for what decides next.
   */
  private prelude(ix: number, nowMs: number): number {
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
    if (this.blind(ix)) return BLIND;
    // early in a green the schedule is asked first (up to SCHEDULE_MAX_PHASES phases)
    if (this.o.schedule && isCand && elapsed < this.o.scheduleReachS * 1000 && cands.length <= SCHEDULE_MAX_PHASES) return NEEDS_SCHEDULE;
    return PRESSURE;
  }

  decide(ix: number, nowMs: number): number {
    const next = this.decision(ix, nowMs);
    const stepMs = this.ctx.net.stepMs;
    // as the control loop rounds it: the step at which this intersection is asked again
    this.dueMs[ix] = Number.isFinite(next) ? Math.ceil(Math.max(next, nowMs + stepMs) / stepMs) * stepMs : Infinity;
    return next;
  }

  private decision(ix: number, nowMs: number): number {
    const { net, signals } = this.ctx;
    const ready = this.preAtMs[ix] === nowMs;
    const code = ready ? this.preCode[ix]! : this.prelude(ix, nowMs);
    if (code >= 0) return code;
    const cands = this.candidates[ix]!;
    const p0 = net.interPhaseStart[ix]!;
    const cur = signals.phaseOf(ix);
    if (code === BLIND) {
      // no camera to trust: run the network plan as a fixed coordinated plan
      const k = this.scheduled(ix, nowMs);
      if (k >= 0 && k !== cur) signals.request(ix, k);
      return nowMs + net.stepMs;
    }
    // early in a green, while the schedule serves it first, it is kept (and looked at again each scheduleDecisionS)
    if (code === NEEDS_SCHEDULE) {
      let keeps: boolean;
      if (ready) keeps = this.batch!.first(this.jobOf[ix]!) === this.batch!.input(this.jobOf[ix]!).current;
      else {
        this.fillSchedule(ix, nowMs, this.sched);
        keeps = scheduleFirst(this.sched, this.searchScratch()) === this.sched.current;
      }
      if (keeps) return nowMs + this.o.scheduleDecisionS * 1000;
    }
    const isCand = cands.includes(cur);
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
   * Fills a schedule search of intersection ix (whether the least-delay
   * schedule serves the green in force first) from the cameras: per phase a cluster of the vehicles halting on its
   * approaches (arriving now, served in saturation headways on its busiest
   * lane; weighed more the longer its phase has been called) and one of those
   * still moving (arriving, on average, halfway along the rest of the
   * camera's zone at the speed limit). At most SCHEDULE_MAX_PHASES phases
   * (prelude asks for no search beyond).
   */
  private fillSchedule(ix: number, nowMs: number, inp: ScheduleInput): void {
    const net = this.ctx.net;
    const cands = this.candidates[ix]!;
    const cur = this.ctx.signals.phaseOf(ix);
    const p0 = net.interPhaseStart[ix]!;
    const h = 3600 / net.interSatFlowVphpl[ix]!;
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
      // (option upstream) the vehicles the upstream signals are sending join the moving ones
      if (this.up && projectedArrivals(this.up, this.ctx, p, this.laneFlowVph, this.vehiclesOf, this.upOut) > 0) {
        const u = this.upOut.count;
        mArr += u * this.upOut.arrS;
        mMax += u / Math.max(1, this.inCamStart[p + 1]! - this.inCamStart[p]!);
        m += u;
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
  }

  async close(): Promise<void> {
    if (this.pending) await this.pending;
    if (this.ownsPool) await this.pool!.close();
  }
}

export const createAdaptive = (ctx: ControllerContext, options: AdaptiveOptions = {}): Controller => new AdaptiveController(ctx, options);
