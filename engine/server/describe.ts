/**
 * The network as clients see it (GET /network.json, the `network` answer):
 * ids, geometry, phases with their timing, detectors, and every movement in
 * words (the direction of travel on its approach and its turn), so that a
 * dashboard can say "northbound left" where the engine says `r1>r7`.
 */
import { DET_KIND_NAMES, INTER_SIGNAL, type CompiledNetwork } from '../network/compile.js';

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The direction of travel (dx, dy; y to the north) as an approach: NB, EB, SB, WB (north-, east-, south-, westbound). */
export function bound(dx: number, dy: number): string {
  const deg = (Math.atan2(dx, dy) * 180) / Math.PI; // 0 = north, clockwise
  return deg >= -45 && deg < 45 ? 'NB' : deg >= 45 && deg < 135 ? 'EB' : deg >= -135 && deg < -45 ? 'WB' : 'SB';
}

const TURN_LETTER = { left: 'L', through: 'T', right: 'R', uturn: 'U' } as const;

export function describeNetwork(
  net: CompiledNetwork,
  o: { stepMs: number; mode: string; controller: string; startTimeOfDayS: number | null; signals: readonly string[] },
): Record<string, unknown> {
  const model = net.model;
  return {
    stepMs: o.stepMs,
    mode: o.mode,
    controller: o.controller,
    startTimeOfDayS: o.startTimeOfDayS,
    intersections: model.intersections.map((n) => ({
      id: n.id,
      x: n.point.x,
      y: n.point.y,
      signal: net.interType[n.idx] === INTER_SIGNAL && n.phases.length > 0,
      movements: n.movements.map((m) => model.movements[m]!.id),
      // per movement [approach, turn, from road, to road] (indices into roads): compact, the network is the one large answer
      movementInfo: n.movements.map((m) => {
        const mv = model.movements[m]!;
        const d = model.roads[mv.fromRoad]!.dirEnd;
        return [bound(d.x, d.y), TURN_LETTER[mv.type], mv.fromRoad, mv.toRoad];
      }),
      phases: n.phases.map((p) => ({
        name: net.phaseNames[p],
        movements: model.phases[p]!.movements.map((m) => model.movements[m]!.id),
        permitted: model.phases[p]!.permitted.map((m) => model.movements[m]!.id),
        minGreenS: round1(net.phaseMinGreenMs[p]! / 1000),
        maxGreenS: round1(net.phaseMaxGreenMs[p]! / 1000),
        yellowS: round1(net.phaseYellowMs[p]! / 1000),
        allRedS: round1(net.phaseAllRedMs[p]! / 1000),
      })),
    })),
    roads: model.roads.map((r) => ({ id: r.id, from: model.intersections[r.from]!.id, to: model.intersections[r.to]!.id, lanes: r.lanes, points: r.points.map((q) => [Math.round(q.x * 10) / 10, Math.round(q.y * 10) / 10]) })),
    lanes: net.laneIds,
    detectors: net.detectorIds.map((id, d) => ({
      id,
      kind: DET_KIND_NAMES[net.detKind[d]!],
      lane: net.laneIds[net.detLane[d]!],
      road: net.laneRoad[net.detLane[d]!]!,
      startM: round2(net.detStartM[d]!),
      endM: round2(net.detEndM[d]!),
    })),
    signals: o.signals,
  };
}
