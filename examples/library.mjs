// greenwave as a library: `npm install greenwave`, then `node library.mjs`.
// (In a checkout of greenwave: `npm run build && node examples/library.mjs`.)
import { createEngine, IngestedDetectors, loadScenario, prepare, simulate } from 'greenwave';

// ── 1. Simulate a built-in scenario under two controllers ───────────────────
// `single` is one four-leg intersection. Same scenario and seed give the same
// demand, so the two runs differ only in how the signal is controlled.
const travel = {};
for (const controller of ['fixed', 'max-pressure']) {
  const { metrics } = await simulate('single', { controller, durationS: 600, seed: 1 });
  travel[controller] = metrics.travelTime.mean; // seconds, per vehicle
  console.log(`${controller.padEnd(12)} mean travel time ${metrics.travelTime.mean.toFixed(1)} s, ${metrics.vehicles.completed} vehicles done`);
}
const change = (100 * (travel['max-pressure'] - travel.fixed)) / travel.fixed;
console.log(`max-pressure vs fixed: ${change >= 0 ? '+' : ''}${change.toFixed(1)} %`);

// ── 2. The engine alone, on a clock of your own ─────────────────────────────
// prepare() builds and compiles the network; we only need the compiled
// network and its router (for emergency vehicles) to build an engine.
const { net, router } = prepare(loadScenario('single'));
// IngestedDetectors takes readings by detector id, as field detectors send them.
const detectors = new IngestedDetectors(net);
const engine = createEngine({ net, router, controller: 'actuated', detectors });

const C = net.intersectionIds.indexOf('C');
const MOVEMENT = ['r', 'y', 'G', 'g']; // red, yellow, protected green, permitted green
const STAGE = ['green', 'yellow', 'all-red'];

// The readings of the through lane (lane 1) of an approach: its advance loop
// (40 m upstream) and stop-line loop (count: vehicles since the last message,
// occupancy: fraction of the interval, presence: 0/1), and its camera.
// Keep them consistent: the engine's diagnostics distrust a loop that stays
// silent while its neighbour counts cars.
const lane = (approach, carNow, busy) => {
  const loop = { count: carNow ? 1 : 0, occupancy: carNow ? 0.4 : 0, presence: carNow ? 1 : 0 };
  return { [`${approach}-C_1_adv`]: loop, [`${approach}-C_1_stop`]: loop, [`${approach}-C_1_cam`]: { vehicles: busy ? 2 : 0, halting: 0, queueM: 0 } };
};

// What the signal at C shows: its phase, stage and one letter per movement.
const shown = (t) => {
  const s = engine.signals;
  const phase = s.phaseOf(C);
  let movements = '';
  for (let m = net.interMovStart[C]; m < net.interMovStart[C + 1]; m++) movements += MOVEMENT[s.movState[m]];
  return `t=${String(t / 1000).padStart(3)} s  C  phase ${phase} (${net.phaseNames[net.interPhaseStart[C] + phase]})  ${STAGE[s.stageOf(C)]}  ${movements}`;
};

let seq = 0;
for (let t = 0; t <= 60_000; t += net.stepMs) {
  // Our "field": north–south traffic for the first 30 s, then east–west,
  // a car over each busy lane's loops every 2 s.
  const ns = t < 30_000;
  const carNow = t % 2000 === 0;
  const readings = { ...lane('N', ns && carNow, ns), ...lane('S', ns && carNow, ns), ...lane('E', !ns && carNow, !ns), ...lane('W', !ns && carNow, !ns) };
  detectors.apply({ detectors: readings }, t, ++seq); // 1. write the readings for time t (ms)
  await engine.step(t); //                               2. step the engine to t
  if (t % 5000 === 0) console.log(shown(t)); //          3. read the signals shown from t on
}
const m = engine.monitor; // the independent conflict monitor
console.log(`safety: ${m.conflictingGreens} conflicting greens, ${m.minGreenViolations} short greens, ${m.clearanceViolations} short clearances`);
await engine.close();
