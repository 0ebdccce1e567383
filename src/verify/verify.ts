/**
 * Verification: run each prepared model on each backend, compare the outputs with the reference
 * and with the cpu backend, time it, and judge it against expectations (verify/result.ts).
 * Data flows one way: prepared model -> backend -> comparison -> result.
 *
 * `verifyWith` receives started `Backend`s and cannot tell isolated ones (the commands' worker
 * processes) from in-process ones; `verify` starts isolated backends for the ids it is given
 * (isolation/pool.ts) and closes them afterwards.
 */
import {
  BACKEND_IDS,
  type BackendId,
  type ModelInput,
  type RunMeasurement,
  type RunPlan,
  type SessionOptions,
  type TensorMap,
} from '../backends/types.js';
import { isFileModel } from '../onnx/fileModel.js';
import { startBackends, type BackendSet } from '../isolation/pool.js';
import { machineInfo } from '../util/machine.js';
import type { Status } from '../models/manifest.js';
import type { PreparedModel } from './prepare.js';
import { parsePlacement } from '../backends/placement.js';
import { onnx, type ModelProto } from '../onnx/proto.js';
import {
  inputErrorResult,
  judge,
  statusFromFailure,
  type ModelResult,
  type ToleranceOverride,
  type VerifyEvent,
  type VerifyRun,
} from './result.js';
import { unsupportedReason } from '../data/apiSupport.js';
import type { InputFailure } from './result.js';

export {
  inputErrorResult,
  judge,
  meetsExpectation,
  statusFromFailure,
  toleranceFor,
  toleranceBetween,
  type BackendStatus,
  type Latency,
  type ModelResult,
  type ToleranceOverride,
  type VerifyEvent,
  type VerifyRun,
} from './result.js';

export interface VerifyOptions {
  backends: BackendId[];
  plan?: RunPlan;
  /** Overrides every model's tolerance (bare values), named outputs' tolerances, and the error statistic. */
  tolerance?: ToleranceOverride;
  /** Flag NaN/infinite values and all-zero outputs (`--validate`). */
  validate?: boolean;
  /** Called with each reported backend's outputs (for `--save-outputs`). */
  onOutputs?: (p: PreparedModel, backend: BackendId, outputs: TensorMap) => void;
  /** Per model and backend, milliseconds. */
  timeoutMs?: number;
  threads?: number;
  /** Ask onnxruntime for its node placement log (every backend; the browser ones through the page's console). */
  logPlacement?: boolean;
  onEvent?: (e: VerifyEvent) => void;
  signal?: AbortSignal;
  /** Cases whose model or data could not be read: one `input-error` result each per backend, nothing run. */
  inputErrors?: InputFailure[];
  /** onnxruntime session knobs for the reported runs (bench: graph optimization, inter-op threads, EP options, profile). */
  session?: SessionKnobs;
  /** Called with each reported backend's timed measurement (bench: raw samples, threads, profile). */
  onMeasurement?: (p: PreparedModel, backend: BackendId, m: RunMeasurement) => void;
}

/** Session knobs; EP options are per backend (each EP reads its own). */
export interface SessionKnobs extends Pick<SessionOptions, 'graphOptimization' | 'interOpThreads' | 'profile'> {
  executionProviderOptions?: ReadonlyMap<BackendId, Record<string, string>>;
}

function knobsFor(k: SessionKnobs | undefined, id: BackendId): Partial<SessionOptions> {
  if (!k) return {};
  const ep = k.executionProviderOptions?.get(id);
  return {
    ...(k.graphOptimization ? { graphOptimization: k.graphOptimization } : {}),
    ...(k.interOpThreads ? { interOpThreads: k.interOpThreads } : {}),
    ...(ep ? { executionProviderOptions: ep } : {}),
    ...(k.profile ? { profile: true } : {}),
  };
}

export const DEFAULT_VERIFY_PLAN: RunPlan = { warmup: 3, iterations: 10, maxDurationMs: 1000 };
export const DEFAULT_TIMEOUT_MS = 600_000;

/** The backends a verify of `requested` needs: cpu too, as the cross-backend yardstick. */
export function backendsNeeded(requested: BackendId[]): BackendId[] {
  const ordered = BACKEND_IDS.filter((id) => requested.includes(id));
  const needCpu = ordered.some((id) => id !== 'cpu');
  return needCpu && !ordered.includes('cpu') ? ['cpu', ...ordered] : ordered;
}

/** Start isolated backends for `options.backends` (plus cpu), verify, close them. */
export async function verify(models: PreparedModel[], options: VerifyOptions): Promise<VerifyRun> {
  const set = await startBackends(backendsNeeded(options.backends), {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  try {
    return await verifyWith(models, set, options);
  } finally {
    await set.close();
  }
}

/** Verify on started backends; `options.backends` says which are reported (cpu is used as yardstick when present). */
export async function verifyWith(models: PreparedModel[], set: BackendSet, options: VerifyOptions): Promise<VerifyRun> {
  const startedAt = new Date().toISOString();
  const plan = options.plan ?? DEFAULT_VERIFY_PLAN;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const requested = BACKEND_IDS.filter((id) => options.backends.includes(id));
  const reported = set.statuses.filter((s) => requested.includes(s.id));
  for (const s of reported) options.onEvent?.({ type: 'backend', status: s });

  const results: ModelResult[] = [];
  const cpuOutputs = new Map<PreparedModel, TensorMap>();
  const runnable = BACKEND_IDS.map((id) =>
    set.statuses.find((s) => s.id === id && s.available && set.backends.has(id)),
  ).filter((s) => s !== undefined);
  const inputErrors = options.inputErrors ?? [];
  const total = (models.length + inputErrors.length) * runnable.filter((s) => requested.includes(s.id)).length;
  let index = 0;
  for (const status of runnable) {
    const backend = set.backends.get(status.id)!;
    const reportThis = requested.includes(status.id);
    if (reportThis) {
      for (const f of inputErrors) {
        const result = inputErrorResult(f, status);
        results.push(result);
        options.onEvent?.({ type: 'result', result, index: ++index, total });
      }
    }
    for (const p of models) {
      if (options.signal?.aborted) break;
      if (p.unsupported) {
        // The runtime's JavaScript API cannot pass a type this case needs: say so, run nothing.
        if (!reportThis) continue;
        const result = judge(
          p,
          status,
          undefined,
          { status: 'unsupported', reason: unsupportedReason(p.unsupported, status.description?.runtime ?? status.id) },
          undefined,
        );
        results.push(result);
        options.onEvent?.({ type: 'result', result, index: ++index, total });
        continue;
      }
      if (reportThis) options.onEvent?.({ type: 'start', model: p.target.id, backend: status.id, index, total });
      const runPlan = reportThis ? plan : { warmup: 0, iterations: 0 };
      let measurement: RunMeasurement | undefined;
      let failure: { status: Status; reason: string } | undefined;
      try {
        measurement = await backend.measure(modelInput(p), p.feeds, runPlan, {
          timeoutMs,
          ...(options.threads ? { threads: options.threads } : {}),
          ...(options.logPlacement && reportThis ? { logPlacement: true } : {}),
          ...(reportThis ? knobsFor(options.session, status.id) : {}),
        });
      } catch (e) {
        failure = statusFromFailure(e);
      }
      // Every further test data set: its outputs, from a run of its own (no timing).
      const setOutputs: TensorMap[] = [];
      for (const dataSet of p.sets.slice(1)) {
        if (!measurement || failure) break;
        try {
          const m = await backend.measure(
            modelInput(p),
            dataSet.feeds,
            { warmup: 0, iterations: 0 },
            {
              timeoutMs,
              ...(options.threads ? { threads: options.threads } : {}),
              // The same session as the timed run's (its outputs are compared too), without the profile.
              ...(reportThis ? { ...knobsFor(options.session, status.id), profile: false } : {}),
            },
          );
          setOutputs.push(m.outputs);
        } catch (e) {
          const f = statusFromFailure(e);
          failure = { status: f.status, reason: `${dataSet.source}: ${f.reason}` };
          measurement = undefined;
        }
      }
      const placement =
        options.logPlacement && reportThis ? parsePlacement(measurement?.placementLog ?? '') : undefined;
      if (status.id === 'cpu' && measurement) cpuOutputs.set(p, measurement.outputs);
      if (!reportThis) continue;
      if (measurement) options.onOutputs?.(p, status.id, measurement.outputs);
      if (measurement) options.onMeasurement?.(p, status.id, measurement);
      const result = judge(
        p,
        status,
        measurement,
        failure,
        cpuOutputs.get(p),
        options.tolerance,
        placement,
        setOutputs,
        { validate: options.validate ?? false },
      );
      results.push(result);
      options.onEvent?.({ type: 'result', result, index: ++index, total });
    }
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    backends: reported,
    results,
    ok: results.every((r) => r.meetsExpectation) && !options.signal?.aborted,
  };
}

/**
 * The bytes a backend runs: the validated, self-contained bytes preparation holds
 * (`LoadedModel.runBytes`, external data inlined); a backend never re-reads the path.
 */
export function modelInput(p: PreparedModel): ModelInput {
  // A large model runs from its files: the backend gets their recorded hashes and identities to check.
  return isFileModel(p.model)
    ? { path: p.model.path, bytes: new Uint8Array(0), files: p.model.source }
    : { path: p.model.path, bytes: p.model.runBytes };
}

/** The model's graph as it runs (external data inlined), for edits such as exposing intermediates. */
export function runProto(p: PreparedModel['model']): ModelProto {
  if (isFileModel(p)) return p.proto;
  return p.inlinedTensors > 0 ? onnx.ModelProto.decode(p.runBytes) : p.proto;
}
