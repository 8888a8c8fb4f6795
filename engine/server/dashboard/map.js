// The network map: roads (with their lanes once they are wide enough to
// see), signals coloured by what they show, queues to scale with their
// counts, emergency vehicles and their routes, ids on hover and at close
// zoom, a scale bar. Pan (drag, arrow keys), zoom (wheel, + and -), fit (0).
// Drawn on one canvas at most once per animation frame.

const COL = { green: '#1e8a3c', permitted: '#7cc48a', yellow: '#e0a800', red: '#c62828', held: '#6a1b9a', ev: '#1d4ed8', queue: '#d9480f', road: '#c4c8bf', lane: '#ffffff', label: '#1d2330' };
const VEH_M = 7; // metres of queue per halting vehicle (a car and its gap)
const MIN_S = 1e-4, MAX_S = 40; // px per metre

export class NetworkMap {
  constructor(canvas, app) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.app = app;
    this.view = { s: 1, ox: 0, oy: 0 };
    this.hover = null;
    this.pending = false;
    this.drawMs = [];
    this.draws = 0;
    this.drawnSignals = 0;
    this.onPick = null; // set while picking an emergency route's ends
    this.bindInput();
  }

  /** Prepares the static geometry of the network (called once it is known). */
  setNetwork(net) {
    this.net = net;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const grow = (x, y) => { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; };
    for (const n of net.intersections) grow(n.x, n.y);
    for (const r of net.roads) for (const p of r.points) grow(p[0], p[1]);
    this.bounds = { x0, y0, x1, y1 };
    this.roadById = new Map(net.roads.map((r, k) => [r.id, k]));
    // a typical block (the median road length), to size the signals to the network's spacing
    const lens = net.roads.map((r) => r.points.reduce((a, p, i) => (i ? a + Math.hypot(p[0] - r.points[i - 1][0], p[1] - r.points[i - 1][1]) : 0), 0)).sort((a, b) => a - b);
    this.blockM = lens.length ? Math.max(10, lens[lens.length >> 1]) : 100;
    // per road: its end (stop line), the direction there, and its lanes' width
    this.roadEnd = net.roads.map((r) => {
      const p = r.points, a = p[p.length - 2], b = p[p.length - 1];
      const L = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
      return { x: b[0], y: b[1], dx: (b[0] - a[0]) / L, dy: (b[1] - a[1]) / L };
    });
    // the static geometry of each road's band: the middle of its lanes, and the lines between them (world coordinates)
    this.bands = net.roads.map((r, k) => {
      const off = this.sideOffset(k);
      return { middle: offsetLine(r.points, off), lines: Array.from({ length: r.lanes - 1 }, (_, l) => offsetLine(r.points, off - (r.lanes * 3.2) / 2 + (l + 1) * 3.2)) };
    });
    this.fit();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.request();
  }

  /** The whole network in view. */
  fit() {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight, b = this.bounds;
    if (!b) return;
    const pad = 40;
    const s = Math.min((w - 2 * pad) / Math.max(1, b.x1 - b.x0), (h - 2 * pad) / Math.max(1, b.y1 - b.y0));
    this.view = { s, ox: w / 2 - ((b.x0 + b.x1) / 2) * s, oy: h / 2 + ((b.y0 + b.y1) / 2) * s };
    this.request();
  }

  X(x) { return this.view.ox + x * this.view.s; }
  Y(y) { return this.view.oy - y * this.view.s; }
  worldAt(px, py) { return [(px - this.view.ox) / this.view.s, (this.view.oy - py) / this.view.s]; }

  /** Zooms by `f` around the screen point (px, py). */
  zoom(f, px = this.canvas.clientWidth / 2, py = this.canvas.clientHeight / 2) {
    const v = this.view;
    const s = Math.min(MAX_S, Math.max(MIN_S, v.s * f));
    const [wx, wy] = this.worldAt(px, py);
    this.view = { s, ox: px - wx * s, oy: py + wy * s };
    this.request();
  }

  pan(dx, dy) {
    this.view.ox += dx;
    this.view.oy += dy;
    this.request();
  }

  request() {
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  bindInput() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      this.zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: 0 };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const r = c.getBoundingClientRect();
      if (drag) {
        const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        drag.moved += Math.abs(dx) + Math.abs(dy);
        drag.x = e.clientX; drag.y = e.clientY;
        if (drag.moved > 4) this.pan(dx, dy);
      }
      this.setHover(e.clientX - r.left, e.clientY - r.top);
    });
    c.addEventListener('pointerup', (e) => {
      const r = c.getBoundingClientRect();
      const wasClick = drag && drag.moved <= 4;
      drag = null;
      if (wasClick) this.click(e.clientX - r.left, e.clientY - r.top);
    });
    c.addEventListener('pointerleave', () => { this.hover = null; this.app.tooltip(null); });
    c.addEventListener('keydown', (e) => {
      const step = 60;
      const keys = {
        ArrowLeft: () => this.pan(step, 0), ArrowRight: () => this.pan(-step, 0), ArrowUp: () => this.pan(0, step), ArrowDown: () => this.pan(0, -step),
        '+': () => this.zoom(1.25), '=': () => this.zoom(1.25), '-': () => this.zoom(0.8), '0': () => this.fit(), Escape: () => this.app.cancelPick(),
      };
      const k = keys[e.key];
      if (k) { e.preventDefault(); k(); }
    });
  }

  /** The item of `list` (each with x, y in metres) nearest the screen point (px, py) within r pixels: its index, or −1. */
  nearest(list, px, py, r) {
    let best = -1, bd = r * r;
    for (let k = 0; k < list.length; k++) {
      const d = (this.X(list[k].x) - px) ** 2 + (this.Y(list[k].y) - py) ** 2;
      if (d < bd) { bd = d; best = k; }
    }
    return best;
  }

  /** The signal nearest (px, py), as its position in the state arrays, or −1. */
  signalAt(px, py, r = 14) { return this.nearest(this.app.sigList, px, py, r); }

  /** The intersection (signalised or not) nearest (px, py): its index, or −1. */
  intersectionAt(px, py, r = 16) { return this.nearest(this.net.intersections, px, py, r); }

  /** The road nearest (px, py) within r pixels of its polyline: its index, or −1. */
  roadAt(px, py, r = 6) {
    let best = -1, bd = r;
    const roads = this.net.roads;
    for (let k = 0; k < roads.length; k++) {
      const p = roads[k].points;
      for (let i = 1; i < p.length; i++) {
        const d = segDist(px, py, this.X(p[i - 1][0]), this.Y(p[i - 1][1]), this.X(p[i][0]), this.Y(p[i][1]));
        if (d < bd) { bd = d; best = k; }
      }
    }
    return best;
  }

  setHover(px, py) {
    if (!this.net) return;
    const k = this.signalAt(px, py);
    let text = null;
    if (k >= 0) text = this.app.signalLabel(k);
    else {
      const i = this.intersectionAt(px, py, 8);
      if (i >= 0) text = `${this.net.intersections[i].id} (no signal)`;
      else {
        const r = this.roadAt(px, py);
        if (r >= 0) {
          const road = this.net.roads[r];
          const q = this.app.state.queues ? this.app.state.queues[r] : undefined;
          text = `road ${road.id}: ${road.lanes} lane${road.lanes === 1 ? '' : 's'}, ${road.from} → ${road.to}${q !== undefined ? `, ${q} queued` : ''}`;
        }
      }
    }
    this.app.tooltip(text, px, py);
  }

  click(px, py) {
    if (this.onPick) {
      const i = this.intersectionAt(px, py, 20);
      if (i >= 0) this.onPick(this.net.intersections[i].id);
      return;
    }
    const k = this.signalAt(px, py, 30);
    if (k >= 0) this.app.select(k);
  }

  draw() {
    this.pending = false;
    const t0 = performance.now();
    const ctx = this.ctx, net = this.net, st = this.app.state;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    ctx.clearRect(0, 0, w, h);
    if (!net) return;
    const s = this.view.s;
    this.drawRoads(ctx, s);
    // emergency routes and vehicles
    for (const v of st.vehicles) {
      const pts = [];
      for (const rid of v.route) {
        const r = net.roads[this.roadById.get(rid)];
        if (r) for (const p of r.points) pts.push(p);
      }
      if (pts.length < 2) continue;
      ctx.strokeStyle = 'rgba(29, 78, 216, .7)';
      ctx.lineWidth = Math.max(3, Math.min(14, s * 8));
      ctx.beginPath();
      this.path(ctx, pts);
      ctx.stroke();
      const p = alongFromStart(pts, v.distM);
      ctx.fillStyle = COL.ev;
      ctx.beginPath(); ctx.arc(this.X(p[0]), this.Y(p[1]), Math.max(6, Math.min(12, s * 6)), 0, 7); ctx.fill();
      ctx.fillStyle = '#fff'; ctx.font = 'bold 10px system-ui'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillText('E', this.X(p[0]), this.Y(p[1]));
    }
    // queues: a bar to scale back from each stop line, with its count when close
    const q = st.queues;
    if (q) {
      ctx.strokeStyle = COL.queue;
      ctx.lineWidth = Math.max(2, Math.min(8, s * 3));
      ctx.beginPath();
      const labels = s > 0.9;
      for (let r = 0; r < this.roadEnd.length; r++) {
        if (!q[r]) continue;
        const e = this.roadEnd[r], off = this.sideOffset(r);
        const len = q[r] * Math.max(VEH_M, 1.5 / s); // to scale, but never under 1.5 px a vehicle
        const x = e.x + e.dy * off, y = e.y - e.dx * off;
        ctx.moveTo(this.X(x), this.Y(y)); ctx.lineTo(this.X(x - e.dx * len), this.Y(y - e.dy * len));
      }
      ctx.stroke();
      if (labels) {
        ctx.fillStyle = COL.queue; ctx.font = 'bold 12px system-ui'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
        for (let r = 0; r < this.roadEnd.length; r++) {
          if (!q[r]) continue;
          const e = this.roadEnd[r], off = this.sideOffset(r) + 14 / s;
          const len = q[r] * VEH_M + 10 / s;
          ctx.fillText(String(q[r]), this.X(e.x + e.dy * off - e.dx * len), this.Y(e.y - e.dx * off - e.dy * len));
        }
      }
    }
    // signals: what they show now; approach heads once there is room
    const sig = this.app.sigList;
    const rad = Math.max(3, Math.min(11, s * this.blockM * 0.12));
    const heads = s > 1;
    let drawn = 0;
    for (let k = 0; k < sig.length; k++) {
      const g = sig[k];
      const cx = this.X(g.x), cy = this.Y(g.y);
      if (cx < -30 || cy < -30 || cx > w + 30 || cy > h + 30) continue;
      const stage = st.stages ? st.stages[k] : 0;
      ctx.fillStyle = stage === 0 ? COL.green : stage === 1 ? COL.yellow : COL.red;
      ctx.beginPath(); ctx.arc(cx, cy, rad, 0, 7); ctx.fill();
      const ring = st.preempted.has(g.id) ? COL.ev : st.holds.has(g.id) ? COL.held : null;
      if (ring) { ctx.strokeStyle = ring; ctx.lineWidth = 3; ctx.beginPath(); ctx.arc(cx, cy, rad + 3, 0, 7); ctx.stroke(); }
      if (k === this.app.selected) { ctx.strokeStyle = '#000'; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(cx, cy, rad + (ring ? 6 : 3), 0, 7); ctx.stroke(); }
      if (heads) this.drawHeads(ctx, g, k, s);
      drawn++;
    }
    // ids at close zoom
    if (s > 0.6) {
      ctx.fillStyle = COL.label; ctx.font = '12px system-ui'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
      for (const n of net.intersections) {
        const x = this.X(n.x), y = this.Y(n.y);
        if (x > -50 && y > -20 && x < w && y < h) ctx.fillText(n.id, x + rad + 4, y + rad + 2);
      }
    }
    this.drawScale(ctx, h);
    this.draws++;
    this.drawnSignals = drawn;
    this.drawMs.push(performance.now() - t0);
    if (this.drawMs.length > 600) this.drawMs.shift();
  }

  /** How far right of the road's centre line its lanes' middle lies (m): a two-way street's halves side by side. */
  sideOffset(r) {
    const road = this.net.roads[r];
    return (road.lanes * 3.2) / 2;
  }

  drawRoads(ctx, s) {
    const net = this.net;
    const lanePx = 3.2 * s;
    ctx.lineCap = 'butt';
    if (lanePx < 1.5) {
      ctx.strokeStyle = COL.road; ctx.lineWidth = Math.max(1, Math.min(3, lanePx * 2));
      ctx.beginPath();
      for (const r of net.roads) this.path(ctx, r.points);
      ctx.stroke();
      return;
    }
    // each road as a band of its lanes to the right of its centre line, lane lines once wide enough
    for (let k = 0; k < net.roads.length; k++) {
      const r = net.roads[k], b = this.bands[k];
      ctx.strokeStyle = COL.road; ctx.lineWidth = r.lanes * lanePx;
      ctx.beginPath();
      this.path(ctx, b.middle);
      ctx.stroke();
      if (lanePx >= 6 && b.lines.length) {
        ctx.strokeStyle = COL.lane; ctx.lineWidth = 1; ctx.setLineDash([6, 6]);
        ctx.beginPath();
        for (const lp of b.lines) this.path(ctx, lp);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
  }

  /** Adds a polyline (world coordinates) to the current path. */
  path(ctx, pts) {
    for (let i = 0; i < pts.length; i++) {
      if (i === 0) ctx.moveTo(this.X(pts[i][0]), this.Y(pts[i][1]));
      else ctx.lineTo(this.X(pts[i][0]), this.Y(pts[i][1]));
    }
  }

  /** Per approach of signal k, a head at its stop line coloured by the best its movements show. */
  drawHeads(ctx, g, k, s) {
    const shows = this.app.approachStates(k);
    for (const [roadIdx, c] of shows) {
      const e = this.roadEnd[roadIdx], off = this.sideOffset(roadIdx);
      const x = e.x + e.dy * off - e.dx * 2, y = e.y - e.dx * off - e.dy * 2;
      ctx.fillStyle = c === 'G' ? COL.green : c === 'g' ? COL.permitted : c === 'y' ? COL.yellow : COL.red;
      ctx.beginPath(); ctx.arc(this.X(x), this.Y(y), Math.max(3, Math.min(8, s * 2.2)), 0, 7); ctx.fill();
    }
  }

  drawScale(ctx, h) {
    const s = this.view.s;
    const target = 120 / s; // metres in about 120 px
    const p = 10 ** Math.floor(Math.log10(target));
    const m = [1, 2, 5, 10].map((k) => k * p).filter((v) => v <= target).pop() ?? p;
    const px = m * s, x = 14, y = h - 18;
    ctx.strokeStyle = '#1d2330'; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + px, y); ctx.lineTo(x + px, y - 5); ctx.stroke();
    ctx.fillStyle = '#1d2330'; ctx.font = '12px system-ui'; ctx.textAlign = 'left'; ctx.textBaseline = 'bottom';
    ctx.fillText(m >= 1000 ? `${m / 1000} km` : `${m} m`, x + px + 6, y + 2);
    this.scaleLabel = m >= 1000 ? `${m / 1000} km` : `${m} m`;
  }
}

function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay, L = dx * dx + dy * dy;
  const t = L ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / L)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** A polyline moved `off` metres to its right (y to the north), segment by segment. */
function offsetLine(pts, off) {
  const out = [];
  for (let i = 0; i < pts.length; i++) {
    const a = pts[Math.max(0, i - 1)], b = pts[Math.min(pts.length - 1, i + 1)];
    const dx = b[0] - a[0], dy = b[1] - a[1], L = Math.hypot(dx, dy) || 1;
    out.push([pts[i][0] + (dy / L) * off, pts[i][1] - (dx / L) * off]);
  }
  return out;
}

/** The point `d` metres along a polyline from its start (its end if it is shorter). */
function alongFromStart(pts, d) {
  let left = Math.max(0, d);
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1], b = pts[i], L = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (left <= L) return [a[0] + ((b[0] - a[0]) * left) / (L || 1), a[1] + ((b[1] - a[1]) * left) / (L || 1)];
    left -= L;
  }
  return pts[pts.length - 1];
}
