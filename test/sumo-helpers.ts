/**
 * Helpers for suites that need Debian's SUMO 1.15 (`apt-get install sumo
 * sumo-tools`; .ci/run installs it): whether it is installed, a `describe`
 * that skips (locally) or fails (CI=true) without it, the committed fixtures,
 * and small nets made with netgenerate in a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describe, it } from 'vitest';

/** The command that installs what the SUMO suites need. */
export const SUMO_INSTALL = 'apt-get install sumo sumo-tools';

/** The programs a SUMO suite needs on PATH. */
export const SUMO_BINARIES = ['sumo', 'netgenerate'] as const;

/** The committed fixtures (see test/fixtures/sumo/README.md). */
export const SUMO_FIXTURES = resolve(import.meta.dirname, 'fixtures', 'sumo');

/** SUMO's data and Python tools; the package does not set SUMO_HOME, and SUMO 1.15 fails on files naming a schema without it. */
export const SUMO_HOME = process.env.SUMO_HOME ?? '/usr/share/sumo';

/** The path of a committed fixture, e.g. `sumoFixture('grid3x3.sumocfg')`. */
export function sumoFixture(name: string): string {
  return join(SUMO_FIXTURES, name);
}

/** The full path of `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The SUMO programs that are missing (empty when SUMO is installed). */
export function missingSumoBinaries(): string[] {
  return SUMO_BINARIES.filter((b) => onPath(b) === undefined);
}

/** True when `sumo` and `netgenerate` are on PATH. */
export function sumoAvailable(): boolean {
  return missingSumoBinaries().length === 0;
}

/** The message a SUMO suite gives when SUMO is missing. */
export function sumoMissingMessage(missing = missingSumoBinaries()): string {
  return `${missing.join(' and ')} not found: install Debian's SUMO (${SUMO_INSTALL})`;
}

/**
 * `describe` for a suite that needs a system program: `missing` is undefined
 * when it is there, else the one-line message naming the package. Without
 * it, the suite is skipped with that line on the console, or, when CI=true,
 * fails with a test that throws it (CI installs the program, so missing is a
 * fault). The one place a suite may skip.
 */
export function describeNeeding(name: string, what: string, missing: string | undefined, fn: () => void): void {
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`needs ${what}`, () => {
        throw new Error(missing);
      });
    });
    return;
  }
  console.log(`skipping "${name}": ${missing}`);
  describe.skip(name, fn);
}

/** `describe` for a suite that needs SUMO (describeNeeding). */
export function describeWithSumo(name: string, fn: () => void): void {
  const missing = missingSumoBinaries();
  describeNeeding(name, 'SUMO', missing.length ? sumoMissingMessage(missing) : undefined, fn);
}

/** A net made by netgenerate in a fresh temporary folder; `dispose()` removes the folder. */
export type TempNet = { dir: string; netFile: string; dispose(): void };

/**
 * Runs `netgenerate ARGS -o DIR/NAME.net.xml` in a new temporary folder, e.g.
 * `makeNet(['--grid', '--grid.number', '2', '--grid.length', '100', '-j', 'traffic_light'])`.
 * Throws with netgenerate's output when it fails.
 */
export function makeNet(args: readonly string[], name = 'net'): TempNet {
  const dir = mkdtempSync(join(tmpdir(), 'greenwave-sumo-'));
  const netFile = join(dir, `${name}.net.xml`);
  const r = spawnSync('netgenerate', [...args, '-o', netFile], { encoding: 'utf8', env: { ...process.env, SUMO_HOME } });
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  if (r.error || r.status !== 0) {
    dispose();
    throw new Error(`netgenerate ${args.join(' ')} failed: ${r.error?.message ?? `exit ${r.status}`}\n${r.stderr ?? ''}${r.stdout ?? ''}`);
  }
  return { dir, netFile, dispose };
}

/** A signalised grid: `n`×`n` junctions `lengthM` apart, every junction a traffic light. */
export function makeGridNet(n = 2, lengthM = 100, lanes = 1): TempNet {
  return makeNet(['--grid', '--grid.number', String(n), '--grid.length', String(lengthM), '-L', String(lanes), '--default-junction-type', 'traffic_light']);
}
