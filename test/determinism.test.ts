/**
 * Determinism: the same scenario, controller and seed give byte-identical
 * `run --json` output apart from the wall-clock fields; another seed gives
 * different results.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON text with the three wall-clock fields blanked, and nothing else touched. */
const withoutWallClock = (json: string): string =>
  json.replace(/"(loadSeconds|wallSeconds|vehicleStepsPerSecond)":[0-9.e+-]+/g, '"$1":null');

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does) first`);
});

describe.concurrent('determinism', () => {
  for (const controller of ['fixed', 'actuated']) {
    it(`run default --controller ${controller}: same seed, byte-identical JSON but for the wall-clock fields`, async () => {
      const args = ['run', 'default', '--controller', controller, '--duration', '1800', '--json'];
      const [a, b] = await Promise.all([run(args), run(args)]);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      expect(withoutWallClock(a.stdout)).toBe(withoutWallClock(b.stdout));
      // the blanked fields are the only ones that may differ
      expect(withoutWallClock(a.stdout)).not.toBe(a.stdout);
      expect(JSON.parse(a.stdout).sim.vehicleSteps).toBeGreaterThan(0);
    });
  }

  it('another seed gives different results', async () => {
    const [a, b] = await Promise.all([
      run(['run', 'default', '--duration', '1800', '--json', '--seed', '1']),
      run(['run', 'default', '--duration', '1800', '--json', '--seed', '2']),
    ]);
    const ma = JSON.parse(a.stdout);
    const mb = JSON.parse(b.stdout);
    expect(ma.seed).toBe(1);
    expect(mb.seed).toBe(2);
    expect(ma.vehicles.scheduled).not.toBe(mb.vehicles.scheduled);
    expect(ma.travelTime.mean).not.toBe(mb.travelTime.mean);
  });
});
