/**
 * SUMO's demand files (`.rou.xml`) and run configuration (`.sumocfg`), read
 * streaming into plain records: vehicle types (with SUMO's passenger
 * defaults where an attribute is absent), named routes, vehicles, flows
 * (vehsPerHour, period, probability or number) and trips.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { InputError } from '../../scenarios/errors.js';
import { readXml, type XmlElement, type XmlPos } from './xml.js';

/** SUMO's defaults for a passenger car (Krauss). */
export const SUMO_PASSENGER = { accel: 2.6, decel: 4.5, emergencyDecel: 9, sigma: 0.5, length: 5, minGap: 2.5, maxSpeed: 55.56, tau: 1 } as const;
/** SUMO's emergency class differs in length and top speed. */
export const SUMO_EMERGENCY = { ...SUMO_PASSENGER, length: 6.5, maxSpeed: 44.44 } as const;

export interface SumoVType {
  id: string;
  vClass: string;
  accel: number;
  decel: number;
  emergencyDecel: number;
  sigma: number;
  length: number;
  minGap: number;
  maxSpeed: number;
  tau: number;
  carFollowModel: string;
  /** SUMO's lcSpeedGain (eagerness for speed-gain lane changes; 0: none). */
  lcSpeedGain: number;
  pos: XmlPos;
}

/** What a vehicle, trip and flow share: the route (or its ends), how it departs, where it was written. */
export interface SumoDeparture {
  id: string;
  type: string;
  /** Edges of its route, or from/to(/via) of a trip. */
  edges: string[] | undefined;
  from: string | undefined;
  to: string | undefined;
  via: string[];
  /** SUMO's departSpeed as written (a number in m/s or a keyword), if given. */
  departSpeed: string | undefined;
  /** SUMO's departPos as written, if given. */
  departPos: string | undefined;
  /** SUMO's departLane as written, if given. */
  departLane: string | undefined;
  file: string;
  pos: XmlPos;
}

export interface SumoVehicle extends SumoDeparture {
  departS: number;
}

export interface SumoFlow extends SumoDeparture {
  beginS: number;
  endS: number;
  vehsPerHour: number | undefined;
  periodS: number | undefined;
  probability: number | undefined;
  number: number | undefined;
}

export interface SumoDemand {
  vTypes: Map<string, SumoVType>;
  vehicles: SumoVehicle[];
  flows: SumoFlow[];
  /** Persons, containers and other things greenwave does not simulate. */
  skipped: number;
}

function vType(el: XmlElement): SumoVType {
  const vClass = el.opt('vClass') ?? 'passenger';
  const d = vClass === 'emergency' ? SUMO_EMERGENCY : SUMO_PASSENGER;
  const decel = el.optNum('decel', d.decel, 0.1, 100);
  return {
    id: el.str('id'),
    vClass,
    accel: el.optNum('accel', d.accel, 0.01, 100),
    decel,
    emergencyDecel: el.optNum('emergencyDecel', Math.max(d.emergencyDecel, decel), 0.1, 100),
    sigma: el.optNum('sigma', d.sigma, 0, 1),
    length: el.optNum('length', d.length, 0.1, 1000),
    minGap: el.optNum('minGap', d.minGap, 0, 100),
    maxSpeed: el.optNum('maxSpeed', d.maxSpeed, 0.1, 1000),
    tau: el.optNum('tau', d.tau, 0, 100),
    carFollowModel: el.opt('carFollowModel') ?? 'Krauss',
    lcSpeedGain: el.optNum('lcSpeedGain', 1, 0, 1e6),
    pos: el.pos,
  };
}

const edgesOf = (el: XmlElement, attr: string): string[] => (el.opt(attr) ?? '').split(/\s+/).filter(Boolean);

/** A departure time: a number of seconds (SUMO's `triggered`, `containerTriggered`, `begin` are not supported). */
function depart(el: XmlElement, attr: string): number {
  const v = el.str(attr);
  if (!/^[-+]?[\d.]+(e[-+]?\d+)?$/i.test(v.trim())) throw el.error(attr, `must be a time in seconds, got "${v.slice(0, 40)}" (triggered departures are not supported)`);
  return el.num(attr, 0);
}

/** Reads route files into one demand (types, named routes and vehicles across files, as SUMO loads them). */
export function readSumoRoutes(files: readonly string[]): SumoDemand {
  const out: SumoDemand = { vTypes: new Map(), vehicles: [], flows: [], skipped: 0 };
  const routes = new Map<string, string[]>();
  for (const file of files) {
    let current: SumoVehicle | SumoFlow | undefined;
    /** The edges of the route an element names with `route=` (defined earlier in these files), if any. */
    const namedRoute = (el: XmlElement): string[] | undefined => {
      const r = el.opt('route');
      if (r === undefined) return undefined;
      const edges = routes.get(r);
      if (!edges) throw el.error('route', `unknown route "${r}"`);
      return edges;
    };
    readXml(file, ['routes', 'additional'], {
      open(el, depth) {
        if (depth === 1) {
          switch (el.name) {
            case 'vType': {
              const t = vType(el);
              out.vTypes.set(t.id, t);
              return;
            }
            case 'route': {
              const id = el.str('id');
              const edges = edgesOf(el, 'edges');
              if (edges.length === 0) throw el.error('edges', 'a route needs at least one edge');
              routes.set(id, edges);
              return;
            }
            case 'vehicle':
            case 'trip': {
              const edges = namedRoute(el);
              const v: SumoVehicle = { id: el.str('id'), type: el.opt('type') ?? 'DEFAULT_VEHTYPE', departS: depart(el, 'depart'), edges, from: el.opt('from'), to: el.opt('to'), via: edgesOf(el, 'via'), departSpeed: el.opt('departSpeed'), departPos: el.opt('departPos'), departLane: el.opt('departLane'), file, pos: el.pos };
              if (el.name === 'trip' && (v.from === undefined || v.to === undefined) && !edges) throw el.error(v.from === undefined ? 'from' : 'to', 'a trip needs from and to edges');
              out.vehicles.push(v);
              current = v;
              return;
            }
            case 'flow': {
              const edges = namedRoute(el);
              const f: SumoFlow = {
                id: el.str('id'),
                type: el.opt('type') ?? 'DEFAULT_VEHTYPE',
                beginS: el.optNum('begin', 0, 0),
                endS: el.optNum('end', Infinity, 0),
                vehsPerHour: el.optNum('vehsPerHour', undefined, 0, 1e6),
                periodS: el.optNum('period', undefined, 0, 1e9),
                probability: el.optNum('probability', undefined, 0, 1),
                number: el.optNum('number', undefined, 0, 1e9),
                edges,
                from: el.opt('from'),
                to: el.opt('to'),
                via: edgesOf(el, 'via'),
                departSpeed: el.opt('departSpeed'),
                departPos: el.opt('departPos'),
                departLane: el.opt('departLane'),
                file,
                pos: el.pos,
              };
              const given = [f.vehsPerHour, f.periodS, f.probability].filter((x) => x !== undefined).length;
              if (given > 1) throw el.error(undefined, 'give one of vehsPerHour, period and probability');
              if (given === 0 && f.number === undefined) throw el.error(undefined, 'needs vehsPerHour, period, probability or number');
              if (f.number !== undefined && given === 0 && !Number.isFinite(f.endS)) throw el.error('end', 'a flow given by number needs an end');
              out.flows.push(f);
              current = f;
              return;
            }
            case 'person':
            case 'personFlow':
            case 'container':
            case 'containerFlow':
              out.skipped++;
              return;
          }
          return;
        }
        if (depth === 2 && el.name === 'route' && current) {
          const edges = edgesOf(el, 'edges');
          if (edges.length === 0) throw el.error('edges', 'a route needs at least one edge');
          current.edges = edges;
        }
      },
      close(_name, depth) {
        if (depth === 1) current = undefined;
      },
    });
  }
  return out;
}

export interface SumoConfig {
  file: string;
  netFile: string;
  routeFiles: string[];
  additionalFiles: string[];
  beginS: number;
  endS: number | undefined;
  stepLengthS: number;
}

/** Reads a `.sumocfg`: the files it names (relative to its folder, each checked to exist) and the time window. */
export function readSumoConfig(file: string): SumoConfig {
  const dir = dirname(file);
  const cfg: SumoConfig = { file, netFile: '', routeFiles: [], additionalFiles: [], beginS: 0, endS: undefined, stepLengthS: 1 };
  const files = (el: XmlElement): string[] =>
    el
      .str('value')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((f) => {
        const p = isAbsolute(f) ? f : resolve(dir, f);
        if (!existsSync(p)) throw el.error('value', `names "${f}", which does not exist (${p})`);
        return p;
      });
  readXml(file, ['configuration', 'sumoConfiguration'], {
    open(el) {
      switch (el.name) {
        case 'net-file':
          cfg.netFile = files(el)[0] ?? '';
          return;
        case 'route-files':
          cfg.routeFiles = files(el);
          return;
        case 'additional-files':
          cfg.additionalFiles = files(el);
          return;
        case 'begin':
          cfg.beginS = el.num('value', 0);
          return;
        case 'end':
          cfg.endS = el.num('value', 0);
          return;
        case 'step-length':
          cfg.stepLengthS = el.num('value', 0.001, 10);
          return;
      }
    },
  });
  if (!cfg.netFile) throw new InputError(file, '<input>', 'names no net-file');
  return cfg;
}
