/**
 * The re-plan worker (a piscina task module): runs one step of the re-plan on
 * one shard of intersections, or a range of schedule searches, reading and
 * writing shared typed arrays.
 */
import { viewOptNet, type OptNet } from './optnet.js';
import { linkFlows } from './offsets.js';
import { newPlanArrays } from './plan.js';
import { profileStep, refineStep } from './refine.js';
import { demandStep, splitStep } from './splits.js';
import { ScheduleScratch } from './schedule.js';
import { ScheduleBatch } from './scheduleBatch.js';
import { TASK_VERSION, type ReplanTask } from './tasks.js';

let cachedId = -1;
let cached: OptNet | undefined;

function netOf(t: ReplanTask): OptNet {
  if (t.netId !== cachedId || !cached) {
    cached = viewOptNet(t.net);
    cachedId = t.netId;
  }
  return cached;
}

let batchId = -1;
let batch: ScheduleBatch | undefined;
let scratch: ScheduleScratch | undefined;

function batchOf(id: number, buf: SharedArrayBuffer): ScheduleBatch {
  if (id !== batchId || !batch) {
    batch = new ScheduleBatch(ScheduleBatch.capacityOf(buf), buf);
    batchId = id;
  }
  return batch;
}

export default async function run(task: ReplanTask): Promise<number> {
  if (task.v !== TASK_VERSION) throw new Error(`re-plan task version ${String(task.v)}, expected ${TASK_VERSION}`);
  if (task.debugDelayMs) await new Promise((r) => setTimeout(r, task.debugDelayMs));
  const t0 = performance.now();
  if (task.kind === 'schedule') {
    batchOf(task.batchId, task.batch).solve(task.from, task.to, (scratch ??= new ScheduleScratch()));
    return performance.now() - t0;
  }
  const opt = netOf(task);
  switch (task.kind) {
    case 'demand': {
      const lanes = new Float64Array(task.laneFlowVph);
      demandStep(opt, lanes, task.from, task.to, new Float64Array(task.yPhase), new Int32Array(task.wantCycleMs));
      linkFlows(opt, lanes, new Float64Array(task.linkFlowVph), task.from, task.to);
      break;
    }
    case 'splits':
      splitStep(
        opt,
        new Float64Array(task.yPhase),
        new Int32Array(task.cycleMs),
        task.prev ? newPlanArrays(opt, task.prev) : undefined,
        task.params,
        task.from,
        task.to,
        newPlanArrays(opt, task.out),
      );
      break;
    case 'profiles':
      profileStep(
        opt,
        new Float64Array(task.linkFlowVph),
        newPlanArrays(opt, task.plan),
        task.params,
        new Int32Array(task.profStart),
        task.from,
        task.to,
        new Float32Array(task.prof),
      );
      break;
    case 'refine':
      refineStep(
        opt,
        new Float32Array(task.prof),
        new Int32Array(task.profStart),
        newPlanArrays(opt, task.plan),
        new Int32Array(task.offsetsIn),
        task.params,
        task.from,
        task.to,
        new Int32Array(task.offsetsOut),
      );
      break;
    default:
      throw new Error(`unknown re-plan task ${(task as { kind: string }).kind}`);
  }
  return performance.now() - t0;
}
