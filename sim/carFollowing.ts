/**
 * Car-following: the Krauss model (Krauss 1998, as in SUMO), collision-free
 * by construction, with a hard no-overlap bound on top.
 *
 * The safe speed is the highest v' for which, after driving one reaction time
 * τ at v', the follower can still stop (braking at b) behind a leader at speed
 * vₗ that also brakes at b:
 *     v'·τ + v'²/(2b) ≤ g + vₗ²/(2b)   ⇒   v' = −bτ + √(b²τ² + vₗ² + 2·b·g)
 * where g is the gap minus the standstill gap. The new speed is then
 *     v' = max(v − d_emergency·Δt, 0, min(v_desired, v + a·Δt, v_safe, v_bound))
 * with v_bound the emergency bound: from v' the follower can still stop behind
 * the leader even if the leader brakes at its emergency limit (boundSpeed).
 * Positions advance by v'·Δt (Euler).
 *
 * With σ > 0 the driver dawdles: the speed then drops by σ·a·Δt·U, U uniform
 * in [0, 1), drawn from the simulation's seeded PRNG (SUMO's Krauss uses 0.5).
 *
 * Parameters (per vehicle type, defaults for a car): a = 2.6 m/s², b = 4.5 m/s²,
 * emergency deceleration 9 m/s², τ = 1.2 s, standstill gap 2.5 m, length 5 m,
 * σ = 0 (deterministic drivers: randomness comes from the arrivals).
 */

/** Krauss safe speed (m/s) for a gap (m, already net of the standstill gap) to a leader at vLeader (m/s). */
export function safeSpeed(gapM: number, vLeaderMps: number, decelMps2: number, tauS: number): number {
  const bt = decelMps2 * tauS;
  const arg = bt * bt + vLeaderMps * vLeaderMps + 2 * decelMps2 * gapM;
  return arg > 0 ? Math.max(0, -bt + Math.sqrt(arg)) : 0;
}

/**
 * Distance (m) a vehicle at v (m/s) still travels while braking at d (m/s²)
 * with Euler steps of dt (each step moves the new speed × dt), until it stops.
 */
export function eulerBrakeDistance(vMps: number, decelMps2: number, dtS: number): number {
  const dv = decelMps2 * dtS;
  const n = Math.floor(vMps / dv);
  return dtS * (n * vMps - (dv * n * (n + 1)) / 2);
}

/**
 * The emergency bound: the highest speed (m/s) for the next step from which
 * the follower can still stop, braking at its emergency limit, behind a
 * leader that brakes at *its* emergency limit from now on, with both moving
 * in Euler steps of dt. physGap is the bumper-to-bumper gap now (m). This is
 * what makes the model collision-free whatever the leader does within its
 * physical limits (the Krauss safe speed alone assumes the leader brakes no
 * harder than the follower's comfortable deceleration).
 */
export function boundSpeed(physGapM: number, vLeaderMps: number, leaderEmergencyDecelMps2: number, emergencyDecelMps2: number, dtS: number): number {
  const budget = physGapM - 0.01 + eulerBrakeDistance(vLeaderMps, leaderEmergencyDecelMps2, dtS);
  if (budget <= 0) return 0;
  // Travel of this step plus the stop afterwards: T(v) = dt·((n+1)·v − D·dt·n(n+1)/2) for v in [nDdt, (n+1)Ddt).
  const dv = emergencyDecelMps2 * dtS;
  const n = Math.floor((-1 + Math.sqrt(1 + (8 * budget) / (dv * dtS))) / 2);
  const v = (budget / dtS + (dv * n * (n + 1)) / 2) / (n + 1);
  return Math.min(v, (n + 1) * dv);
}

/**
 * Highest speed (m/s) for the next step from which a vehicle can still slow to
 * vLimit (m/s) by the point dist (m) ahead, braking at b: the speed limit of
 * the next lane or turn, anticipated. At or below vLimit nothing constrains.
 */
export function approachSpeed(distM: number, vLimitMps: number, decelMps2: number, dtS: number): number {
  const bt = decelMps2 * dtS;
  const v = -bt + Math.sqrt(bt * bt + vLimitMps * vLimitMps + 2 * decelMps2 * Math.max(0, distM));
  return v > vLimitMps ? v : vLimitMps;
}

export interface FollowerParams {
  accelMps2: number;
  decelMps2: number;
  emergencyDecelMps2: number;
  tauS: number;
  minGapM: number;
}

/**
 * One car-following decision, as the simulator makes it: the next speed of a
 * follower at speed v with a leader at bumper gap physGap and speed vLeader.
 * Used by tests to sweep speeds and gaps; the simulator inlines the same math.
 */
export function nextSpeed(
  p: FollowerParams,
  vMps: number,
  vDesiredMps: number,
  physGapM: number,
  vLeaderMps: number,
  leaderEmergencyDecelMps2: number,
  dtS: number,
): number {
  let v = Math.min(vDesiredMps, vMps + p.accelMps2 * dtS);
  v = Math.min(v, safeSpeed(physGapM - p.minGapM, vLeaderMps, p.decelMps2, p.tauS));
  v = Math.min(v, boundSpeed(physGapM, vLeaderMps, leaderEmergencyDecelMps2, p.emergencyDecelMps2, dtS));
  return Math.max(v, vMps - p.emergencyDecelMps2 * dtS, 0);
}
