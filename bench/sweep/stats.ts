/**
 * Statistics over seeds: mean, sample standard deviation and the 95 %
 * confidence interval of the mean (Student's t), and the paired difference
 * of two controllers seed by seed with its interval: significant when the
 * interval leaves out 0 (a two-sided paired t-test at the 5 % level), and
 * never where neither controller's result changes with the seed.
 */

/** Student's t quantile t(0.975, df) for df = 1 … 30 (standard tables, 3 decimals). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06,
  2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df): the table up to 30 degrees of freedom, then the Cornish–Fisher expansion around z = 1.959964 (within 0.001 of the exact value from df = 30 on). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new Error(`degrees of freedom must be ≥ 1, got ${df}`);
  if (df <= 30 && Number.isInteger(df)) return T975[df - 1]!;
  const z = 1.959964;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

export interface Summary {
  /** Values summarised (seeds whose run gave a value). */
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1); null below 2 values. */
  sd: number | null;
  /** 95 % confidence interval of the mean; null below 2 values. */
  ci95: [number, number] | null;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Mean, sample standard deviation and 95 % interval of the values (nulls skipped). Rounded to 4 decimals so that output is stable text. */
export function summarize(values: ReadonlyArray<number | null>): Summary {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null };
  // sums in a fixed order (the seeds'): the same values give the same digits
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  if (n < 2) return { n, mean: r4(mean), sd: null, ci95: null };
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean: r4(mean), sd: r4(sd), ci95: [r4(mean - half), r4(mean + half)] };
}

export interface Paired extends Summary {
  /** The mean difference as a percentage of the baseline's mean over the same seeds. */
  percent: number | null;
  /** True when the 95 % interval of the mean difference leaves out 0. */
  significant: boolean;
  /**
   * True when both controllers gave the same value on every seed (the runs
   * do not depend on it: a dataset's fixed trips, drivers that draw
   * nothing): the seeds are then one run repeated, not a sample, so there is
   * no interval and nothing is significant.
   */
  seedIndependent?: boolean;
}

/**
 * The paired difference x − baseline seed by seed (seeds where either is null
 * are left out): its mean, sd, 95 % interval, as a percentage of the
 * baseline, and whether it is significant.
 */
export function pairedDifference(x: ReadonlyArray<number | null>, baseline: ReadonlyArray<number | null>): Paired {
  if (x.length !== baseline.length) throw new Error(`paired values need the same seeds (${x.length} against ${baseline.length})`);
  const d: number[] = [];
  let baseSum = 0;
  // whether each side gave one value on every seed (a0, b0: the first pair's)
  let same = true;
  let a0 = 0;
  let b0 = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = baseline[i];
    if (a === null || b === null || a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (d.length === 0) [a0, b0] = [a, b];
    else if (a !== a0 || b !== b0) same = false;
    d.push(a - b);
    baseSum += b;
  }
  const s = summarize(d);
  const baseMean = d.length ? baseSum / d.length : 0;
  const percent = s.mean !== null && baseMean !== 0 ? Math.round(((s.mean / baseMean) * 100) * 100) / 100 : null;
  if (same && d.length >= 2) return { ...s, sd: null, ci95: null, percent, significant: false, seedIndependent: true };
  const significant = s.ci95 !== null && (s.ci95[0] > 0 || s.ci95[1] < 0);
  return { ...s, percent, significant };
}
