/**
 * ATSPM charts from a live event log (the dashboard's PCD and split monitor):
 * the same readings and SVGs as `greenwave run --pcd`, over the window the
 * live log keeps, for one signal at a time. Each chart is cached for a few
 * wall-clock seconds, so a crowd of viewers costs one reading of the log.
 */
import type { CompiledNetwork } from '../engine/network/compile.js';
import type { ChartAnswer, ChartSource } from '../engine/server/http.js';
import { loopChannels, type EventLog } from '../engine/signals/eventlog.js';
import { pcdDetectors, purdueCoordination, splitMonitor, type EventRow } from './atspm.js';
import { pcdSvg, splitMonitorSvg } from './svg.js';

/** What the live server asks of its charts (engine/server/http.ts): an SVG, why there is none, or an error. */
export type LiveCharts = ChartSource;

const CACHE_MS = 5000;

export function liveCharts(net: CompiledNetwork, log: EventLog, controller: string, o: { windowS?: number; now?: () => number } = {}): LiveCharts {
  const ch = loopChannels(net);
  const now = o.now ?? Date.now;
  const windowS = o.windowS ?? 3600;
  const cache = new Map<string, { at: number; out: ChartAnswer }>();
  const rowsOf = (ix: number): EventRow[] => {
    const rows: EventRow[] = [];
    for (let k = 0; k < log.length; k++) {
      const r = log.get(k);
      if (r[1] === ix) rows.push(r);
    }
    return rows;
  };
  const cached = (key: string, make: () => ChartAnswer): ChartAnswer => {
    const c = cache.get(key);
    if (c && now() - c.at < CACHE_MS) return c.out;
    const out = make();
    if (cache.size > 256) cache.clear();
    cache.set(key, { at: now(), out });
    return out;
  };
  const signal = (id: string): number => {
    const ix = net.model.intersectionIndex.get(id) ?? -1;
    return ix >= 0 && net.interPhaseStart[ix + 1]! > net.interPhaseStart[ix]! ? ix : -1;
  };
  const span = `the last ${Math.round(windowS / 60)} min`;
  return {
    pcd(id, phase) {
      const ix = signal(id);
      if (ix < 0) return { error: `no signal "${id.slice(0, 80)}"` };
      const n = net.interPhaseStart[ix + 1]! - net.interPhaseStart[ix]!;
      if (!Number.isInteger(phase) || phase < 0 || phase >= n) return { error: `"${id}" has phases 0 … ${n - 1}` };
      return cached(`pcd|${ix}|${phase}`, () => {
        const p = net.interPhaseStart[ix]! + phase;
        const dets = pcdDetectors(net, ch, ix, p);
        if (dets.channels.length === 0) return { none: `phase ${phase + 1} has no count or advance loops to read arrivals from` };
        const d = purdueCoordination(rowsOf(ix), ix, phase, dets.channels, dets.travelMs, dets.green);
        const name = /^phase \d+$/.test(net.phaseNames[p]!) ? '' : ` (${net.phaseNames[p]})`; // an imported "phase 6" would read as another number
        return { svg: pcdSvg(d, `PCD ${id}, phase ${phase + 1}${name}, ${controller}, ${span}${dets.kind === 'advance' ? ' (advance loops)' : ''}`) };
      });
    },
    split(id) {
      const ix = signal(id);
      if (ix < 0) return { error: `no signal "${id.slice(0, 80)}"` };
      return cached(`split|${ix}`, () => {
        const names: string[] = [];
        for (let p = net.interPhaseStart[ix]!; p < net.interPhaseStart[ix + 1]!; p++) names.push(net.phaseNames[p]!);
        return { svg: splitMonitorSvg(splitMonitor(rowsOf(ix), ix), names, `Split monitor ${id}, ${controller}, ${span}`) };
      });
    },
  };
}
