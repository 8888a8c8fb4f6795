/** What the SUMO import steps share: the net being read, warnings, each edge's car lanes. */
import type { SumoNet } from './net.js';

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export interface Ctx {
  net: SumoNet;
  warnings: string[];
  /** Per kept edge: its car lanes, inside first (SUMO index descending). */
  carLanes: Map<string, number[]>;
}

/** greenwave lane (inside first, car lanes only) of SUMO lane `index` of `edge`, or −1. */
export function gwLane(c: Ctx, edge: string, index: number): number {
  const l = c.carLanes.get(edge);
  return l ? l.indexOf(index) : -1;
}
