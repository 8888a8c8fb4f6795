/** A sweep's SCENARIO, resolved the way `run` resolves it, from one string. */
import { importCityFlow } from '../../interop/cityflow/import.js';
import { importSumoConfig } from '../../interop/sumo/index.js';
import type { ScenarioSource } from '../../scenarios/index.js';
import { prepare } from '../../sim/index.js';
import { benchSource } from '../sources.js';

/** `sumo:CFG` → the config's path; otherwise undefined. */
export function sumoConfigOf(spec: string): string | undefined {
  return spec.startsWith('sumo:') ? spec.slice('sumo:'.length) : undefined;
}

/**
 * The scenario a sweep names: `sumo:CFG` (a SUMO configuration),
 * `cityflow:ROADNET,FLOW` (a CityFlow pair), `cityflow:DATASET` (a shipped
 * dataset, as the benchmarks name them), a built-in name or a scenario file.
 * Throws InputError (or Error) for one that cannot be read.
 */
export function sweepSource(spec: string, durationS?: number): ScenarioSource {
  const dur = durationS !== undefined ? { durationS } : {};
  const cfg = sumoConfigOf(spec);
  if (cfg !== undefined) return { scenario: importSumoConfig(cfg, dur).scenario, file: cfg };
  if (spec.startsWith('cityflow:') && spec.includes(',')) {
    const [roadnet, flow, ...more] = spec.slice('cityflow:'.length).split(',');
    if (!roadnet || !flow || more.length) throw new Error(`"${spec}": expected cityflow:ROADNET.json,FLOW.json`);
    return { scenario: importCityFlow(roadnet, flow, dur).scenario, file: roadnet };
  }
  return benchSource(spec);
}

/**
 * The design volumes per movement (veh/h) of a scenario's demand, as
 * greenwave's own runs compute them (the busiest 15 minutes of the trips), for
 * `runSumoCosim`'s `designVph`: the controllers driving SUMO then start from
 * the same counts as in greenwave's simulator.
 */
export function designVolumes(src: ScenarioSource, o: { seed?: number; durationS?: number } = {}): Float64Array {
  return prepare(src, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.durationS !== undefined ? { durationS: o.durationS } : {}) }).net.movDesignVph;
}

/** designVolumes of a SUMO configuration, read from its files. */
export function sumoDesignVolumes(cfg: string, o: { seed?: number; durationS?: number } = {}): Float64Array {
  return designVolumes(sweepSource(`sumo:${cfg}`, o.durationS), o);
}
