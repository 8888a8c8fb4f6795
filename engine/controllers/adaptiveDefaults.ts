/** The adaptive controller's settings, each with why it has its value (docs/ADAPTIVE.md has the measurements). */
export const ADAPTIVE_DEFAULTS = {
  minGreenS: 5,
  decisionS: 5,
  /**
   * Weight of the head-of-line term: per second since the phase was first
   * called (a vehicle halting on its approach while another phase is green).
   * It counts the wait, not the queue: the pressure term already counts the
   * vehicles (docs/ADAPTIVE.md has the measured choice).
   */
  waitWeight: 0.1,
  /**
   * Hold: the green in force counts, on top of its pressure, this weight per
   * vehicle still moving on its approaches (cameras: vehicles − halting), so
   * a green is not cut while its platoon is still arriving (advanced
   * max-pressure's hold rule, as a weight; docs/ADAPTIVE.md has the measured
   * choice of 1).
   */
  holdWeight: 1,
  /**
   * Variable initial (after NEMA's "added initial"): a green that starts with
   * at least queueMinGreenAt vehicles halting on its approaches gets
   * queueMinGreenS instead of minGreenS, so a long queue is not cut off
   * while it is still starting up (which, under saturation, wastes a
   * clearance for a few vehicles).
   */
  queueMinGreenS: 12,
  queueMinGreenAt: 15,
  /** Bonus for the phase the network plan schedules now (vehicles). */
  coordination: 0,
  /**
   * The network part switched off: each signal decides from its own
   * approaches only (no downstream readings in the pressure terms).
   */
  isolated: false,
  /**
   * Switching at a price (engine/optimizer/schedule.ts, after Surtrac): in
   * the first scheduleReachS of a green, a change the pressure rule asks for
   * is made only when the least-delay schedule of what the cameras see (per
   * phase its standing queue and its vehicles still moving), each change
   * costing its yellow, all-red and startUpLostS, does not serve the green
   * in force first; while it does, the green is kept and looked at again
   * every scheduleDecisionS. Past scheduleReachS the pressure rule alone
   * decides (a schedule that only sees the cameras' zone would hold a
   * steady main stream against a side road whose queue it cannot see).
   */
  schedule: true,
  /**
   * In the schedule, each phase's moving vehicles include those its upstream
   * neighbours' cameras see bound for it while their movement is green there
   * (Surtrac's projected arrivals; never when isolated). Off: measured
   * -0.3 to -0.9 % in greenwave's simulator and nothing in SUMO
   * (docs/ADAPTIVE.md), a gain in one simulator only; the variant
   * adaptive-upstream runs it.
   */
  upstream: false,
  /**
   * How far into a green the schedule is asked (s). Chosen on 2026-12-04 on
   * issue 15's twelve rows in both simulators (10, 15, 20, 30 s and the
   * schedule off; docs/ADAPTIVE.md): 10-20 s are alike and better than 30 s
   * in both, 15 s the best in SUMO.
   */
  scheduleReachS: 15,
  scheduleDecisionS: 1,
  /** In the schedule, a queue's delay weighs (1 + this × seconds since its phase was called) per vehicle. */
  scheduleWaitWeight: 0.02,
  /** Start-up lost time of a green (s): part of the price of a change. */
  startUpLostS: 2,
  replanS: 300,
  applyDelayS: 10,
  /** Time constant of the smoothing of flows (s). */
  flowTauS: 300,
  /** Time constant of the smoothing of camera readings kept for faults (s). */
  cameraTauS: 60,
};
