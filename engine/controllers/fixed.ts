/**
 * `fixed`: pretimed control, Webster-timed from the scenario's design
 * volumes. The phases a cycle needs (servicePhases) are served in order, every
 * cycle, with their Webster greens; all signals share cycle start 0 (no
 * offsets). The controller is called only
 * at the end of each green, when it requests the next phase.
 */
import { INTER_SIGNAL } from '../network/compile.js';
import type { Controller, ControllerContext, PlanSet } from './types.js';
import { websterPlan, type FixedPlan } from './webster.js';

export class FixedTimeController implements Controller {
  readonly name = 'fixed';
  readonly plans: Array<FixedPlan | undefined>;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const net = ctx.net;
    this.plans = Array.from({ length: net.nInter }, (_, i) =>
      net.interType[i] === INTER_SIGNAL && net.interPhaseStart[i + 1]! > net.interPhaseStart[i]! ? websterPlan(net, i) : undefined,
    );
  }

  /** Webster's plans never change; every cycle starts at 0. */
  timingPlans(): PlanSet {
    return {
      version: 0,
      plan: (ix) => {
        const pl = this.plans[ix];
        return pl && { cycleMs: pl.cycleMs, offsetMs: 0, phases: pl.phases.map((phase, k) => ({ phase, startMs: pl.startMs[k]!, greenMs: pl.greenMs[k]! })) };
      },
    };
  }

  decide(ix: number, nowMs: number): number {
    const plan = this.plans[ix];
    if (!plan) return Infinity;
    const n = plan.greenMs.length;
    const tc = nowMs % plan.cycleMs;
    // The slot (green + clearance) that contains the cycle time.
    let k = n - 1;
    while (k > 0 && plan.startMs[k]! > tc) k--;
    const greenEnd = plan.startMs[k]! + plan.greenMs[k]!;
    const signals = this.ctx.signals;
    if (tc < greenEnd) {
      if (signals.phaseOf(ix) !== plan.phases[k] || signals.stageOf(ix) !== 0) signals.request(ix, plan.phases[k]!);
      return nowMs + (greenEnd - tc);
    }
    // Green of k is over: ask for the next phase; call again at the end of its green.
    const next = (k + 1) % n;
    if (n > 1 || signals.phaseOf(ix) !== plan.phases[next]) signals.request(ix, plan.phases[next]!);
    const nextStart = next === 0 ? plan.cycleMs : plan.startMs[next]!;
    return nowMs + (nextStart - tc) + plan.greenMs[next]!;
  }
}

export const createFixed = (ctx: ControllerContext): Controller => new FixedTimeController(ctx);
