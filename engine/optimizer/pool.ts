/**
 * The re-plan in worker threads (piscina). Intersections are split into
 * shards; the shardable steps (demand, splits, offset refinement) run as one
 * task per shard over SharedArrayBuffers, the network-wide ones (group cycles,
 * the spanning forest of offsets) in the calling thread. Each task runs under
 * a time budget; a task that throws, overruns or loses its worker (piscina
 * replaces the worker) is retried once, and if it fails again the whole
 * re-plan is abandoned and the previous plan kept. The result does not depend
 * on the number of workers or their timing: it equals replanInline's.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { OptNet } from './optnet.js';
import { offsetStep } from './offsets.js';
import { REPLAN_DEFAULTS, type PlanArrays, type ReplanParams } from './plan.js';
import { profileLayout } from './refine.js';
import { cycleStep, signalGroups } from './splits.js';
import type { ScheduleScratch } from './schedule.js';
import type { ScheduleBatch } from './scheduleBatch.js';
import { TASK_VERSION, type ReplanTask } from './tasks.js';

/** A compiled module of dist/engine/optimizer (default: the worker), also when running from TypeScript sources. */
export function workerFile(file = 'worker.js'): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), file);
  const built = join(dirname(here), '..', '..', 'dist', 'engine', 'optimizer', file);
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (npm run build)`);
  return built;
}

/**
 * piscina's options for a pool whose tasks go to the default export of the
 * ES module `esmFile`: the pool loads the CommonJS entry (esmEntry.cts),
 * which imports that module, so no worker thread ever require()s an ES
 * module.
 */
export function esmPoolFile(esmFile: string): { filename: string; workerData: { esm: string } } {
  return { filename: pathToFileURL(workerFile('esmEntry.cjs')).href, workerData: { esm: pathToFileURL(esmFile).href } };
}

export interface PoolOptions {
  /** Worker threads (default: the machine's parallelism, at most 16). */
  workers?: number;
  /** Shards per worker (default 2, so a slow shard does not hold the others). */
  shardsPerWorker?: number;
  /** Time budget of one task (ms, default 2000). */
  taskTimeoutMs?: number;
}

export interface ReplanStats {
  /** Wall-clock time of the re-plan (ms). */
  ms: number;
  /** Tasks that failed once and were retried. */
  retried: number;
  /** True if some task failed twice: the re-plan was abandoned and the previous plan kept. */
  abandoned: boolean;
}

let nextNetId = 1;

/** Schedule searches go to the workers in shards of at least this many states (about 0.2 ms of search). */
export const SCHEDULE_SHARD_MIN_COST = 50_000;

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

export class ReplanPool {
  readonly opt: OptNet;
  readonly workers: number;
  private readonly pool: Piscina;
  private readonly netId = nextNetId++;
  private readonly shards: Array<[number, number]>;
  private readonly taskTimeoutMs: number;
  private readonly group: Int32Array;
  private readonly scratch = new Map<string, SharedArrayBuffer>();
  private running = false;
  /** For tests: tasks sleep this long before working, on their first `debugDelayAttempts` attempts. */
  debugDelayMs = 0;
  debugDelayAttempts = 1;

  constructor(opt: OptNet, opts: PoolOptions = {}) {
    this.opt = opt;
    this.workers = Math.max(1, Math.min(64, opts.workers ?? Math.min(16, availableParallelism())));
    this.taskTimeoutMs = opts.taskTimeoutMs ?? 2000;
    this.pool = new Piscina({
      ...esmPoolFile(workerFile()),
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: 60_000,
    });
    const nShards = Math.min(opt.nInter, this.workers * (opts.shardsPerWorker ?? 2));
    this.shards = [];
    for (let s = 0; s < nShards; s++) {
      const from = Math.floor((s * opt.nInter) / nShards);
      const to = Math.floor(((s + 1) * opt.nInter) / nShards);
      if (to > from) this.shards.push([from, to]);
    }
    this.group = signalGroups(opt);
  }

  /** The worker threads (for tests that kill one). */
  get threads(): ReadonlyArray<{ terminate(): Promise<number> }> {
    return this.pool.threads;
  }

  /** Runs a task with its time budget, once more if it fails; false if it failed twice. `retried` is called on the first failure. */
  private async runTask(make: (attempt: number) => ReplanTask, retried: () => void): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.pool.run(make(attempt), { signal: AbortSignal.timeout(this.taskTimeoutMs) });
        return true;
      } catch {
        if (attempt === 0) retried();
      }
    }
    return false;
  }

  /** For tests: the delay a task's attempt sleeps (debugDelayMs on the first debugDelayAttempts attempts). */
  private delay(attempt: number): number | undefined {
    return attempt < this.debugDelayAttempts && this.debugDelayMs > 0 ? this.debugDelayMs : undefined;
  }

  private async runShards(make: (from: number, to: number, attempt: number) => ReplanTask, stats: ReplanStats): Promise<boolean> {
    const ok = await Promise.all(this.shards.map(([a, b]) => this.runTask((at) => make(a, b, at), () => stats.retried++)));
    return ok.every(Boolean);
  }

  /**
   * Re-plans every signal from lane flows (veh/h), writing into `out`
   * (SharedArrayBuffer-backed, from newPlanArrays). If the re-plan is
   * abandoned, `out` receives `prev` (the last plan is kept).
   */
  async replan(laneFlowVph: Float64Array, prev: PlanArrays | undefined, out: PlanArrays, params: ReplanParams = REPLAN_DEFAULTS, rounds = 2): Promise<ReplanStats> {
    // Scratch buffers are kept between re-plans (no page faults on big networks), unless re-plans overlap.
    const reuse = !this.running;
    this.running = true;
    try {
      return await this.replanWith(reuse ? (name, bytes) => this.scratchBuffer(name, bytes) : (_name, bytes) => shared(bytes), laneFlowVph, prev, out, params, rounds);
    } finally {
      if (reuse) this.running = false;
    }
  }

  private scratchBuffer(name: string, bytes: number): SharedArrayBuffer {
    let b = this.scratch.get(name);
    if (!b || b.byteLength < Math.max(8, bytes)) this.scratch.set(name, (b = shared(bytes)));
    return b;
  }

  private async replanWith(
    scratch: (name: string, bytes: number) => SharedArrayBuffer,
    laneFlowVph: Float64Array,
    prev: PlanArrays | undefined,
    out: PlanArrays,
    params: ReplanParams,
    rounds: number,
  ): Promise<ReplanStats> {
    const t0 = performance.now();
    const stats: ReplanStats = { ms: 0, retried: 0, abandoned: false };
    const opt = this.opt;
    const base = { v: TASK_VERSION, netId: this.netId, net: opt.buffer } as const;
    const flowsBuf = scratch('laneFlow', 8 * opt.nLanes);
    new Float64Array(flowsBuf).set(laneFlowVph);
    const yBuf = scratch('y', 8 * opt.nPhases);
    new Float64Array(yBuf).fill(0);
    const wantBuf = scratch('want', 4 * opt.nInter);
    const outBuf = out.cycleMs.buffer as SharedArrayBuffer;
    const prevBuf = prev ? (prev.cycleMs.buffer as SharedArrayBuffer) : null;
    const abandon = (): ReplanStats => {
      if (prev) {
        out.cycleMs.set(prev.cycleMs);
        out.offsetMs.set(prev.offsetMs);
        out.greenMs.set(prev.greenMs);
        out.startMs.set(prev.startMs);
      }
      stats.abandoned = true;
      stats.ms = performance.now() - t0;
      return stats;
    };

    type Extra = Omit<ReplanTask, 'v' | 'netId' | 'net' | 'from' | 'to' | 'attempt' | 'debugDelayMs'> & Record<string, unknown>;
    const mk = (from: number, to: number, attempt: number, extra: Extra): ReplanTask => {
      const d = this.delay(attempt);
      return { ...base, from, to, attempt, ...(d !== undefined ? { debugDelayMs: d } : {}), ...extra } as unknown as ReplanTask;
    };
    const flowBuf = scratch('linkFlow', 8 * opt.nLinks);
    if (!(await this.runShards((a, b, at) => mk(a, b, at, { kind: 'demand', laneFlowVph: flowsBuf, yPhase: yBuf, wantCycleMs: wantBuf, linkFlowVph: flowBuf }), stats)))
      return abandon();
    const want = new Int32Array(wantBuf);
    const cycBuf = scratch('cycle', 4 * opt.nInter);
    const cycle = new Int32Array(cycBuf);
    cycleStep(opt, this.group, want, prev?.cycleMs, params, cycle);
    if (!(await this.runShards((a, b, at) => mk(a, b, at, { kind: 'splits', yPhase: yBuf, cycleMs: cycBuf, prev: prevBuf, out: outBuf, params }), stats)))
      return abandon();
    offsetStep(opt, new Float64Array(flowBuf), out, prev?.offsetMs, want);
    const layout = profileLayout(opt, out.cycleMs);
    const profStartBuf = scratch('profStart', 4 * layout.length);
    new Int32Array(profStartBuf).set(layout);
    const profBuf = scratch('prof', 4 * layout[opt.nLinks]!);
    if (!(await this.runShards((a, b, at) => mk(a, b, at, { kind: 'profiles', linkFlowVph: flowBuf, plan: outBuf, profStart: profStartBuf, prof: profBuf, params }), stats)))
      return abandon();
    let aBuf = scratch('offsetsA', 4 * opt.nInter);
    let bBuf = scratch('offsetsB', 4 * opt.nInter);
    new Int32Array(aBuf).set(out.offsetMs);
    for (let r = 0; r < rounds; r++) {
      const inB = aBuf;
      const outB = bBuf;
      if (!(await this.runShards((a, b, at) => mk(a, b, at, { kind: 'refine', prof: profBuf, profStart: profStartBuf, plan: outBuf, offsetsIn: inB, offsetsOut: outB, params }), stats)))
        return abandon();
      [aBuf, bBuf] = [bBuf, aBuf];
    }
    out.offsetMs.set(new Int32Array(aBuf));
    stats.ms = performance.now() - t0;
    return stats;
  }

  /**
   * Solves jobs [0, n) of a schedule batch: contiguous shards of similar
   * search size (at least `minCost` states each), one per worker and one for
   * the calling thread, which solves its own (the last) while the workers
   * solve theirs; with too little work for two shards it solves them all
   * itself. A shard whose task fails twice is solved in the calling thread.
   * The answers equal batch.solve's, whatever the workers did. `scratch`: the
   * calling thread's (sized for the batch's largest search).
   */
  schedules(batch: ScheduleBatch, n: number, scratch: ScheduleScratch, minCost = SCHEDULE_SHARD_MIN_COST): Promise<void> | void {
    let total = 0;
    for (let j = 0; j < n; j++) total += batch.cost(j);
    const nShards = Math.max(1, Math.min(this.workers + 1, n, Math.floor(total / minCost)));
    if (nShards === 1) return batch.solve(0, n, scratch);
    const runs: Array<Promise<void>> = [];
    let from = 0;
    let acc = 0;
    for (let s = 1; s < nShards && from < n; s++) {
      let to = from;
      const goal = (total * s) / nShards;
      while (to < n - 1 && (to === from || acc + batch.cost(to) <= goal + 1e-9)) acc += batch.cost(to++);
      runs.push(this.scheduleShard(batch, from, to, scratch));
      from = to;
    }
    if (from < n) batch.solve(from, n, scratch);
    return Promise.all(runs).then(() => undefined);
  }

  private async scheduleShard(batch: ScheduleBatch, from: number, to: number, scratch: ScheduleScratch): Promise<void> {
    const task = (attempt: number): ReplanTask => {
      const d = this.delay(attempt);
      return { v: TASK_VERSION, netId: this.netId, net: this.opt.buffer, from, to, attempt, kind: 'schedule', batch: batch.buffer, batchId: batch.id, ...(d !== undefined ? { debugDelayMs: d } : {}) };
    };
    if (await this.runTask(task, () => this.scheduleStats.retried++)) {
      this.scheduleStats.shards++;
      return;
    }
    // failed twice: solved here
    this.scheduleStats.solvedHere++;
    batch.solve(from, to, scratch);
  }

  /** Schedule shards solved by the workers, retried, and given up on and solved in the calling thread. */
  readonly scheduleStats = { shards: 0, retried: 0, solvedHere: 0 };

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
