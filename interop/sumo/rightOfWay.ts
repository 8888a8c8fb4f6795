/** Priority junctions' right of way as a one-phase signal, and the cross-check of greenwave's conflicts against SUMO's `<request>` foes. */
import type { NetworkModel } from '../../engine/network/index.js';
import type { PhaseJson } from '../../scenarios/types.js';
import type { Ctx } from './common.js';
import type { SumoConnection, SumoJunction } from './net.js';

/** SUMO's request row of a connection at junction j: its index among the junction's internal lanes. */
function requestOf(j: SumoJunction, k: SumoConnection): number {
  return k.via ? j.intLanes.indexOf(k.via) : -1;
}

/** A priority junction's right of way as one phase: links that yield to nobody protected, the rest permitted (greenwave's conflicts decide among equals). */
export function rightOfWay(j: SumoJunction, list: SumoConnection[], movementOf: Map<SumoConnection, string>, model: Pick<NetworkModel, 'intersections' | 'movements' | 'conflicts'>, ix: number): PhaseJson {
  const node = model.intersections[ix]!;
  const local = new Map(node.movements.map((m, k) => [model.movements[m]!.id, k]));
  const major = new Map<string, boolean>();
  for (const k of list) {
    const mv = movementOf.get(k);
    if (mv === undefined) continue;
    const r = requestOf(j, k);
    const yields = r >= 0 && (j.requests.find((q) => q.index === r)?.response ?? '').includes('1');
    major.set(mv, (major.get(mv) ?? true) && !yields);
  }
  const m = node.movements.length;
  const conf = (a: string, b: string): boolean => model.conflicts[ix]![local.get(a)! * m + local.get(b)!] === 1;
  const prot: string[] = [];
  const perm: string[] = [];
  // majors first, then minors; a movement conflicting with one already protected yields
  for (const [mv] of [...major].sort((a, b) => Number(b[1]) - Number(a[1]))) {
    if (!prot.some((p) => conf(p, mv))) prot.push(mv);
    else if (!perm.some((p) => conf(p, mv))) perm.push(mv);
    // else: it would yield to another yielding movement, which greenwave cannot show; it is left out (never green)
  }
  return { name: 'right of way', movements: prot, ...(perm.length ? { permitted: perm } : {}), durationS: 3600 };
}

/** Movement pairs on which greenwave's conflict matrix and SUMO's foes disagree. */
export function crossCheck(c: Ctx, conns: Map<string, SumoConnection[]>, movementOf: Map<SumoConnection, string>, model: NetworkModel): { count: number; example: string } {
  let count = 0;
  let example = '';
  for (const node of model.intersections) {
    const j = c.net.junctionById.get(node.id);
    const list = conns.get(node.id) ?? [];
    if (!j || j.requests.length === 0 || list.length === 0) continue;
    const local = new Map(node.movements.map((m, k) => [model.movements[m]!.id, k]));
    const m = node.movements.length;
    // pairs as local movement indices a·m + b, and the movements SUMO has a request row for
    const sumoFoe = new Set<number>();
    const known: number[] = [];
    for (const a of list) {
      const ra = requestOf(j, a);
      const q = j.requests.find((x) => x.index === ra);
      const la = local.get(movementOf.get(a)!);
      // (a movement left out, never green, has no conflicts in greenwave's model to compare)
      if (!q || la === undefined) continue;
      if (!known.includes(la)) known.push(la);
      for (const b of list) {
        const rb = requestOf(j, b);
        const lb = local.get(movementOf.get(b)!);
        if (rb < 0 || a === b || lb === undefined) continue;
        if (q.foes[q.foes.length - 1 - rb] === '1') sumoFoe.add(la * m + lb);
      }
    }
    const row = model.conflicts[node.idx]!;
    for (let x = 0; x < known.length; x++)
      for (let y = x + 1; y < known.length; y++) {
        const a = known[x]!;
        const b = known[y]!;
        const s = sumoFoe.has(a * m + b) || sumoFoe.has(b * m + a);
        const g = row[a * m + b] === 1;
        if (s !== g) {
          count++;
          if (!example) example = `"${model.movements[node.movements[a]!]!.id}" and "${model.movements[node.movements[b]!]!.id}" at "${node.id}": ${g ? 'greenwave sees a conflict, SUMO none' : 'SUMO sees a conflict, greenwave none'}`;
        }
      }
  }
  return { count, example };
}
