// greenwave dashboard: the operations screen over the live service's
// WebSocket protocol (docs/PROTOCOL.md). Reads are open (or behind the
// token); an operator signs in with the token (held in memory only, sent as
// the `auth` message) to hold phases and request emergency green waves.
import { NetworkMap } from './map.js';
import { SignalPanel } from './panel.js';
import { Alarms, Trends } from './ops.js';
import { esc, fmtClock, fmtNum, hms } from './format.js';

const $ = (id) => document.getElementById(id);
const CODE_WORD = { 102: 'pre-emption call', 104: 'call off', 105: 'pre-emption entry', 107: 'dwell (route green)', 111: 'pre-emption exit' };
const STALE_S = 5; // wall-clock seconds without a state frame before the data count as stale

class App {
  constructor() {
    this.state = {
      phases: null, stages: null, t: 0, firstT: undefined, since: [], queues: null, plans: new Map(), decisions: new Map(),
      vehicles: [], flagged: new Map(), holds: new Map(), fallback: new Map(), preempted: new Set(), metrics: null, safety: null,
    };
    this.clock = { startTimeOfDayS: null, wallAtT0Ms: undefined };
    this.selected = -1;
    this.sigList = [];
    this.detectorsOf = new Map();
    this.signedIn = false;
    this.welcome = null;
    this.waiting = new Map();
    this.nextId = 1;
    this.evCount = 0;
    this.lastStateWall = 0;
    this.stale = false;
    this.stats = { framesReceived: 0, statesReceived: 0, phaseChanges: 0, lastPhases: null };
    this.map = new NetworkMap($('map'), this);
    this.panel = new SignalPanel(this);
    this.alarms = new Alarms(this);
    this.trends = new Trends(this, $('trends'));
    let token = null; // only here, in memory
    // before the network is loaded (a server whose reads need the token), signing in loads it
    this.signin = (t) => { token = t; if (this.net) this.sendAuth(token); else this.start(); };
    this.reauth = () => { if (token) this.sendAuth(token); };
    this.forget = () => { token = null; };
    this.hadToken = () => token !== null;
    // GET for data (the ATSPM charts): with the token once signed in, for servers whose reads need it
    this.fetchRead = (url) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    this.bindControls();
  }

  bindControls() {
    $('signin').addEventListener('submit', (e) => {
      e.preventDefault();
      const t = $('token').value;
      $('token').value = '';
      if (t) this.signin(t);
    });
    $('signout-btn').addEventListener('click', () => { this.forget(); this.signedIn = false; this.showSignedIn(); this.connect(); });
    $('zoom-in').addEventListener('click', () => this.map.zoom(1.25));
    $('zoom-out').addEventListener('click', () => this.map.zoom(0.8));
    $('zoom-fit').addEventListener('click', () => this.map.fit());
    $('ev-pick').addEventListener('click', () => this.startPick());
    window.addEventListener('resize', () => this.map.resize());
  }

  // ------------------------------------------------------------ the wire

  connect() {
    if (this.ws) { this.ws.onclose = null; this.ws.close(); }
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.reauth();
      ws.send(JSON.stringify({ type: 'subscribe', topics: ['states', 'queues', 'plans', 'metrics', 'emergency', 'detectors'] }));
    };
    ws.onmessage = (m) => { try { this.onFrame(JSON.parse(m.data)); } catch (err) { console.error(err); } };
    ws.onclose = () => {
      $('status').textContent = 'disconnected: reconnecting…';
      this.alarms.add(this.state.t, 'critical', '', 'Connection to the server lost; reconnecting');
      setTimeout(() => this.connect(), 2000);
    };
  }

  sendAuth(token) {
    this.request({ type: 'auth', token }).then((a) => {
      this.signedIn = a.type === 'auth-ok';
      this.showSignedIn(a.type === 'auth-ok' ? '' : `Sign-in refused: ${a.message ?? 'wrong token'}`);
      if (!this.signedIn) this.forget();
    });
  }

  /** Sends a message and resolves with its answer (the frame whose ref is its id), or an error after 10 s. */
  request(msg) {
    const id = `p${this.nextId++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiting.delete(id); resolve({ type: 'error', code: 'timeout', message: 'no answer within 10 s' }); }, 10_000);
      this.waiting.set(id, (f) => { clearTimeout(timer); resolve(f); });
      if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ ...msg, id }));
    });
  }

  canWrite() {
    return this.signedIn && this.welcome && this.welcome.mode !== 'city';
  }

  writesNote() {
    if (this.welcome && this.welcome.mode === 'city') return 'Read-only: this view shows a city run as regions; the regions run the signals.';
    return 'Sign in with the operator token to hold phases or request emergency routes.';
  }

  showSignedIn(err = '') {
    $('signin').hidden = this.signedIn;
    $('signed-in').hidden = !this.signedIn;
    $('ev-pick').disabled = !this.canWrite();
    $('signin-msg').textContent = err;
    if (err) this.alarms.add(this.state.t, 'warning', '', err, false);
    this.panel.render();
  }

  // ------------------------------------------------------------ frames

  onFrame(f) {
    this.stats.framesReceived++;
    if (f.ref !== undefined && this.waiting.has(f.ref)) { const w = this.waiting.get(f.ref); this.waiting.delete(f.ref); w(f); }
    const st = this.state;
    switch (f.type) {
      case 'welcome':
        this.welcome = f;
        if (f.mode === 'field' || f.mode === 'city') this.clock.wallAtT0Ms = Date.now() - f.t * 1000;
        this.showSignedIn();
        break;
      case 'state': this.onState(f); break;
      case 'queues': st.queues = f.halting; this.map.request(); break;
      case 'plans': for (const p of f.plans) st.plans.set(p.inter, p); this.panel.render(); break;
      case 'decisions': for (const d of f.decisions) st.decisions.set(d.inter, d); break;
      case 'metrics': this.onMetrics(f); break;
      case 'emergency': this.onEmergency(f); break;
      case 'detector-status': this.onDetectors(f); break;
    }
  }

  onState(f) {
    const st = this.state;
    const prev = st.phases;
    if (st.firstT === undefined) st.firstT = f.t;
    for (let k = 0; k < f.phases.length; k++)
      if (!prev || f.phases[k] !== prev[k] || f.stages[k] !== st.stages[k]) {
        if (prev) this.stats.phaseChanges++;
        st.since[k] = f.t;
      }
    st.phases = f.phases; st.stages = f.stages; st.t = f.t;
    this.stats.statesReceived++; this.stats.lastPhases = f.phases;
    if (this.welcome && (this.welcome.mode === 'field' || this.welcome.mode === 'city')) this.clock.wallAtT0Ms = f.sentAt - f.t * 1000;
    this.lastStateWall = Date.now();
    if (this.stale) { this.stale = false; this.alarms.add(f.t, 'info', '', 'Signal states arriving again'); }
    $('clock').textContent = fmtClock(this, f.t);
    const w = this.welcome;
    $('status').textContent = `${this.sigList.length.toLocaleString('en-GB')} signals · ${w ? `${w.mode === 'sim' ? 'simulation' : w.mode}, ${w.controller}` : ''}${this.clock.startTimeOfDayS === null && this.clock.wallAtT0Ms === undefined ? ' · time since the start of the run' : ''}`;
    this.map.request();
    this.panel.render();
  }

  onMetrics(f) {
    const st = this.state;
    st.metrics = f;
    // the conflict monitor's counters only ever grow: any increase is an alarm
    if (st.safety) for (const [k, v] of Object.entries(f.safety)) if (v > (st.safety[k] ?? 0)) this.alarms.add(f.t, 'critical', '', `Conflict monitor: ${SAFETY_WORD[k] ?? k} ${v} (+${v - st.safety[k]})`);
    st.safety = f.safety;
    const holds = new Map((f.holds ?? []).map((h) => [h.inter, h]));
    for (const [id, h] of holds) if (!st.holds.has(id)) this.alarms.add(f.t, 'info', id, `Operator hold: phase ${h.phase + 1} until ${fmtClock(this, h.untilS)}`);
    for (const id of st.holds.keys()) if (!holds.has(id)) this.alarms.add(f.t, 'info', id, 'Operator hold ended');
    st.holds = holds;
    // a signal whose controller runs on a fallback (detectors untrusted, something else standing in)
    const fb = new Map((f.fallback ?? []).map((x) => [x.inter, x.why]));
    for (const [id, why] of fb) if (st.fallback.get(id) !== why) this.alarms.add(f.t, 'warning', id, `Controller on a fallback: ${why}`);
    for (const id of st.fallback.keys()) if (!fb.has(id)) this.alarms.add(f.t, 'info', id, 'Controller back on its detectors');
    st.fallback = fb;
    if (f.city) for (const r of f.city.regions ?? []) if (r.silentS > 5 && !f.city.ended) this.alarms.add(f.t, 'critical', '', `Region ${r.index ?? ''} silent for ${Math.round(r.silentS)} s`);
    const queued = st.queues ? st.queues.reduce((a, b) => a + b, 0) : 0;
    this.trends.sample(f, queued);
    const tr = f.traffic;
    const rows = [];
    if (tr) rows.push(['Vehicles in the network', fmtNum(tr.inNetwork), 'veh'], ['Trips completed', fmtNum(tr.completed), 'veh'], ['Waiting to enter', fmtNum(tr.waitingToEnter), 'veh'], ['Mean travel time', tr.completed ? fmtNum(tr.meanTravelTimeS, 1) : '—', 's']);
    rows.push(['Queued vehicles', fmtNum(queued), 'veh']);
    for (const [k, v] of Object.entries(f.safety)) rows.push([`Conflict monitor: ${SAFETY_WORD[k] ?? k}`, fmtNum(v), '']);
    rows.push(['Detectors flagged now', fmtNum(f.detectors.faultyNow), ''], ['Signals on a fallback', fmtNum(fb.size), ''], ['Detector faults so far', fmtNum(f.detectors.faults), ''], ['Operator holds', fmtNum(holds.size), ''], ['Clients connected', fmtNum(f.clients), '']);
    $('metrics').innerHTML = rows.map(([k, v, u]) => `<tr><th>${esc(k)}</th><td class="num">${v}${u ? ` ${u}` : ''}</td></tr>`).join('');
    this.panel.render();
  }

  onEmergency(f) {
    const st = this.state;
    for (const e of f.events) {
      const word = CODE_WORD[e.code] ?? `event ${e.code}`;
      this.alarms.add(e.t, e.code === 102 ? 'warning' : 'info', e.inter, `${word}: ${e.vehicle}`, e.code === 102);
      if (e.code === 105) st.preempted.add(e.inter);
      if (e.code === 111 || e.code === 104) st.preempted.delete(e.inter);
    }
    st.vehicles = f.vehicles;
    $('ev').innerHTML = f.vehicles.length ? f.vehicles.map((v) => `${esc(v.id)} (priority ${v.priority}): road ${v.k + 1} of ${v.route.length} (${esc(v.route[v.k])}), ${fmtNum(v.distM)} m along its route`).join('<br>') : 'none on the road';
    $('ev').className = f.vehicles.length ? '' : 'muted';
    this.map.request();
  }

  onDetectors(f) {
    const st = this.state;
    const now = new Map(f.flagged.map((d) => [d.id, d.fault]));
    for (const [id, fault] of now) if (st.flagged.get(id) !== fault) this.alarms.add(f.t, 'warning', this.detectorSignal.get(id) ?? '', `Detector ${id} flagged: ${fault}${FAULT_WORD[fault] ? ` (${FAULT_WORD[fault]})` : ''}`);
    for (const id of st.flagged.keys()) if (!now.has(id)) this.alarms.add(f.t, 'info', this.detectorSignal.get(id) ?? '', `Detector ${id} trusted again`);
    st.flagged = now;
    this.panel.render();
  }

  // ------------------------------------------------------------ the page

  signalLabel(k) {
    const g = this.sigList[k];
    const ph = this.state.phases ? this.state.phases[k] : 0, stage = this.state.stages ? this.state.stages[k] : 0;
    return `${g.id}: phase ${ph + 1}, ${['green', 'yellow', 'all-red'][stage]}`;
  }

  select(k) {
    this.selected = k;
    $('ov-msg').textContent = '';
    this.panel.render();
    this.map.request();
  }

  tooltip(text, x, y) {
    const t = $('tooltip');
    if (!text) { t.hidden = true; return; }
    t.hidden = false; t.textContent = text;
    t.style.left = `${x + 14}px`; t.style.top = `${y + 12}px`;
  }

  /** Per incoming road of signal k: the best its movements show now (G, g, y or r). */
  approachStates(k) {
    const g = this.sigList[k], st = this.state;
    const ph = st.phases ? st.phases[k] : 0, stage = st.stages ? st.stages[k] : 0;
    const out = new Map();
    const rank = { G: 3, g: 2, y: 1, r: 0 };
    for (const [road, mov] of g.approaches) {
      let best = 'r';
      for (const m of mov) {
        const c = stage === 2 ? 'r' : g.prot[ph].has(m) ? (stage === 0 ? 'G' : 'y') : g.perm[ph].has(m) ? (stage === 0 ? 'g' : 'y') : 'r';
        if (rank[c] > rank[best]) best = c;
      }
      out.set(road, best);
    }
    return out;
  }

  startPick() {
    if (!this.canWrite()) return;
    const hint = $('pick-hint');
    hint.hidden = false; hint.textContent = 'Emergency route: click the origin intersection (Esc to cancel)';
    $('map').classList.add('picking');
    let from = null;
    this.map.onPick = async (id) => {
      if (!from) { from = id; hint.textContent = `From ${id}: now click the destination`; return; }
      this.cancelPick();
      const vehicle = `operator-${++this.evCount}`;
      const a = await this.request({ type: 'emergency', vehicle, from, to: id, priority: 1 });
      if (a.type === 'error') this.alarms.add(this.state.t, 'warning', from, `Emergency request refused: ${a.message}`, false);
      else this.alarms.add(this.state.t, 'info', from, `Emergency vehicle ${vehicle} requested from ${from} to ${id}: ${a.route.length} roads, green wave on its way`);
      this.alarms.render();
    };
    $('map').focus();
  }

  cancelPick() {
    this.map.onPick = null;
    $('pick-hint').hidden = true;
    $('map').classList.remove('picking');
  }

  async start() {
    const res = await this.fetchRead('/network.json');
    if (!res.ok) {
      const signedIn = res.status === 401 && !$('signin').hidden && this.hadToken();
      if (signedIn) this.forget();
      $('status').textContent = res.status === 401 ? 'Reads need the token: sign in' : `network: HTTP ${res.status}`;
      if (signedIn) $('signin-msg').textContent = 'Sign-in refused: wrong token';
      return;
    }
    const net = await res.json();
    this.net = net;
    this.clock.startTimeOfDayS = net.startTimeOfDayS ?? null;
    const interIdx = new Map(net.intersections.map((n, i) => [n.id, i]));
    this.sigList = net.signals.map((id) => {
      const i = interIdx.get(id), n = net.intersections[i];
      // per incoming road, its movements; per phase, its protected and permitted movements
      const approaches = new Map();
      (n.movementInfo ?? []).forEach((m, j) => { const r = m[2]; if (!approaches.has(r)) approaches.set(r, []); approaches.get(r).push(n.movements[j]); });
      return { id, x: n.x, y: n.y, inter: i, approaches, prot: n.phases.map((p) => new Set(p.movements)), perm: n.phases.map((p) => new Set(p.permitted ?? [])) };
    });
    this.detectorSignal = new Map();
    for (const d of net.detectors) {
      const r = net.roads[d.road];
      if (!r) continue;
      this.detectorSignal.set(d.id, r.to);
      if (!this.detectorsOf.has(r.to)) this.detectorsOf.set(r.to, []);
      this.detectorsOf.get(r.to).push(d);
    }
    this.map.resize();
    this.map.setNetwork(net);
    $('clock').textContent = fmtClock(this, 0);
    this.alarms.render();
    this.connect();
    // stale data: no state frame for STALE_S seconds of wall-clock time (one watch, though start runs again after a sign-in)
    if (this.staleWatch) return;
    this.staleWatch = setInterval(() => {
      if (this.lastStateWall && !this.stale && Date.now() - this.lastStateWall > STALE_S * 1000 && !(this.state.metrics && this.state.metrics.city && this.state.metrics.city.ended)) {
        this.stale = true;
        this.alarms.add(this.state.t, 'critical', '', `No signal states for ${STALE_S} s: the data on this screen are stale`);
      }
    }, 1000);
  }
}

const SAFETY_WORD = { conflictingGreens: 'conflicting greens', minGreenViolations: 'minimum greens cut short', clearanceViolations: 'clearances cut short' };
const FAULT_WORD = { invalid: 'impossible values', 'stuck-on': 'reads occupied, counts nothing', silent: 'no data while its neighbours count' };

const app = new App();
// What the page has received and drawn: read by the browser test.
window.greenwave = { app, state: app.state, stats: app.stats, map: app.map, hms };
app.start();
