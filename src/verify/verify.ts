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
import { backendsNeeded } from './backendsNeeded.js';
import { startBackends, type BackendSet } from '../isolation/pool.js';
import { machineInfo } from '../util/machine.js';
import type { Status } from '../models/manifest.js';
import type { PreparedModel } from './prepare.js';
import { placementFromLog } from '../backends/placement.js';
import { backendDescriptor } from '../backends/registry.js';
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
import { isInputFailure, listSource, type ModelSource } from './source.js';

export { isInputFailure, listSource, type ModelSource } from './source.js';

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
  /** onnxruntime session knobs for the reported runs (bench: graph optimization, inter-op threads, EP options, profile). */
  session?: SessionKnobs;
  /** Called with each reported backend's timed measurement (bench: raw samples, threads, profile). */
  onMeasurement?: (p: PreparedModel, backend: BackendId, m: RunMeasurement) => void;
  /**
   * Queue the next cases in a backend while one runs, and judge a finished case while the next
   * runs (suites: hundreds of small cases, where the status is the point). The command's own work
   * then shares the machine with the timed runs, so latencies can stretch on a machine with few
   * cores: off by default (one case at a time, nothing else running), and never in `bench`.
   */
  overlap?: boolean;
}

/** What a backend did with one case: the timed measurement (or its failure) and each further data set's outputs. */
interface CaseRun {
  measurement: RunMeasurement | undefined;
  failure: { status: Status; reason: string } | undefined;
  setOutputs: TensorMap[];
}

function isModelSource(m: readonly PreparedModel[] | ModelSource): m is ModelSource {
  return !Array.isArray(m);
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

// Its own light module: a suite run starts its workers before this one is loaded.
export { backendsNeeded } from './backendsNeeded.js';

/** Start isolated backends for `options.backends` (plus cpu), verify, close them. */
export async function verify(
  models: readonly PreparedModel[] | ModelSource,
  options: VerifyOptions,
): Promise<VerifyRun> {
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
export async function verifyWith(
  models: readonly PreparedModel[] | ModelSource,
  set: BackendSet,
  options: VerifyOptions,
): Promise<VerifyRun> {
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
  const source = isModelSource(models) ? models : listSource(models);
  const total = source.length * runnable.filter((s) => requested.includes(s.id)).length;
  let index = 0;
  let yardstick: VerifyRun['yardstick'];
  const emit = (result: ModelResult) => {
    results.push(result);
    options.onEvent?.({ type: 'result', result, index: ++index, total });
  };
  for (const status of runnable) {
    const backend = set.backends.get(status.id)!;
    const reportThis = requested.includes(status.id);
    if (!reportThis && status.id !== 'cpu') continue; // neither reported nor the yardstick: nothing to run
    const api = backendDescriptor(status.id).runtime;
    /** A type this backend's JavaScript API cannot pass: the case is not run here. */
    const unsupportedHere = (p: PreparedModel) => p.unsupported?.[api];
    const sessionOptions = (forRun: 'timed' | 'set') => ({
      timeoutMs,
      ...(options.threads ? { threads: options.threads } : {}),
      ...(forRun === 'timed' && options.logPlacement && reportThis ? { logPlacement: true } : {}),
      // Further data sets: the same session as the timed run's (its outputs are compared too), without the profile.
      ...(reportThis ? knobsFor(options.session, status.id) : {}),
      ...(forRun === 'set' && reportThis && options.session?.profile ? { profile: false } : {}),
    });
    const runPlan = reportThis ? plan : { warmup: 0, iterations: 0 };
    /** Everything the backend does for one case: the timed run, then each further data set's outputs. */
    const runCase = async (p: PreparedModel): Promise<CaseRun> => {
      let measurement: RunMeasurement | undefined;
      let failure: { status: Status; reason: string } | undefined;
      try {
        measurement = await backend.measure(modelInput(p), p.feeds, runPlan, sessionOptions('timed'));
      } catch (e) {
        failure = statusFromFailure(e);
      }
      const setOutputs: TensorMap[] = [];
      for (const dataSet of p.sets.slice(1)) {
        if (!measurement || failure) break;
        try {
          const m = await backend.measure(
            modelInput(p),
            dataSet.feeds,
            { warmup: 0, iterations: 0 },
            sessionOptions('set'),
          );
          setOutputs.push(m.outputs);
        } catch (e) {
          const f = statusFromFailure(e);
          failure = { status: f.status, reason: `${dataSet.source}: ${f.reason}` };
          measurement = undefined;
        }
      }
      return { measurement, failure, setOutputs };
    };
    /**
     * With `overlap`, cases are sent to the backend ahead of the one being judged: while one runs, the next are
     * already queued in its worker (no wait for this process between two cases), and what this
     * process does with a finished case (comparisons, the result, reading later cases) overlaps the
     * next one's runs. The backend still runs one case at a time, in order, and runs nothing after a
     * failure in the same runtime (see isolation/workerBackend.ts), so no result depends on what ran
     * before. A large case is sent alone: nothing is queued behind or before it.
     */
    const depth = options.overlap && !options.logPlacement ? PIPELINE_DEPTH : 1;
    const queue: { at: number; run: Promise<CaseRun>; small: boolean }[] = [];
    let scan = 0;
    const fill = () => {
      while (!options.signal?.aborted && scan < source.length && queue.length < depth) {
        const item = source.get(scan);
        if (isInputFailure(item) || unsupportedHere(item)) {
          scan++;
          continue;
        }
        const small = pipelinable(item);
        if (queue.length > 0 && !(small && queue[queue.length - 1]!.small)) return;
        if (reportThis) options.onEvent?.({ type: 'start', model: item.target.id, backend: status.id, index, total });
        queue.push({ at: scan, run: runCase(item), small });
        scan++;
      }
    };
    fill();
    for (let i = 0; i < source.length; i++) {
      if (options.signal?.aborted) break;
      const item = source.get(i);
      if (isInputFailure(item)) {
        if (reportThis) emit(inputErrorResult(item, status));
        continue;
      }
      const p = item;
      const unsupported = unsupportedHere(p);
      if (unsupported) {
        // The runtime's JavaScript API cannot pass a type this case needs: say so, run nothing.
        if (reportThis)
          emit(
            judge(
              p,
              status,
              undefined,
              {
                status: 'unsupported',
                reason: unsupportedReason(unsupported, api),
              },
              undefined,
            ),
          );
        continue;
      }
      const head = queue.shift();
      if (head?.at !== i) throw new Error(`internal: case ${i} was not sent to ${status.id}`);
      const { measurement, failure, setOutputs } = await head.run;
      if (options.overlap) fill();
      const placement =
        options.logPlacement && reportThis
          ? placementFromLog(measurement?.placementLog ?? '', p.model.proto.graph ?? undefined)
          : undefined;
      if (status.id === 'cpu' && measurement) cpuOutputs.set(p, measurement.outputs);
      if (!reportThis) {
        yardstick ??= { backend: status.id, models: 0, runtimeMs: 0 };
        yardstick.models++;
        if (measurement) yardstick.runtimeMs += runtimeMs(measurement);
      } else {
        if (measurement) options.onOutputs?.(p, status.id, measurement.outputs);
        if (measurement) options.onMeasurement?.(p, status.id, measurement);
        emit(
          judge(p, status, measurement, failure, cpuOutputs.get(p), options.tolerance, placement, setOutputs, {
            validate: options.validate ?? false,
          }),
        );
      }
      fill();
    }
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    backends: reported,
    results,
    ok: results.every((r) => r.meetsExpectation) && !options.signal?.aborted,
    ...(yardstick ? { yardstick } : {}),
  };
}

/** Cases sent to a backend at once: the one running and those queued behind it. */
const PIPELINE_DEPTH = 3;
/** A case queues behind others only when its model and inputs are small (they wait in the pipe, in memory). */
const PIPELINE_MAX_BYTES = 16 * 1024 * 1024;

function pipelinable(p: PreparedModel): boolean {
  if (isFileModel(p.model)) return false;
  let bytes = p.model.runBytes.byteLength;
  for (const set of p.sets)
    for (const t of set.feeds.values()) bytes += ArrayBuffer.isView(t.data) ? t.data.byteLength : t.data.length * 16;
  return bytes <= PIPELINE_MAX_BYTES;
}

/** The runtime's own time in a measurement: session creation and release, first, warm-up and timed runs. */
function runtimeMs(m: RunMeasurement): number {
  return (
    m.sessionCreateMs +
    m.firstRunMs +
    (m.warmupMs ?? 0) +
    m.timesMs.reduce((a, b) => a + b, 0) +
    (m.sessionReleaseMs ?? 0)
  );
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
