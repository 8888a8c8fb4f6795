/**
 * The network re-plan: from smoothed lane flows to a timing plan for every
 * signal (cycle, green splits, offsets), in the manner of TRANSYT and SCOOT:
 *
 *  1. demand  (per intersection, shardable): critical flow ratio yₚ of each
 *     served phase (busiest approach lane of its protected movements / the
 *     saturation flow), Y = Σ yₚ, and the cycle the intersection wants,
 *     Webster's C₀ = (1.5·L + 5)/(1 − Y), clamped and at least the sum of
 *     minimum greens and clearances;
 *  2. cycles  (whole network): every intersection of a connected group of
 *     signals takes the group's critical (longest) cycle, so that offsets mean
 *     something; the change from the previous plan is bounded;
 *  3. splits  (per intersection, shardable): greens in proportion to the flow
 *     ratios (equal degrees of saturation), within min/max green, filling the
 *     cycle; bounded change from the previous plan;
 *  4. offsets (whole network): along a maximum spanning forest of the links
 *     between signals weighted by their flows (the heavy paths first), each
 *     signal's main green starts when the platoon from its parent arrives;
 *  5. refine  (per intersection, shardable): the dispersed arrival profile of
 *     every link, once; then, in Jacobi rounds, each signal tries nearby
 *     offsets and keeps the one that minimises the flow arriving on red over
 *     its links in and out, with platoons dispersed by Robertson's model
 *     (TRANSYT: q′(t+T) = F·q(t) + (1−F)·q′(t+T−1), T = β·tₐ, F = 1/(1+α·β·tₐ),
 *     α = 0.35, β = 0.8); the move per re-plan is bounded.
 *
 * Every step reads only its inputs and writes only its outputs (typed arrays),
 * so shards can run in any thread and the result is the same.
 *
 * The steps live in splits.ts (1–3), offsets.ts (4) and refine.ts (5), the
 * parameters and plan arrays in plan.ts; all are re-exported from here.
 */
import { linkFlows, offsetStep } from './offsets.js';
import type { OptNet } from './optnet.js';
import { REPLAN_DEFAULTS, type PlanArrays, type ReplanParams } from './plan.js';
import { profileLayout, profileStep, refineStep } from './refine.js';
import { cycleStep, demandStep, signalGroups, splitStep } from './splits.js';

export { REPLAN_DEFAULTS, newPlanArrays, type PlanArrays, type ReplanParams } from './plan.js';
export { demandStep, signalGroups, cycleStep, splitStep } from './splits.js';
export { linkFlows, offsetStep } from './offsets.js';
export { arrivalProfile, profileLayout, profileStep, refineStep, arrivalsOnRed } from './refine.js';

/** The whole re-plan in one thread (the reference the worker pool must reproduce). */
export function replanInline(opt: OptNet, laneFlowVph: Float64Array, prev: PlanArrays | undefined, out: PlanArrays, p: ReplanParams = REPLAN_DEFAULTS, rounds = 2): void {
  const yPhase = new Float64Array(opt.nPhases);
  const want = new Int32Array(opt.nInter);
  demandStep(opt, laneFlowVph, 0, opt.nInter, yPhase, want);
  const group = signalGroups(opt);
  cycleStep(opt, group, want, prev?.cycleMs, p, out.cycleMs);
  splitStep(opt, yPhase, out.cycleMs, prev, p, 0, opt.nInter, out);
  const flow = linkFlows(opt, laneFlowVph);
  offsetStep(opt, flow, out, prev?.offsetMs, want);
  const profStart = profileLayout(opt, out.cycleMs);
  const prof = new Float32Array(profStart[opt.nLinks]!);
  profileStep(opt, flow, out, p, profStart, 0, opt.nInter, prof);
  let a = new Int32Array(out.offsetMs);
  let b = new Int32Array(opt.nInter);
  for (let r = 0; r < rounds; r++) {
    refineStep(opt, prof, profStart, out, a, p, 0, opt.nInter, b);
    [a, b] = [b, a];
  }
  out.offsetMs.set(a);
}
