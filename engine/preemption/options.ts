/** The pre-emption manager's options and their defaults (see manager.ts). */

export const PREEMPTION_DEFAULTS = {
  /** Pre-emption is on; off: vehicles are still routed, signals are not pre-empted. */
  enabled: true,
  /** A green in force may be cut short to this (s), never below; yellow and all-red are never shortened. */
  minGreenS: 5,
  /** Added to every lead time (s). */
  marginS: 3,
  /** Discharge headway (s per queued vehicle) and start-up lost time (s) for the queue in front of the vehicle. */
  headwayS: 2,
  startupS: 2,
  /** A call that has held its phase this long without the vehicle passing is dropped (s). */
  maxDwellS: 120,
  /** After an exit, the recovery phase is given back to the controller at most this late (s). */
  maxRecoveryS: 60,
  /** A road is taken as blocked when every lane's camera has shown a standing queue over ≥ 90 % of its zone, and its loops have counted nobody leaving, for this long (s). */
  blockedAfterS: 120,
};

export type PreemptionOptions = Partial<typeof PREEMPTION_DEFAULTS>;
