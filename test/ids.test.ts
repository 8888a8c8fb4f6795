/**
 * Ids are data (issue 16 item 8): roads, intersections, flows, vehicle types
 * and emergency vehicles called `__proto__`, `constructor`, `hasOwnProperty`
 * (names on Object.prototype) or `@from:C` (the router's own prefix) build,
 * route and run exactly as ordinary ids do, through the library and the built
 * CLI, and imported files keep them as real keys. graphology and its
 * shortest paths keep neighbours in plain objects, where those names crashed
 * the network build ("an edge linking "@from:__proto__" to "constructor"
 * already exists", exit 1).
 *
 * The CLI cases need dist/ (`npm test` builds it first).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork, graphKey, Router } from '../engine/network/index.js';
import { importSumoConfig } from '../interop/sumo/index.js';
import { singleScenario, validateScenario, type ScenarioJson } from '../scenarios/index.js';
import { prepare, runPrepared } from '../sim/index.js';
import { cli, requireBuiltCli } from './cli-helpers.js';

/** Intersection ids of `single` → names on Object.prototype. */
const INTER: Record<string, string> = { C: '__proto__', N: 'constructor', S: 'hasOwnProperty', E: 'toString', W: 'valueOf' };
/**
 * Road ids of `single` → the same names (roads and intersections are apart:
 * road `__proto__` ends at intersection `__proto__`), others, and one with the
 * router's own prefix.
 */
const ROAD: Record<string, string> = {
  'N-C': '__proto__',
  'C-N': 'constructor',
  'S-C': 'hasOwnProperty',
  'C-S': 'toLocaleString',
  'E-C': 'valueOf',
  'C-E': 'isPrototypeOf',
  'W-C': '@from:C',
  'C-W': 'propertyIsEnumerable',
};

/** `single` (60 s) with an emergency vehicle and a vehicle type of its own, its ids plain or renamed. */
function scenario(renamed: boolean): ScenarioJson {
  const sc = structuredClone(singleScenario({ durationS: 90 }));
  const i = (id: string): string => (renamed ? INTER[id]! : id);
  const r = (id: string): string => (renamed ? ROAD[id]! : id);
  for (const j of sc.intersections) j.id = i(j.id);
  for (const road of sc.roads) Object.assign(road, { id: r(road.id), from: i(road.from), to: i(road.to) });
  const flows = sc.demand.flows!;
  for (const f of flows) f.route = f.route!.map(r);
  const type = renamed ? '__proto__' : 'slow';
  // computed keys: own properties, as JSON.parse makes them
  sc.vehicleTypes = { [type]: { maxSpeedMps: 9 } };
  flows[0]!.id = renamed ? '__proto__' : 'f0';
  flows[1]!.id = renamed ? 'constructor' : 'f1';
  flows[1]!.vehicleType = type;
  sc.emergencyVehicles = [{ id: renamed ? '__proto__' : 'amb', from: i('N'), to: i('S'), departS: 5 }];
  return sc;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'greenwave-ids-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ids that are names on Object.prototype', () => {
  it('build a graph whose nodes and neighbours are all there, and route as ordinary ids do', () => {
    const sc = validateScenario(scenario(true), 'renamed');
    const m = buildNetwork(sc, 'renamed');
    expect(m.graph.order).toBe(5);
    expect(m.graph.size).toBe(8);
    expect(graphKey('__proto__')).toBe('@__proto__');
    expect(graphKey('@from:C')).toBe('@@from:C');
    expect(graphKey('N-C')).toBe('N-C');
    expect(new Set(m.graph.outNeighbors(graphKey('__proto__')))).toEqual(new Set(['constructor', 'hasOwnProperty', 'toString', 'valueOf'].map(graphKey)));
    expect(m.graph.source('__proto__')).toBe(graphKey('constructor'));
    expect(m.graph.getNodeAttribute(graphKey('__proto__'), 'type')).toBe('signal');
    const router = new Router(m);
    const plain = new Router(buildNetwork(validateScenario(scenario(false), 'plain'), 'plain'));
    // (Router.route takes an id that is both an intersection's and a road's as the intersection's: these pairs are not such)
    for (const [from, to] of [['N', 'S'], ['W', 'E'], ['E', 'N'], ['W-C', 'C-S'], ['W-C', 'N'], ['C-E', 'W-C']] as const) {
      const a = from in INTER ? INTER[from]! : ROAD[from]!;
      const b = to in INTER ? INTER[to]! : ROAD[to]!;
      expect(router.route(a, b), `${a} → ${b}`).toEqual(plain.route(from, to));
    }
    expect(router.routeTimed(m.roadIndex.get('@from:C')!, m.roadIndex.get('toLocaleString')!, router.roadTimeS)).toEqual([m.roadIndex.get('@from:C'), m.roadIndex.get('toLocaleString')]);
  });

  it('run with the same vehicles and signals as the same scenario with ordinary ids', () => {
    for (const controller of ['fixed', 'actuated', 'max-pressure']) {
      const runOf = (renamed: boolean) => {
        const { metrics } = runPrepared(prepare({ scenario: validateScenario(scenario(renamed), 'x'), file: 'x' }), controller);
        return { ...metrics, sim: undefined, emergency: metrics.emergency.map((e) => ({ ...e, id: undefined })) };
      };
      const renamed = runOf(true);
      expect(renamed.vehicles.completed, controller).toBeGreaterThan(0);
      expect(renamed, controller).toEqual(runOf(false));
    }
  });

  it('through the built CLI: exit 0, the same --json metrics, and files named and keyed by the ids', async () => {
    requireBuiltCli();
    const files = { plain: join(dir, 'plain.json'), renamed: join(dir, 'renamed.json') };
    writeFileSync(files.plain, JSON.stringify(scenario(false)));
    writeFileSync(files.renamed, JSON.stringify(scenario(true)));
    expect(readFileSync(files.renamed, 'utf8')).toContain('"vehicleTypes":{"__proto__":');
    const out = join(dir, 'out');
    const [plain, renamed, withOut] = await Promise.all([
      cli('run', files.plain, '--controller', 'actuated', '--json'),
      cli('run', files.renamed, '--controller', 'actuated', '--json'),
      cli('run', files.renamed, '--controller', 'adaptive', '--out', out, '--pcd', '__proto__'),
    ]);
    for (const r of [plain, renamed, withOut]) expect(r.status, r.stderr).toBe(0);
    const metrics = (text: string) => {
      const m = JSON.parse(text) as { sim: unknown; emergency: Array<{ id: string }> };
      return { ...m, sim: undefined, emergency: m.emergency.map((e) => ({ ...e, id: undefined })) };
    };
    expect(JSON.parse(renamed.stdout).emergency[0].id).toBe('__proto__');
    expect(metrics(renamed.stdout)).toEqual(metrics(plain.stdout));
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['timespace-__proto__.svg', 'split-__proto__.svg', 'pcd-__proto__-p0.svg', 'events.csv']));
    expect(readFileSync(join(out, 'events.csv'), 'utf8')).toMatch(/^__proto__,/m);
  });

  it('imported from SUMO: junctions, tlLogics and vTypes so named are kept, as real keys', () => {
    const fix = 'test/fixtures/sumo';
    const rename = (s: string) => s.replace(/B1/g, '__proto__').replace(/C1/g, 'constructor').replace(/"ambulance"/g, '"hasOwnProperty"');
    for (const f of ['grid3x3.net.xml', 'grid3x3.rou.xml', 'grid3x3-ambulance.rou.xml', 'grid3x3-ambulance.sumocfg']) writeFileSync(join(dir, f), rename(readFileSync(join(fix, f), 'utf8')));
    const cfg = join(dir, 'grid3x3-ambulance.sumocfg');
    const imp = importSumoConfig(cfg);
    const plain = importSumoConfig(join(fix, 'grid3x3-ambulance.sumocfg'));
    expect(Object.keys(imp.scenario.vehicleTypes!)).toEqual(['DEFAULT_VEHTYPE', 'hasOwnProperty']);
    expect(Object.keys(imp.links.tls)).toContain('__proto__');
    expect(imp.links.tlJunctions['__proto__']).toEqual(['__proto__']);
    expect(JSON.stringify(imp.links.tls)).toContain('"__proto__":');
    expect(imp.counts).toEqual(plain.counts);
    const runOf = (sc: ScenarioJson, file: string) => runPrepared(prepare({ scenario: validateScenario(sc, file), file }, { durationS: 300 }), 'fixed').metrics;
    const a = runOf(imp.scenario, cfg);
    const b = runOf(plain.scenario, 'plain');
    expect({ ...a, scenario: '', sim: undefined, emergency: a.emergency.map((e) => ({ ...e, id: '' })) }).toEqual({ ...b, scenario: '', sim: undefined, emergency: b.emergency.map((e) => ({ ...e, id: '' })) });
  });
});
