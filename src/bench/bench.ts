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
import type { AdapterInfo, BackendId, RunMeasurement, RunPlan, ThreadsUsed } from '../backends/types.js';
import type { Status } from '../models/manifest.js';
import type { LatencyStats } from '../stats/latency.js';
import { machineInfo, type MachineInfo } from '../util/machine.js';
import type { PreparedModel } from '../verify/prepare.js';
import { runProto, verify, type BackendStatus, type ModelResult, type VerifyEvent } from '../verify/verify.js';
import { estimateFlops, type FlopEstimate, type ShapeRunner } from '../onnx/flops.js';
import { adapterLabel } from '../backends/adapter.js';
import { startBackends } from '../isolation/pool.js';
import type { SessionKnobs } from '../verify/verify.js';
import { PROFILE_BACKENDS, PROFILE_UNSUPPORTED } from '../backends/sessionKnobs.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';

/** Timed runs below which no distribution-free 95% CI of the median exists (2·0.5^n > 0.05). */
export const MIN_RUNS_FOR_CI = 6;
/**
 * Default plan: 3 warm-up runs, then up to 100 timed runs within 10 s (warm-up included), and at
 * least 6 however slow the runs (the budget stretches): every row gets a 95% CI of its median.
 */
export const DEFAULT_BENCH_PLAN: RunPlan = {
  warmup: 3,
  iterations: 100,
  maxDurationMs: 10_000,
  minIterations: MIN_RUNS_FOR_CI,
};

/** What a plan cannot give, said before it runs (stderr): fewer than 6 timed runs means no CI of the median. */
export function planWarnings(plan: RunPlan): string[] {
  const min = Math.min(plan.iterations, plan.minIterations ?? 1);
  if (plan.iterations < MIN_RUNS_FOR_CI)
    return [
      `note: ${plan.iterations} timed run(s) per row: below ${MIN_RUNS_FOR_CI} there is no 95% CI of the median (give --iterations ${MIN_RUNS_FOR_CI} or more)`,
    ];
  if (plan.maxDurationMs !== undefined && min < MIN_RUNS_FOR_CI) {
    const slow = plan.maxDurationMs / MIN_RUNS_FOR_CI;
    return [
      `note: --duration ${plan.maxDurationMs / 1000} s is a hard budget: rows slower than ${slow >= 1000 ? `${(slow / 1000).toPrecision(3)} s` : `${slow.toPrecision(3)} ms`} per run get fewer than ${MIN_RUNS_FOR_CI} timed runs and no 95% CI of the median (leave --duration out: the default budget stretches to ${MIN_RUNS_FOR_CI} runs)`,
    ];
  }
  return [];
}
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
  /** Sequential inferences per second at the median latency: 1000 / median (ms), the headline statistic. */
  throughputPerS: number | null;
  /** FLOPs of one inference (see onnx/flops.ts), or 'unknown'. */
  flops: number | 'unknown';
  /** Achieved GFLOP/s at the median latency. */
  gflopsPerS: number | null;
  /** Median latency over the cpu backend's median for the same model (1 on cpu; null without both). */
  xCpu?: number | null;
  /** The threads the row ran with (intra-op; inter-op in parallel mode), as the backend reports them. */
  threads?: ThreadsUsed | null;
  /** Every timed run, milliseconds, in order (the statistics are computed from these). */
  samplesMs?: number[];
  /** With --profile: onnxruntime's per-node profile summarised (its file beside the record), or why there is none. */
  profile?: ProfileSummary | { unsupported: string };
}

export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  plan: RunPlan;
  threads?: number;
  /** onnxruntime session knobs given (graph optimization, inter-op threads, EP options per backend, profile). */
  session?: RecordedKnobs;
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

/** Session knobs as recorded (EP options by backend id, a plain object for JSON). */
export interface RecordedKnobs {
  graphOptimization?: string;
  interOpThreads?: number;
  executionProviderOptions?: Partial<Record<BackendId, Record<string, string>>>;
  profile?: boolean;
}

export function recordKnobs(k: SessionKnobs | undefined): RecordedKnobs | undefined {
  if (!k) return undefined;
  const ep = k.executionProviderOptions ? Object.fromEntries(k.executionProviderOptions) : undefined;
  const out: RecordedKnobs = {
    ...(k.graphOptimization ? { graphOptimization: k.graphOptimization } : {}),
    ...(k.interOpThreads ? { interOpThreads: k.interOpThreads } : {}),
    ...(ep && Object.keys(ep).length ? { executionProviderOptions: ep } : {}),
    ...(k.profile ? { profile: true } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

export interface BenchOptions {
  backends: BackendId[];
  plan?: RunPlan;
  threads?: number;
  /** Per model and backend, milliseconds. */
  timeoutMs?: number;
  /** Estimate FLOPs (default true): may run each model once more on the cpu backend (isolated, like every run). */
  flops?: boolean;
  /** onnxruntime session knobs for every timed run. */
  session?: SessionKnobs;
  /** With session.profile: onnxruntime's trace text for each model and backend that wrote one. */
  onProfile?: (model: string, backend: BackendId, trace: string) => void;
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
    throughputPerS: stats && stats.p50 > 0 ? 1000 / stats.p50 : null,
    flops,
    gflopsPerS: stats && stats.p50 > 0 && typeof flops === 'number' ? flops / (stats.p50 * 1e6) : null,
    threads: r.latency?.threads ?? null,
    ...(r.latency?.samplesMs ? { samplesMs: r.latency.samplesMs } : {}),
  };
}

export async function bench(models: PreparedModel[], options: BenchOptions): Promise<BenchRun> {
  const startedAt = new Date().toISOString();
  const plan = options.plan ?? DEFAULT_BENCH_PLAN;
  const results: ModelResult[] = [];
  let backends: BackendStatus[] | undefined;
  let machine: MachineInfo | undefined;
  let ok = true;
  /** What only the measurement has (samples, threads, profile), by model and backend. */
  const measured = new Map<string, { m: RunMeasurement; profile?: ProfileSummary }>();
  const key = (model: string, backend: BackendId) => `${backend}\u0000${model}`;
  for (const [i, p] of models.entries()) {
    if (options.signal?.aborted) break;
    const run = await verify([p], {
      backends: options.backends,
      plan,
      ...(options.session ? { session: options.session } : {}),
      onMeasurement: (mp, backend, m) => {
        let profile: ProfileSummary | undefined;
        if (m.profile !== undefined) {
          options.onProfile?.(mp.target.id, backend, m.profile);
          try {
            profile = summarizeProfile(m.profile);
          } catch {
            profile = undefined; // the trace file is still written; only its summary is missing
          }
        }
        const { outputs: _outputs, profile: _trace, ...rest } = m;
        measured.set(key(mp.target.id, backend), {
          m: { ...rest, outputs: new Map() },
          ...(profile ? { profile } : {}),
        });
      },
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
    // Samples and threads go into the record too: anyone can recompute the statistics from it.
    const knobs = recordKnobs(options.session);
    for (const r of run.results) {
      const got = measured.get(key(r.model, r.backend));
      results.push({
        ...r,
        ...(r.latency && got
          ? {
              latency: {
                ...r.latency,
                samplesMs: got.m.timesMs,
                ...(got.m.threads ? { threads: got.m.threads } : {}),
              },
            }
          : {}),
        ...(knobs ? { session: knobs } : {}),
      });
    }
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
  const knobs = recordKnobs(options.session);
  const rows = results.map((r) => {
    const row = benchRow(r, work[r.model]);
    if (options.session?.profile && r.latency) {
      const got = measured.get(key(r.model, r.backend));
      row.profile = got?.profile ?? {
        unsupported: PROFILE_BACKENDS.includes(r.backend)
          ? 'onnxruntime wrote no profile for this run'
          : PROFILE_UNSUPPORTED,
      };
    }
    return row;
  });
  addCpuRatios(rows);
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine ?? machineInfo(),
    plan,
    ...(options.threads ? { threads: options.threads } : {}),
    ...(knobs ? { session: knobs } : {}),
    backends: backends ?? [],
    results,
    rows,
    work,
    ok: ok && !options.signal?.aborted,
  };
}

/** Each row's median over the cpu row's median for the same model ("x cpu"): 2 means twice as slow as cpu. */
export function addCpuRatios(rows: BenchRow[]): void {
  const cpu = new Map(rows.filter((r) => r.backend === 'cpu' && r.stats).map((r) => [r.model, r.stats!.p50]));
  for (const r of rows) {
    const base = cpu.get(r.model);
    r.xCpu = r.stats && base && base > 0 ? r.stats.p50 / base : null;
  }
}
