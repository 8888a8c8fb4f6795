/**
 * The operations dashboard in a real browser: headless Chromium (Debian's,
 * driven by playwright-core) opens the page served by `greenwave serve` on
 * grid-32x32 (1,024 signals), on grid-8x8 with a detector fault injected at
 * t = 30 s, and on a SUMO import with its real geometry, and an operator uses it: pans and
 * zooms, opens a signal (its phases in words, detectors, PCD and split
 * monitor), signs in (a wrong token first), holds a phase,
 * requests an emergency green wave on the map, and sees the fault's alarm.
 * Screenshots of each view go to test/artifacts/dashboard-*.png.
 * Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { gridScenario } from '../scenarios/index.js';
import { importSumoConfig } from '../interop/sumo/index.js';
import { importCityFlow } from '../interop/cityflow/import.js';
import type { GreenwaveServer } from '../engine/server/index.js';
import { startServer, TOKEN } from './server-helpers.js';

// The functions passed to page.evaluate run in the page: its globals, typed loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any, document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// far enough on that the page is open before it, even with the suite's other files beside it (a loaded CI machine took 14 s of wall clock, 69 simulated s, to open it)
const FAULT_AT_S = 90;
const SPEED = 5;
let browser: Browser;
let grid: { server: GreenwaveServer; http: string } | undefined;
let sumo: { server: GreenwaveServer; http: string };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless'] });
  const sc = gridScenario({ rows: 32, cols: 32 });
  sc.startTimeOfDayS = 7 * 3600 + 30 * 60;
  grid = await startServer(sc, { mode: 'sim', controller: 'max-pressure', speed: SPEED });
  // fast, so that by its test the event log holds some twenty minutes of cycles for the PCD
  sumo = await startServer(importSumoConfig('scenarios/data/sumo/resco/cologne1/cologne1.sumocfg').scenario, { mode: 'sim', controller: 'max-pressure', speed: 30 });
  mkdirSync('test/artifacts', { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await grid?.server.close();
  await sumo?.server.close();
});

/** A page that records its errors (uncaught, and with `consoleErrors` the console's too). */
async function newPage(consoleErrors = true): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (consoleErrors)
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  return { page, errors };
}

/** The dashboard of `http`, once it has drawn a few states. */
async function open(http: string): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await newPage();
  await page.goto(`${http}/`);
  await page.waitForFunction(() => window.greenwave.stats.statesReceived > 2 && window.greenwave.map.draws > 2, undefined, { timeout: 20_000 });
  return { page, errors };
}

/** Screen position (page pixels) of an intersection on the map. */
const screenOf = (page: Page, id: string) =>
  page.evaluate((id: string) => {
    const g = window.greenwave, n = g.app.net.intersections.find((x: { id: string }) => x.id === id);
    const r = document.getElementById('map').getBoundingClientRect();
    return { x: r.left + g.map.X(n.x), y: r.top + g.map.Y(n.y) };
  }, id);

describe('the operations dashboard in headless Chromium', () => {
  it('grid-32x32: draws 1,024 signals live and smoothly, pans and zooms, and a click opens the signal in words with its detectors', async () => {
    const { page, errors } = await open(grid!.http);
    const read = () => page.evaluate(() => ({ drawn: window.greenwave.map.drawnSignals, changes: window.greenwave.stats.phaseChanges, states: window.greenwave.stats.statesReceived, view: { ...window.greenwave.map.view } }));
    const a = await read();
    expect(a.drawn).toBe(1024);
    await page.waitForTimeout(4000);
    const b = await read();
    expect(b.states).toBeGreaterThan(a.states + 10);
    expect(b.changes).toBeGreaterThan(a.changes);
    // the clock shows the scenario's time of day (07:30 at t = 0), not simulated seconds
    expect(await page.textContent('#clock')).toMatch(/^07:3\d:\d\d$/);
    // frame time over 1,024 signals updating SPEED times a second: p95 under 50 ms
    const ms: number[] = (await page.evaluate(() => window.greenwave.map.drawMs.slice())).sort((x: number, y: number) => x - y);
    expect(ms.length).toBeGreaterThan(10);
    expect(ms[Math.floor(ms.length * 0.95)]!).toBeLessThan(50);
    await page.screenshot({ path: 'test/artifacts/dashboard-city.png' });
    // readable: every visible text on the page has a contrast of at least 4.5:1 against its background (WCAG AA)
    const contrast: { low: string[]; checked: number } = await page.evaluate(() => {
      const rgb = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = (c: number[]): number => {
        const f = (v: number): number => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(c[0]!) + 0.7152 * f(c[1]!) + 0.0722 * f(c[2]!);
      };
      const bg = (el: any): number[] => {
        for (; el; el = el.parentElement) {
          const c = rgb(window.getComputedStyle(el).backgroundColor);
          if (c.length >= 3 && (c.length < 4 || c[3]! > 0.5)) return c;
        }
        return [255, 255, 255];
      };
      const out: string[] = [];
      let checked = 0;
      const walk = document.createTreeWalker(document.body, 4 /* text */);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || !el.offsetParent || ['SCRIPT', 'STYLE', 'OPTION'].includes(el.tagName)) continue;
        if (el.disabled || el.closest('button:disabled, select:disabled')) continue; // disabled controls are exempt (WCAG 1.4.3)
        const a = lum(rgb(window.getComputedStyle(el).color)), b = lum(bg(el));
        checked++;
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) out.push(`${n.textContent.trim().slice(0, 40)}: ${ratio.toFixed(2)}`);
      }
      return { low: out, checked };
    });
    expect(contrast.checked).toBeGreaterThan(40);
    expect(contrast.low).toEqual([]);
    // keyboard: every control takes the focus, the map too
    expect(await page.evaluate(() => [...document.querySelectorAll('button, input, select, #map')].filter((e: any) => e.tabIndex < 0).map((e: any) => e.id))).toEqual([]);
    // zoom with the wheel around the centre, pan by dragging, keys, then fit again
    const box = (await page.locator('#map').boundingBox())!;
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -300);
    await page.waitForTimeout(200);
    const z = await read();
    expect(z.view.s).toBeGreaterThan(a.view.s * 5);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy + 40, { steps: 5 });
    await page.mouse.up();
    const p = await read();
    expect(p.view.ox - z.view.ox).toBeCloseTo(120, 0);
    expect(p.view.oy - z.view.oy).toBeCloseTo(40, 0);
    await page.focus('#map');
    await page.keyboard.press('ArrowLeft');
    expect((await read()).view.ox - p.view.ox).toBeCloseTo(60, 0);
    expect(await page.evaluate(() => window.greenwave.map.scaleLabel)).toMatch(/^\d+ (m|km)$/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: 'test/artifacts/dashboard-zoomed.png' });
    await page.keyboard.press('0');
    expect((await read()).view.s).toBeCloseTo(a.view.s, 6);
    // a click on a signal opens its panel: phases in words, what shows now and for how long, detectors with status
    const id = await page.evaluate(() => window.greenwave.app.sigList[32 * 12 + 12].id);
    const at = await screenOf(page, id);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((id: string) => document.getElementById('sel-id').textContent === id, id);
    const sel = (await page.textContent('#sel'))!;
    expect(sel).toMatch(/Now: phase \d, (green|yellow|all-red)/);
    expect(sel).toMatch(/(north|south|east|west)bound (left|through|right)/);
    expect(sel).toMatch(/min green/);
    const dets = (await page.textContent('#detectors'))!;
    expect(dets).toMatch(/Detectors \(\d+\)/);
    expect(dets).toMatch(/all trusted/);
    await page.click('#detectors summary');
    expect(await page.isVisible('#detectors table')).toBe(true);
    // read-only without the token
    expect(await page.isDisabled('#ov-hold')).toBe(true);
    expect(await page.isDisabled('#ev-pick')).toBe(true);
    // its PCD and split monitor, drawn by the server from the live event log
    await page.waitForFunction(() => document.getElementById('pcd-img').naturalWidth > 0 && document.getElementById('split-img').naturalWidth > 0, undefined, { timeout: 15_000 });
    expect(await page.textContent('#pcd-msg')).toMatch(/as the event log shows it/);
    await page.screenshot({ path: 'test/artifacts/dashboard-signal.png' });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('sign-in: a wrong token is refused and changes nothing; with the right one a hold shows in the next states and an emergency route picked on the map gets its green wave', async () => {
    const { page, errors } = await open(grid!.http);
    await page.fill('#token', 'not-the-token-at-all-000');
    await page.click('#signin-btn');
    await page.waitForFunction(() => /Sign-in refused/.test(document.getElementById('signin-msg').textContent));
    expect(await page.isHidden('#signed-in')).toBe(true);
    expect(await page.isDisabled('#ev-pick')).toBe(true);
    // the token never reaches the URL or storage
    await page.fill('#token', TOKEN);
    await page.click('#signin-btn');
    await page.waitForFunction(() => window.greenwave.app.signedIn === true);
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => JSON.stringify({ ...window.localStorage }) + JSON.stringify({ ...window.sessionStorage }) + document.cookie)).not.toContain(TOKEN);
    expect(await page.inputValue('#token')).toBe('');
    // hold a phase other than the one showing at a signal
    const k = 32 * 20 + 7;
    const id = await page.evaluate((k: number) => window.greenwave.app.sigList[k].id, k);
    const at = await screenOf(page, id);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((id: string) => document.getElementById('sel-id').textContent === id, id);
    const phase = await page.evaluate((k: number) => (window.greenwave.state.phases[k] + 1) % window.greenwave.app.net.intersections[window.greenwave.app.sigList[k].inter].phases.length, k);
    await page.selectOption('#ov-phase', String(phase));
    await page.fill('#ov-dur', '600');
    await page.click('#ov-hold');
    await page.waitForFunction(() => /Holding phase/.test(document.getElementById('ov-msg').textContent), undefined, { timeout: 10_000 });
    await page.waitForFunction(([k, ph]: number[]) => window.greenwave.state.phases[k!] === ph && window.greenwave.state.stages[k!] === 0, [k, phase], { timeout: 15_000 });
    // and it stays there while held (several more states)
    const s0 = await page.evaluate(() => window.greenwave.stats.statesReceived);
    await page.waitForFunction((n: number) => window.greenwave.stats.statesReceived > n + 10, s0);
    expect(await page.evaluate(([k]: number[]) => window.greenwave.state.phases[k!], [k])).toBe(phase);
    await page.waitForFunction((id: string) => window.greenwave.state.holds.has(id), id, { timeout: 15_000 });
    await page.screenshot({ path: 'test/artifacts/dashboard-hold.png' });
    await page.click('#ov-release');
    await page.waitForFunction(() => /Hold at .* ended/.test(document.getElementById('ov-msg').textContent));
    // an emergency green wave: origin and destination picked on the map, across the grid along one row
    const ends = await page.evaluate(() => {
      const l = window.greenwave.app.sigList;
      return [l[32 * 16 + 2].id, l[32 * 16 + 29].id];
    });
    await page.click('#ev-pick');
    for (const e of ends) {
      const q = await screenOf(page, e);
      await page.mouse.click(q.x, q.y);
    }
    await page.waitForFunction(() => window.greenwave.state.vehicles.some((v: { id: string }) => v.id.startsWith('operator-')), undefined, { timeout: 15_000 });
    // pre-emption entries at the signals ahead of it, in the event history
    await page
      .waitForFunction(() => window.greenwave.app.alarms.entries.some((e: { text: string }) => /pre-emption entry: operator-1/.test(e.text)), undefined, { timeout: 30_000 })
      .catch(async (e: Error) => {
        const seen = await page.evaluate(() => ({ t: window.greenwave.state.t, vehicles: window.greenwave.state.vehicles, events: window.greenwave.app.alarms.entries.slice(0, 12).map((x: { text: string }) => x.text) }));
        throw new Error(`${e.message}\nno pre-emption entry for operator-1; the page saw: ${JSON.stringify(seen).slice(0, 1500)}`);
      });
    await page.check('#ev-all');
    await page.screenshot({ path: 'test/artifacts/dashboard-emergency.png' });
    // the held signal's PCD and split monitor, a few cycles into the run
    await page.click('#pcd-refresh');
    await page.waitForFunction(() => document.getElementById('pcd-img').naturalWidth > 0);
    await page.locator('#atspm').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test/artifacts/dashboard-pcd.png' });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('a detector fault raises an alarm within 10 s, listed newest first with clock time, searchable by signal and acknowledged', async () => {
    // the 32x32 grid's tests are done: its simulation would only take this test's CPU
    await grid?.server.close();
    grid = undefined;
    // detector 0 reports impossible values from t = FAULT_AT_S: the health check flags it, the page raises an alarm
    const sc = gridScenario({ rows: 8, cols: 8 });
    sc.startTimeOfDayS = 7 * 3600 + 30 * 60;
    const faulty = await startServer(sc, { mode: 'sim', controller: 'adaptive', speed: SPEED, faults: [{ detector: 0, kind: 'huge', fromMs: FAULT_AT_S * 1000 }] });
    const { page, errors } = await open(faulty.http);
    const openedAt = await page.evaluate(() => window.greenwave.state.t);
    expect(openedAt, `the page opened at t = ${openedAt} s, after the fault began: the alarm's delay cannot be measured`).toBeLessThan(FAULT_AT_S);
    const det = await page.evaluate(() => window.greenwave.app.net.detectors[0].id);
    await page.waitForFunction((t: number) => window.greenwave.state.t >= t, FAULT_AT_S, { timeout: 60_000 });
    const t0 = Date.now();
    await page.waitForFunction((d: string) => window.greenwave.app.alarms.entries.some((e: { text: string; alarm: boolean }) => e.alarm && e.text.startsWith(`Detector ${d} flagged`)), det, { timeout: 10_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await page.waitForFunction(() => document.getElementById('alarm-count').hidden === false);
    const signal = await page.evaluate((d: string) => window.greenwave.app.detectorSignal.get(d), det);
    await page.fill('#ev-filter', signal);
    await page.waitForTimeout(300);
    const items: string[] = await page.$$eval('#alarms li', (li: Array<{ textContent: string }>) => li.map((x) => x.textContent));
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((x) => x.includes(signal))).toBe(true);
    expect(items.some((x) => /^07:3\d:\d\d/.test(x) && x.includes(`Detector ${det} flagged: invalid`))).toBe(true);
    await page.screenshot({ path: 'test/artifacts/dashboard-alarms.png' });
    await page.click('#alarms li button[data-ack]');
    await page.waitForTimeout(300);
    expect(await page.evaluate((d: string) => window.greenwave.app.alarms.entries.find((e: { text: string }) => e.text.startsWith(`Detector ${d} flagged`)).acked, det)).toBe(true);
    // trends are drawn from the metrics frames, in the page's bundled charting library
    expect(await page.evaluate(() => window.greenwave.app.trends.samples)).toBeGreaterThan(2);
    expect(await page.locator('#trends canvas').count()).toBe(4);
    expect(errors).toEqual([]);
    await page.close();
    await faulty.server.close();
  }, 90_000);

  it('a SUMO import (cologne1) is drawn with its real geometry and lanes, and its signal opens in words', async () => {
    const { page, errors } = await open(sumo.http);
    expect(await page.evaluate(() => window.greenwave.map.drawnSignals)).toBe(await page.evaluate(() => window.greenwave.app.net.signals.length));
    // the signal with the most phases (cologne1's other "signal" is a one-phase priority junction)
    const id = await page.evaluate(() => {
      const g = window.greenwave.app;
      return g.sigList.reduce((a: { id: string; inter: number }, b: { id: string; inter: number }) => (g.net.intersections[b.inter].phases.length > g.net.intersections[a.inter].phases.length ? b : a)).id;
    });
    const at = await screenOf(page, id);
    await page.mouse.move(at.x, at.y);
    // zoom in on it until lanes are drawn one by one (6 px a lane)
    for (let i = 0; i < 12 && (await page.evaluate(() => window.greenwave.map.view.s)) < 2; i++) {
      await page.mouse.wheel(0, -300);
      await page.waitForTimeout(50);
    }
    expect(await page.evaluate(() => window.greenwave.map.view.s)).toBeGreaterThanOrEqual(2);
    const at2 = await screenOf(page, id);
    await page.mouse.click(at2.x, at2.y);
    await page.waitForFunction((id: string) => document.getElementById('sel-id').textContent === id, id);
    expect(await page.textContent('#sel')).toMatch(/(north|south|east|west)bound/);
    // SUMO's clock counts from midnight: cologne1 begins at 07:00
    expect(await page.textContent('#clock')).toMatch(/^07:\d\d:\d\d$/);
    await page.screenshot({ path: 'test/artifacts/dashboard-sumo.png' });
    // its PCD and split monitor over the minutes it has run
    await page.waitForFunction(() => document.getElementById('pcd-img').naturalWidth > 0 && document.getElementById('split-img').naturalWidth > 0, undefined, { timeout: 15_000 });
    await page.locator('#atspm').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test/artifacts/dashboard-sumo-pcd.png' });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('a CityFlow import (Hangzhou 4×4) is drawn with its own geometry: every signal and road', async () => {
    const d = 'scenarios/data/cityflow/hangzhou_4x4';
    const cf = await startServer(importCityFlow(`${d}/roadnet_4_4.json`, `${d}/anon_4_4_hangzhou_real.json`).scenario, { mode: 'sim', controller: 'max-pressure', speed: SPEED });
    const { page, errors } = await open(cf.http);
    const seen = await page.evaluate(() => ({ drawn: window.greenwave.map.drawnSignals, signals: window.greenwave.app.net.signals.length, roads: window.greenwave.app.net.roads.length, b: window.greenwave.map.bounds }));
    expect(seen.drawn).toBe(16);
    expect(seen.signals).toBe(16);
    expect(seen.roads).toBeGreaterThan(50);
    // the map spans the roadnet's coordinates (its 4 × 4 signals some 800 m by 1.2 km apart, and the boundary nodes)
    expect(seen.b.x1 - seen.b.x0).toBeGreaterThan(1000);
    expect(seen.b.y1 - seen.b.y0).toBeGreaterThan(1000);
    await page.screenshot({ path: 'test/artifacts/dashboard-cityflow.png' });
    expect(errors).toEqual([]);
    await page.close();
    await cf.server.close();
  }, 60_000);

  it('a server whose reads need the token: the page asks to sign in, then loads the network with it; a wrong one loads nothing', async () => {
    const closed = await startServer(gridScenario({ rows: 4, cols: 4 }), { mode: 'sim', controller: 'fixed', speed: SPEED, readsNeedToken: true });
    const { page, errors } = await newPage(false); // the 401s before sign-in are expected in the console
    await page.goto(`${closed.http}/`);
    await page.waitForFunction(() => /Reads need the token/.test(document.getElementById('status').textContent));
    await page.fill('#token', 'not-the-token-at-all-000');
    await page.click('#signin-btn');
    await page.waitForFunction(() => /Sign-in refused/.test(document.getElementById('signin-msg').textContent));
    expect(await page.evaluate(() => window.greenwave.app.net)).toBeUndefined();
    await page.fill('#token', TOKEN);
    await page.click('#signin-btn');
    await page.waitForFunction(() => window.greenwave.app.signedIn === true && window.greenwave.stats.statesReceived > 2, undefined, { timeout: 15_000 });
    expect(await page.evaluate(() => window.greenwave.map.drawnSignals)).toBe(16);
    expect(errors).toEqual([]);
    await page.close();
    await closed.server.close();
  }, 60_000);
});
