/**
 * Detector fault injection, for testing what controllers and the health
 * monitor do with broken detectors. A fault corrupts what one detector
 * reports from `fromMs` (to `toMs`, or the end), after each sample:
 *
 * - stuckOn:  a loop reads occupied, counts nothing; a camera sees its zone full;
 * - stuckOff: a loop reads empty and counts nothing; a camera sees nothing;
 * - silent:   every output freezes at its value when the fault began;
 * - nan / negative / huge: impossible values (NaN, −5, or far more vehicles than fit).
 */
import { DET_LANE_AREA, type CompiledNetwork } from '../engine/network/index.js';
import type { DetectorState } from './detectors.js';
import type { Rng } from './rng.js';

export type FaultKind = 'stuckOn' | 'stuckOff' | 'silent' | 'nan' | 'negative' | 'huge';
export const FAULT_KINDS: readonly FaultKind[] = ['stuckOn', 'stuckOff', 'silent', 'nan', 'negative', 'huge'];

export interface FaultSpec {
  detector: number;
  kind: FaultKind;
  fromMs: number;
  toMs?: number;
}

export class FaultInjector {
  private readonly faults: FaultSpec[];
  private readonly net: CompiledNetwork;
  /** Per fault: the detector's outputs when it began (count, occupancy, presence, vehicles, halting, queue). */
  private readonly frozen: Float64Array;
  private readonly started: Uint8Array;

  constructor(net: CompiledNetwork, faults: readonly FaultSpec[]) {
    this.net = net;
    this.faults = faults.map((f) => ({ ...f }));
    this.frozen = new Float64Array(6 * faults.length);
    this.started = new Uint8Array(faults.length);
  }

  get size(): number {
    return this.faults.length;
  }

  /** Corrupts the sample taken at nowMs (the end of a step of stepMs). */
  apply(det: DetectorState, nowMs: number, stepMs: number): void {
    for (let k = 0; k < this.faults.length; k++) {
      const f = this.faults[k]!;
      if (nowMs < f.fromMs || (f.toMs !== undefined && nowMs >= f.toMs)) continue;
      const d = f.detector;
      const o = 6 * k;
      if (!this.started[k]) {
        this.started[k] = 1;
        this.frozen.set([det.count[d]!, det.occupancyMs[d]!, det.presence[d]!, det.vehicles[d]!, det.halting[d]!, det.queueM[d]!], o);
      }
      const camera = this.net.detKind[d] === DET_LANE_AREA;
      const zone = this.net.detEndM[d]! - this.net.detStartM[d]!;
      switch (f.kind) {
        case 'stuckOn':
          det.count[d] = this.frozen[o]!;
          det.occupancyMs[d] = this.frozen[o + 1]! + (nowMs - f.fromMs + stepMs);
          det.presence[d] = 1;
          if (camera) {
            det.vehicles[d] = Math.floor(zone / 7.5);
            det.halting[d] = det.vehicles[d]!;
            det.queueM[d] = zone;
          }
          break;
        case 'stuckOff':
          det.count[d] = this.frozen[o]!;
          det.occupancyMs[d] = this.frozen[o + 1]!;
          det.presence[d] = 0;
          det.vehicles[d] = 0;
          det.halting[d] = 0;
          det.queueM[d] = 0;
          break;
        case 'silent':
          det.count[d] = this.frozen[o]!;
          det.occupancyMs[d] = this.frozen[o + 1]!;
          det.presence[d] = this.frozen[o + 2]!;
          det.vehicles[d] = this.frozen[o + 3]!;
          det.halting[d] = this.frozen[o + 4]!;
          det.queueM[d] = this.frozen[o + 5]!;
          break;
        case 'nan':
          det.count[d] = NaN;
          det.occupancyMs[d] = NaN;
          det.queueM[d] = NaN;
          break;
        case 'negative':
          det.count[d] = -5;
          det.vehicles[d] = -5;
          det.queueM[d] = -5;
          break;
        case 'huge':
          det.count[d]! += 1000;
          det.vehicles[d] = 100_000;
          det.halting[d] = 100_000;
          break;
      }
    }
  }
}

/** `n` random faults of random kinds on random detectors (of the given kinds, or any), starting at random times in [0, durationMs). */
export function randomFaults(net: CompiledNetwork, n: number, durationMs: number, rng: Rng, kinds?: readonly number[]): FaultSpec[] {
  const out: FaultSpec[] = [];
  const pool: number[] = [];
  for (let d = 0; d < net.nDet; d++) if (!kinds || kinds.includes(net.detKind[d]!)) pool.push(d);
  for (let k = 0; k < n; k++) {
    const detector = pool[Math.floor(rng.next() * pool.length)]!;
    const kind = FAULT_KINDS[Math.floor(rng.next() * FAULT_KINDS.length)]!;
    const fromMs = Math.floor((rng.next() * durationMs) / net.stepMs) * net.stepMs;
    const spec: FaultSpec = { detector, kind, fromMs };
    if (rng.next() < 0.5) spec.toMs = fromMs + Math.floor((rng.next() * durationMs) / 2 / net.stepMs) * net.stepMs;
    out.push(spec);
  }
  return out;
}
