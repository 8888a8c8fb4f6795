/**
 * SUMO files → a greenwave scenario.
 *
 * Kept as SUMO has it: junction, edge and lane ids (greenwave counts lanes
 * from the inside, SUMO from the right: lane k of a road is SUMO's index
 * n−1−k, and `laneIds` keeps SUMO's id for each), geometry (lane shapes,
 * the internal lanes' shapes as the lane-link paths, lengths and speeds),
 * connections (one greenwave movement per pair of edges, its lane links one
 * per connection), signal programs (every phase in order: the green phases
 * with their durations and minDur/maxDur, the yellow and all-red phases as
 * clearance slots whose lengths become the yellow and all-red of the change
 * before them), vehicle types (SUMO's defaults where absent), vehicles,
 * routes, flows and trips, and the time window (a run starts at `begin`).
 *
 * Joined signals (one tlLogic over several junctions) become one greenwave
 * signal per junction, each with the whole program's phases, so they switch
 * together. Priority junctions whose links conflict keep SUMO's right of way
 * as a one-phase signal: major links protected, minor links yield. Lanes
 * that do not allow passenger cars and pedestrian, rail and other non-road
 * parts are left out, counted in one warning. SUMO's conflict relations
 * (`<request>` foes) are compared with the ones greenwave derives from the
 * paths, and disagreements are reported.
 */
import { basename, dirname } from 'node:path';
import { buildConflictModel, buildNetwork } from '../../engine/network/index.js';
import { InputError } from '../../scenarios/errors.js';
import type { IntersectionJson, LaneLinkJson, MovementJson, PhaseJson, RoadJson, ScenarioJson, TurnType } from '../../scenarios/types.js';
import { checkLanes } from '../../scenarios/limits.js';
import { validateScenario } from '../../scenarios/validate.js';
import { readSumoNet, type Point, type SumoConnection, type SumoEdge } from './net.js';
import { readSumoConfig, readSumoRoutes } from './routes.js';
import { clamp, gwLane, type Ctx } from './common.js';
import { convertDemand } from './demand.js';
import { crossCheck, rightOfWay } from './rightOfWay.js';

export interface SumoImportOptions {
  /** Simulated seconds (default: the config's end − begin, else 3600). */
  durationS?: number;
  /** First second of the run in SUMO's clock (default: the config's begin, else 0). */
  beginS?: number;
  seed?: number;
  name?: string;
}

/** How greenwave's movements and signals map back to SUMO's links (for driving SUMO over TraCI). */
export interface SumoLinkMap {
  /** Per tlLogic id: for each SUMO link index, the greenwave movement id that link belongs to ('' for a link greenwave left out). */
  tls: Record<string, string[]>;
  /** Greenwave signal (junction) ids controlled by each tlLogic. */
  tlJunctions: Record<string, string[]>;
  /** SUMO's length of every car lane (m), to place detectors within it. */
  laneLengthM: Record<string, number>;
  /** The config's files and window (importSumoConfig only). */
  config?: { file: string; netFile: string; routeFiles: string[]; additionalFiles: string[]; beginS: number; endS: number | undefined; stepLengthS: number };
}

export interface SumoImport {
  scenario: ScenarioJson;
  links: SumoLinkMap;
  warnings: string[];
  counts: { junctions: number; signals: number; tlLogics: number; roads: number; lanes: number; movements: number; vehicles: number; flows: number; emergency: number; conflictDisagreements: number };
}

const TURN: Record<string, TurnType> = { s: 'through', l: 'left', L: 'left', r: 'right', R: 'right', t: 'uturn' };
/** Characters of a SUMO state string. */
const isGreen = (c: string): boolean => c === 'G' || c === 'g' || c === 's';
const isYellow = (c: string): boolean => c === 'y' || c === 'Y' || c === 'u';

/** The path of a connection through its junction: the shapes of its internal lanes, chained. */
function pathOf(c: Ctx, conn: SumoConnection): Point[] {
  const pts: Point[] = [];
  let via = conn.via;
  for (let guard = 0; via && guard < 8; guard++) {
    const lane = c.net.internalLanes.get(via);
    if (!lane) break;
    for (const p of lane.shape) if (!pts.length || pts[pts.length - 1]![0] !== p[0] || pts[pts.length - 1]![1] !== p[1]) pts.push(p);
    // the second half of a left turn that waits inside the junction
    via = c.net.internalVia.get(via);
  }
  return pts;
}

/**
 * Where a vehicle of a connection waits inside the junction (m from the stop line): the end of
 * its first internal lane when the connection goes on through an internal junction (SUMO's left
 * turns that wait for a gap inside the junction); 0 when it has none.
 */
function waitOf(c: Ctx, conn: SumoConnection): number {
  if (!conn.via) return 0;
  const lane = c.net.internalLanes.get(conn.via);
  if (!lane || !c.net.internalVia.has(conn.via)) return 0;
  return lane.lengthM;
}

/** The middle line of an edge's car lanes. */
function edgePoints(e: SumoEdge, lanes: number[]): Point[] {
  const a = e.lanes[lanes[0]!]!.shape;
  const b = e.lanes[lanes[lanes.length - 1]!]!.shape;
  if (a.length >= 2 && a.length === b.length) return a.map((p, i) => [(p[0] + b[i]![0]) / 2, (p[1] + b[i]![1]) / 2]);
  return a.length >= 2 ? a : b;
}

/** Imports a SUMO configuration (net, routes, time window). */
export function importSumoConfig(cfgFile: string, opts: SumoImportOptions = {}): SumoImport {
  const cfg = readSumoConfig(cfgFile);
  const beginS = opts.beginS ?? cfg.beginS;
  const durationS = opts.durationS ?? (cfg.endS !== undefined && cfg.endS > beginS ? cfg.endS - beginS : 3600);
  const imp = importSumo(cfg.netFile, cfg.routeFiles, { ...opts, beginS, durationS, name: opts.name ?? `sumo:${basename(cfgFile).replace(/\.sumocfg$/, '')}` });
  imp.links.config = cfg;
  return imp;
}

/** Imports a SUMO net and route files. Throws InputError naming the file, element (line:column) and reason. */
export function importSumo(netFile: string, routeFiles: readonly string[], opts: SumoImportOptions = {}): SumoImport {
  const net = readSumoNet(netFile);
  const demand = readSumoRoutes(routeFiles);
  const warnings: string[] = [];
  const c: Ctx = { net, warnings, carLanes: new Map() };
  let droppedLanes = 0;
  let droppedEdges = 0;
  for (const e of net.edges) {
    const car = e.lanes.filter((l) => l.car).map((l) => l.index);
    droppedLanes += e.lanes.length - car.length;
    if (car.length === 0) droppedEdges++;
    else c.carLanes.set(e.id, car.sort((a, b) => b - a));
  }
  if (droppedLanes || net.skippedEdges)
    warnings.push(
      `${netFile}: left out ${droppedLanes} lanes that do not allow passenger cars (${droppedEdges} edges with none) and ${net.skippedEdges} pedestrian/rail/connector edges`,
    );
  if (net.otherPrograms) warnings.push(`${netFile}: ${net.otherPrograms} further tlLogic programs for signals already defined are ignored (the first program of each is used)`);

  // Car connections between kept edges, by junction.
  const conns = new Map<string, SumoConnection[]>();
  for (const k of net.connections) {
    if (k.from.startsWith(':') || k.to.startsWith(':')) continue;
    if (gwLane(c, k.from, k.fromLane) < 0 || gwLane(c, k.to, k.toLane) < 0) continue;
    const j = net.edgeById.get(k.from)!.to;
    (conns.get(j) ?? conns.set(j, []).get(j)!).push(k);
  }

  const roads: RoadJson[] = [];
  for (const e of net.edges) {
    const lanes = c.carLanes.get(e.id);
    if (!lanes) continue;
    const ls = lanes.map((i) => e.lanes[i]!);
    const lengthM = ls.reduce((s, l) => s + l.lengthM, 0) / ls.length;
    const road: RoadJson = { id: e.id, from: e.from, to: e.to, lanes: ls.length, laneIds: ls.map((l) => l.id), laneWidthM: clamp(ls.reduce((s, l) => s + l.widthM, 0) / ls.length, 1.5, 10), lengthM: Math.max(1, lengthM) };
    const speeds = ls.map((l) => clamp(l.speedMps, 0.1, 70));
    if (speeds.every((v) => v === speeds[0])) road.speedLimitMps = speeds[0]!;
    else road.laneSpeedLimitsMps = speeds;
    const pts = edgePoints(e, lanes);
    if (pts.length >= 2 && (pts[0]![0] !== pts[pts.length - 1]![0] || pts[0]![1] !== pts[pts.length - 1]![1])) road.points = pts;
    roads.push(road);
  }
  const shortEdges = roads.filter((r) => r.lengthM === 1).length;
  if (shortEdges) warnings.push(`${netFile}: ${shortEdges} edges shorter than 1 m are taken as 1 m`);

  // Movements: one per pair of edges, a lane link per connection.
  const movements: MovementJson[] = [];
  const movementOf = new Map<SumoConnection, string>();
  const used = new Set<string>();
  for (const j of net.junctions) {
    const list = conns.get(j.id) ?? [];
    const groups = new Map<string, SumoConnection[]>();
    for (const k of list) {
      const key = `${k.from}>${k.to}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(k);
    }
    for (const [id, g] of groups) {
      const mv: MovementJson = { id, from: g[0]!.from, to: g[0]!.to, type: TURN[g[0]!.dir] ?? 'through', laneLinks: [] };
      const seen = new Set<string>();
      let speed = Infinity;
      for (const k of g) {
        const fromLane = gwLane(c, k.from, k.fromLane);
        const toLane = gwLane(c, k.to, k.toLane);
        if (seen.has(`${fromLane},${toLane}`)) continue;
        seen.add(`${fromLane},${toLane}`);
        const link: LaneLinkJson = { fromLane, toLane };
        const pts = pathOf(c, k);
        if (pts.length >= 2) link.points = pts;
        const wait = waitOf(c, k);
        if (wait > 0) link.waitM = wait;
        mv.laneLinks!.push(link);
        if (k.via) speed = Math.min(speed, net.internalLanes.get(k.via)?.speedMps ?? Infinity);
        movementOf.set(k, id);
      }
      if (Number.isFinite(speed)) mv.speedLimitMps = clamp(speed, 0.5, 70);
      movements.push(mv);
      used.add(id);
    }
  }

  // Signals: which junctions each tlLogic controls.
  // keyed by SUMO's tlLogic ids, which are data (`__proto__` too): no prototype to collide with
  const tlJunctions: Record<string, string[]> = Object.create(null);
  const tlLinks: Record<string, string[]> = Object.create(null);
  for (const [id, t] of net.tlLogics) tlLinks[id] = new Array<string>(t.phases[0]!.state.length).fill('');
  for (const k of net.connections) {
    if (k.tl === undefined || k.from.startsWith(':')) continue;
    const t = net.tlLogics.get(k.tl);
    if (!t) throw new InputError(netFile, `<connection from="${k.from}" to="${k.to}"> at ${k.pos.line}:${k.pos.column} tl`, `unknown tlLogic "${k.tl}"`);
    if (k.linkIndex >= t.phases[0]!.state.length)
      throw new InputError(netFile, `<connection from="${k.from}" to="${k.to}"> at ${k.pos.line}:${k.pos.column} linkIndex`, `${k.linkIndex} is past the ${t.phases[0]!.state.length} links of tlLogic "${k.tl}" (its state strings)`);
    const mv = movementOf.get(k);
    if (mv !== undefined) tlLinks[k.tl]![k.linkIndex] = mv;
    const j = net.edgeById.get(k.from)?.to;
    if (j !== undefined && mv !== undefined) {
      const js = (tlJunctions[k.tl] ??= []);
      if (!js.includes(j)) js.push(j);
    }
  }

  const intersections: IntersectionJson[] = net.junctions.map((j) => {
    const json: IntersectionJson = { id: j.id, x: j.x, y: j.y, widthM: 0 };
    const list = conns.get(j.id) ?? [];
    if (list.length === 0) json.type = 'boundary';
    else if (list.some((k) => k.tl !== undefined)) json.type = 'signal';
    else json.type = 'uncontrolled';
    return json;
  });
  const jIndex = new Map(net.junctions.map((j, i) => [j.id, i]));

  const base: ScenarioJson = {
    format: 'greenwave-scenario',
    version: 1,
    name: opts.name ?? `sumo:${basename(dirname(netFile)) || basename(netFile)}`,
    description: `Imported from SUMO files ${basename(netFile)}${routeFiles.length ? ` and ${routeFiles.map((f) => basename(f)).join(', ')}` : ''}`,
    seed: opts.seed ?? 1,
    durationS: opts.durationS ?? 3600,
    // SUMO's clock is seconds since midnight: a run that begins later than 0 (cologne1 at 25200, 07:00) has a time of day
    ...(opts.beginS !== undefined && opts.beginS > 0 ? { startTimeOfDayS: opts.beginS % 86400 } : {}),
    stepMs: 1000,
    intersections,
    roads,
    movements,
    demand: {},
  };
  // Pass 1: the conflicts greenwave derives from the paths (every junction with connections as a signal; no phases yet).
  const candidates = new Set(intersections.filter((j) => j.type === 'uncontrolled').map((j) => j.id));
  // (shallow copies: buildNetwork and the validator only read the scenario, and a deep copy of a big net costs seconds;
  // the probe is not validated on its own: it is `base`, which is validated whole before the final build)
  const probe: ScenarioJson = { ...base, intersections: base.intersections.map((j) => (j.type === 'boundary' ? j : { ...j, type: 'signal' as const })) };
  // the final build finishes this stage (same roads and movements) unless movements are left out below
  checkLanes(base, netFile); // a net too big to run is refused before it is built
  const model1 = buildConflictModel(probe, netFile);
  const conflictOf = (jId: string): ((a: string, b: string) => boolean) => {
    const m1 = model1;
    const node = m1.intersections[jIndex.get(jId)!]!;
    const local = new Map(node.movements.map((m, k) => [m1.movements[m]!.id, k]));
    const n = node.movements.length;
    return (a, b) => m1.conflicts[node.idx]![local.get(a)! * n + local.get(b)!] === 1;
  };

  // The phases of each signal junction from its program.
  let laneLevel = 0;
  let dropped = 0;
  let uncontrolledInSignals = 0;
  for (const [tlId, js] of Object.entries(tlJunctions)) {
    const t = net.tlLogics.get(tlId)!;
    if (t.offsetS !== 0) warnings.push(`${netFile}: tlLogic "${tlId}" has offset ${t.offsetS} s; greenwave's own-plan controllers start every program at the run's start`);
    const clearance = t.phases.map((p) => [...p.state].some(isYellow) || ![...p.state].some(isGreen));
    if (clearance.every(Boolean)) throw new InputError(netFile, `<tlLogic id="${tlId}"> at ${t.pos.line}:${t.pos.column}`, 'has no green phase');
    for (const jId of js) {
      const links = tlLinks[tlId]!;
      const conf = conflictOf(jId);
      const mine = new Set((conns.get(jId) ?? []).map((k) => movementOf.get(k)).filter((m): m is string => m !== undefined));
      const phases: PhaseJson[] = t.phases.map((p, i) => {
        const prot: string[] = [];
        const perm: string[] = [];
        const red = new Set<string>();
        for (let li = 0; li < links.length; li++) {
          const m = links[li]!;
          if (!m || !mine.has(m)) continue;
          const ch = p.state[li]!;
          if (ch === 'G') prot.includes(m) || prot.push(m);
          else if (isGreen(ch)) perm.includes(m) || perm.push(m);
          else red.add(m);
        }
        for (const m of prot) if (perm.includes(m)) perm.splice(perm.indexOf(m), 1);
        // greenwave's rules: protected movements pairwise conflict-free, permitted ones too (each yields only to protected)
        const p2: string[] = [];
        for (const m of prot) (p2.some((q) => conf(q, m)) ? perm : p2).push(m);
        const q2: string[] = [];
        for (const m of perm) {
          if (!q2.some((q) => conf(q, m))) q2.push(m);
          else if (!p2.some((q) => conf(q, m))) p2.push(m);
          else dropped++;
        }
        prot.length = 0;
        prot.push(...p2);
        perm.length = 0;
        perm.push(...q2.filter((m) => !p2.includes(m)));
        if ([...red].some((m) => prot.includes(m) || perm.includes(m))) laneLevel++;
        const ph: PhaseJson = { name: p.name ?? `phase ${i}`, movements: prot, durationS: clamp(p.durationS, 0.001, 3600) };
        if (perm.length) ph.permitted = perm;
        if (clearance[i] || prot.length + perm.length === 0) ph.clearance = true;
        else {
          if (p.minDurS !== undefined) ph.minGreenS = clamp(p.minDurS, 1, 120);
          if (p.maxDurS !== undefined) ph.maxGreenS = Math.max(ph.minGreenS ?? 1, clamp(p.maxDurS, 1, 600));
          // the yellow and all-red slots that follow this green, until the next green
          let y = 0;
          let r = 0;
          for (let k = (i + 1) % t.phases.length, n = 0; clearance[k] && n < t.phases.length; k = (k + 1) % t.phases.length, n++) {
            if ([...t.phases[k]!.state].some(isYellow)) y += t.phases[k]!.durationS;
            else r += t.phases[k]!.durationS;
          }
          if (y > 0 || r > 0) {
            ph.yellowS = clamp(y > 0 ? y : Math.min(r, 2), 2, 10);
            ph.allRedS = clamp(y > 0 ? r : Math.max(0, r - 2), 0, 10);
          }
        }
        return ph;
      });
      intersections[jIndex.get(jId)!]!.phases = phases;
      intersections[jIndex.get(jId)!]!.signal = { minGreenS: 5, maxGreenS: 120 };
      const free = (conns.get(jId) ?? []).filter((k) => k.tl === undefined).length;
      uncontrolledInSignals += free;
    }
  }
  if (dropped) warnings.push(`${netFile}: ${dropped} phase entries would give two conflicting movements a yielding green together; greenwave shows them red in that phase`);
  if (laneLevel) warnings.push(`${netFile}: ${laneLevel} phase entries give the lanes of one movement different signals; greenwave signals a movement as a whole (its greenest lane)`);
  if (uncontrolledInSignals) warnings.push(`${netFile}: ${uncontrolledInSignals} connections at signalised junctions have no signal; greenwave leaves them red`);

  let priorityStandIns = 0;
  for (const node of model1.intersections) {
    if (!candidates.has(node.id)) continue;
    const m = node.movements.length;
    let conflict = false;
    for (let a = 0; a < m && !conflict; a++) for (let b = a + 1; b < m && !conflict; b++) conflict = model1.conflicts[node.idx]![a * m + b] === 1;
    if (!conflict) continue;
    const j = net.junctionById.get(node.id)!;
    intersections[node.idx] = { ...intersections[node.idx]!, type: 'signal', phases: [rightOfWay(j, conns.get(j.id) ?? [], movementOf, model1, node.idx)], signal: { minGreenS: 5, maxGreenS: 120 } };
    priorityStandIns++;
  }
  if (priorityStandIns) warnings.push(`${netFile}: ${priorityStandIns} priority junctions with conflicting links are one-phase signals that keep SUMO's right of way (major links protected, minor links yield)`);
  // Movements a program never shows green (or a right of way greenwave cannot show) are left out.
  const served = new Set<string>();
  const controlled = new Set<string>();
  for (const j of intersections) {
    if (j.type !== 'signal') continue;
    controlled.add(j.id);
    for (const ph of j.phases ?? []) for (const m of [...ph.movements, ...(ph.permitted ?? [])]) served.add(m);
  }
  const never = movements.filter((m) => controlled.has(net.edgeById.get(m.from)!.to) && !served.has(m.id!));
  if (never.length) {
    warnings.push(`${netFile}: ${never.length} movements are never green (e.g. "${never[0]!.id}") and are left out; vehicles cannot use them`);
    const gone = new Set(never.map((m) => m.id));
    base.movements = movements.filter((m) => !gone.has(m.id));
    for (const k of Object.values(tlLinks)) for (let i = 0; i < k.length; i++) if (gone.has(k[i]!)) k[i] = '';
  }
  const model = buildNetwork(validateScenario(base, netFile), netFile, model1);
  const disagreements = crossCheck(c, conns, movementOf, model);
  if (disagreements.count) warnings.push(`${netFile}: greenwave's conflict matrix and SUMO's <request> foes disagree on ${disagreements.count} pairs of movements (e.g. ${disagreements.example})`);

  const dem = convertDemand(c, demand, model, opts.beginS ?? 0, base.durationS, warnings);
  const scenario: ScenarioJson = { ...base, vehicleTypes: dem.vehicleTypes, demand: {} };
  if (dem.flows.length) scenario.demand.flows = dem.flows;
  if (dem.vehicles.length) scenario.demand.vehicles = dem.vehicles;
  if (dem.emergency.length) scenario.emergencyVehicles = dem.emergency;
  return {
    scenario,
    links: { tls: tlLinks, tlJunctions, laneLengthM: Object.assign(Object.create(null), Object.fromEntries(net.edges.flatMap((e) => e.lanes.filter((l) => l.car).map((l) => [l.id, l.lengthM])))) },
    warnings,
    counts: {
      junctions: model.intersections.length,
      signals: model.intersections.filter((n) => n.type === 'signal').length,
      tlLogics: Object.keys(tlJunctions).length,
      roads: model.roads.length,
      lanes: model.lanes.length,
      movements: model.movements.length,
      vehicles: dem.vehicles.length,
      flows: dem.flows.length,
      emergency: dem.emergency.length,
      conflictDisagreements: disagreements.count,
    },
  };
}
