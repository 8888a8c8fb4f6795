/**
 * Pre-emption over any controller: while the manager holds an intersection
 * (entry, dwell, recovery) the controller underneath is not asked; elsewhere,
 * and afterwards, it decides as always. The manager runs at the start of
 * every step, before any decision.
 */
import type { Controller, ControllerContext, ControllerFactory, PlanSet } from '../controllers/types.js';
import type { Router } from '../network/routing.js';
import type { EventLog } from '../signals/index.js';
import { PreemptionManager, type PreemptionOptions } from './manager.js';

export class PreemptingController implements Controller {
  readonly name: string;
  readonly inner: Controller;
  readonly manager: PreemptionManager;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext, inner: Controller, manager: PreemptionManager) {
    this.ctx = ctx;
    this.inner = inner;
    this.name = inner.name;
    this.manager = manager;
  }

  beforeStep(nowMs: number): Promise<void> | void {
    this.manager.update(nowMs);
    return this.inner.beforeStep?.(nowMs);
  }

  decide(ix: number, nowMs: number): number {
    if (this.manager.controls(ix)) return nowMs + this.ctx.net.stepMs;
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

/** Wraps a controller factory with emergency pre-emption (or, with enabled: false, routing only). */
export function withPreemption(factory: ControllerFactory, router: Router, log: EventLog | undefined, options: PreemptionOptions = {}): ControllerFactory {
  return (ctx) => new PreemptingController(ctx, factory(ctx), new PreemptionManager(ctx, router, log, options));
}
