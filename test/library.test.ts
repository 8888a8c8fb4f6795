/**
 * The library API as a user gets it: the package is packed (`npm pack`, which
 * builds it), installed from the tarball into a fresh project with npm
 * offline, and used from there by name ('greenwave'): examples/library.mjs
 * runs against it, the public names and their types resolve, the CLI and the
 * dashboard assets work from the installed copy.
 *
 * Offline install: npm 11 resolves a dependency range from the registry's
 * full package document (Accept: application/json), while the npm cache
 * that `npm ci` filled holds the tarballs (by integrity) and only abbreviated
 * documents, which the cache does not serve for a request asking for the
 * full one. So `npm install --offline <tarball>` alone cannot resolve ajv
 * and the rest. The temporary project therefore starts with a
 * package-lock.json holding greenwave's own locked runtime dependencies
 * (version, resolved URL, integrity; copied from package-lock.json): every
 * dependency is then satisfied by the lock and fetched from the cache by its
 * integrity — the versions this repository is tested with, and no network.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../sim/index.js';
import { ROOT } from './cli-helpers.js';

const TIMEOUT_MS = 180_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without npm's lifecycle variables (npm_config_local_prefix would point a nested npm at this repository). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  delete env.GREENWAVE_DEBUG;
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 150_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Names `import('greenwave')` must expose (issue 12). */
const PUBLIC_NAMES = [
  'loadScenario', 'validateScenario', 'gridScenario', 'defaultScenario', 'singleScenario', 'arterialScenario',
  'prepare', 'simulate', 'createSimulation', 'Simulation', 'computeMetrics', 'runPreparedAsync',
  'createEngine', 'createCabinet', 'Cabinet', 'DetectorArrays', 'IngestedDetectors',
  'buildNetwork', 'compileNetwork', 'Router',
  'CONTROLLERS', 'CONTROLLER_NAMES', 'controllerFactory',
  'FixedTimeController', 'ActuatedController', 'MaxPressureController', 'AdaptiveController', 'CityFlowFixedController', 'OverrideController',
  'PreemptionManager', 'importCityFlow', 'importCityflow',
  'createService', 'GreenwaveServer', 'Service', 'PROTOCOL_VERSION',
  'eventRows', 'purdueCoordination', 'splitMonitor', 'pcdDetectors', 'pcdSvg', 'splitMonitorSvg', 'barChart', 'lineChart', 'timeSpaceSvg',
  'InputError',
];

/** Run in the installed project: the exported names, the aliases, the CLI's schema and the dashboard assets from the installed copy. */
const PROBE = `
import * as g from 'greenwave';
const out = { names: Object.keys(g), aliases: g.createEngine === g.createCabinet && g.importCityflow === g.importCityFlow };
try { await g.simulate('single', { controler: 'fixed' }); } catch (e) { out.inputError = e instanceof g.InputError ? e.message : String(e); }
const service = g.createService(g.prepare(g.loadScenario('single')), { mode: 'field', controller: 'fixed' });
const server = new g.GreenwaveServer({ service, clock: 'external', port: 0 });
const port = await server.listen();
const page = await fetch('http://127.0.0.1:' + port + '/');
const app = await fetch('http://127.0.0.1:' + port + '/app.js');
const chart = await fetch('http://127.0.0.1:' + port + '/vendor/uPlot.esm.js');
out.dashboard = { page: page.status, html: (await page.text()).includes('<html'), app: app.status, chart: chart.status, chartLib: (await chart.text()).includes('export { uPlot as default }') };
await server.close();
console.log(JSON.stringify(out));
`;

/** Type-checked in the installed project: the package's declarations resolve through "exports" and describe the API. */
const CHECK_TS = `
import { createEngine, IngestedDetectors, InputError, loadScenario, prepare, simulate, type CabinetOptions, type CompiledNetwork, type Controller, type ControllerFactory, type RunMetrics, type RunResult, type ScenarioJson, type ScenarioSource } from 'greenwave';
const src: ScenarioSource = loadScenario('single');
const sc: ScenarioJson = src.scenario;
const p = prepare(src, { durationS: 60 });
const net: CompiledNetwork = p.net;
const opts: CabinetOptions<IngestedDetectors> = { net, router: p.router, controller: 'fixed', detectors: new IngestedDetectors(net) };
const engine = createEngine(opts);
const step: Promise<void> | void = engine.step(0);
const state: number = engine.signals.phaseOf(0);
const mine: ControllerFactory = (ctx): Controller => ({ name: 'mine', decide: (ix, nowMs) => (ctx.signals.phaseCount(ix) > 0 ? nowMs + 1000 : Infinity) });
const custom = createEngine({ net, router: p.router, controller: mine });
const r: Promise<RunResult> = simulate(sc, { controller: 'actuated', seed: 2, durationS: 60, workers: 0, preemption: false, eventLog: true, faults: [{ detector: 'N-C_0_stop', kind: 'stuckOn', fromMs: 0 }] });
const m: Promise<number> = r.then((x: { metrics: RunMetrics }) => x.metrics.travelTime.mean);
// @ts-expect-error: an unknown option is a type error too
void simulate('single', { duration: 60 });
export { step, state, custom, m, InputError };
`;

let tmp = '';
let proj = '';
let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] } | undefined;
let installed: Run | undefined;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'greenwave-lib-'));
  const dest = join(tmp, 'pack');
  mkdirSync(dest);
  const pack = await run('npm', ['pack', '--json', '--pack-destination', dest], ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed (${pack.code}): ${pack.stderr.slice(-2000)}`);
  // prepare's build prints its banner to stderr; the JSON report is the array on stdout
  packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))).at(0);
  const tarball = join(dest, packed!.filename);

  proj = join(tmp, 'project');
  mkdirSync(proj);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'greenwave-user', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const packages: Record<string, unknown> = { '': { name: 'greenwave-user', version: '1.0.0' } };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  writeFileSync(join(proj, 'package-lock.json'), JSON.stringify({ name: 'greenwave-user', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], proj);
  copyFileSync(join(ROOT, 'examples', 'library.mjs'), join(proj, 'library.mjs'));
}, TIMEOUT_MS);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the build, its declarations, the run-time assets and the docs, and nothing else', () => {
    const files = packed!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'docs/API.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/engine/optimizer/worker.js', 'dist/engine/optimizer/esmEntry.cjs', 'dist/scenarios/scenario.schema.json', 'dist/interop/cityflow/cityflow-roadnet.schema.json', 'engine/server/dashboard/index.html', 'engine/server/dashboard/app.js', 'engine/server/dashboard/map.js', 'engine/server/dashboard/style.css', 'scenarios/data/cityflow/hangzhou_4x4/roadnet_4_4.json'])
      expect(files, f).toContain(f);
    const stray = files.filter((f) => /\.map$|tsbuildinfo|^dist\/test\/|^test\/|^examples\/|^\.ci\/|^bench\/|^node_modules\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    expect(stray).toEqual([]);
    expect(packed!.size).toBeLessThan(2_000_000);
  });

  it('installs offline from the tarball into a fresh project', () => {
    expect(installed!.code, installed!.stderr).toBe(0);
    const pkg = join(proj, 'node_modules', 'greenwave');
    expect(existsSync(join(pkg, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(proj, 'node_modules', 'ajv'))).toBe(true);
  });

  it(
    'runs examples/library.mjs: two controllers on `single`, then an engine driven by hand',
    async () => {
      const r = await run(process.execPath, ['library.mjs'], proj);
      expect(r.code, r.stderr).toBe(0);
      const travel: Record<string, number> = {};
      for (const c of ['fixed', 'max-pressure']) {
        const m = new RegExp(`^${c} +mean travel time (\\d+\\.\\d) s, (\\d+) vehicles done$`, 'm').exec(r.stdout);
        expect(m, `${c} line in:\n${r.stdout}`).not.toBeNull();
        travel[c] = Number(m![1]);
        expect(travel[c]).toBeGreaterThan(0);
        expect(Number(m![2])).toBeGreaterThan(0);
        // the packed package computes what the sources do
        const own = await simulate('single', { controller: c, durationS: 600, seed: 1 });
        expect(travel[c]).toBe(Number(own.metrics.travelTime.mean.toFixed(1)));
      }
      const cmp = /^max-pressure vs fixed: ([+-]\d+\.\d) %$/m.exec(r.stdout);
      expect(cmp).not.toBeNull();
      expect(Number(cmp![1])).toBeCloseTo((100 * (travel['max-pressure']! - travel.fixed!)) / travel.fixed!, 0);

      const states = [...r.stdout.matchAll(/^t= *(\d+) s {2}C {2}phase (\d) \(([^)]+)\) {2}(green|yellow|all-red) {2}(\S+)$/gm)];
      expect(states.map((s) => Number(s[1]))).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
      for (const [line, , , name, stage, movements] of states) {
        expect(['E-W left', 'E-W through', 'N-S left', 'N-S through'], line).toContain(name);
        expect(movements, line).toMatch(/^[rygG]{12}$/);
        if (stage === 'green') expect(movements, line).toMatch(/[Gg]/);
        if (stage === 'yellow') expect(movements, line).toMatch(/y/);
        if (stage === 'all-red') expect(movements, line).toMatch(/^r+$/);
      }
      // the hand-written readings call north–south first, then east–west: both are served
      const greens = states.filter((s) => s[4] === 'green').map((s) => s[3]);
      expect(greens).toContain('N-S through');
      expect(greens.at(-1)).toBe('E-W through');
      expect(r.stdout).toMatch(/^safety: 0 conflicting greens, 0 short greens, 0 short clearances$/m);
    },
    TIMEOUT_MS,
  );

  it('exposes the public API by name, with InputError for bad input, the dashboard assets and the CLI', async () => {
    writeFileSync(join(proj, 'probe.mjs'), PROBE);
    const r = await run(process.execPath, ['probe.mjs'], proj);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { names: string[]; aliases: boolean; inputError: string; dashboard: { page: number; html: boolean; app: number; chart: number; chartLib: boolean } };
    expect(PUBLIC_NAMES.filter((n) => !out.names.includes(n))).toEqual([]);
    expect(out.aliases).toBe(true);
    expect(out.inputError).toMatch(/^simulate: options\.controler: unknown option/);
    expect(out.dashboard).toEqual({ page: 200, html: true, app: 200, chart: 200, chartLib: true });

    const cli = await run(join(proj, 'node_modules', '.bin', 'greenwave'), ['run', 'single', '--duration', '120', '--json'], proj);
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as { scenario: string }).scenario).toBe('single');
  }, TIMEOUT_MS);

  it('its declarations type-check a user program through "exports"', async () => {
    writeFileSync(join(proj, 'check.ts'), CHECK_TS);
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] },
      files: ['check.ts'],
    };
    writeFileSync(join(proj, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const r = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], proj);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, TIMEOUT_MS);
});
