/**
 * SUMO's own figures: its tripinfo output read as SPEC §4 counts it (travel
 * time = duration + departDelay; vehicles still driving at the end, and those
 * still waiting to be inserted, counted to the end with
 * tripinfo-output.write-unfinished and .write-undeparted), its statistics output
 * (teleports, collisions), and SUMO's own run of a configuration.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SumoTrips {
  /** Per vehicle scheduled (inserted or still waiting to be): duration + departDelay (s), sorted. */
  travelTimesS: number[];
  /** Sum of timeLoss + departDelay (s). */
  delaySumS: number;
  /** Sum of waitingCount (the times a vehicle stood still). */
  stopSum: number;
  /** Vehicles due before the end: inserted, and still waiting to be inserted at the end. */
  scheduled: number;
  inserted: number;
  completed: number;
  /** The vehicles asked for by id (readTripinfo's `ids`): travel time and delay as above (s), stops (SUMO's waitingCount). */
  byId: Map<string, { travelTimeS: number; delayS: number; stops: number }>;
}

/** The tripinfo options that make SUMO write every vehicle due before the end (SPEC §4 counts them all). */
export const TRIPINFO_ALL = ['--tripinfo-output.write-unfinished=true', '--tripinfo-output.write-undeparted=true'] as const;

const attr = (tag: string, name: string): number => Number(new RegExp(`\\s${name}="([-\\d.]+)"`).exec(tag)?.[1]);

/** Reads a tripinfo file (written with TRIPINFO_ALL; undeparted vehicles have depart="-1"): the vehicles due before the end. */
export function readTripinfo(file: string, ids: ReadonlySet<string> = new Set()): SumoTrips {
  const xml = readFileSync(file, 'utf8');
  const travelTimesS: number[] = [];
  let delaySumS = 0;
  let stopSum = 0;
  let completed = 0;
  let inserted = 0;
  const byId: SumoTrips['byId'] = new Map();
  for (const [tag] of xml.matchAll(/<tripinfo id=[^>]*>/g)) {
    // SUMO also writes, undeparted, a vehicle whose departure is the end itself (its wait, departDelay, is 0):
    // it is not due before the end, and greenwave's simulator does not count it either
    if (attr(tag, 'depart') < 0 && !(attr(tag, 'departDelay') > 0)) continue;
    const tt = attr(tag, 'duration') + attr(tag, 'departDelay');
    const delay = attr(tag, 'timeLoss') + attr(tag, 'departDelay');
    travelTimesS.push(tt);
    delaySumS += delay;
    stopSum += attr(tag, 'waitingCount') || 0;
    if (ids.size) {
      const id = /\sid="([^"]*)"/.exec(tag)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      if (ids.has(id)) byId.set(id, { travelTimeS: tt, delayS: delay, stops: attr(tag, 'waitingCount') });
    }
    if (attr(tag, 'depart') >= 0) inserted++;
    if (attr(tag, 'arrival') >= 0) completed++;
  }
  travelTimesS.sort((a, b) => a - b);
  return { travelTimesS, delaySumS, stopSum, scheduled: travelTimesS.length, inserted, completed, byId };
}

/** Teleports and collisions from a statistic-output file. */
export function readSumoStatistics(file: string): { teleports: number; collisions: number } {
  const st = readFileSync(file, 'utf8');
  return { teleports: Number(/<teleports total="(\d+)"/.exec(st)?.[1] ?? 0), collisions: Number(/<safety collisions="(\d+)"/.exec(st)?.[1] ?? 0) };
}

/** SUMO running a configuration by itself (its own signal programs; `extraArgs` e.g. more additional files): mean travel time, inserted and completed vehicles, teleports, collisions. */
export function runSumoOwn(cfg: string, binary = 'sumo', extraArgs: readonly string[] = []): { meanTravelTimeS: number; scheduled: number; inserted: number; completed: number; teleports: number; collisions: number } {
  const dir = mkdtempSync(join(tmpdir(), 'greenwave-sumo-own-'));
  try {
    const trip = join(dir, 'tripinfo.xml');
    const stats = join(dir, 'statistics.xml');
    const env = { ...process.env, SUMO_HOME: process.env.SUMO_HOME ?? '/usr/share/sumo' };
    const r = spawnSync(binary, ['-c', cfg, `--tripinfo-output=${trip}`, ...TRIPINFO_ALL, `--statistic-output=${stats}`, '--no-step-log=true', '--no-warnings=true', ...extraArgs], { env, encoding: 'utf8' });
    if (r.error) throw new Error(`${binary} could not run: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${binary} failed on ${cfg}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
    const t = readTripinfo(trip);
    return { meanTravelTimeS: t.scheduled ? t.travelTimesS.reduce((a, b) => a + b, 0) / t.scheduled : 0, scheduled: t.scheduled, inserted: t.inserted, completed: t.completed, ...readSumoStatistics(stats) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
