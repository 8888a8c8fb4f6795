/**
 * What every step of buildNetwork shares: the error it throws (an InputError
 * naming the JSON path) and the signal timing resolved through the scenario's
 * layers (defaults, intersection, phase).
 */
import type { InputError } from '../../scenarios/errors.js';
import type { SignalTimingJson } from '../../scenarios/types.js';
import type { ResolvedTiming } from './model.js';

/** Makes the InputError for the JSON path `parts` of the scenario file. */
export type ErrorAt = (parts: Array<string | number>, reason: string) => InputError;

/** Defaults for signal timing where the scenario says nothing. */
export const TIMING_DEFAULTS: Readonly<ResolvedTiming> = {
  minGreenS: 7,
  maxGreenS: 60,
  yellowS: undefined,
  allRedS: undefined,
  passageS: 3,
  lostTimePerPhaseS: 4,
  saturationFlowVphpl: 1800,
  cycleMinS: 40,
  cycleMaxS: 150,
};

export function resolveTiming(...layers: Array<SignalTimingJson | undefined>): ResolvedTiming {
  const t: ResolvedTiming = { ...TIMING_DEFAULTS };
  for (const l of layers) {
    if (!l) continue;
    for (const k in l) {
      const v = (l as Record<string, number | undefined>)[k];
      if (v !== undefined) (t as unknown as Record<string, number>)[k] = v;
    }
  }
  return t;
}

/** Rejects a timing whose maximum is below its minimum (green, cycle), at the JSON path `parts`. */
export function checkTiming(err: ErrorAt, t: ResolvedTiming, parts: Array<string | number>): void {
  if (t.maxGreenS < t.minGreenS) throw err([...parts, 'maxGreenS'], `must be ≥ minGreenS (${t.minGreenS})`);
  if (t.cycleMaxS < t.cycleMinS) throw err([...parts, 'cycleMaxS'], `must be ≥ cycleMinS (${t.cycleMinS})`);
}
