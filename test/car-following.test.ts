/**
 * Car-following (Krauss with a hard no-overlap bound): over a sweep of speeds,
 * gaps and leader behaviours, no collision and no deceleration beyond the
 * emergency limit.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAR, nextSpeed, safeSpeed } from '../sim/index.js';

const p = DEFAULT_CAR;
const dt = 1;

/** Leader behaviours: keeps its speed, brakes to a stop comfortably, brakes at its emergency limit, stop-and-go. */
const leaders: Record<string, (v: number, t: number) => number> = {
  cruise: (v) => v,
  brake: (v) => Math.max(0, v - p.decelMps2 * dt),
  emergency: (v) => Math.max(0, v - p.emergencyDecelMps2 * dt),
  stopAndGo: (v, t) => (Math.floor(t / 8) % 2 === 0 ? Math.max(0, v - p.emergencyDecelMps2 * dt) : Math.min(p.maxSpeedMps, v + p.accelMps2 * dt)),
};

describe('car-following', () => {
  it('over a sweep of speeds, gaps and leader behaviours: no collision, no braking beyond the emergency limit', () => {
    let cases = 0;
    const failures: string[] = [];
    for (let v0 = 0; v0 <= 16; v0 += 1) {
      for (let vl0 = 0; vl0 <= 16; vl0 += 2) {
        for (const gap0 of [0.5, 1, 2, 3, 5, 8, 12, 20, 35, 60, 100]) {
          // Only states from which a stop is possible even if the leader stops dead (the model's own states are).
          if (gap0 < v0 * dt + (v0 * v0) / (2 * p.emergencyDecelMps2) - (vl0 * vl0) / (2 * p.emergencyDecelMps2)) continue;
          for (const [name, leader] of Object.entries(leaders)) {
            let xf = 0;
            let vf = v0;
            let xl = gap0 + p.lengthM;
            let vl = vl0;
            for (let t = 0; t < 60; t++) {
              const next = nextSpeed(p, vf, p.maxSpeedMps, xl - p.lengthM - xf, vl, p.emergencyDecelMps2, dt);
              const where = `${name} v=${v0} vl=${vl0} gap=${gap0} t=${t}`;
              if (vf - next > p.emergencyDecelMps2 * dt + 1e-9) failures.push(`${where}: braked ${vf - next} m/s in a step`);
              if (next < 0 || next > Math.max(p.maxSpeedMps, vf)) failures.push(`${where}: speed ${next}`);
              const vlNext = leader(vl, t);
              xf += next * dt;
              vf = next;
              xl += vlNext * dt;
              vl = vlNext;
              if (xl - p.lengthM - xf < 0) failures.push(`${where}: overlap ${xl - p.lengthM - xf} m`);
            }
            cases++;
          }
        }
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(cases).toBeGreaterThan(1500);
  });

  it('a follower behind a standing leader stops at the standstill gap', () => {
    let x = 0;
    let v = 13.89;
    const stopAt = 150;
    for (let t = 0; t < 60; t++) {
      v = nextSpeed(p, v, p.maxSpeedMps, stopAt - x, 0, p.emergencyDecelMps2, dt);
      x += v * dt;
    }
    expect(v).toBeLessThan(0.01);
    expect(stopAt - x).toBeGreaterThan(p.minGapM - 0.5);
    expect(stopAt - x).toBeLessThan(p.minGapM + 0.5);
  });

  it('the safe speed keeps the stopping-distance condition v·τ + v²/2b ≤ g + vₗ²/2b', () => {
    for (const g of [0, 1, 5, 20, 80]) {
      for (const vl of [0, 5, 10, 15]) {
        const v = safeSpeed(g, vl, p.decelMps2, p.tauS);
        expect(v * p.tauS + (v * v) / (2 * p.decelMps2)).toBeLessThanOrEqual(g + (vl * vl) / (2 * p.decelMps2) + 1e-9);
      }
    }
  });

  it('at equilibrium the time headway approaches (length + gap)/v + τ', () => {
    // Platoon at 12 m/s: the spacing where the safe speed equals the speed is v·τ + minGap.
    const v = 12;
    const g = v * p.tauS;
    expect(safeSpeed(g, v, p.decelMps2, p.tauS)).toBeCloseTo(v, 6);
  });
});
