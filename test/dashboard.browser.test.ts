/**
 * The dashboard in a real browser: headless Chromium (Debian's, driven by
 * playwright-core) opens the page served by `greenwave serve` on a
 * 1,024-signal network, sees the map drawn, sees the phase colours change as
 * states stream in, and a screenshot is saved to test/artifacts/.
 * Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { gridScenario } from '../scenarios/index.js';
import type { GreenwaveServer } from '../engine/server/index.js';
import { startServer } from './server-helpers.js';

// The functions passed to page.evaluate run in the page: its globals, typed loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any, document: any;
type HTMLCanvasElement = { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;
let server: GreenwaveServer;
let http = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless'] });
  ({ server, http } = await startServer(gridScenario({ rows: 32, cols: 32 }), { mode: 'sim', controller: 'max-pressure', speed: 5 }));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the dashboard page in headless Chromium', () => {
  it('draws the 1,024-signal map, shows phase colours changing over time, stays smooth, and fills the panel on a click', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${http}/`);
    await page.waitForFunction(() => (window as unknown as { greenwave: { stats: { drawnSignals: number; statesReceived: number } } }).greenwave.stats.statesReceived > 2, undefined, { timeout: 20_000 });
    const read = () =>
      page.evaluate(() => {
        const g = (window as unknown as { greenwave: { stats: { drawnSignals: number; phaseChanges: number; lastPhases: number[]; statesReceived: number; drawMs: number[] } } }).greenwave;
        return { drawn: g.stats.drawnSignals, changes: g.stats.phaseChanges, phases: g.stats.lastPhases.slice(), states: g.stats.statesReceived, drawMs: g.stats.drawMs.slice() };
      });
    const a = await read();
    expect(a.drawn).toBe(1024);
    expect(a.phases).toHaveLength(1024);
    await page.waitForTimeout(4000);
    const b = await read();
    expect(b.states).toBeGreaterThan(a.states + 10);
    expect(b.changes).toBeGreaterThan(a.changes);
    expect(b.phases.some((p, i) => p !== a.phases[i])).toBe(true);
    // the colour of some signal on the canvas changed: compare the pixels at the signals' positions
    const pixels = () =>
      page.evaluate(() => {
        const c = document.getElementById('map') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let h = 0;
        for (let i = 0; i < d.length; i += 4 * 97) h = (h * 31 + d[i]! + 3 * d[i + 1]! + 7 * d[i + 2]!) >>> 0;
        return h;
      });
    const p1 = await pixels();
    await page.waitForTimeout(2500);
    const p2 = await pixels();
    expect(p2).not.toBe(p1);
    // smooth: drawing the whole map takes well under a frame budget of 50 ms (p95)
    const ms = b.drawMs.sort((x, y) => x - y);
    expect(ms[Math.floor(ms.length * 0.95)]!).toBeLessThan(50);
    // a click selects the nearest signal and the panel shows it
    await page.mouse.click(640, 430);
    await page.waitForFunction(() => (document.getElementById('sel-id').textContent as string).startsWith('i_'));
    expect(await page.textContent('#sel')).toMatch(/phase/);
    mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/dashboard.png' });
    expect(existsSync('test/artifacts/dashboard.png')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
