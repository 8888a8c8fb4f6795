/**
 * CityFlow data as it is: the shared Hangzhou and Jinan datasets import with
 * their ids, counts and departure times; CityFlow's own fixed plan reproduces
 * CityFlow's mean travel time within 15 %; max-pressure earns its place; no
 * controller ever shows an unsafe signal; bad CityFlow files get one clear
 * line naming the file, the path and the reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITYFLOW_DATASETS } from '../bench/index.js';
import { GENERAL_CONTROLLERS } from '../engine/controllers/index.js';
import { EV_PHASE_BEGIN_GREEN } from '../engine/signals/index.js';
import { importCityFlow } from '../interop/cityflow/import.js';
import { validateScenario } from '../scenarios/index.js';
import { prepare, runPrepared, type Prepared } from '../sim/index.js';
import { cli, requireBuiltCli, ROOT } from './cli-helpers.js';

const dataDir = (name: string): string => join(ROOT, 'scenarios', 'data', 'cityflow', name);
const files = (name: string): [string, string] => {
  const ds = CITYFLOW_DATASETS.find((d) => d.name === name)!;
  return [join(dataDir(name), ds.roadnet), join(dataDir(name), ds.flow)];
};

interface Source {
  intersections: Array<{ id: string; virtual: boolean; roadLinks?: unknown[] }>;
  roads: Array<{ id: string; lanes: unknown[] }>;
}

describe.each(['hangzhou_4x4', 'jinan_3x4'])('the %s dataset', (name) => {
  const [roadnet, flow] = files(name);
  const source = JSON.parse(readFileSync(roadnet, 'utf8')) as Source;
  const flows = JSON.parse(readFileSync(flow, 'utf8')) as Array<{ startTime: number; route: string[] }>;
  const imported = importCityFlow(roadnet, flow);
  const p: Prepared = prepare({ scenario: validateScenario(imported.scenario, roadnet), file: roadnet });
  const cityflow = CITYFLOW_DATASETS.find((d) => d.name === name)!;
  const runs = new Map<string, ReturnType<typeof runPrepared>>();
  const run = (controller: string): ReturnType<typeof runPrepared> => {
    if (!runs.has(controller)) runs.set(controller, runPrepared(p, controller, { eventLog: controller === 'cityflow-fixed' }));
    return runs.get(controller)!;
  };

  it('imports into a scenario that the schema accepts, with the counts of the source files', () => {
    expect(imported.warnings).toEqual([]);
    expect(p.model.intersections).toHaveLength(source.intersections.length);
    expect(p.model.intersections.filter((n) => n.type === 'signal')).toHaveLength(source.intersections.filter((i) => !i.virtual).length);
    expect(p.model.roads).toHaveLength(source.roads.length);
    expect(p.model.lanes).toHaveLength(source.roads.reduce((s, r) => s + r.lanes.length, 0));
    expect(p.model.movements).toHaveLength(source.intersections.reduce((s, i) => s + (i.virtual ? 0 : (i.roadLinks?.length ?? 0)), 0));
    expect(p.trips.n).toBe(flows.length);
  });

  it("keeps CityFlow's ids and exact departure times", () => {
    expect(p.net.intersectionIds).toEqual(source.intersections.map((i) => i.id));
    expect(p.net.roadIds).toEqual(source.roads.map((r) => r.id));
    expect(p.net.laneIds.slice(0, 3)).toEqual([0, 1, 2].map((k) => `${source.roads[0]!.id}_${k}`));
    const vehicles = imported.scenario.demand.vehicles!;
    expect(vehicles.map((v) => v.id)).toEqual(flows.map((_, i) => `flow_${i}_0`));
    const departures = [...p.trips.departMs].map((t) => t / 1000);
    expect(departures).toEqual(flows.map((f) => f.startTime).sort((a, b) => a - b));
  });

  it('marks the 5 s right-turns-only lightphase as the clearance; right turns that merge into a green stream are permitted', () => {
    const node = imported.scenario.intersections.find((i) => i.phases)!;
    expect(node.phases![0]!.clearance).toBe(true);
    expect(node.signal).toMatchObject({ yellowS: 3, allRedS: 2 });
    const types = new Map(p.model.movements.map((m) => [m.id, m.type]));
    for (const ph of node.phases!.slice(1)) {
      expect(ph.durationS).toBe(30);
      // Throughs and lefts have right of way; the rights that would merge with them yield.
      expect(ph.permitted!.length).toBeGreaterThan(0);
      for (const id of ph.permitted!) expect(types.get(id)).toBe('right');
      expect(ph.movements.length + ph.permitted!.length).toBe(6);
    }
  });

  it(`runs CityFlow's own fixed plan within ±15 % of CityFlow's mean travel time (${cityflow.cityflowTravelTimeS} s)`, () => {
    const m = run('cityflow-fixed').metrics;
    expect(Math.abs(m.travelTime.mean - cityflow.cityflowTravelTimeS) / cityflow.cityflowTravelTimeS).toBeLessThan(0.15);
  });

  it("serves CityFlow's phase sequence on CityFlow's clock: 30 s slots, 5 s of clearance in the first one", () => {
    const { sim } = run('cityflow-fixed');
    const greens: number[] = [];
    for (let k = 0; k < sim.eventLog!.length; k++) {
      const [t, inter, code, phase] = sim.eventLog!.get(k);
      if (inter === p.model.intersectionIndex.get('intersection_1_1') && code === EV_PHASE_BEGIN_GREEN && t < 500_000) greens.push(t / 1000, phase - 1);
    }
    // [time, lightphase] pairs: lightphase 0 at 0; 1 when its slot starts at 5 s (nothing to clear); the
    // others 5 s into their slot, after 3 s of yellow and 2 s of all-red; 1 again at 250 s, after the
    // clearance played in lightphase 0's slot.
    expect(greens.slice(0, 20)).toEqual([0, 0, 5, 1, 40, 2, 70, 3, 100, 4, 130, 5, 160, 6, 190, 7, 220, 8, 250, 1]);
  });

  it('max-pressure is at least 25 % below the fixed-time plan, and below the Webster plan', () => {
    const mp = run('max-pressure').metrics.travelTime.mean;
    expect(mp).toBeLessThanOrEqual(0.75 * run('cityflow-fixed').metrics.travelTime.mean);
    expect(mp).toBeLessThan(run('fixed').metrics.travelTime.mean);
  });

  it('every controller runs it with zero safety violations, collisions and red running', () => {
    for (const c of [...GENERAL_CONTROLLERS, 'cityflow-fixed']) {
      const { metrics, sim } = run(c);
      expect(metrics.safety, c).toEqual({ conflictingGreens: 0, minGreenViolations: 0, clearanceViolations: 0 });
      expect(sim.collisions + sim.redRunning, c).toBe(0);
      expect(metrics.detectors.faults, `${c}: healthy detectors flagged`).toBe(0);
    }
  });

  it('adaptive beats max-pressure on the same vehicles', () => {
    expect(run('adaptive').metrics.travelTime.mean).toBeLessThan(run('max-pressure').metrics.travelTime.mean);
  });
});

describe('bad CityFlow files', () => {
  let dir = '';
  const [roadnet, flow] = files('hangzhou_4x4');
  const rn = JSON.parse(readFileSync(roadnet, 'utf8')) as Record<string, any>;
  const fl = JSON.parse(readFileSync(flow, 'utf8')) as Array<Record<string, any>>;
  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'greenwave-cityflow-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a broken copy of the roadnet or the flow file and runs the CLI on the pair. */
  async function broken(which: 'roadnet' | 'flow', edit: (x: any) => void, args: string[] = ['run', '--cityflow']) {
    const data = structuredClone(which === 'roadnet' ? rn : fl);
    edit(data);
    const file = join(dir, `${which}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(data));
    const r = await cli(...args, which === 'roadnet' ? file : roadnet, which === 'flow' ? file : flow, '--duration', '60');
    return { ...r, file };
  }
  const oneLine = (stderr: string): string => {
    expect(stderr.endsWith('\n')).toBe(true);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    return lines[0]!;
  };

  it.concurrent('a missing field: exit 2 naming the file, the path and the reason', async () => {
    const r = await broken('roadnet', (x) => delete x.intersections[3].point);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(`error: ${r.file}: intersections[3].point: is required`);
  });

  it.concurrent('a road whose intersection is missing', async () => {
    const r = await broken('roadnet', (x) => (x.roads[7].endIntersection = 'intersection_9_9'));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(`error: ${r.file}: roads[7].endIntersection: unknown intersection "intersection_9_9"`);
  });

  it.concurrent('a lightphase naming a roadLink that does not exist', async () => {
    const at = rn.intersections.findIndex((i: any) => !i.virtual);
    const r = await broken('roadnet', (x) => x.intersections[at].trafficLight.lightphases[2].availableRoadLinks.push(14));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(`error: ${r.file}: intersections[${at}].trafficLight.lightphases[2].availableRoadLinks[6]: no roadLink 14: the intersection has 12`);
  });

  it.concurrent('a route through roads that do not connect', async () => {
    // road_1_1_0 runs east from intersection_1_1; road_0_1_0 ends at intersection_1_1: going back is impossible
    const r = await broken('flow', (x) => (x[12].route = ['road_1_1_0', 'road_0_1_0']));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(`error: ${r.file}: [12].route[1]: road "road_0_1_0" cannot be reached from road "road_1_1_0"`);
  });

  it.concurrent('an unknown road in a route, and a vehicle field of the wrong type', async () => {
    const a = await broken('flow', (x) => (x[3].route[1] = 'road_9_9_9'));
    expect(a.status).toBe(2);
    expect(oneLine(a.stderr)).toBe(`error: ${a.file}: [3].route[1]: unknown road "road_9_9_9"`);
    const b = await broken('flow', (x) => (x[0].vehicle.maxSpeed = 'fast'));
    expect(b.status).toBe(2);
    expect(oneLine(b.stderr)).toContain(`${b.file}: [0].vehicle.maxSpeed: must be number`);
  });

  it.concurrent('non-integer startTime/endTime: a warning, and the exact times are used', async () => {
    const r = await broken('flow', (x) => {
      x[5].startTime = 2.78;
      x[5].endTime = 2.78;
    }, ['run', '--json', '--cityflow']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('[5].startTime: 2.78 is not an integer; CityFlow reads such values as the default');
    expect(JSON.parse(r.stdout).vehicles.scheduled).toBeGreaterThan(0);
    const imported = importCityFlow(roadnet, r.file);
    expect(imported.scenario.demand.vehicles![5]).toMatchObject({ id: 'flow_5_0', departS: 2.78 });
  });
});

describe('greenwave import cityflow', () => {
  it('writes a scenario that runs, and reports the counts', async () => {
    requireBuiltCli();
    const dir = mkdtempSync(join(tmpdir(), 'greenwave-import-'));
    try {
      const out = join(dir, 'jinan.json');
      const [roadnet, flow] = files('jinan_3x4');
      const r = await cli('import', 'cityflow', roadnet, flow, '-o', out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('imported 26 intersections (12 signals), 62 roads, 186 lanes, 144 movements, 6295 CityFlow flows');
      const run = await cli('run', out, '--controller', 'cityflow-fixed', '--duration', '300', '--json');
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).controller).toBe('cityflow-fixed');
      const bad = await cli('run', 'single', '--controller', 'cityflow-fixed', '--duration', '60');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/cityflow-fixed: intersection "C" phase 0 has no durationS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
