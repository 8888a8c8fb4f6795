/**
 * Calls a controller when it is due (SUMO's trySwitch: each decision returns
 * the time of the next), then advances the signal layer and lets the conflict
 * monitor check what is shown. Shared by the simulator and the live service.
 */
import FastPriorityQueue from 'fastpriorityqueue';
import { INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';
import type { ConflictMonitor, SignalLayer } from '../signals/index.js';
import type { Controller } from '../controllers/types.js';

/** Bits of the queue key below the due time: key = dueMs·2²⁰ + intersection. */
const KEY_SHIFT = 1048576;

export class ControlLoop {
  private readonly pq = new FastPriorityQueue<number>((a, b) => a < b);

  constructor(
    private readonly net: CompiledNetwork,
    private readonly controller: Controller,
    private readonly signals: SignalLayer,
    private readonly monitor: ConflictMonitor,
  ) {
    for (let i = 0; i < net.nInter; i++) if (net.interType[i] === INTER_SIGNAL && net.interPhaseStart[i + 1]! > net.interPhaseStart[i]!) this.pq.add(i);
  }

  /** Decisions due at t, then the signal layer's update and the monitor's check. */
  switchSignals(t: number): void {
    const pq = this.pq;
    const stepMs = this.net.stepMs;
    const limit = (t + 1) * KEY_SHIFT;
    while (!pq.isEmpty() && pq.peek()! < limit) {
      const key = pq.poll()!;
      const ix = key % KEY_SHIFT;
      const next = this.controller.decide(ix, t);
      if (Number.isFinite(next)) {
        const due = Math.max(next, t + stepMs);
        pq.add(Math.ceil(due / stepMs) * stepMs * KEY_SHIFT + ix);
      }
    }
    this.signals.update(t);
    this.monitor.check(t, this.signals.movState, this.signals.cutGreenFloorMs);
  }
}
