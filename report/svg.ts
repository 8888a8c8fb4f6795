/**
 * SVG charts without a browser: grouped bars, lines, the Purdue Coordination
 * Diagram and the split monitor. Every chart has `<g id="x-axis">`,
 * `<g id="y-axis">` and one `<g class="series" data-name="…">` per series, so
 * tests (and people) can find their parts.
 */
import type { Pcd, SplitRecord } from './atspm.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (x: number): string => (Math.round(x * 10) / 10).toString();

function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= raw) return k * p;
  return 10 * p;
}
const fmt = (v: number): string => (Math.abs(v) >= 1e6 ? `${f1(v / 1e6)} M` : Math.abs(v) >= 1e4 ? `${f1(v / 1e3)} k` : `${+v.toPrecision(4)}`);

interface Frame {
  W: number;
  H: number;
  m: { l: number; r: number; t: number; b: number };
}

function open(fr: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fr.W}" height="${fr.H}" viewBox="0 0 ${fr.W} ${fr.H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${fr.W}" height="${fr.H}" fill="#fff"/>`,
    `<text x="${fr.m.l}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
}

/** A y axis with ticks from 0 (or lo) to hi, a label, gridlines; returns the scale. */
function yAxis(out: string[], fr: Frame, lo: number, hi: number, label: string, log = false): (v: number) => number {
  const ph = fr.H - fr.m.t - fr.m.b;
  const pw = fr.W - fr.m.l - fr.m.r;
  const y = log ? (v: number): number => fr.m.t + ph - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph : (v: number): number => fr.m.t + ph - ((v - lo) / (hi - lo || 1)) * ph;
  out.push('<g id="y-axis" font-size="11" text-anchor="end">');
  out.push(`<line x1="${fr.m.l}" y1="${fr.m.t}" x2="${fr.m.l}" y2="${fr.m.t + ph}" stroke="#333"/>`);
  const ticks: number[] = [];
  if (log) for (let e = Math.floor(Math.log10(lo)); 10 ** e <= hi * 1.0001; e++) ticks.push(10 ** e);
  else {
    const st = niceStep(hi - lo, 6);
    for (let v = Math.ceil(lo / st) * st; v <= hi + 1e-9; v += st) ticks.push(v);
  }
  for (const v of ticks) {
    if (v < lo) continue;
    out.push(`<line x1="${fr.m.l}" y1="${f1(y(v))}" x2="${fr.m.l + pw}" y2="${f1(y(v))}" stroke="#e5e5e5"/><text x="${fr.m.l - 6}" y="${f1(y(v) + 4)}">${fmt(v)}</text>`);
  }
  out.push(`<text transform="translate(16 ${fr.m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(label)}</text></g>`);
  return y;
}

function legend(out: string[], fr: Frame, names: string[]): void {
  out.push('<g id="legend" font-size="11">');
  names.forEach((n, i) => {
    const x = fr.W - fr.m.r + 12;
    const y = fr.m.t + 6 + i * 17;
    out.push(`<rect x="${x}" y="${y}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 17}" y="${y + 9}">${esc(n)}</text>`);
  });
  out.push('</g>');
}

/** Grouped bars: one group per category, one bar per series; `errors` (optional, per value): a whisker from low to high (an interval). */
export function barChart(o: {
  title: string;
  yLabel: string;
  categories: string[];
  series: Array<{ name: string; values: Array<number | null>; errors?: Array<readonly [number, number] | null> }>;
}): string {
  const fr: Frame = { W: 920, H: 440, m: { l: 70, r: 150, t: 40, b: 70 } };
  const out = open(fr, o.title);
  const all = o.series.flatMap((s) => [...s.values, ...(s.errors ?? []).map((e) => (e ? e[1] : null))].filter((v): v is number => v !== null && Number.isFinite(v)));
  const hi = Math.max(1, ...all) * 1.08;
  const y = yAxis(out, fr, 0, hi, o.yLabel);
  const pw = fr.W - fr.m.l - fr.m.r;
  const gw = pw / Math.max(1, o.categories.length);
  const bw = (gw * 0.8) / Math.max(1, o.series.length);
  out.push('<g id="x-axis" font-size="11" text-anchor="middle">');
  out.push(`<line x1="${fr.m.l}" y1="${y(0)}" x2="${fr.m.l + pw}" y2="${y(0)}" stroke="#333"/>`);
  o.categories.forEach((c, i) => out.push(`<text x="${f1(fr.m.l + gw * (i + 0.5))}" y="${f1(y(0) + 16)}">${esc(c)}</text>`));
  out.push('</g>');
  o.series.forEach((s, k) => {
    out.push(`<g class="series" data-name="${esc(s.name)}" fill="${PALETTE[k % PALETTE.length]}">`);
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      const x = fr.m.l + gw * i + gw * 0.1 + bw * k;
      const e = s.errors?.[i];
      const tip = e ? `${fmt(v)} (95 % interval ${fmt(e[0])}–${fmt(e[1])})` : fmt(v);
      out.push(`<rect x="${f1(x)}" y="${f1(y(v))}" width="${f1(bw - 1)}" height="${f1(y(0) - y(v))}"><title>${esc(`${o.categories[i]}, ${s.name}: ${tip}`)}</title></rect>`);
      if (e) {
        const cx = x + (bw - 1) / 2;
        const lo = y(Math.max(0, e[0]));
        const hi = y(e[1]);
        out.push(`<path class="interval" d="M${f1(cx)} ${f1(lo)}V${f1(hi)}M${f1(cx - 3)} ${f1(lo)}H${f1(cx + 3)}M${f1(cx - 3)} ${f1(hi)}H${f1(cx + 3)}" stroke="#222" stroke-width="1.2" fill="none"/>`);
      }
    });
    out.push('</g>');
  });
  legend(out, fr, o.series.map((s) => s.name));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Lines with points: x and y numeric (optionally log-scaled). */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Array<{ name: string; points: Array<[number, number]> }>; logX?: boolean; logY?: boolean; yFrom0?: boolean }): string {
  const fr: Frame = { W: 920, H: 440, m: { l: 80, r: 170, t: 40, b: 60 } };
  const out = open(fr, o.title);
  const pts = o.series.flatMap((s) => s.points);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const xlo = Math.min(...xs);
  const xhi = Math.max(...xs);
  const ylo = o.logY ? Math.min(...ys) * 0.8 : o.yFrom0 === false ? Math.min(...ys) * 0.9 : 0;
  const yhi = Math.max(...ys) * (o.logY ? 1.25 : 1.1);
  const y = yAxis(out, fr, ylo, yhi, o.yLabel, o.logY);
  const pw = fr.W - fr.m.l - fr.m.r;
  const ph = fr.H - fr.m.t - fr.m.b;
  const span = o.logX ? Math.log10(xhi) - Math.log10(xlo) || 1 : xhi - xlo || 1;
  const x = (v: number): number => fr.m.l + ((o.logX ? Math.log10(v) - Math.log10(xlo) : v - xlo) / span) * pw * 0.94 + pw * 0.03;
  out.push('<g id="x-axis" font-size="11" text-anchor="middle">');
  out.push(`<line x1="${fr.m.l}" y1="${fr.m.t + ph}" x2="${fr.m.l + pw}" y2="${fr.m.t + ph}" stroke="#333"/>`);
  for (const v of [...new Set(xs)].sort((a, b) => a - b)) out.push(`<text x="${f1(x(v))}" y="${fr.m.t + ph + 16}">${fmt(v)}</text>`);
  out.push(`<text x="${fr.m.l + pw / 2}" y="${fr.H - 12}" font-size="12">${esc(o.xLabel)}</text></g>`);
  o.series.forEach((s, k) => {
    const c = PALETTE[k % PALETTE.length]!;
    const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
    out.push(`<g class="series" data-name="${esc(s.name)}">`);
    out.push(`<polyline points="${sorted.map(([a, b]) => `${f1(x(a))},${f1(y(b))}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const [a, b] of sorted) out.push(`<circle cx="${f1(x(a))}" cy="${f1(y(b))}" r="3.5" fill="${c}"><title>${esc(`${s.name}: ${fmt(a)} → ${fmt(b)}`)}</title></circle>`);
    out.push('</g>');
  });
  legend(out, fr, o.series.map((s) => s.name));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The Purdue Coordination Diagram: per cycle its green (band) and the arrivals (dots), with the percent arrivals on green. */
export function pcdSvg(p: Pcd, title: string): string {
  const fr: Frame = { W: 920, H: 460, m: { l: 70, r: 40, t: 50, b: 50 } };
  const out = open(fr, `${title} — ${p.aogPercent.toFixed(1)} % arrivals on green (${p.arrivals} arrivals)`);
  if (p.cycles.length === 0) {
    out.push(`<text x="${fr.m.l}" y="${fr.m.t + 20}">no complete cycle in the log</text></svg>`);
    return out.join('\n') + '\n';
  }
  const t0 = p.cycles[0]!.startMs;
  const last = p.cycles[p.cycles.length - 1]!;
  const t1 = last.startMs + Math.max(1000, ...p.cycles.map((c) => (Number.isFinite(c.greenEndMs) ? c.greenEndMs : 0)));
  const lens = p.cycles.map((c, i) => (i + 1 < p.cycles.length ? p.cycles[i + 1]!.startMs - c.startMs : c.greenEndMs || 0));
  const ymax = Math.max(...lens, ...p.cycles.flatMap((c) => c.arrivalsMs)) / 1000;
  const y = yAxis(out, fr, 0, ymax * 1.05, 'time in cycle (s)');
  const pw = fr.W - fr.m.l - fr.m.r;
  const ph = fr.H - fr.m.t - fr.m.b;
  const x = (tMs: number): number => fr.m.l + ((tMs - t0) / (t1 - t0 || 1)) * pw;
  out.push('<g id="x-axis" font-size="11" text-anchor="middle">');
  out.push(`<line x1="${fr.m.l}" y1="${fr.m.t + ph}" x2="${fr.m.l + pw}" y2="${fr.m.t + ph}" stroke="#333"/>`);
  const st = niceStep((t1 - t0) / 1000, 8);
  for (let s = Math.ceil(t0 / 1000 / st) * st; s <= t1 / 1000; s += st) out.push(`<text x="${f1(x(s * 1000))}" y="${fr.m.t + ph + 16}">${s}</text>`);
  out.push(`<text x="${fr.m.l + pw / 2}" y="${fr.H - 10}" font-size="12">cycle start (s)</text></g>`);
  out.push('<g class="series" data-name="green">');
  p.cycles.forEach((c, i) => {
    if (!Number.isFinite(c.greenStartMs)) return;
    const w = Math.max(1, x(c.startMs + lens[i]!) - x(c.startMs));
    out.push(`<rect x="${f1(x(c.startMs))}" y="${f1(y(c.greenEndMs / 1000))}" width="${f1(w)}" height="${f1(y(c.greenStartMs / 1000) - y(c.greenEndMs / 1000))}" fill="#b7e4b7"/>`);
  });
  out.push('</g><g class="series" data-name="arrivals" fill="#222">');
  out.push(`<text x="${fr.W - fr.m.r}" y="${fr.m.t - 10}" text-anchor="end" font-size="11"><tspan fill="#1b7a3a">●</tspan> arrived on green  ● on red</text>`);
  for (const c of p.cycles)
    c.arrivalsMs.forEach((a, k) => out.push(`<circle cx="${f1(x(c.startMs))}" cy="${f1(y(a / 1000))}" r="1.6"${c.onGreen[k] ? ' fill="#1b7a3a"' : ''}/>`));
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}

/** The split monitor: each green's length against time, one series per phase; hollow marks where it was pre-empted. */
export function splitMonitorSvg(records: SplitRecord[], phaseNames: string[], title: string): string {
  const phases = [...new Set(records.map((r) => r.phase))].sort((a, b) => a - b);
  const done = records.filter((r) => Number.isFinite(r.greenMs));
  const fr: Frame = { W: 920, H: 420, m: { l: 70, r: 170, t: 40, b: 50 } };
  const out = open(fr, title);
  const ymax = Math.max(1, ...done.map((r) => r.greenMs / 1000));
  const y = yAxis(out, fr, 0, ymax * 1.1, 'green (s)');
  const t0 = Math.min(...done.map((r) => r.startMs), 0);
  const t1 = Math.max(...done.map((r) => r.startMs), t0 + 1000);
  const pw = fr.W - fr.m.l - fr.m.r;
  const ph = fr.H - fr.m.t - fr.m.b;
  const x = (t: number): number => fr.m.l + ((t - t0) / (t1 - t0)) * pw;
  out.push('<g id="x-axis" font-size="11" text-anchor="middle">');
  out.push(`<line x1="${fr.m.l}" y1="${fr.m.t + ph}" x2="${fr.m.l + pw}" y2="${fr.m.t + ph}" stroke="#333"/>`);
  const st = niceStep((t1 - t0) / 1000, 8);
  for (let s = Math.ceil(t0 / 1000 / st) * st; s <= t1 / 1000; s += st) out.push(`<text x="${f1(x(s * 1000))}" y="${fr.m.t + ph + 16}">${s}</text>`);
  out.push(`<text x="${fr.m.l + pw / 2}" y="${fr.H - 10}" font-size="12">time (s)</text></g>`);
  phases.forEach((ph2, k) => {
    const c = PALETTE[k % PALETTE.length]!;
    out.push(`<g class="series" data-name="${esc(phaseNames[ph2] ?? `phase ${ph2}`)}">`);
    for (const r of done.filter((q) => q.phase === ph2))
      out.push(`<circle cx="${f1(x(r.startMs))}" cy="${f1(y(r.greenMs / 1000))}" r="2.5" ${r.end === 'preempt' ? `fill="none" stroke="${c}"` : `fill="${c}"`}><title>${r.end}</title></circle>`);
    out.push('</g>');
  });
  legend(out, fr, phases.map((p) => phaseNames[p] ?? `phase ${p}`));
  out.push('</svg>');
  return out.join('\n') + '\n';
}
