/**
 * The simulation's state: vehicles (struct of arrays, sim/vehicles.ts),
 * trips, lane reservations, where the loops are, counters — everything the
 * step's phases (spawn, follow, advance, detectors, emergency) read and
 * write. The phases are functions over it; sim/simulation.ts calls them in
 * order. Nothing here is allocated per vehicle per step.
 */
import type { Cabinet } from '../engine/cabinet/index.js';
import { DET_LANE_AREA, type CompiledNetwork } from '../engine/network/index.js';
import type { PrioritySink } from '../engine/preemption/index.js';
import type { EventLog, SignalLayer } from '../engine/signals/index.js';
import type { Trips } from './demand.js';
import type { DetectorState } from './detectors.js';
import { Rng } from './rng.js';
import type { VehicleType } from './vehicleTypes.js';
import { VehicleStore } from './vehicles.js';

export class SimState {
  readonly net: CompiledNetwork;
  readonly trips: Trips;
  readonly durationMs: number;
  readonly stepMs: number;
  /** The engine; the phases read what its signal layer shows and write its detectors. */
  readonly cabinet: Cabinet<DetectorState>;
  readonly signals: SignalLayer;
  readonly detectors: DetectorState;
  readonly eventLog: EventLog | undefined;
  /** Where emergency vehicles send their requests and position reports (when the trips have any). */
  readonly priority: PrioritySink | undefined;

  nowMs = 0;
  steps = 0;
  vehicleSteps = 0;
  /** Seconds spent stepping (wall clock). */
  wallSeconds = 0;

  // counters
  scheduled = 0;
  entered = 0;
  completed = 0;
  /** Spare emergency trips that arrived and were reused for a later request: their count and summed travel time (ms), so live figures keep them. */
  reusedTrips = 0;
  reusedTravelMs = 0;
  inNetwork = 0;
  waitingToEnter = 0;
  /** Invariant counters (tests assert zero): overlapping vehicles; vehicles entering on red without a yellow commitment. */
  collisions = 0;
  redRunning = 0;
  /** Vehicles that had to take a link from a neighbouring lane at the stop line (having found no gap to change lanes before it; see follow.ts sideLink). */
  lateLaneChanges = 0;
  /** Lane changes along roads, towards a lane that serves the vehicle's next movement (sim/laneChange.ts). */
  laneChanges = 0;
  /** Whether any vehicle type changes lanes for speed (else the lane-change phase looks only at vehicles in a wrong lane). */
  readonly speedLc: boolean;
  /** Vehicles on a lane from which their route cannot go on (VehicleStore.vWrongLane): the lane-change phase runs only while there are any. */
  wrongLaneN = 0;
  /** The lane-change phase's candidates (vehicle, target lane), grown when needed. */
  laneChangeScratch: Int32Array = new Int32Array(64);
  /** Vehicles waiting for a gap to change lanes this step, and how far each may go (m along its lane). */
  laneHoldVeh: Int32Array = new Int32Array(64);
  laneHoldAtM: Float64Array = new Float64Array(64);
  laneHoldN = 0;

  // vehicle type parameters
  readonly tLen: Float64Array;
  readonly tMinGap: Float64Array;
  readonly tMaxSpeed: Float64Array;
  readonly tAccel: Float64Array;
  readonly tDecel: Float64Array;
  readonly tEmDecel: Float64Array;
  readonly tTau: Float64Array;
  readonly tSigma: Float64Array;
  /** 1 for vehicle types that change lanes for speed. */
  readonly tSpeedLc: Uint8Array;
  /** The simulator's one PRNG (used only by vehicle types with σ > 0). */
  readonly rng: Rng;
  /** The run's seed (random_free insertion positions are hashed from it, the trip and the step). */
  readonly seed: number;

  /** The vehicles and the drivables' FIFO lists. */
  readonly veh: VehicleStore;

  /** Space reserved on a lane by vehicles on links heading into it (m), and their number. */
  readonly laneResM: Float64Array;
  readonly laneResN: Int32Array;
  /** Step in which a vehicle last entered each lane (one per lane per step). */
  readonly laneInsertStamp: Int32Array;
  /**
   * Where the loops a vehicle on each drivable can cover are, so advance only
   * tests vehicles near them. For a lane: its own loops; for a link: the loops
   * of the lane it comes from, which a vehicle still covers while its rear is
   * there. Coordinates along that lane: a vehicle's position plus
   * drvLoopOffM (0 on a lane, the from-lane's length on a link). The span
   * from the first loop's start to the last one's end, and the range of loops
   * in loopStartM/loopEndM/loopDet (a queue standing between two far-apart
   * loops costs no call).
   */
  readonly drvLoopOffM: Float64Array;
  readonly drvLoopFromM: Float64Array;
  readonly drvLoopToM: Float64Array;
  readonly drvLoopStart: Int32Array;
  readonly drvLoopEnd: Int32Array;
  readonly loopStartM: Float64Array;
  readonly loopEndM: Float64Array;
  readonly loopDet: Int32Array;

  // trips
  nextTrip = 0;
  readonly tripState: Uint8Array;
  readonly tripArriveMs: Float64Array;
  readonly tripEnterMs: Float64Array;
  readonly tripStops: Int32Array;
  readonly tripVeh: Int32Array;
  /** Per road: the trips waiting to enter there (a FIFO through waitNext). */
  readonly waitHead: Int32Array;
  readonly waitTail: Int32Array;
  readonly waitNext: Int32Array;
  /** Roads where vehicles asked for while running enter (not among the trips' origins). */
  readonly extraOrigins: number[] = [];

  /** Per emergency vehicle: 1 once dispatched, 2 once its arrival has been reported. */
  readonly evReported: Uint8Array;
  readonly reportEveryMs: number;

  /** The distance argument of intoLane (a double passed as an argument to a call that is not inlined is boxed). */
  readonly distScratch = new Float64Array(1);

  constructor(o: { net: CompiledNetwork; trips: Trips; types: readonly VehicleType[]; durationMs: number; cabinet: Cabinet<DetectorState>; seed: number; reportPeriodS: number }) {
    const net = o.net;
    this.net = net;
    this.trips = o.trips;
    this.durationMs = o.durationMs;
    this.stepMs = net.stepMs;
    this.cabinet = o.cabinet;
    this.signals = o.cabinet.signals;
    this.detectors = o.cabinet.detectors;
    this.eventLog = o.cabinet.eventLog;

    const types = o.types;
    const f = (g: (t: VehicleType) => number): Float64Array => Float64Array.from(types.map(g));
    this.tLen = f((t) => t.lengthM);
    this.tMinGap = f((t) => t.minGapM);
    this.tMaxSpeed = f((t) => t.maxSpeedMps);
    this.tAccel = f((t) => t.accelMps2);
    this.tDecel = f((t) => t.decelMps2);
    this.tEmDecel = f((t) => t.emergencyDecelMps2);
    this.tTau = f((t) => Math.max(t.tauS, net.stepMs / 1000));
    this.tSigma = f((t) => t.sigma);
    this.tSpeedLc = Uint8Array.from(o.types, (t) => (t.laneChangeForSpeed ? 1 : 0));
    this.speedLc = o.types.some((t) => t.laneChangeForSpeed);
    this.rng = new Rng(o.seed, 0x5eed);
    this.seed = o.seed >>> 0;

    this.laneResM = new Float64Array(net.nLanes);
    this.laneResN = new Int32Array(net.nLanes);
    this.laneInsertStamp = new Int32Array(net.nLanes).fill(-1);
    const loopS: number[] = [];
    const loopE: number[] = [];
    const loopD: number[] = [];
    this.drvLoopOffM = new Float64Array(net.nDrv);
    this.drvLoopFromM = new Float64Array(net.nDrv).fill(Infinity);
    this.drvLoopToM = new Float64Array(net.nDrv).fill(-Infinity);
    this.drvLoopStart = new Int32Array(net.nDrv);
    this.drvLoopEnd = new Int32Array(net.nDrv);
    for (let lane = 0; lane < net.nLanes; lane++) {
      this.drvLoopStart[lane] = loopS.length;
      for (let k = net.laneDetStart[lane]!; k < net.laneDetStart[lane + 1]!; k++) {
        const dIdx = net.laneDets[k]!;
        if (net.detKind[dIdx] === DET_LANE_AREA) continue;
        loopS.push(net.detStartM[dIdx]!);
        loopE.push(net.detEndM[dIdx]!);
        loopD.push(dIdx);
        this.drvLoopFromM[lane] = Math.min(this.drvLoopFromM[lane]!, net.detStartM[dIdx]!);
        this.drvLoopToM[lane] = Math.max(this.drvLoopToM[lane]!, net.detEndM[dIdx]!);
      }
      this.drvLoopEnd[lane] = loopS.length;
    }
    for (let d = net.nLanes; d < net.nDrv; d++) {
      const from = net.linkFromLane[d - net.nLanes]!;
      this.drvLoopOffM[d] = net.drvLengthM[from]!;
      this.drvLoopFromM[d] = this.drvLoopFromM[from]!;
      this.drvLoopToM[d] = this.drvLoopToM[from]!;
      this.drvLoopStart[d] = this.drvLoopStart[from]!;
      this.drvLoopEnd[d] = this.drvLoopEnd[from]!;
    }
    this.loopStartM = Float64Array.from(loopS);
    this.loopEndM = Float64Array.from(loopE);
    this.loopDet = Int32Array.from(loopD);

    const n = o.trips.n;
    this.tripState = new Uint8Array(n);
    this.tripArriveMs = new Float64Array(n).fill(NaN);
    this.tripEnterMs = new Float64Array(n).fill(NaN);
    this.tripStops = new Int32Array(n);
    this.tripVeh = new Int32Array(n).fill(-1);
    this.waitHead = new Int32Array(net.nRoads).fill(-1);
    this.waitTail = new Int32Array(net.nRoads).fill(-1);
    this.waitNext = new Int32Array(n).fill(-1);

    this.veh = new VehicleStore(net.nDrv, Math.max(64, Math.min(n, 1 << 14)));

    const hasEmergency = o.trips.emergency.length > 0;
    this.priority = hasEmergency ? o.cabinet.preemption : undefined;
    this.evReported = new Uint8Array(o.trips.emergency.length);
    this.reportEveryMs = hasEmergency ? Math.max(net.stepMs, Math.round(o.reportPeriodS * 1000)) : 1000;
  }
}

/** True when some lane link out of `lane` serves movement mv. */
export function laneHasMovement(net: CompiledNetwork, lane: number, mv: number): boolean {
  for (let k = net.laneOutStart[lane]!; k < net.laneOutStart[lane + 1]!; k++) if (net.linkMov[net.laneOut[k]! - net.nLanes] === mv) return true;
  return false;
}
