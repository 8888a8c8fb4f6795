/**
 * Determinism: the same scenario, controller and seed give byte-identical
 * `run --json` output apart from the wall-clock fields; another seed gives
 * different results.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, requireBuiltCli } from './cli-helpers.js';

/** The JSON text with the three wall-clock fields blanked, and nothing else touched. */
const withoutWallClock = (json: string): string =>
  json.replace(/"(loadSeconds|wallSeconds|vehicleStepsPerSecond)":[0-9.e+-]+/g, '"$1":null');

beforeAll(requireBuiltCli);

describe.concurrent('determinism', () => {
  for (const controller of ['fixed', 'actuated']) {
    it(`run default --controller ${controller}: same seed, byte-identical JSON but for the wall-clock fields`, async () => {
      const args = ['run', 'default', '--controller', controller, '--duration', '1800', '--json'];
      const [a, b] = await Promise.all([cli(...args), cli(...args)]);
      expect(a.status).toBe(0);
      expect(b.status).toBe(0);
      expect(withoutWallClock(a.stdout)).toBe(withoutWallClock(b.stdout));
      // the blanked fields are the only ones that may differ
      expect(withoutWallClock(a.stdout)).not.toBe(a.stdout);
      expect(JSON.parse(a.stdout).sim.vehicleSteps).toBeGreaterThan(0);
    });
  }

  it('run default --controller adaptive: the same JSON with --workers 2 as in one thread, run after run', async () => {
    const args = ['run', 'default', '--controller', 'adaptive', '--duration', '1800', '--json'];
    const [a, b, c] = await Promise.all([cli(...args), cli(...args, '--workers', '2'), cli(...args, '--workers', '2')]);
    for (const r of [a, b, c]) expect(r.status, r.stderr).toBe(0);
    expect(withoutWallClock(b.stdout)).toBe(withoutWallClock(a.stdout));
    expect(withoutWallClock(c.stdout)).toBe(withoutWallClock(a.stdout));
  });

  it('another seed gives different results', async () => {
    const [a, b] = await Promise.all([
      cli(...['run', 'default', '--duration', '1800', '--json', '--seed', '1']),
      cli(...['run', 'default', '--duration', '1800', '--json', '--seed', '2']),
    ]);
    const ma = JSON.parse(a.stdout);
    const mb = JSON.parse(b.stdout);
    expect(ma.seed).toBe(1);
    expect(mb.seed).toBe(2);
    expect(ma.vehicles.scheduled).not.toBe(mb.vehicles.scheduled);
    expect(ma.travelTime.mean).not.toBe(mb.travelTime.mean);
  });
});
