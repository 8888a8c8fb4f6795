/**
 * The time-space diagram of an emergency vehicle's trip (SVG, no browser
 * needed): distance along its route (y) against time (x); each signal on the
 * route is a horizontal bar coloured by what it showed the vehicle's movement
 * (red, yellow, green, permitted green), with a tick where the vehicle called
 * it; the vehicle's trajectory is drawn from its position reports. A green
 * wave is a green bar under every crossing of the trajectory.
 */
import type { EmergencyTrace } from './manager.js';

const COLOURS = ['#d62728', '#f2b600', '#2ca02c', '#98df8a'];
const W = 900;
const H = 520;
const M = { l: 70, r: 150, t: 50, b: 50 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** A "nice" tick step for a span. */
function tickStep(span: number, n: number): number {
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const k of [1, 2, 5, 10]) if (k * p >= raw) return k * p;
  return 10 * p;
}

/** The SVG of one emergency vehicle's trip; `endMs` bounds the time axis when the vehicle has not arrived. */
export function timeSpaceSvg(tr: EmergencyTrace, endMs: number, title?: string): string {
  const t0 = Math.max(0, tr.dispatchMs - 10_000);
  const arrived = Number.isFinite(tr.arrivedMs);
  const t1 = Math.max(t0 + 10_000, (arrived ? tr.arrivedMs : endMs) + 20_000);
  const d1 = Math.max(1, tr.lengthM);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const x = (tMs: number): number => M.l + ((tMs - t0) / (t1 - t0)) * pw;
  const y = (dM: number): number => M.t + ph - (dM / d1) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${esc(title ?? `Time-space diagram: ${tr.id}`)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.l}" y="22" font-size="15" font-weight="bold">${esc(title ?? `${tr.id} (priority ${tr.priority})`)}</text>`);
  // axes
  out.push(`<g id="axes" stroke="#333">`);
  out.push(`<line x1="${M.l}" y1="${M.t + ph}" x2="${M.l + pw}" y2="${M.t + ph}"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${M.t + ph}"/>`);
  out.push('</g>');
  const ts = tickStep((t1 - t0) / 1000, 8);
  out.push('<g id="x-axis" font-size="11" text-anchor="middle">');
  for (let s = Math.ceil(t0 / 1000 / ts) * ts; s <= t1 / 1000; s += ts)
    out.push(`<line x1="${f1(x(s * 1000))}" y1="${M.t + ph}" x2="${f1(x(s * 1000))}" y2="${M.t + ph + 5}" stroke="#333"/><text x="${f1(x(s * 1000))}" y="${M.t + ph + 18}">${s}</text>`);
  out.push(`<text x="${M.l + pw / 2}" y="${H - 10}" font-size="12">time (s)</text></g>`);
  const ds = tickStep(d1, 8);
  out.push('<g id="y-axis" font-size="11" text-anchor="end">');
  for (let d = 0; d <= d1; d += ds) out.push(`<line x1="${M.l - 5}" y1="${f1(y(d))}" x2="${M.l}" y2="${f1(y(d))}" stroke="#333"/><text x="${M.l - 8}" y="${f1(y(d) + 4)}">${d}</text>`);
  out.push(`<text transform="translate(16 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">distance along the route (m)</text></g>`);
  // signals
  out.push('<g id="signals">');
  for (const s of tr.signals) {
    const yy = f1(y(s.distM));
    const st = s.states;
    for (let i = 0; i < st.length; i += 2) {
      const a = Math.max(t0, st[i]!);
      const b = Math.min(t1, i + 2 < st.length ? st[i + 2]! : t1);
      if (b <= a) continue;
      out.push(`<line class="state-${st[i + 1]}" x1="${f1(x(a))}" y1="${yy}" x2="${f1(x(b))}" y2="${yy}" stroke="${COLOURS[st[i + 1]!] ?? '#999'}" stroke-width="6"/>`);
    }
    if (Number.isFinite(s.callMs)) out.push(`<path class="call" d="M${f1(x(s.callMs))} ${f1(y(s.distM) - 5)} l-4 -7 h8 z" fill="#1f3b99"/>`);
    out.push(`<text x="${M.l + pw + 8}" y="${f1(y(s.distM) + 4)}" font-size="11">${esc(s.id)}</text>`);
  }
  out.push('</g>');
  // trajectory
  const pts: string[] = [];
  for (let i = 0; i < tr.trajectory.length; i += 2) pts.push(`${f1(x(tr.trajectory[i]!))},${f1(y(tr.trajectory[i + 1]!))}`);
  if (pts.length > 0) out.push(`<polyline id="trajectory" points="${pts.join(' ')}" fill="none" stroke="#1f3b99" stroke-width="2"/>`);
  // legend
  const legend: Array<[string, string]> = [
    ['green', COLOURS[2]!],
    ['permitted', COLOURS[3]!],
    ['yellow', COLOURS[1]!],
    ['red', COLOURS[0]!],
    ['vehicle', '#1f3b99'],
  ];
  out.push('<g id="legend" font-size="11">');
  legend.forEach(([name, c], i) => {
    const lx = M.l + pw - 5 * 78 + i * 78;
    out.push(`<rect x="${lx}" y="31" width="14" height="6" fill="${c}"/><text x="${lx + 18}" y="38">${name}</text>`);
  });
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}
