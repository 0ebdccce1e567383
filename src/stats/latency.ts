/** Latency statistics over timed runs (simple-statistics for the maths). */
import { max, mean, min, quantileSorted, sampleStandardDeviation } from 'simple-statistics';

export interface LatencyStats {
  n: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  stdev: number;
  /**
   * Distribution-free confidence interval of the median: the narrowest symmetric pair of order
   * statistics [x(k), x(n+1-k)] whose exact binomial coverage is at least 95%. Below 6 runs no
   * such pair exists; then it is [min, max], and `medianCICoverage` says how much less it covers.
   */
  medianCI95: [number, number];
  /** Exact coverage of `medianCI95` (P(x(k) <= true median <= x(n+1-k)), B ~ Binomial(n, 1/2)). */
  medianCICoverage: number;
}

/** P(B <= k) for B ~ Binomial(n, 1/2), summed in log space so large n does not overflow. */
function halfBinomialCdf(n: number, k: number): number {
  let logC = 0; // log C(n, 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    sum += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, sum);
}

/** The 95% CI of the median from order statistics, and its exact coverage (see LatencyStats). */
function medianCI(sorted: number[]): { interval: [number, number]; coverage: number } {
  const n = sorted.length;
  if (n < 2) return { interval: [sorted[0] ?? Number.NaN, sorted[0] ?? Number.NaN], coverage: 0 };
  // [x(k), x(n+1-k)] (1-based) covers the median unless B <= k-1 or B >= n+1-k: coverage 1 - 2·P(B <= k-1).
  let k = 1;
  while (k + 1 <= (n + 1) / 2 && 1 - 2 * halfBinomialCdf(n, k) >= 0.95) k++;
  return { interval: [sorted[k - 1]!, sorted[n - k]!], coverage: 1 - 2 * halfBinomialCdf(n, k - 1) };
}

export function latencyStats(timesMs: readonly number[]): LatencyStats | null {
  if (timesMs.length === 0) return null;
  const sorted = [...timesMs].sort((a, b) => a - b);
  const ci = medianCI(sorted);
  return {
    n: sorted.length,
    min: min(sorted),
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: max(sorted),
    stdev: sorted.length > 1 ? sampleStandardDeviation(sorted) : 0,
    medianCI95: ci.interval,
    medianCICoverage: ci.coverage,
  };
}
