/**
 * What a controller says when it runs on less than its detectors: the
 * detectors of an intersection's phases (a CSR per global phase, as each
 * controller keeps them) that the health monitor has flagged now. The
 * controllers' `fallback(ix)` turns it into words for operators.
 */
import type { ControllerContext } from './types.js';

/** Of intersection ix's phases' detectors (start/list: per global phase, detector indices; −1 for none), how many there are and how many are untrusted. */
export function untrustedAt(ctx: ControllerContext, ix: number, start: Int32Array, list: Int32Array): { untrusted: number; total: number } {
  const net = ctx.net;
  const seen = new Set<number>();
  let untrusted = 0;
  for (let p = net.interPhaseStart[ix]!; p < net.interPhaseStart[ix + 1]!; p++)
    for (let k = start[p]!; k < start[p + 1]!; k++) {
      const d = list[k]!;
      if (d < 0 || seen.has(d)) continue;
      seen.add(d);
      if (ctx.health.flags[d] !== 0) untrusted++; // the flags as they stand: asking must not run the on-read range tests (an observer changes nothing)
    }
  return { untrusted, total: seen.size };
}

/** "2 of 8 approach cameras untrusted: …" or undefined when all are trusted. */
export function untrustedNote(u: { untrusted: number; total: number }, what: string, how: string): string | undefined {
  return u.untrusted > 0 ? `${u.untrusted} of ${u.total} ${what} untrusted: ${how}` : undefined;
}
