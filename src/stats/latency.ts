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
  /** Distribution-free 95% confidence interval of the median (order statistics). */
  medianCI95: [number, number];
}

/** 95% CI of the median from order statistics: ranks n/2 ± 1.96·√n/2 (binomial approximation). */
function medianCI(sorted: number[]): [number, number] {
  const n = sorted.length;
  if (n < 2) return [sorted[0] ?? Number.NaN, sorted[0] ?? Number.NaN];
  const half = (1.96 * Math.sqrt(n)) / 2;
  // 1-based ranks floor(n/2 - half) and ceil(n/2 + half) + 1, as 0-based indices.
  const lo = Math.max(0, Math.floor(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half));
  return [sorted[lo]!, sorted[Math.max(lo, hi)]!];
}

export function latencyStats(timesMs: readonly number[]): LatencyStats | null {
  if (timesMs.length === 0) return null;
  const sorted = [...timesMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: min(sorted),
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: max(sorted),
    stdev: sorted.length > 1 ? sampleStandardDeviation(sorted) : 0,
    medianCI95: medianCI(sorted),
  };
}
