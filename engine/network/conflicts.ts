/**
 * Conflicts between movements, derived from their paths through the
 * intersection. Every lane link is a chord between two points on the
 * intersection's boundary (its start at the stop line, its end at the exit
 * lane). Two links cross exactly when their chords interleave around the
 * centre, and merge when they end in the same lane. Links that share their
 * start lane only diverge and do not conflict. This is the topological test
 * that holds for any intersection shape without tuning distances.
 */
import type { LinkModel } from './model.js';

export type ConflictKind = 'none' | 'cross' | 'merge';

/** True if angle x lies strictly inside the counter-clockwise arc from a to b. */
function inArc(a: number, b: number, x: number): boolean {
  const span = (b - a + 360) % 360;
  const off = (x - a + 360) % 360;
  return off > 0 && off < span;
}

const EPS = 1e-9;
const same = (a: number, b: number): boolean => Math.abs(((a - b + 540) % 360) - 180) < EPS;

/** How two lane links of one intersection conflict. */
export function linkConflict(a: LinkModel, b: LinkModel): ConflictKind {
  if (a.fromLane === b.fromLane) return 'none';
  if (a.toLane === b.toLane) return 'merge';
  // Points shared by different lanes (degenerate geometry) do not decide a crossing.
  if (same(a.startAngle, b.startAngle) || same(a.endAngle, b.endAngle)) return 'none';
  if (same(a.startAngle, b.endAngle) || same(a.endAngle, b.startAngle)) return 'none';
  const s = inArc(a.startAngle, a.endAngle, b.startAngle);
  const e = inArc(a.startAngle, a.endAngle, b.endAngle);
  return s !== e ? 'cross' : 'none';
}

/**
 * The movement conflict matrix of one intersection (m × m, row-major, 1 where
 * the movements' paths cross or merge).
 */
export function movementConflicts(
  movementLinks: ReadonlyArray<ReadonlyArray<LinkModel>>,
): { matrix: Uint8Array; kinds: ConflictKind[] } {
  const m = movementLinks.length;
  const matrix = new Uint8Array(m * m);
  const kinds: ConflictKind[] = new Array<ConflictKind>(m * m).fill('none');
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let kind: ConflictKind = 'none';
      outer: for (const a of movementLinks[i]!) {
        for (const b of movementLinks[j]!) {
          const k = linkConflict(a, b);
          if (k === 'cross') {
            kind = 'cross';
            break outer;
          }
          if (k === 'merge') kind = 'merge';
        }
      }
      if (kind !== 'none') {
        matrix[i * m + j] = 1;
        matrix[j * m + i] = 1;
        kinds[i * m + j] = kind;
        kinds[j * m + i] = kind;
      }
    }
  }
  return { matrix, kinds };
}
