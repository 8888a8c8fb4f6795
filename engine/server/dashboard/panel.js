// The chosen signal's panel: its phases in words, the one showing now and for
// how long, the next decision or the plan in force, its detectors with their
// status, and the override controls (enabled once signed in).
import { esc, fmtClock, fmtDur } from './format.js';

// network.json's movementInfo: [approach, turn, from road, to road] per movement
const TURN_ORDER = { L: 0, T: 1, R: 2, U: 3 };
const TURN_WORD = { L: 'left', T: 'through', R: 'right', U: 'U-turn' };
const APPROACH_WORD = { NB: 'northbound', EB: 'eastbound', SB: 'southbound', WB: 'westbound' };
const STAGE_WORD = ['green', 'yellow', 'all-red'];

/** "northbound left and through, southbound left" for a set of movement ids of intersection n. */
export function movementsInWords(n, ids) {
  const byApproach = new Map();
  for (const id of ids) {
    const k = n.movements.indexOf(id);
    const info = n.movementInfo && n.movementInfo[k];
    if (!info) continue;
    const [approach, turn] = info;
    const l = byApproach.get(approach) ?? [];
    if (!l.includes(turn)) l.push(turn);
    byApproach.set(approach, l);
  }
  return [...byApproach]
    .map(([a, turns]) => `${APPROACH_WORD[a] ?? a} ${turns.sort((x, y) => TURN_ORDER[x] - TURN_ORDER[y]).map((t) => TURN_WORD[t]).join(' and ')}`)
    .join(', ');
}

/** A phase in words: its protected movements, and its permitted ones (which yield). */
export function phaseInWords(n, p) {
  const prot = movementsInWords(n, p.movements);
  const perm = movementsInWords(n, p.permitted ?? []);
  return [prot, perm ? `${perm} (permitted, yielding)` : ''].filter(Boolean).join('; ') || p.name;
}

export class SignalPanel {
  constructor(app) {
    this.app = app;
    this.$ = (id) => document.getElementById(id);
    this.$('ov-hold').addEventListener('click', () => this.hold());
    this.$('ov-release').addEventListener('click', () => this.release());
    this.$('pcd-phase').addEventListener('change', () => this.charts());
    this.$('pcd-refresh').addEventListener('click', () => this.charts());
    this.chartsFor = null;
    setInterval(() => { if (this.chartsFor) this.charts(); }, 15_000);
  }

  /** The signal's PCD (of the chosen phase) and split monitor, drawn by the server from its live event log. */
  async charts() {
    const g = this.app.sigList[this.app.selected];
    if (!g) return;
    const n = this.app.net.intersections[g.inter];
    const sel = this.$('pcd-phase');
    if (this.chartsFor !== g.id) {
      this.chartsFor = g.id;
      sel.innerHTML = n.phases.map((p, i) => `<option value="${i}">${i + 1}: ${esc(phaseInWords(n, p))}</option>`).join('');
      sel.value = String(this.app.state.phases ? this.app.state.phases[this.app.selected] : 0);
    }
    this.$('atspm').hidden = false;
    const q = encodeURIComponent(g.id);
    await Promise.all([
      this.chart('pcd', `/atspm/pcd.svg?signal=${q}&phase=${sel.value}`),
      this.chart('split', `/atspm/split.svg?signal=${q}`),
    ]);
  }

  async chart(kind, url) {
    const img = this.$(`${kind}-img`), msg = this.$(`${kind}-msg`);
    const res = await this.app.fetchRead(url).catch((e) => ({ ok: false, status: 0, text: async () => String(e) }));
    if (!res.ok || !(res.headers.get('content-type') ?? '').startsWith('image/svg+xml')) {
      img.hidden = true;
      msg.textContent = `No ${kind === 'pcd' ? 'PCD' : 'split monitor'}: ${(await res.text()).trim()}`;
      return;
    }
    const blob = new Blob([await res.text()], { type: 'image/svg+xml' });
    if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
    img.dataset.url = URL.createObjectURL(blob);
    img.src = img.dataset.url;
    this.$(`${kind}-link`).href = img.dataset.url;
    img.hidden = false;
    msg.textContent = `as the event log shows it at ${new Date().toLocaleTimeString('en-GB')} (drawn by the server as greenwave run --pcd draws it; click to open full size)`;
  }

  /** Redraws the panel for the chosen signal (cheap: called on every state frame). */
  render() {
    const app = this.app, k = app.selected;
    if (k < 0 || !app.net) return;
    const st = app.state, g = app.sigList[k], n = app.net.intersections[g.inter];
    const ph = st.phases ? st.phases[k] : 0, stage = st.stages ? st.stages[k] : 0;
    const since = st.since[k];
    this.$('sel-id').textContent = g.id;
    this.$('sel-id').className = '';
    const hold = st.holds.get(g.id);
    const now = `<p><strong>Now:</strong> phase ${ph + 1}, ${STAGE_WORD[stage]}${since === undefined ? '' : ` for ${fmtDur(st.t - since)}${since <= st.firstT ? ' or more' : ''}`}` +
      (st.preempted.has(g.id) ? ' · <span class="flag">pre-empted for an emergency vehicle</span>' : '') +
      (hold ? ` · <span style="color:var(--held);font-weight:600">held at phase ${hold.phase + 1} until ${fmtClock(app, hold.untilS)}</span>` : '') + '</p>' +
      (st.fallback.has(g.id) ? `<p class="flag">Controller on a fallback: ${esc(st.fallback.get(g.id))}</p>` : '');
    const rows = n.phases.map((p, i) =>
      `<tr class="${i === ph ? 'now' : ''}"><th class="num">${i + 1}</th><td>${esc(phaseInWords(n, p))}<div class="muted small">min green ${p.minGreenS} s · max green ${p.maxGreenS} s · yellow ${p.yellowS} s · all-red ${p.allRedS} s</div></td></tr>`).join('');
    this.$('sel').innerHTML = now + `<table aria-label="phases"><thead><tr><th class="num">phase</th><th>serves, and its timing</th></tr></thead><tbody>${rows}</tbody></table>`;
    const plan = st.plans.get(g.id), dec = st.decisions.get(g.id);
    let html = '';
    if (plan) {
      html += `<h3>Timing plan</h3><table aria-label="timing plan"><tr><th>cycle</th><td class="num">${plan.cycleS.toFixed(1)} s</td><th>offset</th><td class="num">${plan.offsetS.toFixed(1)} s</td></tr></table>` +
        `<table aria-label="splits"><thead><tr><th class="num">phase</th><th class="num">starts at</th><th class="num">green (split)</th></tr></thead><tbody>` +
        plan.phases.map((p) => `<tr><th class="num">${p.phase + 1}</th><td class="num">${p.startS.toFixed(1)} s</td><td class="num">${p.greenS.toFixed(1)} s</td></tr>`).join('') + '</tbody></table>';
    }
    if (dec && dec.effectiveAt >= st.t - 1) html += `<p><strong>Next:</strong> phase ${dec.phase + 1} green at ${fmtClock(app, dec.effectiveAt)} (in ${fmtDur(Math.max(0, dec.effectiveAt - st.t))})</p>`;
    else if (!plan) html += '<p class="muted">No fixed plan: the controller decides each change from the detectors.</p>';
    this.$('plan').innerHTML = html;
    this.renderDetectors(g);
    this.renderOverride(n, ph);
    if (this.chartsFor !== g.id) this.charts();
  }

  renderDetectors(g) {
    const app = this.app, dets = app.detectorsOf.get(g.id) ?? [];
    const flagged = app.state.flagged;
    const rows = dets.map((d) => {
      const f = flagged.get(d.id);
      return `<tr><td>${esc(d.id)}</td><td>${esc(d.kind)}</td><td>${esc(d.lane)}</td><td>${f ? `<span class="flag">flagged: ${esc(f)}</span>` : '<span class="ok">trusted</span>'}</td></tr>`;
    }).join('');
    const bad = dets.filter((d) => flagged.has(d.id)).length;
    const box = this.$('detectors');
    const key = `${g.id}|${rows}`;
    if (box.dataset.key === key) return; // unchanged: keep it as the operator left it (open or closed)
    const wasOpen = box.dataset.inter === g.id && box.querySelector('details')?.open;
    box.dataset.key = key;
    box.dataset.inter = g.id;
    box.innerHTML = `<details${wasOpen || bad ? ' open' : ''}><summary><strong>Detectors (${dets.length})</strong>: ${bad ? `<span class="flag">${bad} flagged</span>` : 'all trusted'}</summary>` +
      (dets.length ? `<table aria-label="detectors"><thead><tr><th>id</th><th>kind</th><th>lane</th><th>status</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">none</p>') + '</details>';
  }

  renderOverride(n, ph) {
    const box = this.$('override');
    box.hidden = false;
    const sel = this.$('ov-phase');
    const key = n.id;
    if (sel.dataset.inter !== key) {
      sel.dataset.inter = key;
      sel.innerHTML = n.phases.map((p, i) => `<option value="${i}">${i + 1}: ${esc(phaseInWords(n, p))}</option>`).join('');
      sel.value = String(ph);
    }
    const can = this.app.canWrite();
    for (const id of ['ov-phase', 'ov-dur', 'ov-hold', 'ov-release']) this.$(id).disabled = !can;
    const m = this.$('ov-msg'), note = this.app.writesNote();
    if (!can && !m.textContent) m.textContent = note;
    else if (can && m.textContent === note) m.textContent = '';
  }

  async hold() {
    const g = this.app.sigList[this.app.selected];
    const phase = Number(this.$('ov-phase').value), durationS = Number(this.$('ov-dur').value);
    this.say(await this.app.request({ type: 'override', intersection: g.id, phase, durationS }), (a) => `Holding phase ${phase + 1} at ${g.id} until ${fmtClock(this.app, a.until)}.`);
  }

  async release() {
    const g = this.app.sigList[this.app.selected];
    this.say(await this.app.request({ type: 'override', intersection: g.id, phase: 0, durationS: 0 }), () => `Hold at ${g.id} ended; its controller decides again.`);
  }

  say(answer, ok) {
    const m = this.$('ov-msg');
    if (answer.type === 'error') { m.className = 'msg err'; m.textContent = `Refused: ${answer.message}`; }
    else { m.className = 'msg'; m.textContent = ok(answer); }
  }
}
