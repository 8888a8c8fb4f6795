/** The common start of a pressure controller's decision: whether it may decide now at an intersection. */
import { STAGE_GREEN } from '../signals/signals.js';
import type { ControllerContext } from './types.js';

/**
 * At signal ix with candidate phases `cands` (local indices): Infinity when it
 * has none (never call again), the next step while it is changing phase, the
 * end of the minimum green while a candidate's green is younger than
 * `minGreenMs`; −1 when the controller may decide now.
 */
export function pressureGate(ctx: ControllerContext, cands: readonly number[], ix: number, nowMs: number, minGreenMs: number): number {
  if (cands.length === 0) return Infinity;
  const signals = ctx.signals;
  if (signals.stageOf(ix) !== STAGE_GREEN) return nowMs + ctx.net.stepMs;
  const elapsed = signals.greenElapsedMs(ix, nowMs);
  if (cands.includes(signals.phaseOf(ix)) && elapsed < minGreenMs) return nowMs + (minGreenMs - elapsed);
  return -1;
}
