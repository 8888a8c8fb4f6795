/**
 * `greenwave partition` (issue 17 item 1): connected regions of similar size
 * that cut the least flow, the same every time.
 */
import { describe, expect, it } from 'vitest';
import { partitionNetwork, roadFlows, type Partition } from '../engine/distributed/partition.js';
import { INTER_SIGNAL, type CompiledNetwork } from '../engine/network/index.js';
import { gridScenario } from '../scenarios/index.js';
import { cli, requireBuiltCli } from './cli-helpers.js';
import { prepared } from './helpers.js';

/** Whether every region's signals are connected through roads (and intersections of the same region). */
function connected(net: CompiledNetwork, p: Partition): boolean {
  for (let k = 0; k < p.regions; k++) {
    const inR = (i: number): boolean => p.regionOf[i] === k;
    const start = p.signals[k]![0]!;
    const seen = new Set([start]);
    const q = [start];
    for (let h = 0; h < q.length; h++)
      for (let r = 0; r < net.nRoads; r++) {
        const a = net.roadFrom[r]!;
        const b = net.roadTo[r]!;
        for (const [u, v] of [[a, b], [b, a]] as const)
          if (u === q[h] && inR(v) && !seen.has(v)) {
            seen.add(v);
            q.push(v);
          }
      }
    if (!p.signals[k]!.every((s) => seen.has(s))) return false;
  }
  return true;
}

describe('partition', () => {
  it('grid-8x8 in 4: connected regions of 16 ± 1 signals, every signal once, a cut within 1.5 × that of the quadrants (32 roads), the same every time', () => {
    const p = prepared(gridScenario({ rows: 8, cols: 8 }));
    const part = partitionNetwork(p.net, 4);
    const all = part.signals.flat().sort((a, b) => a - b);
    const sig = Array.from({ length: p.net.nInter }, (_, i) => i).filter((i) => p.net.interType[i] === INTER_SIGNAL);
    expect(all).toEqual(sig);
    for (const s of part.signals) expect(Math.abs(s.length - 16)).toBeLessThanOrEqual(1);
    expect(connected(p.net, part)).toBe(true);
    const between = part.cut.filter((c) => p.net.interType[c.from] === INTER_SIGNAL && p.net.interType[c.to] === INTER_SIGNAL);
    expect(between.length).toBeLessThanOrEqual(48);
    expect(part.cutFlowVph).toBeLessThan(0.2 * part.totalFlowVph);
    const again = partitionNetwork(p.net, 4);
    expect(Array.from(again.regionOf)).toEqual(Array.from(part.regionOf));
  });

  it('cuts the light links, not the heavy ones: east–west corridors heavy, north–south light → regions of whole rows', () => {
    const p = prepared(gridScenario({ rows: 4, cols: 4 }));
    const net = p.net;
    const flows = new Float64Array(net.nRoads);
    const ids = net.intersectionIds;
    const rowOf = (i: number): number | undefined => /^i_(\d+)_\d+$/.exec(ids[i]!) ? Number(/^i_(\d+)_/.exec(ids[i]!)![1]) : undefined;
    for (let r = 0; r < net.nRoads; r++) {
      const a = rowOf(net.roadFrom[r]!);
      const b = rowOf(net.roadTo[r]!);
      flows[r] = a !== undefined && a === b ? 1200 : 100; // along a row: heavy
    }
    const part = partitionNetwork(net, 2, flows);
    for (const c of part.cut) expect(c.flowVph).toBe(100);
    for (const s of part.signals) expect(new Set(s.map(rowOf)).size).toBe(2); // two whole rows each
  });

  it('roadFlows are the design volumes of the movements leaving each road; refuses more regions than signals', () => {
    const p = prepared(gridScenario({ rows: 3, cols: 3 }));
    const f = roadFlows(p.net);
    let sum = 0;
    for (let m = 0; m < p.net.movDesignVph.length; m++) sum += p.net.movDesignVph[m]!;
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 6);
    expect(sum).toBeGreaterThan(0);
    expect(() => partitionNetwork(p.net, 10)).toThrow(/10 regions for 9 signals/);
  });

  it('the CLI: --json lists regions and cut roads by id; bad --regions is bad usage', async () => {
    requireBuiltCli();
    const r = await cli('partition', 'grid-4x4', '--regions', '2', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { regions: Array<{ signals: string[]; intersections: string[] }>; cut: Array<{ road: string; flowVph: number }>; cutFlowVph: number };
    expect(j.regions).toHaveLength(2);
    expect(j.regions.flatMap((x) => x.signals).sort()).toHaveLength(16);
    expect(j.cut.length).toBeGreaterThan(0);
    expect(j.cut[0]!.road).toMatch(/^i_\d_\d-i_\d_\d$/);
    const text = await cli('partition', 'grid-4x4', '--regions', '2');
    expect(text.stdout).toMatch(/16 signals in 2 regions; the cut carries/);
    for (const args of [['--regions', '0'], ['--regions', '17'], []]) {
      const b = await cli('partition', 'grid-4x4', ...args);
      expect(b.status).toBe(2);
      expect(b.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
