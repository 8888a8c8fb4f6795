/**
 * What a cabinet's controller stack asks of its signals, told as it asks:
 * every request and pre-emption call (the controller's, the overrides', the
 * pre-emption manager's) and every decision with the time it wants to decide
 * next. A region of a distributed city sends them to the field, whose cabinet
 * makes the same calls at the same moments (engine/distributed/remote.ts), so
 * both show the same signals.
 */
import type { Controller } from '../controllers/types.js';
import type { SignalControl } from '../signals/signals.js';

/** A call on a signal: [phase, reason] a request, [phase, −1, minGreenMs] a pre-emption. */
export type SignalCall = [number, number] | [number, number, number];

export interface CabinetTap {
  /** The calls made at t before the step's decisions (pre-emption's entries and exits), once per step: [intersection, call]. */
  before(t: number, calls: Array<[number, SignalCall]>): void;
  /** One decision of signal ix at t: the calls it made and the time it wants to decide next. */
  decided(ix: number, t: number, calls: SignalCall[], next: number): void;
}

/** Makes call c on signal ix. */
export function applyCall(s: SignalControl, ix: number, c: SignalCall): void {
  if (c.length === 3) s.preempt(ix, c[0], c[2]);
  else s.request(ix, c[0], c[1]);
}

/** The signals as the controller stack sees them, each call also written to `calls`. */
export function tappedSignals(s: SignalControl, calls: Array<[number, SignalCall]>): SignalControl {
  return {
    phaseCount: (ix) => s.phaseCount(ix),
    phaseOf: (ix) => s.phaseOf(ix),
    targetOf: (ix) => s.targetOf(ix),
    stageOf: (ix) => s.stageOf(ix),
    greenElapsedMs: (ix, t) => s.greenElapsedMs(ix, t),
    pendingOf: (ix) => s.pendingOf(ix),
    request: (ix, phase, reason = 0) => {
      calls.push([ix, [phase, reason]]);
      s.request(ix, phase, reason);
    },
    preempt: (ix, phase, minGreenMs) => {
      calls.push([ix, [phase, -1, minGreenMs]]);
      s.preempt(ix, phase, minGreenMs);
    },
    stateOf: (m) => s.stateOf(m),
    canRedirect: (ix, phase) => s.canRedirect(ix, phase),
  };
}

/** The controller stack `c`, its calls (gathered in `calls` by tappedSignals) and decisions told to the tap. */
export function tappedController(c: Controller, calls: Array<[number, SignalCall]>, tap: CabinetTap): Controller {
  return {
    name: c.name,
    beforeStep(t) {
      calls.length = 0;
      const told = (): void => tap.before(t, calls.splice(0));
      const w = c.beforeStep?.(t);
      if (w) return w.then(told);
      told();
    },
    decide(ix, t) {
      calls.length = 0;
      const next = c.decide(ix, t);
      tap.decided(ix, t, calls.map((x) => x[1]), next);
      return next;
    },
    ...(c.timingPlans ? { timingPlans: () => c.timingPlans!() } : {}),
    ...(c.fallback ? { fallback: (ix: number) => c.fallback!(ix) } : {}),
    ...(c.close ? { close: () => c.close!() } : {}),
  };
}
