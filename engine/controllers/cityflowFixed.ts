/**
 * `cityflow-fixed`: the scenario's own fixed plan, run as CityFlow runs it —
 * every phase in array order for its `durationS`, every signal starting with
 * its first phase at t = 0, no offsets. Phases marked `clearance` (CityFlow's
 * 5 s right-turns-only phase) are not served as greens: their slot is where
 * the yellow and all-red of the change happen, so no second clearance is added
 * on top. Between two greens without a clearance phase (CityFlow switches
 * those instantly) the safety layer's yellow and all-red take the start of
 * the next phase's slot. Needs every phase to have a `durationS` (imported
 * CityFlow networks do).
 */
import { INTER_SIGNAL } from '../network/compile.js';
import { InputError } from '../../scenarios/errors.js';
import type { Controller, ControllerContext } from './types.js';

interface OwnPlan {
  cycleMs: number;
  /** Start of each phase's slot in the cycle (ms). */
  startMs: number[];
  clearance: boolean[];
}

export class CityFlowFixedController implements Controller {
  readonly name: string;
  private readonly ctx: ControllerContext;
  private readonly plans: Array<OwnPlan | undefined>;

  /** `name`: cityflow-fixed, or sumo-static for an imported SUMO net's programs (the same rule). */
  constructor(ctx: ControllerContext, name = 'cityflow-fixed') {
    this.ctx = ctx;
    this.name = name;
    const net = ctx.net;
    this.plans = Array.from({ length: net.nInter }, (_, i) => {
      const p0 = net.interPhaseStart[i]!;
      const p1 = net.interPhaseStart[i + 1]!;
      if (net.interType[i] !== INTER_SIGNAL || p1 === p0) return undefined;
      const startMs: number[] = [];
      const clearance: boolean[] = [];
      let t = 0;
      for (let p = p0; p < p1; p++) {
        if (net.phaseDurationMs[p]! <= 0)
          throw new InputError(
            name,
            '',
            `intersection "${net.intersectionIds[i]}" phase ${p - p0} has no durationS: this controller runs a scenario's own fixed plan (an imported CityFlow or SUMO network has one)`,
          );
        startMs.push(t);
        clearance.push(net.phaseClearance[p] === 1);
        t += net.phaseDurationMs[p]!;
      }
      if (clearance.every(Boolean)) return undefined;
      return { cycleMs: t, startMs, clearance };
    });
  }

  decide(ix: number, nowMs: number): number {
    const plan = this.plans[ix];
    if (!plan) return Infinity;
    const n = plan.startMs.length;
    const tc = nowMs % plan.cycleMs;
    let k = n - 1;
    while (k > 0 && plan.startMs[k]! > tc) k--;
    // In a clearance slot, head for the next green at once: the change's clearance fills the slot.
    let target = k;
    while (plan.clearance[target]) target = (target + 1) % n;
    const signals = this.ctx.signals;
    if (signals.phaseOf(ix) !== target || signals.stageOf(ix) !== 0) {
      if (signals.targetOf(ix) !== target) signals.request(ix, target);
    }
    const slotEnd = k + 1 < n ? plan.startMs[k + 1]! : plan.cycleMs;
    return nowMs + (slotEnd - tc);
  }
}

export const createCityFlowFixed = (ctx: ControllerContext): Controller => new CityFlowFixedController(ctx);
/**
 * `sumo-static`: an imported SUMO net's own programs, run as SUMO runs a
 * static tlLogic: every phase for its duration, the yellow and all-red
 * phases as the clearance slots (their lengths are the yellow and all-red of
 * the change before them, so SUMO's cycle is kept to the second).
 */
export const createSumoStatic = (ctx: ControllerContext): Controller => new CityFlowFixedController(ctx, 'sumo-static');
