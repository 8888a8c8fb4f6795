/**
 * `default`: the morning peak on a 4×4 grid. Demand ramps up over 20 minutes,
 * holds for 20, and falls over the last 20, heavier towards downtown (east-
 * and southbound); one ambulance crosses the grid at the height of the peak.
 */
import type { ScenarioJson } from '../types.js';
import { gridScenario } from './grid.js';

export function defaultScenario(): ScenarioJson {
  return gridScenario({
    rows: 4,
    cols: 4,
    avenueVph: 560,
    streetVph: 320,
    turnVph: 28,
    dirFactor: { EB: 1.2, WB: 0.8, SB: 1.2, NB: 0.8 },
    profile: [
      [0, 0.35],
      [1200, 1],
      [2400, 1],
      [3600, 0.35],
    ],
    durationS: 3600,
    seed: 7,
    name: 'default',
    description: 'Morning peak on a 4×4 grid (ramp up 20 min, hold 20, fall 20) with an ambulance crossing the grid',
    emergencyVehicles: [{ id: 'ambulance-1', from: 'W1', to: 'S3', departS: 1500, priority: 1 }],
  });
}
