// greenwave dashboard: the network map (signals coloured by phase, queue bars
// per approach, emergency routes), the chosen intersection's plan, live
// metrics. Plain canvas; the static roads are drawn once to an offscreen
// canvas, the live layers at most once per animation frame.
const $ = (id) => document.getElementById(id);
const canvas = $('map');
const ctx = canvas.getContext('2d');
const STAGE = ['green', 'yellow', 'all-red'];

const state = {
  net: null, phases: null, stages: null, t: 0, queues: null, plans: new Map(), decisions: new Map(),
  vehicles: [], events: [], selected: -1, metrics: null,
};
// What the page has received and drawn: read by the browser test.
const stats = { framesReceived: 0, statesReceived: 0, draws: 0, drawnSignals: 0, phaseChanges: 0, lastPhases: null, drawMs: [] };
window.greenwave = { state, stats };

let view = { s: 1, ox: 0, oy: 0 };
let roadsLayer = null;
let sigIndex = new Map(); // intersection id -> position in state arrays
let sigList = [];         // [{ id, x, y, inter }]
let roadEnd = [];         // per road: [x, y, dx, dy] at its end (stop line), in world units

// Phase colours avoid the yellow and red that mean clearance.
const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
function phaseColour(k) { return PALETTE[k % PALETTE.length]; }

function fit() {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = Math.max(1, w * dpr); canvas.height = Math.max(1, h * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const net = state.net;
  if (!net) return;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of net.intersections) { x0 = Math.min(x0, n.x); x1 = Math.max(x1, n.x); y0 = Math.min(y0, n.y); y1 = Math.max(y1, n.y); }
  const pad = 30;
  const s = Math.min((w - 2 * pad) / Math.max(1, x1 - x0), (h - 2 * pad) / Math.max(1, y1 - y0));
  view = { s, ox: pad - x0 * s + (w - 2 * pad - (x1 - x0) * s) / 2, oy: h - pad + y0 * s - (h - 2 * pad - (y1 - y0) * s) / 2 };
  drawRoadsLayer(w, h, dpr);
  requestDraw();
}
const X = (x) => view.ox + x * view.s;
const Y = (y) => view.oy - y * view.s;

function drawRoadsLayer(w, h, dpr) {
  roadsLayer = document.createElement('canvas');
  roadsLayer.width = w * dpr; roadsLayer.height = h * dpr;
  const c = roadsLayer.getContext('2d');
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.strokeStyle = '#b9bdb4';
  c.lineWidth = Math.max(0.5, Math.min(3, view.s * 4));
  c.beginPath();
  for (const r of state.net.roads) {
    const p = r.points;
    c.moveTo(X(p[0][0]), Y(p[0][1]));
    for (let i = 1; i < p.length; i++) c.lineTo(X(p[i][0]), Y(p[i][1]));
  }
  c.stroke();
}

let pending = false;
function requestDraw() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

function draw() {
  pending = false;
  const t0 = performance.now();
  const w = canvas.clientWidth, h = canvas.clientHeight;
  ctx.clearRect(0, 0, w, h);
  if (!state.net) return;
  if (roadsLayer) ctx.drawImage(roadsLayer, 0, 0, w, h);
  // emergency routes
  const roadById = state.roadById;
  for (const v of state.vehicles) {
    ctx.strokeStyle = 'rgba(37, 70, 200, .75)'; ctx.lineWidth = Math.max(3, view.s * 10);
    ctx.beginPath();
    v.route.forEach((rid, k) => {
      const r = roadById.get(rid); if (!r) return;
      const p = r.points;
      if (k === 0) ctx.moveTo(X(p[0][0]), Y(p[0][1])); else ctx.lineTo(X(p[0][0]), Y(p[0][1]));
      for (let i = 1; i < p.length; i++) ctx.lineTo(X(p[i][0]), Y(p[i][1]));
    });
    ctx.stroke();
    const cur = roadById.get(v.route[v.k]);
    if (cur) { const p = cur.points[Math.floor(cur.points.length / 2)]; ctx.fillStyle = '#1d3fbf'; ctx.beginPath(); ctx.arc(X(p[0]), Y(p[1]), Math.max(4, view.s * 14), 0, 7); ctx.fill(); }
  }
  // queue bars at the stop lines
  if (state.queues) {
    ctx.strokeStyle = '#e0701b'; ctx.lineWidth = Math.max(1.5, Math.min(4, view.s * 6));
    ctx.beginPath();
    const per = Math.max(0.6, view.s * 7);
    for (let r = 0; r < roadEnd.length; r++) {
      const q = state.queues[r]; if (!q) continue;
      const [x, y, dx, dy] = roadEnd[r];
      const len = Math.min(q * per, 80);
      ctx.moveTo(X(x), Y(y)); ctx.lineTo(X(x - dx * len / view.s), Y(y - dy * len / view.s));
    }
    ctx.stroke();
  }
  // signals, coloured by phase; the ring shows the stage
  const rad = Math.max(2.5, Math.min(9, view.s * 12));
  let drawn = 0;
  for (let k = 0; k < sigList.length; k++) {
    const s = sigList[k];
    const ph = state.phases ? state.phases[k] : 0, st = state.stages ? state.stages[k] : 0;
    ctx.fillStyle = st === 0 ? phaseColour(ph) : st === 1 ? '#f2b600' : '#d62728';
    ctx.beginPath(); ctx.arc(X(s.x), Y(s.y), rad, 0, 7); ctx.fill();
    if (k === state.selected) { ctx.strokeStyle = '#000'; ctx.lineWidth = 2; ctx.stroke(); }
    drawn++;
  }
  stats.draws++; stats.drawnSignals = drawn;
  stats.drawMs.push(performance.now() - t0);
  if (stats.drawMs.length > 500) stats.drawMs.shift();
}

function panel() {
  const k = state.selected;
  if (k < 0 || !state.net) return;
  const s = sigList[k];
  const n = state.net.intersections[s.inter];
  $('sel-id').textContent = s.id; $('sel-id').className = '';
  const ph = state.phases ? state.phases[k] : 0, st = state.stages ? state.stages[k] : 0;
  const phase = n.phases[ph];
  $('sel').innerHTML = `<table><tr><th>phase</th><td><span class="swatch" style="background:${phaseColour(ph)}"></span>${ph} ${phase ? phase.name : ''}</td></tr>` +
    `<tr><th>stage</th><td>${STAGE[st]}</td></tr><tr><th>movements</th><td>${phase ? phase.movements.join(', ') : ''}</td></tr></table>`;
  const plan = state.plans.get(s.id);
  const dec = state.decisions.get(s.id);
  if (plan) {
    $('plan').className = '';
    $('plan').innerHTML = `<table><tr><th>cycle</th><td class="num">${plan.cycleS} s</td></tr><tr><th>offset</th><td class="num">${plan.offsetS} s</td></tr>` +
      plan.phases.map((p) => `<tr><th>phase ${p.phase}</th><td class="num">start ${p.startS} s, green ${p.greenS} s</td></tr>`).join('') + '</table>';
  } else if (dec) {
    $('plan').className = '';
    $('plan').textContent = `next: phase ${dec.phase} green at ${dec.effectiveAt.toFixed(0)} s`;
  }
}

function onFrame(f) {
  stats.framesReceived++;
  switch (f.type) {
    case 'state': {
      const prev = state.phases;
      if (prev && f.phases) for (let k = 0; k < f.phases.length; k++) if (f.phases[k] !== prev[k] || f.stages[k] !== state.stages[k]) stats.phaseChanges++;
      state.phases = f.phases; state.stages = f.stages; state.t = f.t; stats.statesReceived++; stats.lastPhases = f.phases;
      $('status').textContent = `t = ${f.t.toFixed(0)} s · ${sigList.length} signals · ${state.net ? state.net.controller : ''}`;
      requestDraw(); panel(); break;
    }
    case 'queues': state.queues = f.halting; requestDraw(); break;
    case 'plans': for (const p of f.plans) state.plans.set(p.inter, p); panel(); break;
    case 'decisions': for (const d of f.decisions) state.decisions.set(d.inter, d); break;
    case 'metrics': {
      state.metrics = f;
      const rows = [];
      if (f.traffic) for (const [k, v] of Object.entries(f.traffic)) rows.push([k, v]);
      for (const [k, v] of Object.entries(f.safety)) rows.push([k, v]);
      rows.push(['detector faults', f.detectors.faults], ['clients', f.clients]);
      $('metrics').innerHTML = rows.map(([k, v]) => `<tr><th>${k}</th><td class="num">${v}</td></tr>`).join('');
      break;
    }
    case 'emergency': {
      state.vehicles = f.vehicles;
      for (const e of f.events) state.events.unshift(`${e.t.toFixed(0)} s ${e.vehicle} ${({ 102: 'calls', 104: 'call off', 105: 'entry', 107: 'dwell', 111: 'exit' })[e.code] ?? e.code} ${e.inter}`);
      state.events.length = Math.min(state.events.length, 50);
      $('ev').textContent = f.vehicles.length ? f.vehicles.map((v) => `${v.id} (priority ${v.priority}) on ${v.route[v.k]}`).join('; ') : 'none';
      $('events').innerHTML = state.events.map((e) => `<div>${e}</div>`).join('');
      requestDraw(); break;
    }
  }
}

canvas.addEventListener('click', (e) => {
  const r = canvas.getBoundingClientRect();
  const mx = e.clientX - r.left, my = e.clientY - r.top;
  let best = -1, bd = Infinity;
  sigList.forEach((s, k) => { const d = (X(s.x) - mx) ** 2 + (Y(s.y) - my) ** 2; if (d < bd) { bd = d; best = k; } });
  state.selected = best; panel(); requestDraw();
});

async function main() {
  const net = await (await fetch('/network.json')).json();
  state.net = net;
  state.roadById = new Map(net.roads.map((r) => [r.id, r]));
  const interIdx = new Map(net.intersections.map((n, i) => [n.id, i]));
  sigList = net.signals.map((id) => { const i = interIdx.get(id); const n = net.intersections[i]; return { id, x: n.x, y: n.y, inter: i }; });
  sigList.forEach((s, k) => sigIndex.set(s.id, k));
  roadEnd = net.roads.map((r) => {
    const p = r.points, a = p[p.length - 2], b = p[p.length - 1];
    const L = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    return [b[0], b[1], (b[0] - a[0]) / L, (b[1] - a[1]) / L];
  });
  fit();
  window.addEventListener('resize', fit);
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', topics: ['states', 'queues', 'plans', 'metrics', 'emergency'] }));
  ws.onmessage = (m) => { try { onFrame(JSON.parse(m.data)); } catch (err) { console.error(err); } };
  ws.onclose = () => { $('status').textContent = 'disconnected'; };
}
main();
