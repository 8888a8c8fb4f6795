/** A sweep's result as a table for the terminal, as CSV, and as an SVG chart of the means with their intervals. */
import { barChart, csvCell } from '../../report/index.js';
import type { Paired, Summary } from './stats.js';
import { SWEEP_METRICS, type SweepGroup, type SweepMetric, type SweepResult } from './types.js';

/** Column headings and units of the metrics. */
export const METRIC_LABELS: Record<SweepMetric, string> = {
  travelTimeS: 'travel time (s)',
  delayS: 'delay (s)',
  stops: 'stops/veh',
  throughputVph: 'throughput (veh/h)',
  emergencyTravelTimeS: 'emergency travel time (s)',
  phaseChangesPerSignalHour: 'phase changes/signal-h',
};

const dec = (m: SweepMetric): number => (m === 'stops' ? 2 : m === 'throughputVph' || m === 'phaseChangesPerSignalHour' ? 0 : 1);

/** "123.4 ± 5.6" (the ± is half the 95 % interval), "123.4" for one seed, "–" for none. */
export function meanPm(s: Summary, digits: number): string {
  if (s.mean === null) return '–';
  if (!s.ci95) return s.mean.toFixed(digits);
  return `${s.mean.toFixed(digits)} ± ${((s.ci95[1] - s.ci95[0]) / 2).toFixed(digits)}`;
}

/** "−12.3 ± 2.8 (−5.2 %) *": the mean paired difference, half its interval, as a share of the baseline; * when significant. */
export function deltaPm(p: Paired | undefined, digits: number): string {
  if (!p || p.mean === null) return '–';
  const sign = (x: number): string => (x > 0 ? '+' : x < 0 ? '−' : '');
  const pct = p.percent === null ? '' : ` (${sign(p.percent)}${Math.abs(p.percent).toFixed(1)} %)`;
  const half = p.ci95 ? ` ± ${((p.ci95[1] - p.ci95[0]) / 2).toFixed(digits)}` : '';
  return `${sign(p.mean)}${Math.abs(p.mean).toFixed(digits)}${half}${pct}${p.significant ? ' *' : p.seedIndependent ? ' =' : ''}`;
}

/** The table printed on the terminal: one row per scenario × simulator × controller, then the failed cells with their errors. */
export function sweepTable(r: SweepResult): string {
  const head = ['scenario', 'sim', 'controller', 'seeds', METRIC_LABELS.travelTimeS, `vs ${r.baseline}`, ...SWEEP_METRICS.slice(1).map((m) => METRIC_LABELS[m]), 'safety violations'];
  const rows = r.groups.map((g) => [
    g.scenario,
    g.sim,
    g.controller,
    g.failed.length ? `${g.seeds.length} (${g.failed.length} failed)` : String(g.seeds.length),
    meanPm(g.metrics.travelTimeS, 1),
    g.controller === r.baseline ? 'baseline' : deltaPm(g.vsBaseline?.travelTimeS, 1),
    ...SWEEP_METRICS.slice(1).map((m) => meanPm(g.metrics[m], dec(m))),
    String(g.safetyViolations),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push('', `mean ± half the 95 % interval over seeds ${r.seeds.join(',')}; "vs ${r.baseline}": the paired difference seed by seed, * where its interval leaves out 0, = where neither result changes with the seed (one run repeated: no interval)`);
  const failed = r.cells.filter((c) => !c.ok);
  if (failed.length) {
    out.push('', `${failed.length} of ${r.cells.length} cells failed:`);
    for (const c of failed) if (!c.ok) out.push(`  ${c.scenario} ${c.sim} ${c.controller} seed ${c.seed}: ${c.error}`);
  }
  return out.join('\n') + '\n';
}

/** One row per scenario × simulator × controller: each metric's n, mean, sd, interval, and the paired difference from the baseline. */
export function sweepCsv(r: SweepResult): string {
  const cols = ['scenario', 'sim', 'controller', 'seeds', 'failed'];
  for (const m of SWEEP_METRICS) cols.push(`${m}_n`, `${m}_mean`, `${m}_sd`, `${m}_ci_low`, `${m}_ci_high`, `${m}_diff_mean`, `${m}_diff_ci_low`, `${m}_diff_ci_high`, `${m}_diff_percent`, `${m}_diff_significant`);
  const lines = [cols.join(',')];
  for (const g of r.groups) {
    const row: Array<string | number | boolean | null> = [g.scenario, g.sim, g.controller, g.seeds.join(' '), g.failed.join(' ')];
    for (const m of SWEEP_METRICS) {
      const s = g.metrics[m];
      const d = g.vsBaseline?.[m];
      row.push(s.n, s.mean, s.sd, s.ci95?.[0] ?? null, s.ci95?.[1] ?? null, d?.mean ?? null, d?.ci95?.[0] ?? null, d?.ci95?.[1] ?? null, d?.percent ?? null, d ? d.significant : null);
    }
    lines.push(row.map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

/** Mean travel time per scenario (and simulator), one series per controller, whiskers for the 95 % intervals. */
export function sweepSvg(r: SweepResult): string {
  const cats: string[] = [];
  const catOf = (g: SweepGroup): string => (r.sims.length > 1 ? `${g.scenario} (${g.sim})` : g.scenario);
  for (const g of r.groups) if (!cats.includes(catOf(g))) cats.push(catOf(g));
  const series = r.controllers.map((c) => {
    const gs = cats.map((cat) => r.groups.find((g) => g.controller === c && catOf(g) === cat));
    return { name: c, values: gs.map((g) => g?.metrics.travelTimeS.mean ?? null), errors: gs.map((g) => g?.metrics.travelTimeS.ci95 ?? null) };
  });
  return barChart({ title: `Mean travel time, 95 % intervals over seeds ${r.seeds.join(',')}`, yLabel: 'mean travel time (s)', categories: cats, series });
}
