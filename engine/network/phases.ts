/**
 * The default signal plan of an intersection: for each axis (a pair of
 * opposite approaches), protected lefts first, then throughs with their rights.
 * A lone approach (the stem of a T) gets one phase for all its movements.
 * Any phase that would still hold conflicting movements is split.
 */
import { angleDiffDeg } from './geometry.js';

export interface LegInfo {
  /** Approach road index. */
  road: number;
  /** Direction from the centre towards where the approach comes from (deg). */
  angleDeg: number;
  lanes: number;
  /** Local movement indices leaving from this approach. */
  movements: number[];
}

export interface DefaultPhase {
  name: string;
  movements: number[];
}

function compass(angle: number): string {
  const a = ((angle % 180) + 180) % 180;
  return a < 45 || a >= 135 ? 'E-W' : 'N-S';
}

function compassOne(angle: number): string {
  const names = ['E', 'N', 'W', 'S'];
  return names[Math.round((((angle % 360) + 360) % 360) / 90) % 4]!;
}

/** Splits a set of movements into conflict-free groups, greedily, in order. */
function splitConflictFree(movs: number[], conflicts: (a: number, b: number) => boolean): number[][] {
  const groups: number[][] = [];
  for (const m of movs) {
    const g = groups.find((grp) => grp.every((o) => !conflicts(o, m)));
    if (g) g.push(m);
    else groups.push([m]);
  }
  return groups;
}

export function defaultPhases(
  legs: LegInfo[],
  typeOf: (m: number) => string,
  conflicts: (a: number, b: number) => boolean,
): DefaultPhase[] {
  const active = legs.filter((l) => l.movements.length > 0);
  // Pair opposite approaches, the most opposite first.
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < active.length; i++) {
    for (let j = i + 1; j < active.length; j++) {
      const d = Math.abs(angleDiffDeg(active[i]!.angleDeg, active[j]!.angleDeg));
      if (d >= 135) pairs.push([i, j, 180 - d]);
    }
  }
  pairs.sort((a, b) => a[2] - b[2] || a[0] - b[0] || a[1] - b[1]);
  const used = new Set<number>();
  const groups: LegInfo[][] = [];
  for (const [i, j] of pairs) {
    if (used.has(i) || used.has(j)) continue;
    used.add(i);
    used.add(j);
    groups.push([active[i]!, active[j]!]);
  }
  for (let i = 0; i < active.length; i++) if (!used.has(i)) groups.push([active[i]!]);

  const lanesOf = (g: LegInfo[]): number => g.reduce((s, l) => s + l.lanes, 0);
  const ewness = (g: LegInfo[]): number => Math.abs(Math.cos((g[0]!.angleDeg * Math.PI) / 180));
  groups.sort((a, b) => lanesOf(b) - lanesOf(a) || ewness(b) - ewness(a) || a[0]!.angleDeg - b[0]!.angleDeg);

  const phases: DefaultPhase[] = [];
  const push = (name: string, movs: number[]): void => {
    if (movs.length === 0) return;
    const parts = splitConflictFree(movs, conflicts);
    parts.forEach((p, k) => phases.push({ name: parts.length > 1 ? `${name} ${k + 1}` : name, movements: p }));
  };
  for (const g of groups) {
    const movs = g.flatMap((l) => l.movements);
    if (g.length === 1) {
      push(`${compassOne(g[0]!.angleDeg)} approach`, movs);
      continue;
    }
    const axis = compass(g[0]!.angleDeg);
    const lefts = movs.filter((m) => typeOf(m) === 'left' || typeOf(m) === 'uturn');
    const rest = movs.filter((m) => typeOf(m) !== 'left' && typeOf(m) !== 'uturn');
    push(`${axis} left`, lefts);
    push(`${axis} through`, rest);
  }
  return phases;
}
