/**
 * Lane changes along a road (sim/laneChange.ts): where every link into a
 * road ends on one lane and a vehicle's next turn leaves only from another,
 * it changes lanes on the way, safely, instead of standing at the stop line
 * of the wrong lane. Networks that never need it have none.
 */
import { describe, expect, it } from 'vitest';
import { gridScenario, type ScenarioJson } from '../scenarios/index.js';
import { createSimulation } from '../sim/index.js';
import { prepared } from './helpers.js';

/**
 * W → J → K: the link from W-J enters J-K (two lanes, 400 m) on lane 1 only; at the signal K the
 * through movement to K-E leaves from lane 1 and the left turn to K-N from lane 0 only.
 */
function corridor(leftVph: number, throughVph: number, crossVph = 0): ScenarioJson {
  const sc: ScenarioJson = {
    format: 'greenwave-scenario',
    version: 1,
    name: 'lane-change corridor',
    seed: 3,
    durationS: 1200,
    intersections: [
      { id: 'W', x: -300, y: 0 },
      { id: 'J', x: 0, y: 0, type: 'uncontrolled' },
      { id: 'K', x: 400, y: 0, type: 'signal' },
      { id: 'E', x: 700, y: 0 },
      { id: 'N', x: 400, y: 300 },
    ],
    roads: [
      { id: 'W-J', from: 'W', to: 'J', lanes: 1 },
      { id: 'J-K', from: 'J', to: 'K', lanes: 2 },
      { id: 'K-E', from: 'K', to: 'E', lanes: 1 },
      { id: 'K-N', from: 'K', to: 'N', lanes: 1 },
    ],
    movements: [
      { from: 'W-J', to: 'J-K', laneLinks: [{ fromLane: 0, toLane: 1 }] },
      { from: 'J-K', to: 'K-E', type: 'through', laneLinks: [{ fromLane: 1, toLane: 0 }] },
      { from: 'J-K', to: 'K-N', type: 'left', laneLinks: [{ fromLane: 0, toLane: 0 }] },
    ],
    demand: {
      flows: [
        { id: 'left', route: ['W-J', 'J-K', 'K-N'], vph: leftVph },
        { id: 'through', route: ['W-J', 'J-K', 'K-E'], vph: throughVph },
      ],
    },
  };
  if (crossVph > 0) {
    // a street from the south across the through movement: K then needs two phases
    sc.intersections.push({ id: 'S', x: 400, y: -300 });
    sc.roads.push({ id: 'S-K', from: 'S', to: 'K', lanes: 1 });
    sc.movements!.push({ from: 'S-K', to: 'K-N', type: 'through' });
    sc.demand.flows!.push({ id: 'cross', route: ['S-K', 'K-N'], vph: crossVph });
  }
  return sc;
}

function run(sc: ScenarioJson) {
  const p = prepared(sc);
  const sim = createSimulation(p, 'fixed');
  sim.run();
  // the left turners that have arrived (their route's second movement is the left turn at K)
  const turn = p.model.movementIndex.get('J-K>K-N');
  let leftArrived = 0;
  for (let k = 0; k < sim.trips.n; k++) if (sim.tripState[k] === 3 && sim.trips.routeLen[k]! === 3 && sim.trips.routeMoves[sim.trips.routeOff[k]! + 1] === turn) leftArrived++;
  return { sim, leftArrived };
}

describe('lane changes along a road', () => {
  it('left turners move to the lane of their turn on the way, and nobody needs the stop line to do it', () => {
    const { sim, leftArrived } = run(corridor(200, 300));
    // 200 veh/h for 1,200 s: about 67 left turners; each that arrived changed lanes once, on the way
    expect(leftArrived).toBeGreaterThan(40);
    expect(sim.laneChanges).toBeGreaterThanOrEqual(leftArrived);
    expect(sim.laneChanges).toBeLessThanOrEqual(leftArrived + 5);
    expect(sim.lateLaneChanges).toBe(0);
    expect(sim.collisions).toBe(0);
    expect(sim.redRunning).toBe(0);
    expect(sim.completed).toBeGreaterThan(0.9 * sim.entered);
  });

  it('stays safe when the lane it needs is a standing queue: no overlaps, no red running', () => {
    // 900 veh/h of left turners on one lane with a green share of about half: the left lane queues back
    const { sim } = run(corridor(900, 300));
    expect(sim.laneChanges).toBeGreaterThan(100);
    expect(sim.collisions).toBe(0);
    expect(sim.redRunning).toBe(0);
  });

  it('vehicle types with laneChangeForSpeed leave a standing queue for a freer lane that also serves them; others do not', () => {
    // everybody enters J-K on lane 1; the through movement leaves from both lanes
    const sc = corridor(0, 900, 300);
    sc.movements![1] = { from: 'J-K', to: 'K-E', type: 'through', laneLinks: [{ fromLane: 0, toLane: 0 }, { fromLane: 1, toLane: 0 }] };
    const plain = run(sc).sim;
    expect(plain.laneChanges).toBe(0);
    sc.vehicleTypes = { car: { laneChangeForSpeed: true } };
    const eager = run(sc).sim;
    expect(eager.laneChanges).toBeGreaterThan(20);
    expect(eager.collisions).toBe(0);
    expect(eager.redRunning).toBe(0);
    expect(eager.completed).toBeGreaterThan(0.9 * plain.completed);
  });

  it('departLane "first" enters the rightmost lane that serves the first movement', () => {
    const sc = corridor(0, 600);
    // trips start on J-K, whose lanes both serve the through movement
    sc.movements![1] = { from: 'J-K', to: 'K-E', type: 'through', laneLinks: [{ fromLane: 0, toLane: 0 }, { fromLane: 1, toLane: 0 }] };
    sc.demand.flows = [{ id: 'through', route: ['J-K', 'K-E'], vph: 600, departLane: 'first' }];
    const p = prepared(sc);
    const sim = createSimulation(p, 'fixed');
    const lane0 = p.net.roadFirstLane[p.model.roadIndex.get('J-K')!]!;
    let onLeft = 0;
    let onRight = 0;
    for (let t = 0; t < 600; t++) {
      sim.step();
      onLeft += sim.count[lane0]!;
      onRight += sim.count[lane0 + 1]!;
    }
    expect(onRight).toBeGreaterThan(1000);
    expect(onLeft).toBe(0);
    // the default (best) uses both
    sc.demand.flows[0]!.departLane = 'best';
    const q = prepared(sc);
    const sim2 = createSimulation(q, 'fixed');
    let left2 = 0;
    for (let t = 0; t < 600; t++) {
      sim2.step();
      left2 += sim2.count[lane0]!;
    }
    expect(left2).toBeGreaterThan(300);
  });

  it('does not happen on a network whose lane links always reach a lane of the next turn', () => {
    const { sim } = run(gridScenario({ rows: 2, cols: 2, durationS: 600 }));
    expect(sim.entered).toBeGreaterThan(100);
    expect(sim.laneChanges).toBe(0);
    expect(sim.lateLaneChanges).toBe(0);
  });
});
