/** A small helper to write scenario JSON from code (used by the built-in generators). */
import type { FlowJson, IntersectionJson, RoadJson, ScenarioJson } from '../types.js';

export class ScenarioBuilder {
  readonly intersections: IntersectionJson[] = [];
  readonly roads: RoadJson[] = [];
  readonly flows: FlowJson[] = [];
  private readonly roadIds = new Set<string>();

  node(id: string, x: number, y: number, type?: IntersectionJson['type']): this {
    this.intersections.push(type ? { id, x, y, type } : { id, x, y });
    return this;
  }

  /** Road id for the road from a to b. */
  static road(a: string, b: string): string {
    return `${a}-${b}`;
  }

  /** A road each way between a and b. */
  twoWay(a: string, b: string, lanes: number, speedLimitMps: number, laneUse?: string[]): this {
    for (const [f, t] of [
      [a, b],
      [b, a],
    ] as const) {
      const id = ScenarioBuilder.road(f, t);
      if (this.roadIds.has(id)) continue;
      this.roadIds.add(id);
      const r: RoadJson = { id, from: f, to: t, lanes, speedLimitMps };
      if (laneUse) r.laneUse = laneUse;
      this.roads.push(r);
    }
    return this;
  }

  /** A flow along a chain of intersections (the route is the roads between consecutive nodes). */
  flowThrough(id: string, nodes: readonly string[], rate: Pick<FlowJson, 'vph' | 'profile' | 'arrivals'>): this {
    if (!(rate.vph === 0 && !rate.profile)) {
      const route: string[] = [];
      for (let i = 1; i < nodes.length; i++) route.push(ScenarioBuilder.road(nodes[i - 1]!, nodes[i]!));
      this.flows.push({ id, route, ...rate });
    }
    return this;
  }

  build(meta: Omit<ScenarioJson, 'format' | 'version' | 'intersections' | 'roads' | 'demand'> & { demand?: ScenarioJson['demand'] }): ScenarioJson {
    const { demand, ...rest } = meta;
    return {
      format: 'greenwave-scenario',
      version: 1,
      ...rest,
      intersections: this.intersections,
      roads: this.roads,
      demand: demand ?? { flows: this.flows },
    };
  }
}

/** Scales a base rate (veh/h) by a time profile of factors: [[tS, factor], ...]. */
export function scaledRate(vph: number, profile?: ReadonlyArray<readonly [number, number]>): Pick<FlowJson, 'vph' | 'profile'> {
  if (!profile) return { vph };
  return { profile: profile.map(([t, f]) => [t, Math.round(vph * f * 100) / 100] as [number, number]) };
}
