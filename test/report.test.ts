/**
 * The outputs traffic engineers read: the ATSPM event log replays into
 * exactly the phase intervals the simulator showed; the Purdue Coordination
 * Diagram counts every advance-detector arrival once and its arrivals on
 * green agree with the green intervals; charts are well-formed SVG with their
 * axes and series.
 */
import { describe, expect, it } from 'vitest';
import { EV_DETECTOR_ON, EV_DETECTOR_OFF, loopChannels, STAGE_GREEN } from '../engine/signals/index.js';
import { DET_ADVANCE } from '../engine/network/index.js';
import { arterialScenario, defaultScenario, gridScenario } from '../scenarios/index.js';
import { createSimulation } from '../sim/index.js';
import { barChart, eventRows, lineChart, parseEventsCsv, pcdSvg, phaseIntervals, purdueCoordination, splitMonitor, splitMonitorSvg, type PhaseInterval } from '../report/index.js';
import { prepared } from './helpers.js';

/** Runs step by step and records, per intersection, the green intervals the signal layer showed. */
function runRecording(sc: Parameters<typeof prepared>[0], controller: string, durationS: number) {
  const p = prepared(sc, { durationS });
  const sim = createSimulation(p, controller, { eventLog: true });
  const shown: PhaseInterval[][] = Array.from({ length: p.net.nInter }, () => []);
  const open: Array<PhaseInterval | undefined> = [];
  while (!sim.done) {
    const t = sim.nowMs;
    sim.step();
    for (let i = 0; i < p.net.nInter; i++) {
      if (p.net.interType[i] !== 1) continue;
      const green = sim.signals.stageOf(i) === STAGE_GREEN;
      const ph = sim.signals.phaseOf(i);
      const o = open[i];
      if (o && (!green || o.phase !== ph)) {
        o.endMs = t;
        open[i] = undefined;
      }
      if (green && !open[i]) {
        const n = { phase: ph, startMs: t, endMs: NaN };
        shown[i]!.push(n);
        open[i] = n;
      }
    }
  }
  return { p, sim, shown };
}

describe('the signal event log', () => {
  for (const [name, sc, ctl, dur] of [
    ['grid-4x4 under actuated', gridScenario({ rows: 4, cols: 4 }), 'actuated', 900],
    ['default under adaptive, the ambulance pre-empting', defaultScenario(), 'adaptive', 1800],
  ] as const)
    it(`${name}: replaying it (and its CSV) gives every phase interval the simulator showed, same starts and ends`, () => {
      const { p, sim, shown } = runRecording(sc, ctl, dur);
      const rows = eventRows(sim.eventLog!);
      const fromCsv = parseEventsCsv(sim.eventLog!.toCsv(p.net.intersectionIds), p.net.intersectionIds);
      let n = 0;
      for (let i = 0; i < p.net.nInter; i++) {
        if (p.net.interType[i] !== 1) continue;
        const want = shown[i]!;
        expect(phaseIntervals(rows, i)).toEqual(want);
        expect(phaseIntervals(fromCsv, i)).toEqual(want);
        n += want.length;
      }
      expect(n).toBeGreaterThan(100);
    });
});

describe('detector events and the Purdue Coordination Diagram', () => {
  it('arterial-5: every advance-loop arrival is one on event; the PCD counts each once and its arrivals on green match the green intervals', () => {
    const { p, sim, shown } = runRecording(arterialScenario({ n: 5 }), 'adaptive', 1800);
    const net = p.net;
    const rows = eventRows(sim.eventLog!);
    const ch = loopChannels(net);
    const ix = net.intersectionIds.indexOf('A2');
    const phase = net.model.phases.find((q) => q.inter === ix && q.movements.includes(net.model.movementIndex.get('A1-A2>A2-A3')!))!.local;
    const dets: number[] = [];
    for (let d = 0; d < net.nDet; d++) if (net.detKind[d] === DET_ADVANCE && ch.inter[d] === ix && net.laneIds[net.detLane[d]!]!.startsWith('A1-A2_')) dets.push(d);
    const chans = dets.map((d) => ch.channel[d]!);
    // on and off events alternate per channel; there are no more ons than vehicles counted
    for (const c of chans) {
      const ev = rows.filter((r) => r[1] === ix && r[3] === c && (r[2] === EV_DETECTOR_ON || r[2] === EV_DETECTOR_OFF)).map((r) => r[2]);
      ev.forEach((code, k) => expect(code).toBe(k % 2 === 0 ? EV_DETECTOR_ON : EV_DETECTOR_OFF));
    }
    const ons = rows.filter((r) => r[1] === ix && r[2] === EV_DETECTOR_ON && chans.includes(r[3])).length;
    const counted = dets.reduce((s, d) => s + sim.detectors.count[d]!, 0);
    expect(ons).toBeGreaterThan(0.9 * counted);
    expect(ons).toBeLessThanOrEqual(counted);
    const pcd = purdueCoordination(rows, ix, phase, chans);
    expect(pcd.arrivals).toBe(ons);
    const greens = shown[ix]!.filter((g) => g.phase === phase);
    const onGreen = rows.filter((r) => r[1] === ix && r[2] === EV_DETECTOR_ON && chans.includes(r[3]) && greens.some((g) => r[0] >= g.startMs && r[0] < (Number.isNaN(g.endMs) ? Infinity : g.endMs))).length;
    expect(pcd.arrivalsOnGreen).toBe(onGreen);
    expect(pcd.aogPercent).toBeCloseTo((100 * onGreen) / ons, 6);
    expect(pcd.cycles.length).toBe(greens.filter((g) => !Number.isNaN(g.endMs)).length - 1);
    const svg = pcdSvg(pcd, 'PCD A2');
    expect(svg).toContain(`${pcd.aogPercent.toFixed(1)} % arrivals on green`);
    expect((svg.match(/<circle /g) ?? []).length).toBe(pcd.cycles.reduce((s, c) => s + c.arrivalsMs.length, 0));
    // the split monitor has one record per green
    const sm = splitMonitor(rows, ix);
    expect(sm.map((r) => [r.phase, r.startMs])).toEqual(shown[ix]!.map((g) => [g.phase, g.startMs]));
    wellFormed(splitMonitorSvg(sm, ['a', 'b', 'c', 'd'], 'split'));
  });
});

/** Tags balance (a cheap XML well-formedness check) and the chart has its axes. */
function wellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
  expect(svg).toContain('<g id="x-axis"');
  expect(svg).toContain('<g id="y-axis"');
}

describe('charts', () => {
  it('a grouped bar chart has its axes, one series per controller and one bar per value', () => {
    const svg = barChart({
      title: 'Mean travel time',
      yLabel: 's',
      categories: ['single', 'default'],
      series: [
        { name: 'fixed', values: [69.6, 244.5] },
        { name: 'adaptive', values: [61.5, null] },
      ],
    });
    wellFormed(svg);
    expect([...svg.matchAll(/<g class="series" data-name="([^"]+)"/g)].map((m) => m[1])).toEqual(['fixed', 'adaptive']);
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3);
  });
  it('a line chart has its axes and a polyline per series with a point per value', () => {
    const svg = lineChart({ title: 'Re-plan latency', xLabel: 'workers', yLabel: 'ms', series: [{ name: 'grid-100x100', points: [[1, 94], [2, 56]] }, { name: 'grid-32x32', points: [[1, 10], [2, 7]] }] });
    wellFormed(svg);
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2);
    expect((svg.match(/<circle /g) ?? []).length).toBe(4);
  });
});
