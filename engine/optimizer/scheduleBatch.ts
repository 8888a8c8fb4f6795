/**
 * Many signals' schedule searches at once (the per-second decisions of a
 * whole network), laid out in one SharedArrayBuffer so that worker threads
 * can each solve a range of them: per job its phases, the phase in force,
 * its clusters and switching losses (a ScheduleInput), and the answer. The
 * answer of a job is the same wherever it is solved.
 */
import { SCHEDULE_CLUSTERS, SCHEDULE_MAX_PHASES, ScheduleScratch, scheduleFirst, type ScheduleInput } from './schedule.js';

/** Float64 slots per job: arrival, duration, count and weight per cluster, then the switching loss per phase. */
const SLOTS = SCHEDULE_MAX_PHASES * SCHEDULE_CLUSTERS;
const F64_PER_JOB = 4 * SLOTS + SCHEDULE_MAX_PHASES;
/** Int32 per job: phases, the phase in force, the answer. */
const I32_PER_JOB = 3;

let nextBatchId = 1;

export class ScheduleBatch {
  /** Identifies the batch to the workers, which map it once. */
  readonly id = nextBatchId++;
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly f: Float64Array;
  private readonly i: Int32Array;
  private readonly views: Array<ScheduleInput | undefined>;

  /** A batch for up to `capacity` jobs, or a view of one made elsewhere (its buffer). */
  constructor(capacity: number, buffer?: SharedArrayBuffer) {
    this.capacity = Math.max(1, capacity);
    const fBytes = 8 * F64_PER_JOB * this.capacity;
    this.buffer = buffer ?? new SharedArrayBuffer(fBytes + 4 * I32_PER_JOB * this.capacity);
    this.f = new Float64Array(this.buffer, 0, F64_PER_JOB * this.capacity);
    this.i = new Int32Array(this.buffer, fBytes, I32_PER_JOB * this.capacity);
    this.views = new Array<ScheduleInput | undefined>(this.capacity);
  }

  /** The capacity a buffer was made with. */
  static capacityOf(buffer: SharedArrayBuffer): number {
    return buffer.byteLength / (8 * F64_PER_JOB + 4 * I32_PER_JOB);
  }

  /** Job j's input, to fill (phases and current are written back by commit). */
  input(j: number): ScheduleInput {
    let v = this.views[j];
    if (!v) {
      const b = j * F64_PER_JOB;
      v = this.views[j] = {
        phases: this.i[j * I32_PER_JOB]!,
        current: this.i[j * I32_PER_JOB + 1]!,
        arrivalS: this.f.subarray(b, b + SLOTS),
        durationS: this.f.subarray(b + SLOTS, b + 2 * SLOTS),
        count: this.f.subarray(b + 2 * SLOTS, b + 3 * SLOTS),
        weight: this.f.subarray(b + 3 * SLOTS, b + 4 * SLOTS),
        switchLossS: this.f.subarray(b + 4 * SLOTS, b + F64_PER_JOB),
      };
    }
    return v;
  }

  /** Stores job j's phase count and phase in force (after its input was filled). */
  commit(j: number): void {
    const v = this.input(j);
    this.i[j * I32_PER_JOB] = v.phases;
    this.i[j * I32_PER_JOB + 1] = v.current;
  }

  /** Solves jobs [from, to): each answer is the phase the least-delay schedule serves first. */
  solve(from: number, to: number, scratch: ScheduleScratch): void {
    for (let j = from; j < to; j++) {
      const v = this.input(j);
      v.phases = this.i[j * I32_PER_JOB]!;
      v.current = this.i[j * I32_PER_JOB + 1]!;
      this.i[j * I32_PER_JOB + 2] = scheduleFirst(v, scratch);
    }
  }

  /** The search's size for job j (its states: Π (clusters + 1) × phases), to share work out evenly. */
  cost(j: number): number {
    const P = this.i[j * I32_PER_JOB]!;
    return (SCHEDULE_CLUSTERS + 1) ** Math.min(P, SCHEDULE_MAX_PHASES) * P;
  }

  /** Job j's answer (after solve). */
  first(j: number): number {
    return this.i[j * I32_PER_JOB + 2]!;
  }
}
