/**
 * Vehicle types and their car-following parameters (Krauss model, see
 * carFollowing.ts). Defaults are a passenger car and an emergency vehicle;
 * a scenario may override fields or add types.
 */
import type { VehicleTypeJson } from '../scenarios/types.js';

export interface VehicleType {
  name: string;
  lengthM: number;
  minGapM: number;
  maxSpeedMps: number;
  accelMps2: number;
  decelMps2: number;
  emergencyDecelMps2: number;
  tauS: number;
  /** Krauss dawdling: each step the speed drops by a random share of σ·a·Δt (0 = deterministic drivers). */
  sigma: number;
  /** Changes lanes for speed (sim/laneChange.ts faster); greenwave's own drivers do not. */
  laneChangeForSpeed: boolean;
}

export const DEFAULT_CAR: Readonly<VehicleType> = {
  name: 'car',
  lengthM: 5,
  minGapM: 2.5,
  maxSpeedMps: 16.67,
  accelMps2: 2.6,
  decelMps2: 4.5,
  emergencyDecelMps2: 9,
  tauS: 1.35,
  sigma: 0,
  laneChangeForSpeed: false,
};

export const DEFAULT_EMERGENCY: Readonly<VehicleType> = {
  ...DEFAULT_CAR,
  name: 'emergency',
  lengthM: 7,
  maxSpeedMps: 20,
};

/** The type table: built-ins, then the scenario's types (overriding fields by name). */
export function resolveVehicleTypes(json: Record<string, VehicleTypeJson> | undefined): VehicleType[] {
  const out = new Map<string, VehicleType>([
    ['car', { ...DEFAULT_CAR }],
    ['emergency', { ...DEFAULT_EMERGENCY }],
  ]);
  for (const [name, t] of Object.entries(json ?? {})) {
    const base = out.get(name) ?? { ...DEFAULT_CAR, name };
    const merged: VehicleType = { ...base, name };
    for (const [k, v] of Object.entries(t)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
    out.set(name, merged);
  }
  return [...out.values()];
}
