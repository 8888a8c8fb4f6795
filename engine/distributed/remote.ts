/**
 * A controller's decisions carried across processes. In a region, the
 * cabinet's tap (engine/cabinet/tap.ts) records what the controller stack
 * asks of its signals — the controller's requests and the pre-emption
 * manager's calls — and when each signal wants to decide next; the field's
 * cabinet runs `replayFactory`, a controller that makes, at the same moments,
 * exactly the calls the region's stack made. Both sides run the same signal
 * layer on the same calls, so the field shows what the region shows — minimum
 * greens, yellows and all-reds enforced in the field's cabinet too, as a
 * street cabinet enforces them whatever the central system asks — and a
 * lock-step run is the single-process run, step for step. A decision the
 * field needs and the region did not send (a silent region, a desynchronised
 * one) is counted, and the signal keeps what it shows.
 */
import { applyCall, type SignalCall } from '../cabinet/index.js';
import type { Controller, ControllerContext, ControllerFactory } from '../controllers/types.js';

/** One signal's decision at one step: the calls made and the time it wants to decide next. */
export type Decision = [SignalCall[], number];

/** Where the replaying controller gets its decisions: `beforeStep` brings step t's (a promise while they travel). */
export interface DecisionSource {
  beforeStep(t: number, ctx: ControllerContext): Promise<void> | void;
  /** The calls made at t before the decisions (pre-emption's), [intersection, call], once they have come. */
  before(t: number): Array<[number, SignalCall]>;
  /** The decision of signal ix at t, or undefined if none came. */
  take(ix: number, t: number): Decision | undefined;
}

/** Counts of a replaying controller. */
export interface ReplayStats {
  replayed: number;
  missing: number;
}

/** A controller that makes the calls and decisions `src` brings, at the moments they were made. */
export function replayFactory(src: DecisionSource, stats: ReplayStats, name = 'remote'): ControllerFactory {
  return (ctx: ControllerContext): Controller => ({
    name,
    beforeStep: (t) => {
      const made = (): void => {
        for (const [ix, c] of src.before(t)) applyCall(ctx.signals, ix, c);
      };
      const w = src.beforeStep(t, ctx);
      if (w) return w.then(made);
      made();
    },
    decide(ix, t) {
      const d = src.take(ix, t);
      if (!d) {
        stats.missing++;
        return t + ctx.net.stepMs; // keep what is shown; ask again next step
      }
      stats.replayed++;
      for (const c of d[0]) applyCall(ctx.signals, ix, c);
      return d[1];
    },
  });
}
