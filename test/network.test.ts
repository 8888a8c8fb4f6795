/**
 * The network model (engine/network): conflicts derived from the paths through
 * an intersection, the default signal plan, the compiled typed arrays against
 * the model and its graphology graph, routing on the movement graph, and the
 * ITE clearance timing with its rounding to whole steps.
 */
import { describe, expect, it } from 'vitest';
import {
  buildConflictModel,
  buildNetwork,
  linkConflict,
  movementConflicts,
  movementTimeS,
  Router,
  type CompiledNetwork,
  type LinkModel,
  type NetworkModel,
} from '../engine/network/index.js';
import { iteAllRed, iteYellow, iteYellowRaw, toStepMs } from '../engine/network/timing.js';
import { arterialScenario, gridScenario, singleScenario, validateScenario, type ScenarioJson } from '../scenarios/index.js';
import { prepared } from './helpers.js';

/** The network model of a scenario, without drawing any demand. */
function model(sc: ScenarioJson): NetworkModel {
  return buildNetwork(validateScenario(structuredClone(sc), 'test.json'), 'test.json');
}

/**
 * A T-junction: a signal at C with legs to the west, east and south (two lanes
 * each way, default lane use), 250 m long, and a little demand on every
 * movement.
 */
function tJunction(): ScenarioJson {
  const legs: Record<string, [number, number]> = { W: [-250, 0], E: [250, 0], S: [0, -250] };
  const sc: ScenarioJson = {
    format: 'greenwave-scenario',
    version: 1,
    name: 't-junction',
    durationS: 600,
    seed: 3,
    intersections: [{ id: 'C', x: 0, y: 0, type: 'signal' }, ...Object.entries(legs).map(([id, [x, y]]) => ({ id, x, y, type: 'boundary' as const }))],
    roads: Object.keys(legs).flatMap((k) => [
      { id: `${k}-C`, from: k, to: 'C', lanes: 2 },
      { id: `C-${k}`, from: 'C', to: k, lanes: 2 },
    ]),
    demand: {
      flows: [
        ['W', 'E'],
        ['W', 'S'],
        ['E', 'W'],
        ['E', 'S'],
        ['S', 'W'],
        ['S', 'E'],
      ].map(([a, b]) => ({ id: `${a}${b}`, route: [`${a}-C`, `C-${b}`], vph: 120 })),
    },
  };
  return sc;
}

/** Local conflict test of intersection ix by movement ids. */
function conflictOf(net: NetworkModel, ix: number): (a: string, b: string) => boolean {
  const movs = net.intersections[ix]!.movements;
  const m = movs.length;
  const local = (id: string): number => {
    const g = net.movementIndex.get(id);
    if (g === undefined) throw new Error(`no movement ${id}`);
    const k = movs.indexOf(g);
    if (k < 0) throw new Error(`movement ${id} is not at intersection ${net.intersections[ix]!.id}`);
    return k;
  };
  return (a, b) => net.conflicts[ix]![local(a) * m + local(b)] === 1;
}

/** A lane link for linkConflict: only lanes and end angles matter. */
function link(fromLane: number, toLane: number, startAngle: number, endAngle: number): LinkModel {
  return { idx: 0, movement: 0, fromLane, toLane, lengthM: 20, speedMps: 10, points: [], waitM: 0, startAngle, endAngle };
}

describe('conflicts on the built-in single intersection (right-hand traffic)', () => {
  const net = model(singleScenario());
  const C = net.intersectionIndex.get('C')!;
  const conflicts = conflictOf(net, C);

  it('has twelve movements: a left, a through and a right from each of the four approaches', () => {
    const ids = net.intersections[C]!.movements.map((g) => net.movements[g]!);
    expect(ids).toHaveLength(12);
    for (const k of ['N', 'S', 'E', 'W']) {
      const from = ids.filter((mv) => net.roads[mv.fromRoad]!.id === `${k}-C`);
      expect(from.map((mv) => mv.type).sort()).toEqual(['left', 'right', 'through']);
    }
    expect(net.movements[net.movementIndex.get('N-C>C-E')!]!.type).toBe('left');
    expect(net.movements[net.movementIndex.get('N-C>C-W')!]!.type).toBe('right');
    expect(net.movements[net.movementIndex.get('W-C>C-S')!]!.type).toBe('right');
  });

  it('the north–south through crosses the east–west through', () => {
    for (const ns of ['N-C>C-S', 'S-C>C-N']) for (const ew of ['E-C>C-W', 'W-C>C-E']) expect(conflicts(ns, ew), `${ns} × ${ew}`).toBe(true);
  });

  it('opposing lefts (N-C>C-E and S-C>C-W; E-C>C-S and W-C>C-N) do not conflict', () => {
    expect(conflicts('N-C>C-E', 'S-C>C-W')).toBe(false);
    expect(conflicts('E-C>C-S', 'W-C>C-N')).toBe(false);
  });

  it('a left crosses the opposing through', () => {
    expect(conflicts('N-C>C-E', 'S-C>C-N')).toBe(true);
    expect(conflicts('S-C>C-W', 'N-C>C-S')).toBe(true);
    expect(conflicts('E-C>C-S', 'W-C>C-E')).toBe(true);
    expect(conflicts('W-C>C-N', 'E-C>C-W')).toBe(true);
  });

  it('a right turn conflicts with the through that uses the same exit (W-C>C-S with N-C>C-S): their links into one exit lane merge', () => {
    expect(conflicts('W-C>C-S', 'N-C>C-S')).toBe(true);
    const [right, through] = ['W-C>C-S', 'N-C>C-S'].map((id) => net.movements[net.movementIndex.get(id)!]!.links.map((l) => net.links[l]!));
    const sameExit = right!.flatMap((a) => through!.filter((b) => b.toLane === a.toLane).map((b) => [a, b] as const));
    expect(sameExit.length).toBeGreaterThan(0);
    for (const [a, b] of sameExit) expect(linkConflict(a, b)).toBe('merge');
    // Each movement fans out over all three exit lanes, so some of their links also cross,
    // and the movement-level kind reports the stronger conflict.
    expect(movementConflicts([right!, through!]).kinds[1]).toBe('cross');
  });

  it('a right turn and a through into different exits do not conflict (W-C>C-S with N-C>C-W, E-C>C-W)', () => {
    expect(conflicts('W-C>C-S', 'E-C>C-W')).toBe(false);
    expect(conflicts('W-C>C-S', 'N-C>C-W')).toBe(false);
  });

  it('a right turn does not conflict with the opposing through (N-C>C-W with S-C>C-N)', () => {
    expect(conflicts('N-C>C-W', 'S-C>C-N')).toBe(false);
  });

  it('movements from the same approach never conflict', () => {
    const movs = net.intersections[C]!.movements.map((g) => net.movements[g]!);
    for (const a of movs) for (const b of movs) if (a.fromRoad === b.fromRoad) expect(conflicts(a.id, b.id), `${a.id} × ${b.id}`).toBe(false);
  });

  it('the conflict matrix is symmetric with a zero diagonal', () => {
    for (const [i, matrix] of net.conflicts.entries()) {
      const m = net.intersections[i]!.movements.length;
      expect(matrix).toHaveLength(m * m);
      for (let a = 0; a < m; a++) {
        expect(matrix[a * m + a]).toBe(0);
        for (let b = 0; b < m; b++) expect(matrix[a * m + b]).toBe(matrix[b * m + a]);
      }
    }
  });
});

describe('linkConflict on hand-built lane links', () => {
  it('chords that interleave around the centre cross', () => {
    // 90° → 270° (north to south) and 0° → 180° (east to west).
    expect(linkConflict(link(0, 10, 90, 270), link(1, 11, 0, 180))).toBe('cross');
    expect(linkConflict(link(1, 11, 0, 180), link(0, 10, 90, 270))).toBe('cross');
    // also across the 0°/360° seam
    expect(linkConflict(link(0, 10, 350, 170), link(1, 11, 80, 260))).toBe('cross');
  });

  it('chords that do not interleave do not conflict', () => {
    // Two right turns at opposite corners.
    expect(linkConflict(link(0, 10, 100, 170), link(1, 11, 280, 350))).toBe('none');
    // Nested chords: one inside the arc of the other.
    expect(linkConflict(link(0, 10, 90, 270), link(1, 11, 120, 240))).toBe('none');
  });

  it('links that end in the same exit lane merge, whatever their angles', () => {
    expect(linkConflict(link(0, 10, 90, 270), link(1, 10, 0, 270))).toBe('merge');
    expect(linkConflict(link(0, 10, 100, 170), link(1, 10, 280, 350))).toBe('merge');
  });

  it('links that share their start lane only diverge: no conflict, even when they reach the same exit lane', () => {
    expect(linkConflict(link(0, 10, 90, 270), link(0, 11, 90, 180))).toBe('none');
    expect(linkConflict(link(0, 10, 90, 270), link(0, 10, 90, 270))).toBe('none');
  });

  it('movementConflicts: a movement conflicts with another if any pair of their links does, crossing wins over merging', () => {
    const a = [link(0, 10, 100, 170)];
    const b = [link(1, 11, 280, 350), link(1, 10, 280, 170)];
    const c = [link(2, 12, 135, 315)];
    const { matrix, kinds } = movementConflicts([a, b, c]);
    expect(Array.from(matrix)).toEqual([0, 1, 1, 1, 0, 1, 1, 1, 0]);
    expect(kinds[0 * 3 + 1]).toBe('merge');
    expect(kinds[0 * 3 + 2]).toBe('cross');
    expect(kinds[1 * 3 + 2]).toBe('cross');
  });
});

/** The phases of intersection ix as lists of movement ids. */
function phaseIds(net: NetworkModel, ix: number): Array<{ name: string; movements: string[] }> {
  return net.intersections[ix]!.phases.map((k) => ({
    name: net.phases[k]!.name,
    movements: net.phases[k]!.movements.map((g) => net.movements[g]!.id).sort(),
  }));
}

/** Every phase conflict-free and every movement of the intersection in some phase. */
function expectConflictFreeCover(net: NetworkModel, ix: number): void {
  const conflicts = conflictOf(net, ix);
  const phases = phaseIds(net, ix);
  expect(phases.length).toBeGreaterThan(0);
  for (const p of phases) {
    expect(p.movements.length, p.name).toBeGreaterThan(0);
    for (const a of p.movements) for (const b of p.movements) expect(conflicts(a, b), `${p.name}: ${a} × ${b}`).toBe(false);
  }
  const served = new Set(phases.flatMap((p) => p.movements));
  for (const g of net.intersections[ix]!.movements) expect(served.has(net.movements[g]!.id), net.movements[g]!.id).toBe(true);
}

describe('default phases', () => {
  it('single: four phases, E-W left, E-W through, N-S left, N-S through', () => {
    const net = model(singleScenario());
    const phases = phaseIds(net, net.intersectionIndex.get('C')!);
    expect(phases).toEqual([
      { name: 'E-W left', movements: ['E-C>C-S', 'W-C>C-N'] },
      { name: 'E-W through', movements: ['E-C>C-N', 'E-C>C-W', 'W-C>C-E', 'W-C>C-S'] },
      { name: 'N-S left', movements: ['N-C>C-E', 'S-C>C-W'] },
      { name: 'N-S through', movements: ['N-C>C-S', 'N-C>C-W', 'S-C>C-E', 'S-C>C-N'] },
    ]);
  });

  it('single: each phase is conflict-free and together they serve every movement exactly once', () => {
    const net = model(singleScenario());
    const C = net.intersectionIndex.get('C')!;
    expectConflictFreeCover(net, C);
    const all = phaseIds(net, C).flatMap((p) => p.movements);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(12);
  });

  it('a T-junction (three legs) gets a conflict-free plan covering every movement', () => {
    const net = model(tJunction());
    const C = net.intersectionIndex.get('C')!;
    expect(net.intersections[C]!.movements.map((g) => net.movements[g]!.id).sort()).toEqual(
      ['E-C>C-S', 'E-C>C-W', 'S-C>C-E', 'S-C>C-W', 'W-C>C-E', 'W-C>C-S'].sort(),
    );
    expectConflictFreeCover(net, C);
    // The left from the east crosses the opposing (eastbound) through.
    expect(conflictOf(net, C)('E-C>C-S', 'W-C>C-E')).toBe(true);
  });

  it('every signal of a grid and an arterial gets a conflict-free plan covering every movement', () => {
    for (const sc of [gridScenario({ rows: 3, cols: 3 }), arterialScenario({ n: 3 })]) {
      const net = model(sc);
      for (const n of net.intersections) if (n.type === 'signal') expectConflictFreeCover(net, n.idx);
    }
  });

  it('boundary nodes have neither movements nor phases', () => {
    const net = model(singleScenario());
    for (const n of net.intersections.filter((x) => x.type === 'boundary')) {
      expect(n.movements).toEqual([]);
      expect(n.phases).toEqual([]);
    }
  });
});

describe('finishing a conflict stage (an importer writes phases from the conflicts, then builds once)', () => {
  // every intersection's type given, as an importer writes them; the stage is built with all of them signals
  const base = gridScenario({ rows: 3, cols: 3 });
  const typed = buildNetwork(validateScenario(base, 'grid'), 'grid');
  const sc: ScenarioJson = { ...base, intersections: base.intersections.map((j, i) => ({ ...j, type: typed.intersections[i]!.type })) };
  sc.intersections[4] = { ...sc.intersections[4]!, signal: { minGreenS: 9, maxGreenS: 50 } };
  // the stage knows no timing: the finished model takes the scenario's
  const probe = (): ScenarioJson => ({ ...sc, intersections: sc.intersections.map(({ signal: _, ...j }) => (j.type === 'boundary' ? j : { ...j, type: 'signal' as const })) });
  const view = (m: NetworkModel): string =>
    JSON.stringify({ i: m.intersections, r: m.roads, l: m.lanes, mv: m.movements, k: m.links, p: m.phases, d: m.detectors, c: m.conflicts.map((x) => [...x]), g: m.graph.export() });

  it('gives the model a whole build gives, on the stage itself (nothing built twice)', () => {
    const stage = buildConflictModel(probe(), 'grid');
    const finished = buildNetwork(sc, 'grid', stage);
    expect(finished.links).toBe(stage.links);
    expect(finished.intersections[4]!.timing).toMatchObject({ minGreenS: 9, maxGreenS: 50 });
    expect(finished.phases.filter((p) => p.inter === 4).every((p) => p.minGreenS === 9)).toBe(true);
    expect(view(finished)).toBe(view(buildNetwork(sc, 'grid')));
  });

  it('builds whole when the stage does not fit (other movements, or finished already)', () => {
    const stage = buildConflictModel(probe(), 'grid');
    const other = { ...sc, movements: [...(sc.movements ?? [])] };
    const m = buildNetwork(other, 'grid', stage);
    expect(m.links).not.toBe(stage.links);
    expect(stage.intersections.every((n) => n.phases.length === 0)).toBe(true);
    const once = buildNetwork(sc, 'grid', stage);
    expect(buildNetwork(sc, 'grid', stage).links).not.toBe(once.links);
  });
});

describe('the compiled arrays agree with the model and the graphology graph', () => {
  const cases: Array<[string, ScenarioJson]> = [
    ['single', singleScenario({ durationS: 600 })],
    ['T-junction', tJunction()],
    ['grid-3x3', gridScenario({ rows: 3, cols: 3, durationS: 600 })],
  ];

  describe.each(cases)('%s', (_name, sc) => {
    const p = prepared(sc);
    const net: CompiledNetwork = p.net;
    const m = p.model;

    it('every intersection is a node and every road a directed edge from → to carrying its lanes', () => {
      expect(m.graph.order).toBe(net.nInter);
      expect(m.graph.size).toBe(net.nRoads);
      for (const n of m.intersections) expect(m.graph.getNodeAttribute(n.id, 'idx')).toBe(n.idx);
      for (const r of m.roads) {
        expect(m.graph.hasEdge(r.id), r.id).toBe(true);
        expect(m.graph.source(r.id)).toBe(m.intersections[r.from]!.id);
        expect(m.graph.target(r.id)).toBe(m.intersections[r.to]!.id);
        expect(m.graph.getEdgeAttribute(r.id, 'lanes')).toBe(r.lanes);
        expect(m.graph.getEdgeAttribute(r.id, 'idx')).toBe(r.idx);
        expect(net.roadIds[r.idx]).toBe(r.id);
        expect(net.roadFrom[r.idx]).toBe(m.intersectionIndex.get(m.graph.source(r.id)));
        expect(net.roadTo[r.idx]).toBe(m.intersectionIndex.get(m.graph.target(r.id)));
      }
    });

    it('roadFirstLane/roadLanes give each road its own contiguous lanes, in order', () => {
      let next = 0;
      for (let r = 0; r < net.nRoads; r++) {
        expect(net.roadFirstLane[r]).toBe(next);
        expect(net.roadLanes[r]).toBe(m.roads[r]!.lanes);
        for (let k = 0; k < net.roadLanes[r]!; k++) {
          const lane = net.roadFirstLane[r]! + k;
          expect(net.laneRoad[lane]).toBe(r);
          expect(net.laneIndex[lane]).toBe(k);
          expect(net.laneIds[lane]).toBe(`${m.roads[r]!.id}_${k}`);
        }
        next += net.roadLanes[r]!;
      }
      expect(next).toBe(net.nLanes);
    });

    it("each link drivable leaves a lane of its movement's from-road and enters a lane of its to-road", () => {
      expect(net.nDrv).toBe(net.nLanes + net.nLinks);
      for (let k = 0; k < net.nLinks; k++) {
        const mv = net.linkMov[k]!;
        const from = net.linkFromLane[k]!;
        const to = net.linkToLane[k]!;
        expect(net.laneRoad[from]).toBe(net.movFromRoad[mv]);
        expect(net.laneRoad[to]).toBe(net.movToRoad[mv]);
        expect(net.movLinkStart[mv]! <= k && k < net.movLinkStart[mv + 1]!).toBe(true);
        expect(net.drvLengthM[net.nLanes + k]).toBe(m.links[k]!.lengthM);
        expect(net.drvSpeedMps[net.nLanes + k]).toBe(m.links[k]!.speedMps);
        // the movement is at the intersection where the from-road ends
        expect(net.roadTo[net.movFromRoad[mv]!]).toBe(net.movInter[mv]);
        expect(net.roadFrom[net.movToRoad[mv]!]).toBe(net.movInter[mv]);
      }
    });

    it('laneOut/laneIn (CSR) list exactly the links starting/ending at each lane', () => {
      for (let lane = 0; lane < net.nLanes; lane++) {
        const out = Array.from(net.laneOut.subarray(net.laneOutStart[lane]!, net.laneOutStart[lane + 1]!)).sort((a, b) => a - b);
        const inn = Array.from(net.laneIn.subarray(net.laneInStart[lane]!, net.laneInStart[lane + 1]!)).sort((a, b) => a - b);
        const wantOut: number[] = [];
        const wantIn: number[] = [];
        for (let k = 0; k < net.nLinks; k++) {
          if (net.linkFromLane[k] === lane) wantOut.push(net.nLanes + k);
          if (net.linkToLane[k] === lane) wantIn.push(net.nLanes + k);
        }
        expect(out, net.laneIds[lane]).toEqual(wantOut);
        expect(inn, net.laneIds[lane]).toEqual(wantIn);
      }
      expect(net.laneOutStart[net.nLanes]).toBe(net.nLinks);
      expect(net.laneInStart[net.nLanes]).toBe(net.nLinks);
    });

    it('movements and phases are contiguous per intersection (interMovStart, interPhaseStart)', () => {
      expect(net.interMovStart[0]).toBe(0);
      expect(net.interMovStart[net.nInter]).toBe(net.nMov);
      expect(net.interPhaseStart[0]).toBe(0);
      expect(net.interPhaseStart[net.nInter]).toBe(net.nPhases);
      for (let i = 0; i < net.nInter; i++) {
        const movs: number[] = [];
        for (let g = net.interMovStart[i]!; g < net.interMovStart[i + 1]!; g++) {
          expect(net.movInter[g]).toBe(i);
          movs.push(g);
        }
        expect(movs).toEqual(m.intersections[i]!.movements);
        const phases: number[] = [];
        for (let k = net.interPhaseStart[i]!; k < net.interPhaseStart[i + 1]!; k++) {
          expect(net.phaseInter[k]).toBe(i);
          phases.push(k);
          // a phase serves only movements of its own intersection
          for (let q = net.phaseMovStart[k]!; q < net.phaseMovStart[k + 1]!; q++) expect(net.movInter[net.phaseMovs[q]!]).toBe(i);
        }
        expect(phases).toEqual(m.intersections[i]!.phases);
      }
    });

    it('movConf lists exactly the 1s of the conflict matrix', () => {
      for (let i = 0; i < net.nInter; i++) {
        const base = net.interMovStart[i]!;
        const mm = net.interMovStart[i + 1]! - base;
        expect(net.interConfOff[i + 1]! - net.interConfOff[i]!).toBe(mm * mm);
        for (let a = 0; a < mm; a++) {
          const want: number[] = [];
          for (let b = 0; b < mm; b++) {
            expect(net.conflict[net.interConfOff[i]! + a * mm + b]).toBe(m.conflicts[i]![a * mm + b]);
            if (m.conflicts[i]![a * mm + b] === 1) want.push(base + b);
          }
          const g = base + a;
          expect(Array.from(net.movConf.subarray(net.movConfStart[g]!, net.movConfStart[g + 1]!))).toEqual(want);
        }
      }
    });

    it('every signalised movement has a non-zero yellow and all-red, rounded up to whole steps', () => {
      for (let g = 0; g < net.nMov; g++) {
        if (net.interType[net.movInter[g]!] !== 1) continue;
        expect(net.movYellowMs[g]! % net.stepMs).toBe(0);
        expect(net.movYellowMs[g]!).toBeGreaterThanOrEqual(3000);
        expect(net.movAllRedMs[g]!).toBeGreaterThanOrEqual(1000);
      }
      for (const ph of m.phases) {
        expect(net.phaseYellowMs[ph.idx]!).toBeGreaterThanOrEqual(ph.yellowS * 1000);
        expect(net.phaseYellowMs[ph.idx]!).toBeLessThan(ph.yellowS * 1000 + net.stepMs);
        expect(net.phaseAllRedMs[ph.idx]!).toBeGreaterThanOrEqual(ph.allRedS * 1000);
        expect(net.phaseMinGreenMs[ph.idx]!).toBeGreaterThanOrEqual(ph.minGreenS * 1000);
      }
    });

    it('design volumes are positive for the movements that flows use', () => {
      const used = new Set<number>();
      for (let k = 0; k < p.trips.n; k++)
        for (let q = p.trips.routeOff[k]!; q < p.trips.routeOff[k]! + p.trips.routeLen[k]! - 1; q++) used.add(p.trips.routeMoves[q]!);
      expect(used.size).toBeGreaterThan(0);
      for (let g = 0; g < net.nMov; g++) {
        if (used.has(g)) expect(net.movDesignVph[g], net.movementIds[g]).toBeGreaterThan(0);
        else expect(net.movDesignVph[g], net.movementIds[g]).toBe(0);
      }
    });
  });

  it('design volumes are 0 for movements no vehicle uses, and count/duration for the ones they do', () => {
    const sc = singleScenario({ durationS: 600 });
    sc.demand = {
      vehicles: [
        ...Array.from({ length: 10 }, (_, i) => ({ id: `we${i}`, departS: 10 + 30 * i, route: ['W-C', 'C-E'] })),
        ...Array.from({ length: 5 }, (_, i) => ({ id: `ne${i}`, departS: 20 + 60 * i, route: ['N-C', 'C-E'] })),
      ],
    };
    const p = prepared(sc);
    const vph = (id: string): number => p.net.movDesignVph[p.model.movementIndex.get(id)!]!;
    // Runs shorter than 15 minutes use the mean rate over the run.
    expect(vph('W-C>C-E')).toBeCloseTo((10 / 600) * 3600, 6);
    expect(vph('N-C>C-E')).toBeCloseTo((5 / 600) * 3600, 6);
    const zero = p.net.movementIds.filter((id) => id !== 'W-C>C-E' && id !== 'N-C>C-E');
    expect(zero).toHaveLength(10);
    for (const id of zero) expect(vph(id), id).toBe(0);
  });
});

describe('routing on the movement graph', () => {
  it("route('W', 'E') on single is W-C then C-E", () => {
    const net = model(singleScenario());
    const r = new Router(net).route('W', 'E');
    expect(r?.map((k) => net.roads[k]!.id)).toEqual(['W-C', 'C-E']);
  });

  it('a route may start and end on roads instead of intersections', () => {
    const net = model(singleScenario());
    const router = new Router(net);
    expect(router.route('N-C', 'C-W')?.map((k) => net.roads[k]!.id)).toEqual(['N-C', 'C-W']);
    expect(router.route('N-C', 'N-C')?.map((k) => net.roads[k]!.id)).toEqual(['N-C']);
  });

  describe('on grid-3x3', () => {
    const net = model(gridScenario({ rows: 3, cols: 3 }));
    const router = new Router(net);
    const ids = (r: readonly number[] | null): string[] | undefined => r?.map((k) => net.roads[k]!.id);

    /** Consecutive roads of a route are joined by a movement, i.e. the route is drivable. */
    function expectConnected(route: readonly number[]): void {
      for (let i = 1; i < route.length; i++) {
        expect(net.roads[route[i - 1]!]!.to).toBe(net.roads[route[i]!]!.from);
        expect(net.movementByRoads.has(`${route[i - 1]},${route[i]}`), `${net.roads[route[i - 1]!]!.id} → ${net.roads[route[i]!]!.id}`).toBe(true);
      }
    }

    /** Free-flow time computed by hand from lanes (lane 0 of each road) and lane links (their mean). */
    function freeFlowByHand(route: readonly number[]): number {
      let t = 0;
      for (let i = 0; i < route.length; i++) {
        const lane = net.lanes[net.roads[route[i]!]!.firstLane]!;
        t += lane.lengthM / lane.speedMps;
        if (i + 1 < route.length) {
          const mv = net.movements[net.movementByRoads.get(`${route[i]},${route[i + 1]}`)!]!;
          t += mv.links.reduce((s, l) => s + net.links[l]!.lengthM / net.links[l]!.speedMps, 0) / mv.links.length;
        }
      }
      return t;
    }

    it('a route between two boundary nodes is connected, starts at the origin and ends at the destination', () => {
      for (const [from, to] of [
        ['W0', 'E2'],
        ['N0', 'S2'],
        ['E1', 'N1'],
        ['S0', 'W2'],
      ] as const) {
        const route = router.route(from, to);
        expect(route, `${from} → ${to}`).not.toBeNull();
        expectConnected(route!);
        expect(net.intersections[net.roads[route![0]!]!.from]!.id).toBe(from);
        expect(net.intersections[net.roads[route!.at(-1)!]!.to]!.id).toBe(to);
      }
    });

    it('its free-flow time equals the sum over its lanes and lane links', () => {
      for (const [from, to] of [
        ['W0', 'E2'],
        ['N0', 'S2'],
        ['E1', 'N1'],
      ] as const) {
        const route = router.route(from, to)!;
        expect(router.freeFlowS(route)).toBeCloseTo(freeFlowByHand(route), 9);
        let viaMovementTime = 0;
        for (let i = 0; i < route.length; i++) {
          viaMovementTime += router.roadTimeS[route[i]!]!;
          if (i + 1 < route.length) viaMovementTime += movementTimeS(net, net.movementByRoads.get(`${route[i]},${route[i + 1]}`)!);
        }
        expect(viaMovementTime).toBeCloseTo(freeFlowByHand(route), 9);
      }
    });

    it('takes a shortest route: straight across is 5 roads, corner to opposite corner 6', () => {
      expect(ids(router.route('W1', 'E1'))).toEqual(['W1-i_1_0', 'i_1_0-i_1_1', 'i_1_1-i_1_2', 'i_1_2-E1']);
      expect(router.route('W0', 'E2')).toHaveLength(6);
      // no route is slower than the one along row 0 then down column 2
      const manual = ['W0-i_0_0', 'i_0_0-i_0_1', 'i_0_1-i_0_2', 'i_0_2-i_1_2', 'i_1_2-i_2_2', 'i_2_2-E2'].map((id) => net.roadIndex.get(id)!);
      expectConnected(manual);
      expect(router.freeFlowS(router.route('W0', 'E2')!)).toBeLessThanOrEqual(router.freeFlowS(manual) + 1e-9);
    });

    it('expand fills the gap between non-adjacent anchor roads with a shortest path', () => {
      const anchors = ['W1-i_1_0', 'i_1_2-E1'].map((id) => net.roadIndex.get(id)!);
      const full = router.expand(anchors);
      expect(ids(full)).toEqual(['W1-i_1_0', 'i_1_0-i_1_1', 'i_1_1-i_1_2', 'i_1_2-E1']);
      expectConnected(full!);
    });

    it('expand keeps adjacent anchors as they are, and every anchor in order', () => {
      const anchors = ['N0-i_0_0', 'i_0_0-i_0_1', 'i_2_1-S1'].map((id) => net.roadIndex.get(id)!);
      const full = router.expand(anchors)!;
      expectConnected(full);
      expect(full.slice(0, 2)).toEqual(anchors.slice(0, 2));
      expect(full.at(-1)).toBe(anchors[2]);
      expect(ids(full)).toEqual(['N0-i_0_0', 'i_0_0-i_0_1', 'i_0_1-i_1_1', 'i_1_1-i_2_1', 'i_2_1-S1']);
    });
  });

  describe('unreachable destinations', () => {
    // single without the road from C to E: E can be left but not reached.
    const sc = singleScenario();
    sc.roads = sc.roads.filter((r) => r.id !== 'C-E');
    sc.demand = { vehicles: [{ id: 'v', departS: 0, route: ['N-C', 'C-S'] }] };
    const net = model(sc);
    const router = new Router(net);

    it('route gives null for an intersection or road that cannot be reached', () => {
      expect(router.route('W', 'E')).toBeNull();
      expect(router.route('W-C', 'E-C')).toBeNull();
      expect(router.route('E', 'W')?.map((k) => net.roads[k]!.id)).toEqual(['E-C', 'C-W']);
    });

    it('expand gives null when a gap cannot be closed', () => {
      expect(router.expand(['W-C', 'E-C'].map((id) => net.roadIndex.get(id)!))).toBeNull();
    });

    it('unknown ids are an error, not null', () => {
      expect(() => router.route('nowhere', 'E')).toThrow(/unknown origin "nowhere"/);
      expect(() => router.route('W', 'nowhere')).toThrow(/unknown destination "nowhere"/);
    });
  });
});

describe('clearance timing (ITE) and rounding to steps', () => {
  it('yellow: 50 km/h on the level → 3.28 s', () => {
    expect(iteYellowRaw(50 / 3.6)).toBeCloseTo(3.28, 2);
    expect(iteYellow(50 / 3.6)).toBeCloseTo(3.28, 2);
  });

  it('yellow: 40 mph on the level → 3.93 s', () => {
    expect(iteYellowRaw(40 * 0.44704)).toBeCloseTo(3.93, 2);
  });

  it('an uphill grade shortens the yellow and a downhill grade lengthens it', () => {
    const v = 50 / 3.6;
    expect(iteYellowRaw(v, 0.04)).toBeLessThan(iteYellowRaw(v));
    expect(iteYellowRaw(v, -0.04)).toBeGreaterThan(iteYellowRaw(v));
  });

  it('the clamped yellow stays within 3–6 s; the raw one does not', () => {
    expect(iteYellowRaw(5)).toBeLessThan(3);
    expect(iteYellow(5)).toBe(3);
    expect(iteYellowRaw(40)).toBeGreaterThan(6);
    expect(iteYellow(40)).toBe(6);
  });

  it('all-red is (W + L)/v with a 6 m design vehicle, clamped to 1–6 s', () => {
    expect(iteAllRed(24, 15)).toBeCloseTo(2, 9);
    expect(iteAllRed(1, 20)).toBe(1);
    expect(iteAllRed(100, 10)).toBe(6);
  });

  it('the single intersection gets the 50 km/h yellow (13.89 m/s), shown as 4 whole 1 s steps', () => {
    const p = prepared(singleScenario());
    for (const ph of p.model.phases) {
      expect(ph.yellowS).toBeCloseTo(3.28, 2);
      expect(p.net.phaseYellowMs[ph.idx]).toBe(4000);
    }
  });

  it('toStepMs rounds up to whole steps and never shortens', () => {
    for (const stepMs of [100, 200, 250, 500, 1000]) {
      for (let ms = 0; ms <= 10_000; ms += 7) {
        const s = ms / 1000;
        const out = toStepMs(s, stepMs);
        expect(out % stepMs === 0, `${s} s in ${stepMs} ms steps → ${out}`).toBe(true);
        expect(out).toBeGreaterThanOrEqual(ms);
        expect(out).toBeLessThan(ms + stepMs);
      }
    }
    expect(toStepMs(3.28, 1000)).toBe(4000);
    expect(toStepMs(3.0, 1000)).toBe(3000);
    expect(toStepMs(3.001, 1000)).toBe(4000);
    expect(toStepMs(2.1, 500)).toBe(2500);
  });

  it('toStepMs is not fooled by floating-point noise: 0.1 + 0.2 s in 100 ms steps is 300 ms', () => {
    expect(toStepMs(0.1 + 0.2, 100)).toBe(300);
    expect(toStepMs(0.7 * 3, 100)).toBe(2100);
  });
});
