/**
 * The example client in examples/ runs as documented: it replays the recorded
 * detector file into a live server (in-process here) and prints the
 * acknowledgements and the decisions it gets back.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { singleScenario } from '../scenarios/index.js';
import type { GreenwaveServer } from '../engine/server/index.js';
import { startServer, TOKEN } from './server-helpers.js';

let server: GreenwaveServer | undefined;
afterAll(async () => server?.close());

describe('examples/replay.mjs', () => {
  it('replays examples/single-detectors.jsonl into serve --field and prints acks and decisions', async () => {
    const s = await startServer(singleScenario(), { mode: 'field', controller: 'max-pressure', speed: 50 });
    server = s.server;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['examples/replay.mjs', s.url, 'examples/single-detectors.jsonl', '--limit', '40'], { env: { ...process.env, GREENWAVE_TOKEN: TOKEN } });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(out.stdout).toMatch(/^connected: mode field, controller max-pressure, 1 signals, authenticated true$/m);
    expect(out.stdout).toContain('done: 40 of 40 messages acknowledged');
    expect(out.stdout).toMatch(/^decision: C → phase \d green at [\d.]+ s \(inputs up to seq \d+\)$/m);
    expect(out.code).toBe(0);
    expect(s.server.service.accepted.detectors).toBe(40);
  }, 60_000);
});
