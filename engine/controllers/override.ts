/**
 * Operator overrides: a traffic centre holds a phase at an intersection for a
 * while (an incident, an event, a manual green wave). The held phase is asked
 * for like any controller's request, so the signal layer still serves the
 * green in force its minimum, and yellow and all-red in full; the controller
 * underneath is not asked until the hold ends. Emergency pre-emption, wrapped
 * around this, still comes first.
 */
import type { Controller, ControllerContext, PlanSet } from './types.js';

export class OverrideController implements Controller {
  readonly name: string;
  /** Per intersection: the held phase (−1: none) and until when (ms). */
  readonly heldPhase: Int32Array;
  readonly untilMs: Float64Array;

  constructor(
    private readonly ctx: ControllerContext,
    readonly inner: Controller,
  ) {
    this.name = inner.name;
    this.heldPhase = new Int32Array(ctx.net.nInter).fill(-1);
    this.untilMs = new Float64Array(ctx.net.nInter);
  }

  /** Holds local phase `phase` at ix from now until untilMs. */
  hold(ix: number, phase: number, untilMs: number): void {
    this.heldPhase[ix] = phase;
    this.untilMs[ix] = untilMs;
  }

  /** Ends a hold now; true if there was one. */
  release(ix: number): boolean {
    const had = this.heldPhase[ix]! >= 0;
    this.heldPhase[ix] = -1;
    return had;
  }

  beforeStep(nowMs: number): Promise<void> | void {
    return this.inner.beforeStep?.(nowMs);
  }

  decide(ix: number, nowMs: number): number {
    const ph = this.heldPhase[ix]!;
    if (ph >= 0 && nowMs >= this.untilMs[ix]!) this.heldPhase[ix] = -1;
    else if (ph >= 0) {
      const s = this.ctx.signals;
      if (s.phaseOf(ix) !== ph || s.stageOf(ix) !== 0) s.request(ix, ph);
      return nowMs + this.ctx.net.stepMs;
    }
    return this.inner.decide(ix, nowMs);
  }

  timingPlans(): PlanSet | undefined {
    return this.inner.timingPlans?.();
  }

  fallback(ix: number): string | undefined {
    return this.inner.fallback?.(ix);
  }

  close(): Promise<void> | void {
    return this.inner.close?.();
  }
}
