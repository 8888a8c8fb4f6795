/** The scenarios the benchmarks run: built-in names, the shipped CityFlow datasets, light and doubled variants. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCityFlow } from '../interop/cityflow/import.js';
import { gridScenario, loadScenario, type ScenarioSource } from '../scenarios/index.js';

/** The repository's bench/results folder, from src (bench/) or dist (dist/bench/). */
export function defaultResultsDir(): string {
  return join(repoRoot(), 'bench', 'results');
}

/** The CityFlow datasets shipped with greenwave (scenarios/data/cityflow), with CityFlow's own figures (SOURCES.md). */
export const CITYFLOW_DATASETS = [
  { name: 'hangzhou_4x4', roadnet: 'roadnet_4_4.json', flow: 'anon_4_4_hangzhou_real.json', cityflowTravelTimeS: 525.3, cityflowVehicleStepsPerS: 3.6e6 },
  { name: 'jinan_3x4', roadnet: 'roadnet_3_4.json', flow: 'anon_3_4_jinan_real.json', cityflowTravelTimeS: 444.8, cityflowVehicleStepsPerS: 3.4e6 },
  { name: 'synthetic_10x10', roadnet: 'roadnet_10x10.json', flow: 'flow_10x10_turn_iv10.json', cityflowTravelTimeS: 781.2, cityflowVehicleStepsPerS: 2.7e6 },
] as const;

/** The repository root, from src or dist. */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'bench')}`) ? join(here, '..', '..') : join(here, '..');
}

/** A shipped CityFlow dataset, imported. */
export function cityflowSource(name: string): ScenarioSource {
  const ds = CITYFLOW_DATASETS.find((d) => d.name === name);
  if (!ds) throw new Error(`no CityFlow dataset "${name}"`);
  const dir = join(repoRoot(), 'scenarios', 'data', 'cityflow', ds.name);
  return { scenario: importCityFlow(join(dir, ds.roadnet), join(dir, ds.flow)).scenario, file: join(dir, ds.roadnet) };
}

/**
 * A built-in name, or `cityflow:<dataset>`; with `@light`, a grid at 40 % of
 * its demand; with `@x2`, a CityFlow dataset with every vehicle twice (1 s
 * apart): light and heavy demand on the same network.
 */
export function benchSource(name: string): ScenarioSource {
  const [base, variant] = name.split('@') as [string, string | undefined];
  if (base.startsWith('cityflow:')) {
    const src = cityflowSource(base.slice('cityflow:'.length));
    if (variant === 'x2') {
      const sc = structuredClone(src.scenario);
      const vs = sc.demand.vehicles ?? [];
      sc.demand.vehicles = vs.flatMap((v) => [v, { ...v, id: `${v.id}_b`, departS: v.departS + 1 }]);
      return { scenario: sc, file: src.file };
    }
    return src;
  }
  const m = /^grid-(\d+)x(\d+)$/.exec(base);
  if (variant === 'light' && m) return { scenario: gridScenario({ rows: Number(m[1]), cols: Number(m[2]), avenueVph: 180, streetVph: 100, turnVph: 10, name: name }), file: `builtin:${name}` };
  if (variant !== undefined) throw new Error(`unknown benchmark variant "${name}"`);
  return loadScenario(base);
}
