/**
 * City mode's controller (`greenwave serve --nats`): it decides nothing (the
 * regions run the signals, the service mirrors what they show), and its
 * timing plans are those the regions put in force, as they arrive.
 */
import type { ControllerFactory, PlanSet, SignalPlan } from '../controllers/types.js';

/** The plans the regions said are in force, by intersection; `version` moves with every one set. */
export class CityPlans implements PlanSet {
  version = 0;
  private readonly byInter = new Map<number, SignalPlan>();

  plan(ix: number): SignalPlan | undefined {
    return this.byInter.get(ix);
  }

  set(ix: number, plan: SignalPlan): void {
    this.byInter.set(ix, plan);
    this.version++;
  }

  get size(): number {
    return this.byInter.size;
  }
}

/** A controller that never decides (its next decision a day away) and whose plans are `plans` once any has come. */
export function cityController(plans: CityPlans): ControllerFactory {
  return () => ({ name: 'city', decide: (_ix: number, t: number) => t + 86_400_000, timingPlans: () => (plans.size ? plans : undefined) });
}
