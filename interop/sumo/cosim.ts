/**
 * greenwave's engine driving SUMO itself, in lock-step over TraCI: SUMO runs
 * the vehicles; greenwave's detectors are placed in SUMO at greenwave's
 * positions (E1 loops, E2 lane-area detectors, in an additional file); every
 * step their readings go into the engine (engine/cabinet, the same unit the
 * built-in simulator drives), the engine decides, and every signal's state
 * string is set from greenwave's signal layer (one character per SUMO link
 * index: G protected, g permitted, y yellow, r red). One round trip per step:
 * the state strings and the step go in one message, the readings come back
 * as subscription results with the step's answer. The metrics come from
 * SUMO's own tripinfo (travel time = duration + departDelay, vehicles still
 * driving counted to the end), with greenwave's safety counters and SUMO's
 * teleports and collisions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cabinet } from '../../engine/cabinet/index.js';
import { DetectorArrays } from '../../engine/detectors/index.js';
import { buildNetwork, compileNetwork, DET_LANE_AREA, Router } from '../../engine/network/index.js';
import { phaseChangesPerSignalHour, STATE_CHARS } from '../../engine/signals/index.js';
import type { SafetyCounts } from '../../engine/signals/index.js';
import { validateScenario } from '../../scenarios/validate.js';
import { importSumoConfig } from './import.js';
import { SumoEmergencies } from './emergency.js';
import { DOMAIN, startSumo, VAR } from './traci.js';
import { readSumoStatistics, readTripinfo, TRIPINFO_ALL } from './tripinfo.js';

export interface SumoCosimOptions {
  /** A SUMO configuration (.sumocfg). */
  cfg: string;
  /** A greenwave controller name (sumo-static: the net's own programs, shown by greenwave). */
  controller: string;
  /** SUMO's random seed (default 1). */
  seed?: number;
  /** Simulated seconds (default: the config's window). */
  durationS?: number;
  /** sumo-gui instead of sumo. */
  gui?: boolean;
  /** Emergency pre-emption (default on). */
  preemption?: boolean;
  /**
   * Design volumes per movement (veh/h), as the built-in simulator's `prepare` computes them
   * from the same demand (`net.movDesignVph`): the fixed-time plan's Webster timing and the
   * adaptive controller's starting plan use them, as a traffic engineer's counts would be.
   * Without them they are zero (Webster's shortest cycle). The CLI and sweeps pass them.
   */
  designVph?: Float64Array;
  /** The SUMO program (default 'sumo', or 'sumo-gui' with gui). */
  binary?: string;
  /** Called with the fraction done now and then. */
  onProgress?: (fraction: number) => void;
  /**
   * An existing folder to keep the run's files in (see OUT_FILES): SUMO's own
   * tripinfo and statistics, the additional file that placed greenwave's
   * detectors, and greenwave's signal event log. Without it they go to a
   * temporary folder that is removed.
   */
  outDir?: string;
}

/** The files a run with `outDir` leaves there. */
export const OUT_FILES = {
  /** SUMO's --tripinfo-output: one <tripinfo> per vehicle that arrived, and (with the options the run gives) those still driving or never inserted. */
  tripinfo: 'tripinfo.xml',
  /** SUMO's --statistic-output: teleports, collisions, vehicle counts. */
  statistics: 'statistics.xml',
  /** The additional file: greenwave's detectors as SUMO E1 loops and E2 lane-area detectors. */
  detectors: 'greenwave-detectors.add.xml',
  /** greenwave's signal event log (Indiana/ATSPM codes, pre-emption included), as `greenwave run --out` writes it. */
  events: 'events.csv',
} as const;

export interface SumoCosimResult {
  scenario: string;
  controller: string;
  seed: number;
  duration: number;
  /** Scheduled: due before the end; inserted: entered SUMO's network; unfinished: inserted and still driving at the end. */
  vehicles: { scheduled: number; inserted: number; completed: number; unfinished: number; waitingToEnter: number };
  travelTime: { mean: number; p50: number; p95: number };
  delay: { mean: number };
  /** Mean stops per vehicle due (SUMO's waitingCount: times it stood still). */
  stops: { mean: number };
  throughput: number;
  /** Per emergency vehicle (vClass emergency in the demand), from SUMO's tripinfo: travel time and delay (s, as above), stops (SUMO's waitingCount), the free-flow time of the route the engine gave it (s); null where SUMO wrote no tripinfo for it. */
  emergency: Array<{ id: string; travelTime: number | null; freeFlowTime: number | null; delay: number | null; stops: number | null }>;
  safety: SafetyCounts;
  /** Phase changes the signal layer started, per signal per hour. */
  signals: { phaseChangesPerSignalHour: number };
  sumo: { teleports: number; collisions: number };
  detectors: { faults: number };
  cosim: { steps: number; wallSeconds: number; engineMsPerStep: number; roundTripMsPerStep: number };
}


function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const x = (p / 100) * (sorted.length - 1);
  const i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i]! * (1 - (x - i)) + sorted[i + 1]! * (x - i) : sorted[i]!;
}
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Runs SUMO under greenwave's engine to the end of the window; rejects with a clear Error when SUMO is missing or dies. */
export async function runSumoCosim(o: SumoCosimOptions): Promise<SumoCosimResult> {
  const imp = importSumoConfig(o.cfg, o.durationS !== undefined ? { durationS: o.durationS } : {});
  const cfg = imp.links.config!;
  const sc = validateScenario(imp.scenario, o.cfg);
  const model = buildNetwork(sc, o.cfg);
  if (o.designVph && o.designVph.length !== model.movements.length) throw new Error(`designVph has ${o.designVph.length} movements, the network ${model.movements.length}`);
  const net = compileNetwork(model, 1000, o.designVph);
  const router = new Router(model);
  const stepMs = net.stepMs;
  if (Math.abs(cfg.stepLengthS * 1000 - stepMs) > 1e-6) throw new Error(`${o.cfg}: step-length ${cfg.stepLengthS} s; greenwave drives SUMO in ${stepMs / 1000} s steps`);
  const durationMs = Math.round(sc.durationS * 1000);
  const detectors = new DetectorArrays(net.nDet);
  const cabinet = new Cabinet({ net, router, controller: o.controller, detectors, preemption: o.preemption ?? true, eventLog: o.outDir !== undefined });
  const emergencies = new SumoEmergencies(sc.emergencyVehicles ?? [], model, net, cabinet.preemption);

  // greenwave's detectors in SUMO, at greenwave's positions
  const dir = o.outDir ?? mkdtempSync(join(tmpdir(), 'greenwave-sumo-'));
  const cleanUp = (): void => {
    if (o.outDir === undefined) rmSync(dir, { recursive: true, force: true });
  };
  const detId = (d: number): string => `gw_${net.detectorIds[d]}`;
  const lines = ['<additional>'];
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  for (let d = 0; d < net.nDet; d++) {
    const lane = net.laneIds[net.detLane[d]!]!;
    const len = imp.links.laneLengthM[lane] ?? net.drvLengthM[net.detLane[d]!]!;
    const start = Math.max(0, Math.min(net.detStartM[d]!, len - 0.2));
    const end = Math.max(start + 0.1, Math.min(net.detEndM[d]!, len));
    if (net.detKind[d] === DET_LANE_AREA) lines.push(`  <laneAreaDetector id="${esc(detId(d))}" lane="${esc(lane)}" pos="${start.toFixed(2)}" endPos="${end.toFixed(2)}" freq="86400" file="NUL"/>`);
    else lines.push(`  <inductionLoop id="${esc(detId(d))}" lane="${esc(lane)}" pos="${start.toFixed(2)}" freq="86400" file="NUL"/>`);
  }
  lines.push('</additional>');
  const addFile = join(dir, OUT_FILES.detectors);
  writeFileSync(addFile, lines.join('\n') + '\n');
  const tripFile = join(dir, OUT_FILES.tripinfo);
  const statFile = join(dir, OUT_FILES.statistics);
  const seed = o.seed ?? 1;
  const args = [
    '-c',
    o.cfg,
    `--additional-files=${[...cfg.additionalFiles, addFile].join(',')}`,
    `--begin=${cfg.beginS}`,
    `--end=${cfg.beginS + sc.durationS}`,
    `--tripinfo-output=${tripFile}`,
    ...TRIPINFO_ALL,
    `--statistic-output=${statFile}`,
    '--no-step-log=true',
    '--no-warnings=true',
    `--seed=${seed}`,
  ];
  if (o.gui) args.push('--start=true', '--quit-on-end=true');
  const run = await startSumo({ binary: o.binary ?? (o.gui ? 'sumo-gui' : 'sumo'), args }).catch((e: Error) => {
    cleanUp();
    throw e;
  });
  const client = run.client;
  const tl = Object.entries(imp.links.tls);
  const movIdx = model.movementIndex;
  const tlMov = tl.map(([id, links]) => [id, Int32Array.from(links.map((m) => (m ? (movIdx.get(m) ?? -1) : -1)))] as const);
  const lastState = new Map<string, string>();
  const prevIds: Array<Set<string>> = Array.from({ length: net.nDet }, () => new Set<string>());
  let engineMs = 0;
  let tripMs = 0;
  const t0 = performance.now();
  try {
    const sub = client.batch();
    for (let d = 0; d < net.nDet; d++)
      if (net.detKind[d] === DET_LANE_AREA) sub.subscribe(DOMAIN.LANEAREA, detId(d), [VAR.LAST_STEP_VEHICLE_NUMBER, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER, VAR.JAM_LENGTH_METERS]);
      else sub.subscribe(DOMAIN.INDUCTIONLOOP, detId(d), [VAR.LAST_STEP_VEHICLE_ID_LIST, VAR.LAST_STEP_OCCUPANCY]);
    emergencies.subscribe(sub);
    await sub.send({ timeoutMs: 60_000 });
    const every = Math.max(1, Math.floor(durationMs / stepMs / 200));
    for (let t = 0, k = 0; t < durationMs; t += stepMs, k++) {
      const e0 = performance.now();
      const wait = cabinet.step(t);
      if (wait) await wait;
      const b = client.batch();
      const st = cabinet.signals.movState;
      for (const [id, movs] of tlMov) {
        let s = '';
        for (let i = 0; i < movs.length; i++) s += movs[i]! >= 0 ? STATE_CHARS[st[movs[i]!]!] : 'r';
        if (lastState.get(id) !== s) {
          b.setTlState(id, s);
          lastState.set(id, s);
        }
      }
      emergencies.beforeStep(b);
      const step = b.step();
      const e1 = performance.now();
      const res = (await b.send({ timeoutMs: 60_000 })).get(step);
      const e2 = performance.now();
      // the readings at the end of this step, for the engine's next
      const loops = res.get(DOMAIN.INDUCTIONLOOP);
      const areas = res.get(DOMAIN.LANEAREA);
      for (let d = 0; d < net.nDet; d++) {
        if (net.detKind[d] === DET_LANE_AREA) {
          const v = areas?.get(detId(d));
          if (!v) continue;
          detectors.vehicles[d] = Number(v.get(VAR.LAST_STEP_VEHICLE_NUMBER) ?? 0);
          detectors.halting[d] = Number(v.get(VAR.LAST_STEP_VEHICLE_HALTING_NUMBER) ?? 0);
          detectors.queueM[d] = Number(v.get(VAR.JAM_LENGTH_METERS) ?? 0);
        } else {
          const v = loops?.get(detId(d));
          if (!v) continue;
          const ids = (v.get(VAR.LAST_STEP_VEHICLE_ID_LIST) ?? []) as string[];
          const prev = prevIds[d]!;
          let fresh = 0;
          for (const id of ids) if (!prev.has(id)) fresh++;
          detectors.count[d]! += fresh;
          if (ids.length !== prev.size || fresh) prevIds[d] = new Set(ids);
          detectors.occupancyMs[d]! += (Number(v.get(VAR.LAST_STEP_OCCUPANCY) ?? 0) / 100) * stepMs;
          detectors.presence[d] = ids.length > 0 ? 1 : 0;
        }
      }
      detectors.timeMs = t + stepMs;
      emergencies.afterStep(res, t + stepMs);
      engineMs += e1 - e0;
      tripMs += e2 - e1;
      if (o.onProgress && k % every === 0) o.onProgress(t / durationMs);
    }
    cabinet.finish(durationMs);
    await run.stop();
  } catch (e) {
    run.process.kill('SIGKILL');
    cleanUp();
    await cabinet.close();
    throw new Error(`SUMO stopped during the run: ${(e as Error).message}`);
  }
  await cabinet.close();
  const wallSeconds = (performance.now() - t0) / 1000;
  const steps = Math.ceil(durationMs / stepMs);
  const trips = readTripinfo(tripFile, emergencies.ids);
  const stats = readSumoStatistics(statFile);
  if (cabinet.eventLog) writeFileSync(join(dir, OUT_FILES.events), cabinet.eventLog.toCsv(net.intersectionIds));
  cleanUp();
  const tts = trips.travelTimesS;
  const n = tts.length;
  const completed = trips.completed;
  const delay = trips.delaySumS;
  return {
    scenario: sc.name ?? o.cfg,
    controller: o.controller,
    seed,
    duration: sc.durationS,
    vehicles: { scheduled: n, inserted: trips.inserted, completed, unfinished: trips.inserted - completed, waitingToEnter: n - trips.inserted },
    travelTime: { mean: r3(n ? tts.reduce((a, b) => a + b, 0) / n : 0), p50: r3(percentile(tts, 50)), p95: r3(percentile(tts, 95)) },
    delay: { mean: r3(n ? delay / n : 0) },
    stops: { mean: r3(n ? trips.stopSum / n : 0) },
    throughput: completed,
    emergency: (sc.emergencyVehicles ?? []).map((e) => {
      const r = trips.byId.get(e.id);
      const ff = emergencies.freeFlowS(e.id);
      return { id: e.id, travelTime: r ? r3(r.travelTimeS) : null, freeFlowTime: Number.isFinite(ff) ? r3(ff) : null, delay: r ? r3(r.delayS) : null, stops: r ? r.stops : null };
    }),
    safety: cabinet.monitor.counts(),
    signals: { phaseChangesPerSignalHour: phaseChangesPerSignalHour(net, cabinet.signals.changes, sc.durationS) },
    sumo: stats,
    detectors: { faults: cabinet.health.events },
    cosim: { steps, wallSeconds: r3(wallSeconds), engineMsPerStep: r3(engineMs / steps), roundTripMsPerStep: r3(tripMs / steps) },
  };
}
