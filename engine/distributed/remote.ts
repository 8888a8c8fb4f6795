/**
 * A controller's decisions carried across processes. In a region, the real
 * controller runs against a SignalControl that records what it asks for
 * (`recordingFactory`); the field's cabinet runs `replayFactory`, a
 * controller that makes, at the same moments, exactly the requests the
 * region's controller made. Both sides run the same signal layer on the same
 * decisions, so the field shows what the region shows — minimum greens,
 * yellows and all-reds enforced in the field's cabinet too, as a street
 * cabinet enforces them whatever the central system asks — and a lock-step
 * run is the single-process run, step for step. A decision the field needs
 * and the region did not send (a silent region, a desynchronised one) is
 * counted, and the signal keeps what it shows.
 */
import type { Controller, ControllerContext, ControllerFactory } from '../controllers/types.js';
import type { SignalControl } from '../signals/signals.js';

/** One signal's decision at one step: the requests [phase, reason] and the time it wants to decide next. */
export type Decision = [Array<[number, number]>, number];

/** A SignalControl that passes every call on and records the requests. */
function recordingSignals(s: SignalControl, calls: Array<[number, number]>): SignalControl {
  return {
    phaseCount: (ix) => s.phaseCount(ix),
    phaseOf: (ix) => s.phaseOf(ix),
    targetOf: (ix) => s.targetOf(ix),
    stageOf: (ix) => s.stageOf(ix),
    greenElapsedMs: (ix, t) => s.greenElapsedMs(ix, t),
    pendingOf: (ix) => s.pendingOf(ix),
    request: (ix, phase, reason = 0) => {
      calls.push([phase, reason]);
      s.request(ix, phase, reason);
    },
    preempt: (ix, phase, minGreenMs) => s.preempt(ix, phase, minGreenMs),
    stateOf: (m) => s.stateOf(m),
    canRedirect: (ix, phase) => s.canRedirect(ix, phase),
  };
}

/** The real controller `inner`, each decision reported to `onDecision(ix, t, decision)`. */
export function recordingFactory(inner: ControllerFactory, onDecision: (ix: number, t: number, d: Decision) => void): ControllerFactory {
  return (ctx: ControllerContext): Controller => {
    const calls: Array<[number, number]> = [];
    const c = inner({ ...ctx, signals: recordingSignals(ctx.signals, calls) });
    return {
      name: c.name,
      decide(ix, t) {
        calls.length = 0;
        const next = c.decide(ix, t);
        onDecision(ix, t, [calls.slice(), next]);
        return next;
      },
      ...(c.beforeStep ? { beforeStep: (t: number) => c.beforeStep!(t) } : {}),
      ...(c.timingPlans ? { timingPlans: () => c.timingPlans!() } : {}),
      ...(c.close ? { close: () => c.close!() } : {}),
    };
  };
}

/** Where the replaying controller gets its decisions: `beforeStep` brings step t's (a promise while they travel). */
export interface DecisionSource {
  beforeStep(t: number, ctx: ControllerContext): Promise<void> | void;
  /** The decision of signal ix at t, or undefined if none came. */
  take(ix: number, t: number): Decision | undefined;
}

/** Counts of a replaying controller. */
export interface ReplayStats {
  replayed: number;
  missing: number;
}

/** A controller that makes the decisions `src` brings, at the moments they were made. */
export function replayFactory(src: DecisionSource, stats: ReplayStats, name = 'remote'): ControllerFactory {
  return (ctx: ControllerContext): Controller => ({
    name,
    beforeStep: (t) => src.beforeStep(t, ctx),
    decide(ix, t) {
      const d = src.take(ix, t);
      if (!d) {
        stats.missing++;
        return t + ctx.net.stepMs; // keep what is shown; ask again next step
      }
      stats.replayed++;
      for (const [phase, reason] of d[0]) ctx.signals.request(ix, phase, reason);
      return d[1];
    },
  });
}
