/** Plane geometry helpers (metres). Used while building the network, never in a step. */

export interface Vec {
  x: number;
  y: number;
}

export const vec = (x: number, y: number): Vec => ({ x, y });
export const add = (a: Vec, b: Vec): Vec => ({ x: a.x + b.x, y: a.y + b.y });
export const sub = (a: Vec, b: Vec): Vec => ({ x: a.x - b.x, y: a.y - b.y });
export const scale = (a: Vec, k: number): Vec => ({ x: a.x * k, y: a.y * k });
export const norm = (a: Vec): number => Math.hypot(a.x, a.y);
export const dist = (a: Vec, b: Vec): number => Math.hypot(a.x - b.x, a.y - b.y);

export function unit(a: Vec): Vec {
  const n = norm(a);
  return n > 0 ? { x: a.x / n, y: a.y / n } : { x: 1, y: 0 };
}

/** The unit normal to the right of direction d (x east, y north). */
export const rightOf = (d: Vec): Vec => ({ x: d.y, y: -d.x });

/** Angle of a vector in degrees, in [0, 360). */
export function angleDeg(a: Vec): number {
  const deg = (Math.atan2(a.y, a.x) * 180) / Math.PI;
  return deg < 0 ? deg + 360 : deg;
}

/** Signed difference b − a in degrees, in (−180, 180]. */
export function angleDiffDeg(a: number, b: number): number {
  let d = (b - a) % 360;
  if (d <= -180) d += 360;
  if (d > 180) d -= 360;
  return d;
}

export function polylineLength(pts: readonly Vec[]): number {
  let len = 0;
  for (let i = 1; i < pts.length; i++) len += dist(pts[i - 1]!, pts[i]!);
  return len;
}

/**
 * Cuts `startCut` metres off the start and `endCut` off the end of a polyline.
 * If the cuts overlap, returns the midpoint segment of zero length.
 */
export function trimPolyline(pts: readonly Vec[], startCut: number, endCut: number): Vec[] {
  const total = polylineLength(pts);
  if (startCut + endCut >= total) {
    const mid = pointAt(pts, total / 2);
    return [mid, mid];
  }
  const out: Vec[] = [pointAt(pts, startCut)];
  let acc = 0;
  for (let i = 1; i < pts.length; i++) {
    acc += dist(pts[i - 1]!, pts[i]!);
    if (acc > startCut && acc < total - endCut) out.push(pts[i]!);
  }
  out.push(pointAt(pts, total - endCut));
  return out;
}

/** The point at distance s along a polyline (clamped to its ends). */
export function pointAt(pts: readonly Vec[], s: number): Vec {
  if (s <= 0) return pts[0]!;
  let acc = 0;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    const seg = dist(a, b);
    if (acc + seg >= s && seg > 0) {
      const t = (s - acc) / seg;
      return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
    }
    acc += seg;
  }
  return pts[pts.length - 1]!;
}

/** Direction (unit) of the first segment of a polyline. */
export const startDir = (pts: readonly Vec[]): Vec => unit(sub(pts[1]!, pts[0]!));
/** Direction (unit) of the last segment of a polyline. */
export const endDir = (pts: readonly Vec[]): Vec => unit(sub(pts[pts.length - 1]!, pts[pts.length - 2]!));

/**
 * A cubic Bézier from p0 (leaving along d0) to p3 (arriving along d3), sampled
 * at n+1 points: the usual shape of a turning path through an intersection.
 */
export function bezierPath(p0: Vec, d0: Vec, p3: Vec, d3: Vec, n = 10): Vec[] {
  const k = dist(p0, p3) / 3;
  const p1 = add(p0, scale(d0, k));
  const p2 = sub(p3, scale(d3, k));
  const out: Vec[] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    out.push({
      x: a * p0.x + b * p1.x + c * p2.x + d * p3.x,
      y: a * p0.y + b * p1.y + c * p2.y + d * p3.y,
    });
  }
  return out;
}
