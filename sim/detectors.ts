/**
 * Detector state: what field detectors report, filled by the simulator.
 *
 * Loops (stop-line presence, advance count) see each vehicle's swept path
 * during a step, so a fast vehicle cannot jump over a short loop: the front
 * moves linearly from a to b during the step, and the vehicle covers the zone
 * [s, e] while its front is in [s, e + length].
 * Lane-area (camera) detectors report the vehicles in the zone, the halting
 * ones, and the queue length, sampled at the end of each step.
 */
import { DET_LANE_AREA, type CompiledNetwork } from '../engine/network/index.js';
import { DetectorArrays } from '../engine/detectors/index.js';
import { EV_DETECTOR_OFF, EV_DETECTOR_ON, type EventLog } from '../engine/signals/index.js';
import type { VehicleStore } from './vehicles.js';

/** Speed below which a vehicle counts as halting (m/s), as in SUMO's jam detection. */
export const HALTING_SPEED_MPS = 1.39;
/** Largest gap (m) between halting vehicles that still joins them into one queue. */
export const QUEUE_JOIN_GAP_M = 10;

/** Most separate covering intervals kept per loop per step before merging. */
const MAX_SPANS = 4;

export class DetectorState extends DetectorArrays {
  /** Detectors that went present during the current step (to finish and clear). */
  private readonly touched: Int32Array;
  private nTouched = 0;
  /** Per loop, this step's covered time spans (fractions of the step), to take their union. */
  private readonly spans: Float64Array;
  private readonly nSpans: Uint8Array;
  private stepMs = 0;

  private readonly net: CompiledNetwork;
  /** The lane-area detectors. */
  private readonly cameras: Int32Array;

  constructor(net: CompiledNetwork) {
    super(net.nDet);
    this.net = net;
    const n = net.nDet;
    const cameras: number[] = [];
    for (let d = 0; d < n; d++) if (net.detKind[d] === DET_LANE_AREA) cameras.push(d);
    this.cameras = Int32Array.from(cameras);
    this.touched = new Int32Array(n);
    this.spans = new Float64Array(n * MAX_SPANS * 2);
    this.nSpans = new Uint8Array(n);
  }

  /** Starts a step: presence is "during the last step", so clear what the previous step set. */
  beginStep(stepMs: number): void {
    for (let k = 0; k < this.nTouched; k++) this.presence[this.touched[k]!] = 0;
    this.nTouched = 0;
    this.stepMs = stepMs;
  }

  /** Ends a step: a loop's occupancy grows by the time *some* vehicle covered it (the union of the spans). */
  endStep(): void {
    const sp = this.spans;
    for (let k = 0; k < this.nTouched; k++) {
      const d = this.touched[k]!;
      const n = this.nSpans[d]!;
      const o = d * MAX_SPANS * 2;
      // insertion sort by start (n ≤ 4)
      for (let i = 1; i < n; i++) {
        const a = sp[o + 2 * i]!;
        const b = sp[o + 2 * i + 1]!;
        let j = i - 1;
        while (j >= 0 && sp[o + 2 * j]! > a) {
          sp[o + 2 * j + 2] = sp[o + 2 * j]!;
          sp[o + 2 * j + 3] = sp[o + 2 * j + 1]!;
          j--;
        }
        sp[o + 2 * j + 2] = a;
        sp[o + 2 * j + 3] = b;
      }
      let covered = 0;
      let lo = sp[o]!;
      let hi = sp[o + 1]!;
      for (let i = 1; i < n; i++) {
        const a = sp[o + 2 * i]!;
        const b = sp[o + 2 * i + 1]!;
        if (a > hi) {
          covered += hi - lo;
          if (this.logEdges) this.edgesOf(d, lo, hi);
          lo = a;
          hi = b;
        } else if (b > hi) hi = b;
      }
      covered += hi - lo;
      if (this.logEdges) this.edgesOf(d, lo, hi);
      this.occupancyMs[d]! += covered * this.stepMs;
      this.nSpans[d] = 0;
    }
    if (this.logEdges) {
      // loops on at the end of the last step that nobody covered in this one went off at its start
      for (let d = 0; d < this.onNow.length; d++) if (this.onNow[d] === 1 && this.presence[d] === 0) this.edge(d, 0, 0);
    }
  }

  // ------------------------------------------------ detector on/off events

  /** Record loop on/off edges (for the signal event log): off by default, it costs a little per covered loop. */
  logEdges = false;
  /** Per loop: 1 while a vehicle covers it at the end of the last step. */
  private onNow = new Uint8Array(0);
  /** This step's edges: loop, time as a fraction of the step, 1 on / 0 off. */
  edgeDet = new Int32Array(64);
  edgeFrac = new Float64Array(64);
  edgeOn = new Uint8Array(64);
  nEdges = 0;

  /** Per loop: its intersection and its channel there (loopChannels), for the event log. */
  private edgeInter: Int32Array = new Int32Array(0);
  private edgeChannel: Int32Array = new Int32Array(0);
  /** Scratch: this step's edges in time order. */
  private edgeOrder = new Int32Array(64);

  /** Turns on edge logging (before the first step), with each loop's intersection and channel in the log. */
  enableEdges(channels: { inter: Int32Array; channel: Int32Array }): void {
    this.logEdges = true;
    this.onNow = new Uint8Array(this.count.length);
    this.edgeInter = channels.inter;
    this.edgeChannel = channels.channel;
  }

  /** Writes this step's loop on/off edges (step from tMs, stepMs long) to the log (Indiana codes 82 on, 81 off), in time order. */
  logEdgesTo(log: EventLog, tMs: number, stepMs: number): void {
    const n = this.nEdges;
    if (n === 0) return;
    const order = this.edgeOrder.length >= n ? this.edgeOrder : (this.edgeOrder = new Int32Array(n * 2));
    for (let i = 0; i < n; i++) {
      // insertion sort by time (a step has few edges)
      const f = this.edgeFrac[i]!;
      let j = i - 1;
      while (j >= 0 && this.edgeFrac[order[j]!]! > f) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = i;
    }
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      const d = this.edgeDet[k]!;
      log.push(tMs + this.edgeFrac[k]! * stepMs, this.edgeInter[d]!, this.edgeOn[k] ? EV_DETECTOR_ON : EV_DETECTOR_OFF, this.edgeChannel[d]!);
    }
    this.nEdges = 0;
  }

  private edge(d: number, frac: number, on: number): void {
    if (this.nEdges === this.edgeDet.length) {
      const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
        const b = new C(a.length * 2);
        b.set(a);
        return b;
      };
      this.edgeDet = grow(this.edgeDet, Int32Array);
      this.edgeFrac = grow(this.edgeFrac, Float64Array);
      this.edgeOn = grow(this.edgeOn, Uint8Array);
    }
    this.edgeDet[this.nEdges] = d;
    this.edgeFrac[this.nEdges] = frac;
    this.edgeOn[this.nEdges] = on;
    this.nEdges++;
    this.onNow[d] = on;
  }

  /** Edges of loop d covered during [lo, hi] of this step (a merged span, in step order). */
  private edgesOf(d: number, lo: number, hi: number): void {
    if (this.onNow[d] === 1) {
      if (lo > 0) {
        this.edge(d, 0, 0);
        this.edge(d, lo, 1);
      }
    } else this.edge(d, lo, 1);
    if (hi < 1) this.edge(d, hi, 0);
  }

  /**
   * Where loop() reads its vehicle: front at the start and end of the step (lane
   * coordinates, m) and length (m). Passed through this array rather than as
   * arguments, because doubles passed to a call that is not inlined are boxed.
   */
  readonly arg = new Float64Array(3);

  /** A vehicle (see `arg`) whose front moved from arg[0] to arg[1] during the current step on `lane`. */
  loop(lane: number): void {
    const net = this.net;
    for (let k = net.laneDetStart[lane]!; k < net.laneDetStart[lane + 1]!; k++) {
      const d = net.laneDets[k]!;
      if (net.detKind[d] !== DET_LANE_AREA) this.loopAt(d);
    }
  }

  /** The same for one loop detector d of the vehicle's lane (nothing if the vehicle did not cover it). */
  loopAt(d: number): void {
    const a = this.arg[0]!;
    const b = this.arg[1]!;
    const lenM = this.arg[2]!;
    const net = this.net;
    const s = net.detStartM[d]!;
    const e = net.detEndM[d]! + lenM;
    if (b < s || a > e) return;
    // The vehicle covers the zone while its front is in [s, e]: that part of the step.
    let t0 = 0;
    let t1 = 1;
    if (b > a) {
      t0 = Math.max(0, (s - a) / (b - a));
      t1 = Math.min(1, (e - a) / (b - a));
    }
    if (a < s && b >= s) this.count[d]!++;
    if (this.presence[d] === 0) {
      this.presence[d] = 1;
      this.touched[this.nTouched++] = d;
    }
    const n = this.nSpans[d]!;
    const o = d * MAX_SPANS * 2;
    if (n < MAX_SPANS) {
      this.spans[o + 2 * n] = t0;
      this.spans[o + 2 * n + 1] = t1;
      this.nSpans[d] = n + 1;
    } else {
      // more vehicles than spans in one step: widen the last span (never counts time twice)
      this.spans[o + 2 * n - 2] = Math.min(this.spans[o + 2 * n - 2]!, t0);
      this.spans[o + 2 * n - 1] = Math.max(this.spans[o + 2 * n - 1]!, t1);
    }
  }

  // ---------------------------------------------------- lane-area sampling

  /** Lane-area (camera) detectors at timeMs: vehicles in the zone, halting ones, and the queue from the zone's downstream end. */
  sampleCameras(veh: VehicleStore, timeMs: number): void {
    const net = this.net;
    this.timeMs = timeMs;
    const cams = this.cameras;
    const vPos = veh.vPos;
    const vSpeed = veh.vSpeed;
    const vLen = veh.vLen;
    const vBehind = veh.vBehind;
    const head = veh.head;
    for (let k = 0; k < cams.length; k++) {
      const c = cams[k]!;
      const lane = net.detLane[c]!;
      let v = head[lane]!;
      if (v < 0 && this.vehicles[c] === 0) continue;
      const s = net.detStartM[c]!;
      const e = net.detEndM[c]!;
      let n = 0;
      let halt = 0;
      let queueEnd = e;
      let inQueue = true;
      for (; v >= 0; v = vBehind[v]!) {
        const p = vPos[v]!;
        if (p > e) continue;
        if (p < s) break;
        n++;
        const halting = vSpeed[v]! < HALTING_SPEED_MPS;
        if (halting) halt++;
        if (inQueue) {
          if (halting && queueEnd - p <= QUEUE_JOIN_GAP_M) queueEnd = Math.max(s, p - vLen[v]!);
          else inQueue = false;
        }
      }
      this.vehicles[c] = n;
      this.halting[c] = halt;
      this.queueM[c] = e - queueEnd;
    }
  }
}
