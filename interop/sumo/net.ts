/**
 * SUMO's network file (`.net.xml`), read streaming into plain records:
 * edges with their lanes (SUMO's lane index 0 is the rightmost lane),
 * internal lanes (the paths through junctions), junctions with their
 * right-of-way `<request>` rows, connections, and traffic-light programs.
 * Nothing is interpreted here beyond checking what later steps rely on;
 * interop/sumo/import.ts turns it into a greenwave scenario.
 */
import { InputError } from '../../scenarios/errors.js';
import { readXml, type XmlElement, type XmlPos } from './xml.js';

export type Point = [number, number];

export interface SumoLane {
  id: string;
  /** SUMO's index: 0 is the rightmost lane. */
  index: number;
  speedMps: number;
  lengthM: number;
  widthM: number;
  shape: Point[];
  /** True when passenger cars may use it (allow / disallow). */
  car: boolean;
}

export interface SumoEdge {
  id: string;
  from: string;
  to: string;
  /** '' for a normal edge; internal, walkingarea, crossing, connector. */
  function: string;
  lanes: SumoLane[];
  pos: XmlPos;
}

/** A lane of an internal edge (a path through a junction): only what the import uses. */
export interface SumoInternalLane {
  speedMps: number;
  lengthM: number;
  shape: Point[];
}

export interface SumoRequest {
  index: number;
  /** Links this one must yield to, and the links it conflicts with (bit strings read right to left: the last character is link 0). */
  response: string;
  foes: string;
}

export interface SumoJunction {
  id: string;
  type: string;
  x: number;
  y: number;
  incLanes: string[];
  intLanes: string[];
  requests: SumoRequest[];
  pos: XmlPos;
}

export interface SumoConnection {
  from: string;
  to: string;
  fromLane: number;
  toLane: number;
  via: string | undefined;
  tl: string | undefined;
  linkIndex: number;
  dir: string;
  state: string;
  pos: XmlPos;
}

export interface SumoPhase {
  durationS: number;
  state: string;
  minDurS: number | undefined;
  maxDurS: number | undefined;
  name: string | undefined;
}

export interface SumoTlLogic {
  id: string;
  type: string;
  programID: string;
  offsetS: number;
  phases: SumoPhase[];
  pos: XmlPos;
}

export interface SumoNet {
  file: string;
  /** Normal edges (function ''), in file order. */
  edges: SumoEdge[];
  edgeById: Map<string, SumoEdge>;
  /** Lanes of internal edges by id (the geometry through junctions). */
  internalLanes: Map<string, SumoInternalLane>;
  /**
   * Connections from internal lanes, as the internal lane each continues on
   * (keyed by the internal lane's id; only those that have one: the second half
   * of a left turn that waits inside the junction). A big net has more of these
   * connections than of any other element, so they are not kept as records.
   */
  internalVia: Map<string, string>;
  junctions: SumoJunction[];
  junctionById: Map<string, SumoJunction>;
  /** Connections from normal edges (those from internal lanes are in internalVia), in file order. */
  connections: SumoConnection[];
  /** One program per signal id: the first in the file (others are counted in `otherPrograms`). */
  tlLogics: Map<string, SumoTlLogic>;
  otherPrograms: number;
  /** Edges left out: pedestrian and other non-road parts (walkingarea, crossing, connector). */
  skippedEdges: number;
}

/** Vehicle classes whose lanes are car lanes for greenwave. */
const CAR = 'passenger';

function carAllowed(allow: string | undefined, disallow: string | undefined): boolean {
  if (allow !== undefined) {
    const a = allow.split(/\s+/);
    return a.includes(CAR) || a.includes('all');
  }
  if (disallow !== undefined) {
    const d = disallow.split(/\s+/);
    return !(d.includes(CAR) || d.includes('all'));
  }
  return true;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The number written in s[a, b): plain decimals ("-12.34", as SUMO writes
 * coordinates) read without a substring, as digits / 10^k (both exact, so
 * the one rounding of the division gives exactly what Number() gives);
 * anything else (an exponent, more than 15 digits) through Number().
 */
export function decimalAt(s: string, a: number, b: number): number {
  let i = a;
  const neg = s.charCodeAt(i) === 45; // '-'
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < b; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      m = m * 10 + (ch - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (ch === 46 && frac < 0) frac = 0; // '.'
    else break;
  }
  if (i < b || digits === 0 || digits > 15) return Number(s.slice(a, b));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/** A shape attribute ("x,y x,y …") as points, parsed in one pass (a 100 MB net has millions of points). */
function shapeOf(el: XmlElement, attr = 'shape'): Point[] {
  const s = el.opt(attr);
  const pts: Point[] = [];
  if (s === undefined) return pts;
  const n = s.length;
  let i = 0;
  for (;;) {
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9 || s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13)) i++;
    if (i >= n) return pts;
    let j = i;
    while (j < n && s.charCodeAt(j) > 32) j++;
    const c = s.indexOf(',', i);
    // "x,y", or "x,y,z" in nets with elevation (z is not used)
    const c2 = c > i && c < j ? s.indexOf(',', c + 1) : -1;
    const yEnd = c2 > c && c2 < j ? c2 : j;
    const x = c > i && c < j ? decimalAt(s, i, c) : NaN;
    const y = c > i && yEnd > c + 1 ? decimalAt(s, c + 1, yEnd) : NaN;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw el.error(attr, `bad point "${s.slice(i, Math.min(j, i + 40))}" (expected x,y)`);
    pts.push([x, y]);
    i = j;
  }
}

/** Reads a SUMO net file. Throws InputError naming the file, the element (line:column) and the reason. */
export function readSumoNet(file: string): SumoNet {
  const net: SumoNet = {
    file,
    edges: [],
    edgeById: new Map(),
    internalLanes: new Map(),
    internalVia: new Map(),
    junctions: [],
    junctionById: new Map(),
    connections: [],
    tlLogics: new Map(),
    otherPrograms: 0,
    skippedEdges: 0,
  };
  let edge: SumoEdge | undefined;
  let junction: SumoJunction | undefined;
  let tl: SumoTlLogic | undefined;
  readXml(file, ['net'], {
    open(el, depth) {
      switch (el.name) {
        case 'edge': {
          if (depth !== 1) return;
          const fn = el.opt('function') ?? '';
          edge = { id: el.str('id'), from: el.opt('from') ?? '', to: el.opt('to') ?? '', function: fn, lanes: [], pos: el.pos };
          if (fn === '' || fn === 'normal') {
            edge.function = '';
            if (!edge.from || !edge.to) throw el.error(edge.from ? 'to' : 'from', 'a normal edge needs from and to junctions');
            if (net.edgeById.has(edge.id)) throw el.error('id', `duplicate edge id "${edge.id}"`);
            net.edges.push(edge);
            net.edgeById.set(edge.id, edge);
          } else if (fn !== 'internal') net.skippedEdges++;
          return;
        }
        case 'lane': {
          if (!edge || depth !== 2) return;
          if (edge.function === 'internal') {
            const id = el.str('id');
            el.int('index', 0, 1000);
            net.internalLanes.set(id, { speedMps: el.num('speed', 0, 1000), lengthM: el.num('length', 0, 1e6), shape: shapeOf(el) });
            return;
          }
          if (edge.function !== '') return;
          const lane: SumoLane = {
            id: el.str('id'),
            index: el.int('index', 0, 1000),
            speedMps: el.num('speed', 0, 1000),
            lengthM: el.num('length', 0, 1e6),
            widthM: el.optNum('width', 3.2, 0.1, 100),
            shape: shapeOf(el),
            car: carAllowed(el.opt('allow'), el.opt('disallow')),
          };
          if (lane.index !== edge.lanes.length) throw el.error('index', `lane ${lane.index} of edge "${edge.id}" out of order (expected ${edge.lanes.length})`);
          edge.lanes.push(lane);
          return;
        }
        case 'junction': {
          if (depth !== 1) return;
          const id = el.str('id');
          const type = el.opt('type') ?? 'priority';
          const x = el.num('x');
          const y = el.num('y');
          // SUMO's internal junctions (the waiting points inside a junction) are not junctions for greenwave
          if (type === 'internal') return;
          const lanes = (a: string): string[] => (el.opt(a) ?? '').split(/\s+/).filter(Boolean);
          junction = { id, type, x, y, incLanes: lanes('incLanes'), intLanes: lanes('intLanes'), requests: [], pos: el.pos };
          if (net.junctionById.has(junction.id)) throw el.error('id', `duplicate junction id "${junction.id}"`);
          net.junctions.push(junction);
          net.junctionById.set(junction.id, junction);
          return;
        }
        case 'request': {
          if (!junction || depth !== 2) return;
          const bits = (a: string): string => {
            const v = el.str(a);
            if (!/^[01]*$/.test(v)) throw el.error(a, `must be a string of 0 and 1, got "${v.slice(0, 40)}"`);
            return v;
          };
          junction.requests.push({ index: el.int('index'), response: bits('response'), foes: bits('foes') });
          return;
        }
        case 'connection': {
          if (depth !== 1) return;
          const from = el.str('from');
          if (from.charCodeAt(0) === 58 /* ':' */) {
            // a connection from an internal lane: only where it continues inside the junction matters
            el.str('to');
            const key = `${from}_${el.int('fromLane')}`;
            const via = el.opt('via');
            if (via !== undefined && !net.internalVia.has(key)) net.internalVia.set(key, via);
            return;
          }
          const tlId = el.opt('tl');
          net.connections.push({
            from,
            to: el.str('to'),
            fromLane: el.int('fromLane'),
            toLane: el.int('toLane'),
            via: el.opt('via'),
            tl: tlId,
            linkIndex: tlId !== undefined ? el.int('linkIndex', 0, 100000) : -1,
            dir: el.opt('dir') ?? 's',
            state: el.opt('state') ?? 'M',
            pos: el.pos,
          });
          return;
        }
        case 'tlLogic': {
          if (depth !== 1) return;
          tl = { id: el.str('id'), type: el.opt('type') ?? 'static', programID: el.opt('programID') ?? '0', offsetS: el.optNum('offset', 0), phases: [], pos: el.pos };
          if (net.tlLogics.has(tl.id)) {
            net.otherPrograms++;
            tl = undefined;
          } else net.tlLogics.set(tl.id, tl);
          return;
        }
        case 'phase': {
          if (!tl || depth !== 2) return;
          const state = el.str('state');
          if (!/^[GgsyYurOo]+$/.test(state)) throw el.error('state', `unknown signal characters in "${state.slice(0, 60)}" (SUMO uses G g s y Y u r o O)`);
          if (tl.phases.length && state.length !== tl.phases[0]!.state.length)
            throw el.error('state', `has ${state.length} characters, the program's first phase ${tl.phases[0]!.state.length}: one per link index`);
          tl.phases.push({ durationS: el.num('duration', 0, 1e6), state, minDurS: el.optNum('minDur', undefined, 0, 1e6), maxDurS: el.optNum('maxDur', undefined, 0, 1e6), name: el.opt('name') });
          return;
        }
      }
    },
    close(name, depth) {
      if (depth === 1 && name === 'edge') edge = undefined;
      else if (depth === 1 && name === 'junction') junction = undefined;
      else if (depth === 1 && name === 'tlLogic') tl = undefined;
    },
  });
  for (const e of net.edges) {
    if (!net.junctionById.has(e.from)) throw new InputError(file, `<edge id="${e.id}"> at ${e.pos.line}:${e.pos.column} from`, `unknown junction "${e.from}"`);
    if (!net.junctionById.has(e.to)) throw new InputError(file, `<edge id="${e.id}"> at ${e.pos.line}:${e.pos.column} to`, `unknown junction "${e.to}"`);
    if (e.lanes.length === 0) throw new InputError(file, `<edge id="${e.id}"> at ${e.pos.line}:${e.pos.column}`, 'has no lanes');
  }
  for (const t of net.tlLogics.values()) if (t.phases.length === 0) throw new InputError(file, `<tlLogic id="${t.id}"> at ${t.pos.line}:${t.pos.column}`, 'has no phases');
  if (net.edges.length === 0) throw new InputError(file, '<net>', 'has no edges');
  return net;
}
