/**
 * Benchmarks: latency, start-up, memory and throughput per model and backend.
 *
 * A bench run is a verify run with a longer timing plan: the same worker processes, the same
 * measuring loop (timing happens inside the worker, around `session.run`), and the outputs are still
 * checked, so a fast wrong answer shows up as a mismatch rather than as a good number. Each model
 * gets its own `verify()` call, so every model runs in fresh worker processes: the peak RSS of a
 * row is that model's, not the largest of the models that ran before it in the same worker, and the
 * session-creation time is that of a cold process (runtime initialisation included).
 */
import type { AdapterInfo, BackendId, RunPlan } from '../backends/types.js';
import type { Status } from '../models/manifest.js';
import type { LatencyStats } from '../stats/latency.js';
import { machineInfo, type MachineInfo } from '../util/machine.js';
import type { PreparedModel } from '../verify/prepare.js';
import { runProto, verify, type BackendStatus, type ModelResult, type VerifyEvent } from '../verify/verify.js';
import { estimateFlops, type FlopEstimate, type ShapeRunner } from '../onnx/flops.js';
import { adapterLabel } from '../backends/adapter.js';
import { startBackends } from '../isolation/pool.js';

/** Default plan: 3 warm-up runs, then up to 100 timed runs within 10 s (warm-up included, at least one run). */
export const DEFAULT_BENCH_PLAN: RunPlan = { warmup: 3, iterations: 100, maxDurationMs: 10_000 };
/** `--duration` alone: as many runs as fit in the budget. */
export const UNBOUNDED_ITERATIONS = 1_000_000;

export interface BenchRow {
  model: string;
  backend: BackendId;
  adapter: AdapterInfo;
  /** `software (not GPU)` for SwiftShader WebGPU: its latency is never GPU latency. */
  adapterLabel: string;
  status: Status;
  meetsExpectation: boolean;
  reason?: string;
  sessionCreateMs: number | null;
  firstRunMs: number | null;
  /** Timed runs: n, min, mean, p50 (median), p90, p99, max, stdev, medianCI95. */
  stats: LatencyStats | null;
  /** Peak RSS of the worker process that ran the model; absent where not measurable (browsers). */
  peakRssBytes: number | null;
  /** Peak RSS of the main process (reading, validating, judging) so far, when the result was made. */
  mainPeakRssBytes: number | null;
  /** Sequential inferences per second: 1000 / mean latency (ms). */
  throughputPerS: number | null;
  /** FLOPs of one inference (see onnx/flops.ts), or 'unknown'. */
  flops: number | 'unknown';
  /** Achieved GFLOP/s at the median latency. */
  gflopsPerS: number | null;
}

export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  plan: RunPlan;
  threads?: number;
  backends: BackendStatus[];
  /** The verify results (status, comparisons, latency): what the evidence record holds. */
  results: ModelResult[];
  rows: BenchRow[];
  /** Work estimate per model id. */
  work: Record<string, FlopEstimate>;
  /** Every result met its expectation and the run was not interrupted. */
  ok: boolean;
}

export type BenchEvent = VerifyEvent | { type: 'work'; model: string; estimate: FlopEstimate };

export interface BenchOptions {
  backends: BackendId[];
  plan?: RunPlan;
  threads?: number;
  /** Per model and backend, milliseconds. */
  timeoutMs?: number;
  /** Estimate FLOPs (default true): may run each model once more on the cpu backend (isolated, like every run). */
  flops?: boolean;
  onEvent?: (e: BenchEvent) => void;
  signal?: AbortSignal;
}

/** One bench row from a verify result and the model's work estimate. */
export function benchRow(r: ModelResult, work?: FlopEstimate): BenchRow {
  const stats = r.latency?.stats ?? null;
  const flops = work?.flops ?? 'unknown';
  return {
    model: r.model,
    backend: r.backend,
    adapter: r.adapter,
    adapterLabel: adapterLabel(r.adapter),
    status: r.status,
    meetsExpectation: r.meetsExpectation,
    ...(r.reason ? { reason: r.reason } : {}),
    sessionCreateMs: r.latency?.sessionCreateMs ?? null,
    firstRunMs: r.latency?.firstRunMs ?? null,
    stats,
    peakRssBytes: r.latency?.peakRssBytes ?? null,
    mainPeakRssBytes: r.mainPeakRssBytes ?? null,
    throughputPerS: stats && stats.mean > 0 ? 1000 / stats.mean : null,
    flops,
    gflopsPerS: stats && stats.p50 > 0 && typeof flops === 'number' ? flops / (stats.p50 * 1e6) : null,
  };
}

export async function bench(models: PreparedModel[], options: BenchOptions): Promise<BenchRun> {
  const startedAt = new Date().toISOString();
  const plan = options.plan ?? DEFAULT_BENCH_PLAN;
  const results: ModelResult[] = [];
  let backends: BackendStatus[] | undefined;
  let machine: MachineInfo | undefined;
  let ok = true;
  for (const [i, p] of models.entries()) {
    if (options.signal?.aborted) break;
    const run = await verify([p], {
      backends: options.backends,
      plan,
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onEvent: (e) => {
        if (e.type === 'backend') {
          if (i === 0) options.onEvent?.(e);
          return;
        }
        // One verify call per model: renumber its progress over the whole run.
        options.onEvent?.({ ...e, index: i * e.total + e.index, total: models.length * e.total });
      },
    });
    backends ??= run.backends;
    machine ??= run.machine;
    ok &&= run.ok;
    results.push(...run.results);
  }
  const work: Record<string, FlopEstimate> = {};
  if (options.flops !== false) {
    // Shapes the file does not give are observed by one run on the cpu backend, in its own worker.
    const set = await startBackends(['cpu'], options.timeoutMs ? { timeoutMs: options.timeoutMs } : {});
    try {
      const cpu = set.backends.get('cpu');
      for (const p of models) {
        if (options.signal?.aborted) break;
        // Observe shapes only for models that ran somewhere.
        const ran = results.some((r) => r.model === p.target.id && r.latency);
        const runner: ShapeRunner | undefined = cpu
          ? async (bytes, feeds) =>
              (
                await cpu.measure(
                  { path: p.model.path, bytes },
                  feeds,
                  { warmup: 0, iterations: 0 },
                  options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
                )
              ).outputs
          : undefined;
        const estimate = await estimateFlops(
          ran && runner ? runProto(p.model) : p.model.proto,
          ran ? p.feeds : undefined,
          runner ? { runner } : {},
        );
        work[p.target.id] = estimate;
        options.onEvent?.({ type: 'work', model: p.target.id, estimate });
      }
    } finally {
      await set.close();
    }
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine ?? machineInfo(),
    plan,
    ...(options.threads ? { threads: options.threads } : {}),
    backends: backends ?? [],
    results,
    rows: results.map((r) => benchRow(r, work[r.model])),
    work,
    ok: ok && !options.signal?.aborted,
  };
}
