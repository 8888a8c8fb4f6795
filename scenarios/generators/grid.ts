/**
 * `grid-RxC`: R rows × C columns of signals on 300 m blocks. East–west avenues
 * have three lanes (left, through, through+right), north–south streets two
 * (left, through+right). Every boundary entry sends a through flow across the
 * grid and small turning flows that turn once at each crossing street; on
 * grids wider than TURN_CROSSINGS, at TURN_CROSSINGS crossings spread evenly
 * along the way (so an entry's demand stays what one road can carry, and a
 * city-sized grid of 10,000 signals has thousands of flows, not millions).
 */
import type { EmergencyVehicleJson, ScenarioJson } from '../types.js';
import { ScenarioBuilder, scaledRate } from './builder.js';

export interface GridOptions {
  rows: number;
  cols: number;
  blockM?: number;
  speedLimitMps?: number;
  /** Through flow per avenue entry and per street entry (veh/h). */
  avenueVph?: number;
  streetVph?: number;
  /** Flow turning left and turning right at each crossing, per entry (veh/h). */
  turnVph?: number;
  /** Direction factors: eastbound, westbound, southbound, northbound. */
  dirFactor?: { EB: number; WB: number; SB: number; NB: number };
  /** Time profile of demand factors [[tS, factor], ...]; constant if absent. */
  profile?: Array<[number, number]>;
  durationS?: number;
  seed?: number;
  name?: string;
  description?: string;
  emergencyVehicles?: EmergencyVehicleJson[];
}

export const gridNode = (r: number, c: number): string => `i_${r}_${c}`;

/** Most crossings along one entry's way at which its turning flows turn. */
export const TURN_CROSSINGS = 10;

/** The crossings (0..n−1) where turning flows turn: all of them up to TURN_CROSSINGS, else that many spread evenly. */
export function turnCrossings(n: number): number[] {
  if (n <= TURN_CROSSINGS) return Array.from({ length: n }, (_, k) => k);
  return Array.from({ length: TURN_CROSSINGS }, (_, k) => Math.round((k * (n - 1)) / (TURN_CROSSINGS - 1)));
}

/** Lanes of grid-RxC: R avenues of C + 1 three-lane blocks and C streets of R + 1 two-lane blocks, both ways. */
export const gridLanes = (rows: number, cols: number): number => 2 * rows * (cols + 1) * 3 + 2 * cols * (rows + 1) * 2;

export function gridScenario(o: GridOptions): ScenarioJson {
  const { rows: R, cols: C } = o;
  const B = o.blockM ?? 300;
  const v = o.speedLimitMps ?? 13.89;
  const f = o.dirFactor ?? { EB: 1, WB: 1, SB: 1, NB: 1 };
  const avenue = o.avenueVph ?? 450;
  const street = o.streetVph ?? 250;
  const turn = o.turnVph ?? 25;
  const b = new ScenarioBuilder();
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) b.node(gridNode(r, c), c * B, -r * B, 'signal');
  for (let r = 0; r < R; r++) {
    b.node(`W${r}`, -B, -r * B, 'boundary');
    b.node(`E${r}`, C * B, -r * B, 'boundary');
  }
  for (let c = 0; c < C; c++) {
    b.node(`N${c}`, c * B, B, 'boundary');
    b.node(`S${c}`, c * B, -R * B, 'boundary');
  }
  const AVE = ['L', 'T', 'TR'];
  const STR = ['L', 'TR'];
  for (let r = 0; r < R; r++) {
    b.twoWay(`W${r}`, gridNode(r, 0), 3, v, AVE);
    for (let c = 0; c + 1 < C; c++) b.twoWay(gridNode(r, c), gridNode(r, c + 1), 3, v, AVE);
    b.twoWay(gridNode(r, C - 1), `E${r}`, 3, v, AVE);
  }
  for (let c = 0; c < C; c++) {
    b.twoWay(`N${c}`, gridNode(0, c), 2, v, STR);
    for (let r = 0; r + 1 < R; r++) b.twoWay(gridNode(r, c), gridNode(r + 1, c), 2, v, STR);
    b.twoWay(gridNode(R - 1, c), `S${c}`, 2, v, STR);
  }
  // Nodes along row r from column c0 to c1 (inclusive); empty if c0 is off the grid.
  const rowPath = (r: number, c0: number, c1: number): string[] => {
    const out: string[] = [];
    if (c0 < 0 || c0 >= C) return out;
    const s = c1 >= c0 ? 1 : -1;
    for (let c = c0; c !== c1 + s; c += s) out.push(gridNode(r, c));
    return out;
  };
  const colPath = (c: number, r0: number, r1: number): string[] => {
    const out: string[] = [];
    if (r0 < 0 || r0 >= R) return out;
    const s = r1 >= r0 ? 1 : -1;
    for (let r = r0; r !== r1 + s; r += s) out.push(gridNode(r, c));
    return out;
  };
  const rate = (vph: number) => scaledRate(vph, o.profile);
  for (let r = 0; r < R; r++) {
    // eastbound from W_r, westbound from E_r
    b.flowThrough(`EB${r}`, [`W${r}`, ...rowPath(r, 0, C - 1), `E${r}`], rate(avenue * f.EB));
    b.flowThrough(`WB${r}`, [`E${r}`, ...rowPath(r, C - 1, 0), `W${r}`], rate(avenue * f.WB));
    for (const c of turnCrossings(C)) {
      // eastbound turning right (south) or left (north) at column c
      b.flowThrough(`EB${r}_R${c}`, [`W${r}`, ...rowPath(r, 0, c), ...colPath(c, r + 1, R - 1), `S${c}`], rate(turn * f.EB));
      b.flowThrough(`EB${r}_L${c}`, [`W${r}`, ...rowPath(r, 0, c), ...colPath(c, r - 1, 0), `N${c}`], rate(turn * f.EB));
      b.flowThrough(`WB${r}_R${c}`, [`E${r}`, ...rowPath(r, C - 1, c), ...colPath(c, r - 1, 0), `N${c}`], rate(turn * f.WB));
      b.flowThrough(`WB${r}_L${c}`, [`E${r}`, ...rowPath(r, C - 1, c), ...colPath(c, r + 1, R - 1), `S${c}`], rate(turn * f.WB));
    }
  }
  for (let c = 0; c < C; c++) {
    b.flowThrough(`SB${c}`, [`N${c}`, ...colPath(c, 0, R - 1), `S${c}`], rate(street * f.SB));
    b.flowThrough(`NB${c}`, [`S${c}`, ...colPath(c, R - 1, 0), `N${c}`], rate(street * f.NB));
    for (const r of turnCrossings(R)) {
      b.flowThrough(`SB${c}_R${r}`, [`N${c}`, ...colPath(c, 0, r), ...rowPath(r, c - 1, 0), `W${r}`], rate(turn * f.SB));
      b.flowThrough(`SB${c}_L${r}`, [`N${c}`, ...colPath(c, 0, r), ...rowPath(r, c + 1, C - 1), `E${r}`], rate(turn * f.SB));
      b.flowThrough(`NB${c}_R${r}`, [`S${c}`, ...colPath(c, R - 1, r), ...rowPath(r, c + 1, C - 1), `E${r}`], rate(turn * f.NB));
      b.flowThrough(`NB${c}_L${r}`, [`S${c}`, ...colPath(c, R - 1, r), ...rowPath(r, c - 1, 0), `W${r}`], rate(turn * f.NB));
    }
  }
  const sc = b.build({
    name: o.name ?? `grid-${R}x${C}`,
    description: o.description ?? `${R}×${C} grid of signals, ${B} m blocks`,
    seed: o.seed ?? 1,
    durationS: o.durationS ?? 3600,
    signalDefaults: { minGreenS: 7, maxGreenS: 60 },
  });
  if (o.emergencyVehicles) sc.emergencyVehicles = o.emergencyVehicles;
  return sc;
}
