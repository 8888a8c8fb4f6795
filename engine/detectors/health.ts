/**
 * Detector health: flags detectors whose data cannot be trusted, as field
 * controllers' detector diagnostics do, from the detector data alone.
 *
 * - invalid: a value that cannot be (not finite, negative, a count or
 *   occupancy that goes back or grows faster than vehicles can pass, a camera
 *   seeing more vehicles than fit in its zone or more halting than present);
 * - stuck on / silent (a loop): it counted nothing while a neighbouring loop
 *   of its lane (the next one up or down) counted more vehicles than fit
 *   between the two (their span / MIN_SPACING_M, + LANE_DISAGREE_MARGIN),
 *   flagged stuck on if it reads occupied, silent if not. A loop alone on
 *   its lane is flagged stuck on after STUCK_ON_S of green on its lane
 *   occupied without a new vehicle (a vehicle standing at a red is no fault;
 *   the controller knows its own signal states). A lane that carries nothing
 *   is not a fault: no loop is judged by other lanes' traffic.
 * - silent (a camera): readings frozen on an empty zone or on a standing queue
 *   while the loops inside its zone counted CAMERA_FROZEN_COUNT vehicles
 *   (vehicles passed through a zone it saw empty, or through a queue it saw
 *   standing), or frozen for SILENT_S while the loops of its lane counted
 *   SILENT_MIN_OTHERS.
 *
 * A flagged detector is trusted again once its data look right: a valid value
 * for RECOVER_S (invalid), a new vehicle (stuck on, silent loop), a change of
 * reading (silent camera). `events` counts every time a detector was flagged.
 */
import { DET_LANE_AREA, type CompiledNetwork } from '../network/compile.js';
import { GREEN, PERMITTED } from '../signals/signals.js';
import type { DetectorView } from './arrays.js';

export const FAULT_INVALID = 1;
export const FAULT_STUCK_ON = 2;
export const FAULT_SILENT = 4;

/** A loop without a lane-mate: seconds of green on its lane it may stay occupied without counting a new vehicle. */
export const STUCK_ON_S = 300;
/** Vehicles a lane-mate may count, beyond those that fit between the two loops, while a loop counts none. */
export const LANE_DISAGREE_MARGIN = 2;
/** A camera: seconds its readings may stay the same while the loops of its lane count SILENT_MIN_OTHERS vehicles. */
export const SILENT_S = 900;
export const SILENT_MIN_OTHERS = 20;
export const RECOVER_S = 60;
/** Time between checks (ms): detector diagnostics need not run every simulation step. */
export const HEALTH_PERIOD_MS = 5000;
/** Vehicles a camera's own lane's loops may count while its readings stay frozen. */
export const CAMERA_FROZEN_COUNT = 10;
/** Closest spacing of vehicles over a loop (s): faster counting is impossible. */
export const MIN_HEADWAY_S = 0.8;
/** Shortest space a vehicle takes in a queue (m), for a camera's plausible maximum. */
export const MIN_SPACING_M = 5;

export class DetectorHealth {
  /** Current fault flags per detector (0 = trusted). */
  readonly flags: Uint8Array;
  /** Times a detector went from trusted to flagged. */
  events = 0;
  private readonly net: CompiledNetwork;
  private readonly view: DetectorView;
  private readonly lastCount: Float64Array;
  private readonly lastOcc: Float64Array;
  /** Last time (ms) each loop counted a vehicle, or each camera's reading changed. */
  private readonly lastChangeMs: Float64Array;
  private readonly lastValidSinceMs: Float64Array;
  private readonly lastCam: Float64Array;
  /** Per lane: vehicles counted by its trusted loops, and a snapshot at each detector's last change. */
  private readonly laneCount: Float64Array;
  private readonly laneCountAtChange: Float64Array;
  /** Per loop: vehicles it counted while trusted. Per camera: the loops inside its zone (CSR), and their count at its last change. */
  private readonly loopCount: Float64Array;
  private readonly camLoopStart: Int32Array;
  private readonly camLoops: Int32Array;
  private readonly camLoopsAtChange: Float64Array;
  /** Per camera: 1 if a vehicle at the speed limit spends at least two checks' time in its zone. */
  private readonly seesEveryVehicle: Uint8Array;
  private lastMs = -1;
  /** Samples seen (update calls), the latest one's time, and per detector the sample its range was tested in and the result. */
  private sample = 0;
  private nowMs = 0;
  private readonly testedAt: Int32Array;
  private readonly inRange: Uint8Array;
  /** The loops, and the cameras. */
  private readonly loopIdx: Int32Array;
  private readonly camIdx: Int32Array;
  private readonly maxCam: Float64Array;
  private readonly zoneM: Float64Array;
  /** Signal state of every movement (the controller's own outputs), or none. */
  private readonly movState: Uint8Array | undefined;
  /** Movements leaving each detector's lane (CSR). */
  private readonly detMovStart: Int32Array;
  private readonly detMovs: Int32Array;
  /** Per loop: ms of green on its lane while occupied since its last new vehicle. */
  private readonly greenOccMs: Float64Array;
  /**
   * Per loop (CSR): its neighbours on its lane, how many vehicles each may
   * count while this one counts none, and each one's count when this one last counted.
   */
  private readonly mateStart: Int32Array;
  private readonly mates: Int32Array;
  private readonly mateAllow: Float64Array;
  private readonly mateAtChange: Float64Array;

  constructor(net: CompiledNetwork, view: DetectorView, movState?: Uint8Array) {
    this.net = net;
    this.view = view;
    this.movState = movState;
    const byLane: number[][] = Array.from({ length: net.nLanes }, () => []);
    for (let m = 0; m < net.nMov; m++) for (let q = net.movLaneStart[m]!; q < net.movLaneStart[m + 1]!; q++) byLane[net.movLanes[q]!]!.push(m);
    this.detMovStart = new Int32Array(net.nDet + 1);
    const movs: number[] = [];
    for (let d = 0; d < net.nDet; d++) {
      movs.push(...byLane[net.detLane[d]!]!);
      this.detMovStart[d + 1] = movs.length;
    }
    this.detMovs = Int32Array.from(movs);
    this.greenOccMs = new Float64Array(net.nDet);
    const n = net.nDet;
    this.flags = new Uint8Array(n);
    this.lastCount = new Float64Array(n);
    this.lastOcc = new Float64Array(n);
    this.lastChangeMs = new Float64Array(n);
    this.lastValidSinceMs = new Float64Array(n);
    this.lastCam = new Float64Array(3 * n);
    this.laneCount = new Float64Array(net.nLanes);
    this.laneCountAtChange = new Float64Array(n);
    this.loopCount = new Float64Array(n);
    this.camLoopsAtChange = new Float64Array(n);
    this.seesEveryVehicle = new Uint8Array(n);
    this.camLoopStart = new Int32Array(n + 1);
    const camLoops: number[] = [];
    const loopsOnLane: number[][] = Array.from({ length: net.nLanes }, () => []);
    for (let e = 0; e < n; e++) if (net.detKind[e] !== DET_LANE_AREA) loopsOnLane[net.detLane[e]!]!.push(e);
    for (let d = 0; d < n; d++) {
      if (net.detKind[d] === DET_LANE_AREA)
        for (const e of loopsOnLane[net.detLane[d]!]!) if (net.detStartM[e]! >= net.detStartM[d]! && net.detEndM[e]! <= net.detEndM[d]! + 1e-6) camLoops.push(e);
      this.camLoopStart[d + 1] = camLoops.length;
    }
    this.camLoops = Int32Array.from(camLoops);
    this.testedAt = new Int32Array(n).fill(-1);
    const loopIdx: number[] = [];
    const camIdx: number[] = [];
    for (let d = 0; d < n; d++) (net.detKind[d] === DET_LANE_AREA ? camIdx : loopIdx).push(d);
    this.loopIdx = Int32Array.from(loopIdx);
    this.camIdx = Int32Array.from(camIdx);
    this.inRange = new Uint8Array(n);
    this.mateStart = new Int32Array(n + 1);
    const mates: number[] = [];
    const allow: number[] = [];
    // a loop's mates are its neighbours along the lane (the nearest loop upstream and downstream)
    for (const list of loopsOnLane) list.sort((a, b) => net.detStartM[a]! - net.detStartM[b]! || a - b);
    for (let d = 0; d < n; d++) {
      if (net.detKind[d] !== DET_LANE_AREA) {
        const list = loopsOnLane[net.detLane[d]!]!;
        const i = list.indexOf(d);
        for (const e of [list[i - 1], list[i + 1]]) {
          if (e === undefined) continue;
          const spanM = Math.max(net.detEndM[d]!, net.detEndM[e]!) - Math.min(net.detStartM[d]!, net.detStartM[e]!);
          mates.push(e);
          allow.push(Math.floor(spanM / MIN_SPACING_M) + LANE_DISAGREE_MARGIN);
        }
      }
      this.mateStart[d + 1] = mates.length;
    }
    this.mates = Int32Array.from(mates);
    this.mateAllow = Float64Array.from(allow);
    this.mateAtChange = new Float64Array(mates.length);
    this.zoneM = new Float64Array(n);
    this.maxCam = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      this.zoneM[d] = net.detEndM[d]! - net.detStartM[d]!;
      this.maxCam[d] = Math.floor(this.zoneM[d]! / MIN_SPACING_M) + 2;
    }
    for (let d = 0; d < n; d++) this.seesEveryVehicle[d] = this.zoneM[d]! / net.drvSpeedMps[net.detLane[d]!]! >= (2 * HEALTH_PERIOD_MS) / 1000 ? 1 : 0;
  }

  /** True if detector d's data can be used. */
  trusted(d: number): boolean {
    if (this.flags[d] !== 0) return false;
    if (this.testedAt[d] !== this.sample) {
      this.testedAt[d] = this.sample;
      this.inRange[d] = this.rangeTest(d, this.lastMs < 0 ? this.net.stepMs : this.nowMs - this.lastMs) ? 1 : 0;
    }
    return this.inRange[d] === 1;
  }

  /**
   * The range tests (`invalid` when false) on the reading now, dtMs after the
   * last check. The checks run every HEALTH_PERIOD_MS; between two,
   * trusted() applies these to each reading it is asked about (once per
   * sample), so that a value that cannot be is never used, even before the
   * next check flags it: a controller that smoothed it in would carry it long
   * after. Detectors nobody reads cost nothing.
   */
  private rangeTest(d: number, dtMs: number): boolean {
    const v = this.view;
    // NaN and ±Infinity fail one of the comparisons
    if (this.net.detKind[d] === DET_LANE_AREA) {
      const n = v.vehicles[d]!;
      const h = v.halting[d]!;
      const q = v.queueM[d]!;
      return n >= 0 && h >= 0 && h <= n && n <= this.maxCam[d]! && q >= 0 && q <= this.zoneM[d]! + 1;
    }
    const dc = v.count[d]! - this.lastCount[d]!;
    const doc = v.occupancyMs[d]! - this.lastOcc[d]!;
    return dc >= 0 && dc <= dtMs / 1000 / MIN_HEADWAY_S + 1 && doc >= -1e-6 && doc <= dtMs + 1e-6;
  }

  /** Number of detectors flagged now. */
  faultyNow(): number {
    let n = 0;
    for (let d = 0; d < this.flags.length; d++) if (this.flags[d] !== 0) n++;
    return n;
  }

  private flag(d: number, f: number): void {
    if (this.flags[d] === 0) this.events++;
    this.flags[d]! |= f;
  }

  /** Vehicles counted by the loops inside camera c's zone. */
  private camLoopCount(c: number): number {
    let s = 0;
    for (let k = this.camLoopStart[c]!; k < this.camLoopStart[c + 1]!; k++) s += this.loopCount[this.camLoops[k]!]!;
    return s;
  }

  /** True if some movement from detector d's lane shows green (any green when signal states are unknown). */
  private laneGreen(d: number): boolean {
    const st = this.movState;
    if (!st) return true;
    for (let q = this.detMovStart[d]!; q < this.detMovStart[d + 1]!; q++) {
      const s = st[this.detMovs[q]!]!;
      if (s === GREEN || s === PERMITTED) return true;
    }
    return false;
  }

  /** Checks the view at time nowMs (call once per sample, after the detectors were sampled). */
  update(nowMs: number): void {
    this.sample++;
    this.nowMs = nowMs;
    if (this.lastMs >= 0 && nowMs - this.lastMs < HEALTH_PERIOD_MS) return;
    const net = this.net;
    const v = this.view;
    const dtMs = this.lastMs < 0 ? net.stepMs : nowMs - this.lastMs;
    this.lastMs = nowMs;
    const loops = this.loopIdx;
    const cams = this.camIdx;
    // loops first: lane totals for the tests that follow
    for (let k = 0; k < loops.length; k++) {
      const d = loops[k]!;
      const c = v.count[d]!;
      const o = v.occupancyMs[d]!;
      const dc = c - this.lastCount[d]!;
      if (!this.rangeTest(d, dtMs)) {
        this.flag(d, FAULT_INVALID);
        this.lastValidSinceMs[d] = nowMs;
      } else {
        if (dc > 0) {
          this.greenOccMs[d] = 0;
          this.laneCount[net.detLane[d]!]! += dc;
          this.loopCount[d]! += dc;
          this.lastChangeMs[d] = nowMs;
          this.laneCountAtChange[d] = this.laneCount[net.detLane[d]!]!;
          this.flags[d]! &= ~(FAULT_STUCK_ON | FAULT_SILENT);
        }
        if (this.flags[d]! & FAULT_INVALID && nowMs - this.lastValidSinceMs[d]! >= RECOVER_S * 1000) this.flags[d]! &= ~FAULT_INVALID;
      }
      if (Number.isFinite(c)) this.lastCount[d] = c;
      if (Number.isFinite(o)) this.lastOcc[d] = o;
    }
    for (let k = 0; k < cams.length; k++) {
      const d = cams[k]!;
      const lane = net.detLane[d]!;
      const n = v.vehicles[d]!;
      const h = v.halting[d]!;
      const q = v.queueM[d]!;
      if (!this.rangeTest(d, dtMs)) {
        this.flag(d, FAULT_INVALID);
        this.lastValidSinceMs[d] = nowMs;
        continue;
      }
      if (this.flags[d]! & FAULT_INVALID && nowMs - this.lastValidSinceMs[d]! >= RECOVER_S * 1000) this.flags[d]! &= ~FAULT_INVALID;
      const o = 3 * d;
      if (n !== this.lastCam[o] || h !== this.lastCam[o + 1] || q !== this.lastCam[o + 2]) {
        this.lastCam[o] = n;
        this.lastCam[o + 1] = h;
        this.lastCam[o + 2] = q;
        this.lastChangeMs[d] = nowMs;
        this.laneCountAtChange[d] = this.laneCount[lane]!;
        this.camLoopsAtChange[d] = this.camLoopCount(d);
        this.flags[d]! &= ~FAULT_SILENT;
      } else if (
        (((n === 0 && this.seesEveryVehicle[d] === 1) || (h === n && q > 0)) && this.camLoopCount(d) - this.camLoopsAtChange[d]! >= CAMERA_FROZEN_COUNT) ||
        (nowMs - this.lastChangeMs[d]! >= SILENT_S * 1000 && this.laneCount[lane]! - this.laneCountAtChange[d]! >= SILENT_MIN_OTHERS)
      ) {
        this.flag(d, FAULT_SILENT);
      }
    }
    for (let k = 0; k < loops.length; k++) {
      const d = loops[k]!;
      if (this.flags[d]! & FAULT_INVALID) continue;
      const present = v.presence[d] === 1;
      if (!present) this.greenOccMs[d] = 0;
      else if (this.laneGreen(d)) this.greenOccMs[d]! += dtMs;
      const m0 = this.mateStart[d]!;
      const m1 = this.mateStart[d + 1]!;
      if (m1 > m0) {
        // vehicles a lane-mate counted since this loop last counted one, more than fit between them: they passed over it unseen
        const counted = this.lastChangeMs[d] === nowMs;
        for (let j = m0; j < m1; j++) {
          const c = this.loopCount[this.mates[j]!]!;
          if (counted) this.mateAtChange[j] = c;
          else if (c - this.mateAtChange[j]! >= this.mateAllow[j]!) {
            this.flag(d, present ? FAULT_STUCK_ON : FAULT_SILENT);
            break;
          }
        }
      } else if (present && this.greenOccMs[d]! >= STUCK_ON_S * 1000) this.flag(d, FAULT_STUCK_ON);
    }
  }
}
