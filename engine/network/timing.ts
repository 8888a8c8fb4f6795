/**
 * Clearance interval formulas (ITE) and timing rounding.
 *
 * Yellow: Y = t + v / (2a + 2·G·g), t = 1.0 s perception-reaction,
 * a = 3.05 m/s² comfortable deceleration, g = 9.81 m/s², G grade (decimal).
 * Test values: 50 km/h level → 3.28 s; 40 mph level → 3.93 s. Clamped to 3–6 s.
 *
 * All-red: R = (W + L)/v, W = stop line to the far side of the conflict area
 * (greenwave uses the movement's path length through the intersection, stop
 * line to exit lane), L = vehicle length (6 m). Clamped to 1–6 s.
 */

export const ITE_REACTION_S = 1.0;
export const ITE_DECEL_MPS2 = 3.05;
export const GRAVITY_MPS2 = 9.81;
export const DESIGN_VEHICLE_LENGTH_M = 6;

/** ITE yellow change interval (s), unclamped. */
export function iteYellowRaw(approachSpeedMps: number, grade = 0): number {
  return ITE_REACTION_S + approachSpeedMps / (2 * ITE_DECEL_MPS2 + 2 * grade * GRAVITY_MPS2);
}

/** ITE yellow clamped to practice (3–6 s). */
export function iteYellow(approachSpeedMps: number, grade = 0): number {
  return Math.min(6, Math.max(3, iteYellowRaw(approachSpeedMps, grade)));
}

/** ITE red clearance (s): (W + L)/v, clamped to 1–6 s. */
export function iteAllRed(crossingM: number, approachSpeedMps: number): number {
  const r = (crossingM + DESIGN_VEHICLE_LENGTH_M) / Math.max(approachSpeedMps, 1);
  return Math.min(6, Math.max(1, r));
}

/**
 * Seconds → integer milliseconds, rounded *up* to a whole number of steps, so
 * a clearance interval is never shortened by the step size.
 */
export function toStepMs(seconds: number, stepMs: number): number {
  const steps = Math.ceil(Math.round(seconds * 1000) / stepMs - 1e-9);
  return steps > 0 ? steps * stepMs : 0;
}
