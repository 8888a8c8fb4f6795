/**
 * Detectors as a controller sees them (sim/detectors.ts, filled by the
 * simulator): loops count each vehicle once and measure occupancy from its
 * swept path, so a fast vehicle cannot jump over a short loop between two
 * samples; lane-area (camera) detectors report the vehicles on the lane, the
 * halting ones and the standing queue's length.
 */
import { describe, expect, it } from 'vitest';
import { singleScenario, type ScenarioJson } from '../scenarios/index.js';
import { createSimulation, HALTING_SPEED_MPS } from '../sim/index.js';
import { STOP_LINE_OFFSET_M } from '../sim/simulation.js';
import { phaseServing, prepared, scriptedController } from './helpers.js';

/** Detector index by id. */
function detector(ids: readonly string[], id: string): number {
  const d = ids.indexOf(id);
  if (d < 0) throw new Error(`no detector ${id}`);
  return d;
}

describe('the detector layout of the single intersection', () => {
  const p = prepared(singleScenario({ durationS: 60 }));
  const ids = p.net.detectorIds;

  it('each approach lane has a stop-line loop, a 2 m advance loop 40 m upstream and a camera over the last 200 m', () => {
    for (const road of ['N-C', 'S-C', 'E-C', 'W-C'])
      for (let k = 0; k < 3; k++) {
        const lane = p.net.laneIds.indexOf(`${road}_${k}`);
        const L = p.net.drvLengthM[lane]!;
        const stop = detector(ids, `${road}_${k}_stop`);
        const adv = detector(ids, `${road}_${k}_adv`);
        const cam = detector(ids, `${road}_${k}_cam`);
        for (const d of [stop, adv, cam]) expect(p.net.detLane[d]).toBe(lane);
        expect(p.net.detEndM[stop]).toBeCloseTo(L, 9);
        expect(p.net.detEndM[stop]! - p.net.detStartM[stop]!).toBeCloseTo(6, 9);
        expect(p.net.detEndM[adv]).toBeCloseTo(L - 40, 9);
        expect(p.net.detEndM[adv]! - p.net.detStartM[adv]!).toBeCloseTo(2, 9);
        expect(p.net.detStartM[cam]).toBeCloseTo(L - 200, 9);
        expect(p.net.detEndM[cam]).toBeCloseTo(L, 9);
        expect(p.net.laneCamera[lane]).toBe(cam);
      }
  });

  it('exit lanes (towards boundary nodes) have only a camera', () => {
    for (const road of ['C-N', 'C-S', 'C-E', 'C-W'])
      for (let k = 0; k < 3; k++) {
        expect(ids).toContain(`${road}_${k}_cam`);
        expect(ids).not.toContain(`${road}_${k}_stop`);
        expect(ids).not.toContain(`${road}_${k}_adv`);
      }
  });
});

describe('a lone vehicle at full speed over a 2 m advance loop', () => {
  // One vehicle from the west going straight through, green all the time.
  const sc: ScenarioJson = singleScenario({ durationS: 90 });
  sc.demand = { vehicles: [{ id: 'solo', departS: 3, route: ['W-C', 'C-E'] }] };
  const p = prepared(sc);
  const net = p.net;
  const dt = net.stepMs / 1000;
  const phase = phaseServing(p, 0, 'W-C>C-E');
  const sim = createSimulation(p, scriptedController(() => phase));
  const lenM = p.types[p.trips.vtype[0]!]!.lengthM;

  /** Per step: the drivable the vehicle started the step on, its front before and after, its speed, and detector readings after. */
  const steps: Array<{ drv: number; a: number; b: number; speed: number; presence: Uint8Array; count: Float64Array; occ: Float64Array }> = [];
  while (!sim.done) {
    const v = sim.tripVeh[0]!;
    const drv = v >= 0 ? sim.vDrv[v]! : -1;
    const a = v >= 0 ? sim.vPos[v]! : NaN;
    sim.step();
    const speed = v >= 0 ? sim.vSpeed[v]! : NaN;
    steps.push({
      drv,
      a,
      b: a + speed * dt,
      speed,
      presence: sim.detectors.presence.slice(),
      count: sim.detectors.count.slice(),
      occ: sim.detectors.occupancyMs.slice(),
    });
  }
  const lane = steps.find((st) => st.drv >= 0)!.drv;
  /** The steps it starts on its approach lane. */
  const onLane = steps.filter((st) => st.drv === lane);
  const adv = detector(net.detectorIds, `${net.laneIds[lane]}_adv`);
  const s = net.detStartM[adv]!;
  const e = net.detEndM[adv]!;
  const last = steps.at(-1)!;

  it('drives the approach lane at the speed limit (13.89 m/s), covering about 14 m per 1 s step', () => {
    expect(sim.completed).toBe(1);
    expect(net.laneRoad[lane]).toBe(p.model.roadIndex.get('W-C'));
    const near = onLane.filter((st) => st.b >= s - 30 && st.a <= e + 20);
    expect(near.length).toBeGreaterThan(0);
    for (const st of near) expect(st.speed).toBeCloseTo(13.89, 6);
    expect(e - s).toBeCloseTo(2, 9);
  });

  it('never stands on the loop at a step boundary: it jumps over it within one step', () => {
    for (const st of onLane) {
      expect(st.a < s || st.a > e, `front at ${st.a} before a step`).toBe(true);
      expect(st.b < s || st.b > e, `front at ${st.b} after a step`).toBe(true);
    }
    expect(onLane.some((st) => st.a < s && st.b > e)).toBe(true);
  });

  it('is counted exactly once, in the step its front passes the start of the loop', () => {
    expect(last.count[adv]).toBe(1);
    const k = steps.findIndex((st) => st.count[adv] === 1);
    expect(steps[k]!.a).toBeLessThan(s);
    expect(steps[k]!.b).toBeGreaterThanOrEqual(s);
    for (let j = k; j < steps.length; j++) expect(steps[j]!.count[adv]).toBe(1);
  });

  it('no other loop on the approach counts it, except its own lane’s stop-line and set-back count loops', () => {
    const own = [`${net.laneIds[lane]}_stop`, `${net.laneIds[lane]}_cnt`];
    for (let d = 0; d < net.nDet; d++) {
      if (d === adv || own.includes(net.detectorIds[d]!)) continue;
      expect(last.count[d], net.detectorIds[d]).toBe(0);
    }
    for (const id of own) expect(last.count[detector(net.detectorIds, id)], id).toBe(1);
  });

  it('its occupancy is (loop length + vehicle length) / speed: (2 + 5) m / 13.89 m/s ≈ 504 ms', () => {
    expect(last.occ[adv]).toBeCloseTo(((2 + lenM) / 13.89) * 1000, 3);
  });

  it('presence is 1 during the steps in which it is over the loop, and 0 before and afterwards', () => {
    let present = 0;
    for (const st of onLane) {
      // Over the loop: its front in [s, e + length] at some time during the step.
      const over = st.b >= s && st.a <= e + lenM;
      expect(st.presence[adv], `front ${st.a.toFixed(1)} → ${st.b.toFixed(1)}`).toBe(over ? 1 : 0);
      present += st.presence[adv]!;
    }
    // 7 m of front travel at 13.89 m/s is half a step, in one step or split over two.
    expect(present).toBeGreaterThanOrEqual(1);
    expect(present).toBeLessThanOrEqual(2);
    expect(last.presence[adv]).toBe(0);
  });
});

describe('a queue standing at a red stop line', () => {
  // Five left-turners from the north (the left lane N-C_0 serves only lefts), red until 60 s.
  const n = 5;
  const sc: ScenarioJson = singleScenario({ durationS: 150 });
  sc.demand = { vehicles: Array.from({ length: n }, (_, i) => ({ id: `q${i}`, departS: 2 * i, route: ['N-C', 'C-E'] })) };
  const p = prepared(sc);
  const net = p.net;
  const redUntilMs = 60_000;
  const other = phaseServing(p, 0, 'W-C>C-E');
  const mine = phaseServing(p, 0, 'N-C>C-E');
  const sim = createSimulation(p, scriptedController((_ix, t) => (t < redUntilMs ? other : mine)));
  const lane = net.laneIds.indexOf('N-C_0');
  const stop = detector(net.detectorIds, 'N-C_0_stop');
  const adv = detector(net.detectorIds, 'N-C_0_adv');
  const cam = detector(net.detectorIds, 'N-C_0_cam');
  const car = p.types[p.trips.vtype[0]!]!;
  const mv = p.model.movementIndex.get('N-C>C-E')!;

  const rows: Array<{
    t: number;
    onLane: number;
    inView: number;
    allStanding: boolean;
    green: boolean;
    presence: number;
    stopCount: number;
    advCount: number;
    vehicles: number;
    halting: number;
    queueM: number;
  }> = [];
  while (!sim.done) {
    sim.step();
    const vs = sim.vehiclesOn(lane);
    rows.push({
      t: sim.nowMs,
      onLane: vs.length,
      inView: vs.filter((v) => sim.vPos[v]! >= net.detStartM[cam]! && sim.vPos[v]! <= net.detEndM[cam]!).length,
      allStanding: vs.length === n && vs.every((v) => sim.vSpeed[v]! < HALTING_SPEED_MPS),
      green: sim.signals.movState[mv] === 2,
      presence: sim.detectors.presence[stop]!,
      stopCount: sim.detectors.count[stop]!,
      advCount: sim.detectors.count[adv]!,
      vehicles: sim.detectors.vehicles[cam]!,
      halting: sim.detectors.halting[cam]!,
      queueM: sim.detectors.queueM[cam]!,
    });
  }
  const standing = rows.filter((r) => r.allStanding && !r.green);
  const firstGreen = rows.findIndex((r) => r.green);

  it('all five vehicles come to a stand behind the stop line well before the green', () => {
    expect(standing.length).toBeGreaterThan(20);
    expect(firstGreen).toBeGreaterThan(0);
    expect(rows[firstGreen]!.t).toBeGreaterThanOrEqual(redUntilMs);
    expect(sim.collisions + sim.redRunning).toBe(0);
  });

  it('the stop-line loop stays present every step while the queue stands', () => {
    for (const r of standing) expect(r.presence, `t=${r.t}`).toBe(1);
    // Only the first vehicle is on the loop; the others stand behind it.
    for (const r of standing) expect(r.stopCount).toBe(1);
    for (const r of standing) expect(r.advCount).toBe(n);
  });

  it('the camera reports every vehicle within its 200 m, all of them halting', () => {
    for (const r of rows) expect(r.vehicles, `t=${r.t}`).toBe(r.inView);
    for (const r of standing) {
      expect(r.vehicles).toBe(n);
      expect(r.halting).toBe(n);
    }
  });

  it('the queue reaches about n × (length + gap) back from the stop line', () => {
    const perVehicle = car.lengthM + car.minGapM;
    for (const r of standing)
      expect(Math.abs(r.queueM - n * perVehicle), `t=${r.t}: ${r.queueM} m`).toBeLessThanOrEqual(car.minGapM);
    // Once the queue has settled, exactly: the set-back from the line, then n vehicles and n − 1 minimum gaps.
    expect(standing.at(-1)!.queueM).toBeCloseTo(STOP_LINE_OFFSET_M + n * car.lengthM + (n - 1) * car.minGapM, 1);
  });

  it('after the green the queue length goes back to 0, and every vehicle has been counted by both loops', () => {
    const after = rows.slice(firstGreen);
    const empty = after.findIndex((r) => r.onLane === 0);
    expect(empty).toBeGreaterThan(0);
    for (const r of after.slice(empty)) {
      expect(r.queueM).toBe(0);
      expect(r.vehicles).toBe(0);
      expect(r.halting).toBe(0);
    }
    // Queue length only shrinks once it starts to discharge.
    const standingQueue = standing.at(-1)!.queueM;
    for (const r of after) expect(r.queueM).toBeLessThanOrEqual(standingQueue + 1e-9);
    expect(rows.at(-1)!.stopCount).toBe(n);
    expect(rows.at(-1)!.advCount).toBe(n);
    expect(sim.completed).toBe(n);
  });
});

describe('loop counts over a whole run', () => {
  // The default single demand for 8 minutes, then time for every vehicle to leave.
  const sc: ScenarioJson = singleScenario({ durationS: 900 });
  for (const f of sc.demand.flows!) f.endS = 480;
  const p = prepared(sc);
  const net = p.net;
  const sim = createSimulation(p, 'actuated');
  const loops: number[] = [];
  for (let d = 0; d < net.nDet; d++) if (net.detKind[d] !== 2) loops.push(d);
  const approachLanes = [...new Set(loops.map((d) => net.detLane[d]!))];
  /** Trips whose vehicle was ever seen on each approach lane. */
  const seen = new Map<number, Set<number>>(approachLanes.map((l) => [l, new Set<number>()]));
  let decreases = 0;
  let occDecreases = 0;
  const prevCount = new Float64Array(net.nDet);
  const prevOcc = new Float64Array(net.nDet);
  while (!sim.done) {
    sim.step();
    for (const lane of approachLanes) for (const v of sim.vehiclesOn(lane)) seen.get(lane)!.add(sim.vTrip[v]!);
    for (let d = 0; d < net.nDet; d++) {
      if (sim.detectors.count[d]! < prevCount[d]!) decreases++;
      if (sim.detectors.occupancyMs[d]! < prevOcc[d]!) occDecreases++;
      prevCount[d] = sim.detectors.count[d]!;
      prevOcc[d] = sim.detectors.occupancyMs[d]!;
    }
  }

  it('every scheduled vehicle has left the network by the end', () => {
    expect(sim.scheduled).toBeGreaterThan(200);
    expect(sim.completed).toBe(sim.scheduled);
    expect(sim.collisions + sim.redRunning).toBe(0);
  });

  it('counts and occupancy never decrease', () => {
    expect(decreases).toBe(0);
    expect(occDecreases).toBe(0);
  });

  it('each loop counted exactly the vehicles that drove on its lane', () => {
    for (const d of loops) expect(sim.detectors.count[d], net.detectorIds[d]).toBe(seen.get(net.detLane[d]!)!.size);
  });

  it('the left-only lane of each approach counted exactly the left-turning trips from it', () => {
    for (const road of ['N-C', 'S-C', 'E-C', 'W-C']) {
      const r = p.model.roadIndex.get(road)!;
      let lefts = 0;
      for (let k = 0; k < p.trips.n; k++) {
        const off = p.trips.routeOff[k]!;
        if (p.trips.departMs[k]! < p.durationS * 1000 && p.trips.routeRoads[off] === r && p.model.movements[p.trips.routeMoves[off]!]!.type === 'left') lefts++;
      }
      expect(lefts).toBeGreaterThan(0);
      expect(sim.detectors.count[detector(net.detectorIds, `${road}_0_stop`)]).toBe(lefts);
      expect(sim.detectors.count[detector(net.detectorIds, `${road}_0_adv`)]).toBe(lefts);
    }
  });

  it('the stop-line loops together counted every vehicle once (each crosses exactly one stop line)', () => {
    const total = loops.filter((d) => net.detKind[d] === 0).reduce((s, d) => s + sim.detectors.count[d]!, 0);
    expect(total).toBe(sim.completed);
  });
});
