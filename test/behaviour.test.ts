/**
 * Behaviour unchanged: every built-in scenario and CityFlow dataset under every
 * controller gives the metrics and output files recorded in
 * test/golden/behaviour.json (see test/golden/behaviour.mjs; re-record on
 * purpose with `node test/golden/behaviour.mjs --update`).
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module without types
import { differences, loadGolden, record } from './golden/behaviour.mjs';

describe('behaviour check against the golden record', () => {
  it('every scenario × controller gives the recorded metrics, event log, trips and detector channels', async () => {
    const fresh = await record(undefined, 2);
    const golden = loadGolden();
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(golden).sort());
    expect(differences(golden, fresh)).toEqual([]);
  }, 600_000);
});
