/**
 * Detector data pushed in by clients (field detectors, or another simulator
 * in co-simulation), held as the same DetectorView the controllers read from
 * the built-in simulator. Counts arrive as increments since the previous
 * message and are accumulated; occupancy arrives as the fraction of the last
 * interval and is accumulated as time; lane-area readings replace the last.
 */
import { DET_LANE_AREA, type CompiledNetwork } from '../network/compile.js';
import { DetectorArrays } from './arrays.js';

/** One detector's reading in a message: loops send count (increment), occupancy (fraction) and presence; lane-area detectors vehicles, halting and queueM. */
export type DetectorReading = { count?: number; occupancy?: number; presence?: 0 | 1; vehicles?: number; halting?: number; queueM?: number };
/** The readings of one message: by detector id, and vehicle counts by lane id (held by the lane's lane-area detector). */
export interface Observations {
  detectors?: Record<string, DetectorReading>;
  lanes?: Record<string, { vehicles?: number; halting?: number }>;
}

/** Why a message was refused (the same codes as the protocol's error frames). */
export const INGEST_UNKNOWN_ID = 'unknown-id';
export const INGEST_BAD_READING = 'bad-message';

export class IngestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class IngestedDetectors extends DetectorArrays {
  /** Readings accepted, and the last message's sequence number applied. */
  readings = 0;
  lastSeq = 0;
  private readonly detIndex: Map<string, number>;
  private readonly laneIndex: Map<string, number>;
  /** Time of the previous message (ms), for occupancy fractions. */
  private lastMs = 0;

  constructor(private readonly net: CompiledNetwork) {
    super(net.nDet);
    this.detIndex = new Map(net.detectorIds.map((d, i) => [d, i]));
    this.laneIndex = new Map(net.laneIds.map((l, i) => [l, i]));
  }

  /**
   * Checks a message's ids before anything is applied: an unknown detector or
   * lane, or a lane-area reading sent to a loop, throws an IngestError and
   * nothing changes.
   */
  check(o: Observations): number {
    let n = 0;
    for (const [id, r] of Object.entries(o.detectors ?? {})) {
      const d = this.detIndex.get(id);
      if (d === undefined) throw new IngestError(INGEST_UNKNOWN_ID, `detectors.${id}: unknown detector id`);
      const area = this.net.detKind[d] === DET_LANE_AREA;
      if (area && (r.count !== undefined || r.occupancy !== undefined || r.presence !== undefined)) throw new IngestError(INGEST_BAD_READING, `detectors.${id}: a lane-area detector reports vehicles, halting and queueM`);
      if (!area && (r.vehicles !== undefined || r.halting !== undefined || r.queueM !== undefined)) throw new IngestError(INGEST_BAD_READING, `detectors.${id}: a loop detector reports count, occupancy and presence`);
      n++;
    }
    for (const id of Object.keys(o.lanes ?? {})) {
      const l = this.laneIndex.get(id);
      if (l === undefined) throw new IngestError(INGEST_UNKNOWN_ID, `lanes.${id}: unknown lane id`);
      if (this.net.laneCamera[l]! < 0) throw new IngestError(INGEST_BAD_READING, `lanes.${id}: the lane has no lane-area detector to hold its count`);
      n++;
    }
    return n;
  }

  /** Applies a checked message as the readings at nowMs. */
  apply(o: Observations, nowMs: number, seq: number): void {
    const dt = Math.max(0, nowMs - this.lastMs);
    for (const [id, r] of Object.entries(o.detectors ?? {})) {
      const d = this.detIndex.get(id)!;
      if (r.count !== undefined) this.count[d]! += r.count;
      if (r.occupancy !== undefined) this.occupancyMs[d]! += r.occupancy * dt;
      if (r.presence !== undefined) this.presence[d] = r.presence;
      if (r.vehicles !== undefined) this.vehicles[d] = r.vehicles;
      if (r.halting !== undefined) this.halting[d] = r.halting;
      if (r.queueM !== undefined) this.queueM[d] = r.queueM;
      this.readings++;
    }
    for (const [id, r] of Object.entries(o.lanes ?? {})) {
      const c = this.net.laneCamera[this.laneIndex.get(id)!]!;
      if (r.vehicles !== undefined) this.vehicles[c] = r.vehicles;
      if (r.halting !== undefined) this.halting[c] = r.halting;
      this.readings++;
    }
    this.lastMs = nowMs;
    this.timeMs = nowMs;
    this.lastSeq = seq;
  }

  /** Advances the view's clock (the readings stand until the next message). */
  tick(nowMs: number): void {
    this.timeMs = nowMs;
  }
}
