/** Human-readable output: run summaries and comparison tables. */
import type { RunMetrics } from '../sim/index.js';

const f1 = (x: number): string => x.toFixed(1);
const mega = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : `${x}`);

export function runSummary(m: RunMetrics): string {
  const v = m.vehicles;
  const lines = [
    `greenwave run ${m.scenario}: controller ${m.controller}, seed ${m.seed}, ${m.duration} s simulated`,
    `  vehicles      ${v.scheduled} scheduled, ${v.entered} entered, ${v.completed} completed, ${v.inNetwork} still in the network, ${v.waitingToEnter} waiting to enter`,
    `  travel time   mean ${f1(m.travelTime.mean)} s, p50 ${f1(m.travelTime.p50)} s, p95 ${f1(m.travelTime.p95)} s`,
    `  delay         mean ${f1(m.delay.mean)} s`,
    `  stops         mean ${m.stops.mean.toFixed(2)} per vehicle`,
    `  throughput    ${m.throughput.toFixed(0)} veh/h`,
  ];
  for (const e of m.emergency)
    lines.push(`  emergency     ${e.id}: ${f1(e.travelTime)} s (free flow ${f1(e.freeFlowTime)} s, delay ${f1(e.delay)} s, ${e.stops} stops)`);
  const s = m.safety;
  lines.push(`  safety        ${s.conflictingGreens} conflicting greens, ${s.minGreenViolations} min-green violations, ${s.clearanceViolations} clearance violations`);
  lines.push(
    `  speed         ${mega(m.sim.vehicleSteps)} vehicle-steps in ${m.sim.wallSeconds.toFixed(2)} s = ${mega(m.sim.vehicleStepsPerSecond)} vehicle-steps/s (load ${m.sim.loadSeconds.toFixed(2)} s)`,
  );
  return lines.join('\n');
}

/** % change of b against a. */
export function pctChange(a: number, b: number): number {
  return a !== 0 ? ((b - a) / a) * 100 : 0;
}

const pct = (x: number): string => `${x > 0 ? '+' : ''}${x.toFixed(1)} %`;

/** Markdown table of several runs; % change against the `fixed` run when present. */
export function compareTable(results: RunMetrics[]): string {
  const base = results.find((r) => r.controller === 'fixed');
  const cell = (r: RunMetrics, value: number, baseValue: number | undefined, digits = 1): string =>
    base && r !== base && baseValue !== undefined ? `${value.toFixed(digits)} (${pct(pctChange(baseValue, value))})` : value.toFixed(digits);
  const hasEv = results.some((r) => r.emergency.length > 0);
  const header = ['controller', 'mean travel time (s)', 'p95 (s)', 'mean delay (s)', 'stops / veh', 'throughput (veh/h)', 'unfinished'];
  if (hasEv) header.push('emergency delay (s)');
  header.push('safety violations');
  const rows = results.map((r) => {
    const evDelay = r.emergency.reduce((a, e) => a + e.delay, 0) / Math.max(1, r.emergency.length);
    const baseEv = base ? base.emergency.reduce((a, e) => a + e.delay, 0) / Math.max(1, base.emergency.length) : undefined;
    const row = [
      r.controller,
      cell(r, r.travelTime.mean, base?.travelTime.mean),
      cell(r, r.travelTime.p95, base?.travelTime.p95),
      cell(r, r.delay.mean, base?.delay.mean),
      cell(r, r.stops.mean, base?.stops.mean, 2),
      cell(r, r.throughput, base?.throughput, 0),
      String(r.vehicles.inNetwork + r.vehicles.waitingToEnter),
    ];
    if (hasEv) row.push(cell(r, evDelay, baseEv));
    row.push(String(r.safety.conflictingGreens + r.safety.minGreenViolations + r.safety.clearanceViolations));
    return row;
  });
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return out.join('\n');
}
