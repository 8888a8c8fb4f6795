// Operations: the alarm list and event history (newest first, clock time,
// acknowledged by the operator, searchable by signal) and the trends of the
// last hour (uPlot, served from the package: nothing fetched from outside).
import uPlot from '/vendor/uPlot.esm.js';
import { esc, fmtClock, fmtNum } from './format.js';

const KEEP = 600; // entries kept in the history

export class Alarms {
  constructor(app) {
    this.app = app;
    this.entries = [];
    this.n = 0;
    this.$ = (id) => document.getElementById(id);
    this.$('ev-filter').addEventListener('input', () => this.render());
    this.$('ev-all').addEventListener('change', () => this.render());
    this.$('ack-all').addEventListener('click', () => { for (const e of this.entries) e.acked = true; this.render(); });
    this.$('alarms').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-ack]');
      if (!b) return;
      const a = this.entries.find((x) => x.n === Number(b.dataset.ack));
      if (a) { a.acked = true; this.render(); }
    });
    this.pending = false;
  }

  /** An alarm (needs acknowledging) or an event (history only). sev: critical, warning, info. */
  add(tS, sev, signal, text, alarm = sev !== 'info') {
    this.entries.unshift({ n: ++this.n, tS, sev, signal: signal ?? '', text, alarm, acked: !alarm });
    if (this.entries.length > KEEP) this.entries.length = KEEP;
    if (!this.pending) { this.pending = true; setTimeout(() => this.render(), 200); }
  }

  get unacked() {
    return this.entries.filter((e) => e.alarm && !e.acked).length;
  }

  render() {
    this.pending = false;
    const q = this.$('ev-filter').value.trim().toLowerCase();
    const all = this.$('ev-all').checked;
    const shown = this.entries.filter((e) => (all || e.alarm) && (!q || e.signal.toLowerCase().includes(q))).slice(0, 200);
    this.$('alarms').innerHTML = shown.length
      ? shown.map((e) => `<li class="${e.alarm ? 'alarm' : 'event'}${e.acked ? ' acked' : ''}"><span class="when">${fmtClock(this.app, e.tS)}</span><span class="sev ${e.sev}">${e.sev}</span>` +
          `<span class="what">${e.signal ? `<strong>${esc(e.signal)}</strong> ` : ''}${esc(e.text)}</span>${e.alarm && !e.acked ? `<button type="button" data-ack="${e.n}" aria-label="acknowledge">Ack</button>` : ''}</li>`).join('')
      : `<li class="muted">${all ? 'no events' : 'no alarms'}${q ? ` for “${esc(q)}”` : ''}</li>`;
    const b = this.$('alarm-count'), u = this.unacked;
    b.hidden = u === 0;
    b.textContent = `${u} alarm${u === 1 ? '' : 's'}`;
  }
}

const SERIES = [
  { key: 'travel', title: 'Mean travel time (s)', colour: '#1d4ed8' },
  { key: 'queued', title: 'Queued vehicles (veh)', colour: '#d9480f' },
  { key: 'throughput', title: 'Throughput (veh/h, last 5 min)', colour: '#1e8a3c' },
  { key: 'faults', title: 'Detectors flagged', colour: '#c62828' },
];

export class Trends {
  constructor(app, el) {
    this.app = app;
    this.el = el;
    this.t = [];
    this.v = Object.fromEntries(SERIES.map((s) => [s.key, []]));
    this.completed = []; // [t, completed] for the throughput window
    this.plots = null;
    this.samples = 0;
  }

  /** One sample from a metrics frame (every 5 simulated s). */
  sample(f, queued) {
    const t = f.t;
    const tr = f.traffic;
    if (tr) {
      this.completed.push([t, tr.completed]);
      while (this.completed.length > 1 && this.completed[0][0] < t - 300) this.completed.shift();
    }
    const c0 = this.completed[0];
    const span = c0 ? t - c0[0] : 0;
    this.t.push(t);
    this.v.travel.push(tr && tr.completed > 0 ? tr.meanTravelTimeS : null);
    this.v.queued.push(queued);
    this.v.throughput.push(tr && span >= 30 ? ((tr.completed - c0[1]) / span) * 3600 : null);
    this.v.faults.push(f.detectors.faultyNow);
    while (this.t.length > 1 && this.t[0] < t - 3600) { this.t.shift(); for (const s of SERIES) this.v[s.key].shift(); }
    this.samples++;
    this.draw();
  }

  draw() {
    if (!this.plots) {
      const width = Math.max(240, this.el.clientWidth || 360);
      this.plots = SERIES.map((s) => {
        const box = document.createElement('div');
        box.className = 'chart';
        box.innerHTML = `<div class="title">${s.title}: <span data-last>—</span></div>`;
        this.el.appendChild(box);
        const plot = new uPlot({
          width, height: 90, legend: { show: false }, cursor: { show: false },
          scales: { x: { time: false } },
          axes: [
            { values: (u, ticks) => ticks.map((x) => fmtClock(this.app, x)), size: 26, space: 70, font: '11px system-ui' },
            { size: 44, font: '11px system-ui' },
          ],
          series: [{}, { stroke: s.colour, width: 2, spanGaps: true }],
        }, [[], []], box);
        return { s, plot, last: box.querySelector('[data-last]') };
      });
    }
    for (const p of this.plots) {
      const ys = this.v[p.s.key];
      p.plot.setData([this.t, ys]);
      const last = ys[ys.length - 1];
      p.last.textContent = last === null || last === undefined ? '—' : fmtNum(last, p.s.key === 'travel' ? 1 : 0);
    }
  }
}
