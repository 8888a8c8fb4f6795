/** The detector arrays every detector source fills and every controller reads. */
/**
 * Live detector data, one entry per detector (index = detector index of the
 * compiled network). Loops (stop-line, advance) fill count/occupancy/presence;
 * lane-area (camera) detectors fill vehicles/halting/queueM. A detector source
 * (the simulator, a live feed) allocates the arrays for n detectors, zeroed,
 * and fills them; controllers only read them.
 */
export class DetectorArrays {
  /** Time (ms) of the last sample. */
  timeMs = 0;
  /** Cumulative vehicles whose front entered the detection zone. */
  readonly count: Float64Array;
  /** Cumulative ms during which some vehicle was over the zone. */
  readonly occupancyMs: Float64Array;
  /** 1 if some vehicle was over the zone at any time during the last step. */
  readonly presence: Uint8Array;
  /** Lane-area: vehicles in the zone now. */
  readonly vehicles: Int32Array;
  /** Lane-area: vehicles in the zone slower than the halting speed (1.39 m/s). */
  readonly halting: Int32Array;
  /** Lane-area: length of the standing queue from the zone's downstream end (m). */
  readonly queueM: Float64Array;

  constructor(n: number) {
    this.count = new Float64Array(n);
    this.occupancyMs = new Float64Array(n);
    this.presence = new Uint8Array(n);
    this.vehicles = new Int32Array(n);
    this.halting = new Int32Array(n);
    this.queueM = new Float64Array(n);
  }
}

/** What controllers read: the detector arrays (whoever fills them). */
export type DetectorView = DetectorArrays;
