// The statistics evaluation needs, as small pure functions: Wilson intervals for a resolved
// rate, unbiased pass@k, McNemar's exact test and a paired bootstrap for two runs on the
// same tasks. Seeded, so a report computed twice prints the same interval.
import { mulberry32 } from '../random.js';

export { passAtK } from '../gym/summary.js';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval of `k` successes in `n` trials. Unlike the normal approximation it
 * stays inside [0, 1] and is sensible at 0/n and n/n, which small eval suites hit often.
 */
export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At 0/n and n/n the bound is exactly 0 or 1 (not 1 - 1e-16 from rounding).
  return [k === 0 ? 0 : Math.max(0, center - half), k === n ? 1 : Math.min(1, center + half)];
}

/** log of n choose k. */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * McNemar's exact test on discordant pairs: `b` tasks only A resolved, `c` only B resolved.
 * Two-sided p = P(X <= min(b, c)) * 2 under Binomial(b + c, 1/2), capped at 1.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const m = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= m; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** Options of the paired bootstrap. */
export interface BootstrapOptions {
  /** Resamples. @default 10000 */
  resamples: number;
  /** Seed of the resampling. @default 0 */
  seed: number;
  /** Two-sided level. @default 0.95 */
  level: number;
}

/**
 * Percentile interval of mean(a - b) over tasks resampled with replacement; `a[i]` and `b[i]`
 * are the two runs' scores on task i (resolved 0/1, or a rate over n rollouts).
 */
export function pairedBootstrap(
  a: number[],
  b: number[],
  options: Partial<BootstrapOptions> = {},
): { mean: number; lo: number; hi: number } {
  const o = { resamples: 10_000, seed: 0, level: 0.95, ...options };
  if (a.length !== b.length) throw new Error('pairedBootstrap: a and b differ in length');
  const n = a.length;
  if (n === 0) return { mean: 0, lo: 0, hi: 0 };
  const d = a.map((x, i) => x - b[i]);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const rand = mulberry32(o.seed);
  const means = new Float64Array(o.resamples);
  for (let r = 0; r < o.resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rand() * n)];
    means[r] = s / n;
  }
  means.sort();
  const q = (p: number) =>
    means[Math.min(o.resamples - 1, Math.max(0, Math.floor(p * o.resamples)))];
  const tail = (1 - o.level) / 2;
  return { mean, lo: q(tail), hi: q(1 - tail) };
}
