/**
 * Verification: run each prepared model on each backend (in its worker process), compare the
 * outputs with the reference and with the cpu backend, time it, and judge it against expectations.
 * Data flows one way: prepared model -> backend -> comparison -> result.
 */
import { createBackend } from '../backends/registry.js';
import { BACKEND_IDS, type AdapterInfo, type Availability, type BackendDescription, type BackendId, type RunMeasurement, type RunPlan } from '../backends/types.js';
import { BackendWorker, WorkerFailure } from '../isolation/backendWorker.js';
import { compareOutputs, describeMismatch, type OutputsComparison } from '../compare/compare.js';
import { latencyStats, type LatencyStats } from '../stats/latency.js';
import { machineInfo, type MachineInfo } from '../util/machine.js';
import type { Status, Tolerance } from '../models/manifest.js';
import type { PreparedModel, ResultReferenceKind } from './prepare.js';
import type { Tensor } from '../tensor/tensor.js';
import { parsePlacement, type Placement } from './placement.js';
import { unsupportedReason } from '../data/apiSupport.js';
import { checkRandomOutputs, randomOps } from '../suite/nondeterministic.js';
import type { InputFailure } from '../suite/prepareCases.js';

export interface BackendStatus extends Availability {
  id: BackendId;
  description?: BackendDescription;
}

export interface Latency {
  sessionCreateMs: number;
  firstRunMs: number;
  stats: LatencyStats | null;
  peakRssBytes?: number;
}

export interface ModelResult {
  model: string;
  path: string;
  sha256: string;
  producerName: string;
  producerVersion: string;
  framework?: string;
  /** `fingerprint`: a user's model, its framework read from the file (bundled models take the manifest's). */
  frameworkBy?: 'fingerprint';
  backend: BackendId;
  adapter: AdapterInfo;
  status: Status;
  expectedStatus?: Status;
  /** The manifest's recorded cause of an expected non-pass (shown in summaries). */
  expectedReason?: string;
  meetsExpectation: boolean;
  reason?: string;
  referenceKind: ResultReferenceKind;
  referenceSource: string;
  tolerance: Tolerance;
  comparison?: OutputsComparison;
  /** Outputs against the cpu backend's outputs (for backends other than cpu). */
  againstCpu?: OutputsComparison;
  latency?: Latency;
  /** Which execution provider ran which nodes (from onnxruntime's log), when asked for. */
  placement?: Placement;
  warnings?: string[];
  /** How many test data sets were compared (every `test_data_set_N` of the folder). */
  dataSets?: number;
  /** Per set, when there is more than one: its folder and whether it matched. */
  setResults?: { source: string; ok: boolean; reason?: string }[];
  /** Why this case's tolerance differs from the default (a per-op rule where the reference is approximate). */
  toleranceRule?: string;
  /** For a case of a test suite (`verify <root>`): the root, as an absolute path. */
  suite?: string;
  /** For a suite case: the op types its graph uses (`domain:op`), for the conformance view. */
  ops?: string[];
}

export interface VerifyRun {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  backends: BackendStatus[];
  results: ModelResult[];
  /** Every result met its expectation. */
  ok: boolean;
}

export type VerifyEvent =
  | { type: 'backend'; status: BackendStatus }
  | { type: 'start'; model: string; backend: BackendId; index: number; total: number }
  | { type: 'result'; result: ModelResult; index: number; total: number };

export interface VerifyOptions {
  backends: BackendId[];
  plan?: RunPlan;
  /** Overrides every model's tolerance. */
  tolerance?: Partial<Tolerance>;
  /** Per model and backend, milliseconds. */
  timeoutMs?: number;
  threads?: number;
  /** Ask onnxruntime for its node placement log (every backend; the browser ones through the page's console). */
  logPlacement?: boolean;
  onEvent?: (e: VerifyEvent) => void;
  signal?: AbortSignal;
  /** Cases whose model or data could not be read: one `input-error` result each per backend, nothing run. */
  inputErrors?: InputFailure[];
}

export const DEFAULT_VERIFY_PLAN: RunPlan = { warmup: 1, iterations: 10, maxDurationMs: 1000 };

/** WebGPU accumulates in a different order (and may use fp16 internally): a looser floor. */
const BACKEND_TOLERANCE_FLOOR: Partial<Record<BackendId, Tolerance>> = {
  webgpu: { atol: 1e-3, rtol: 1e-2 },
  'browser-webgpu': { atol: 1e-3, rtol: 1e-2 },
};

export function toleranceFor(p: PreparedModel, backend: BackendId, override?: Partial<Tolerance>): Tolerance {
  const base = p.backendTolerance[backend] ?? p.tolerance;
  const floor = p.backendTolerance[backend] ? undefined : BACKEND_TOLERANCE_FLOOR[backend];
  const t = floor ? { atol: Math.max(base.atol, floor.atol), rtol: Math.max(base.rtol, floor.rtol) } : base;
  return { atol: override?.atol ?? t.atol, rtol: override?.rtol ?? t.rtol };
}

/** Does a status satisfy the expected one? A pass against the cpu backend satisfies 'no-reference'. */
export function meetsExpectation(status: Status, expected: Status | undefined): boolean {
  if (expected === undefined) return status === 'pass' || status === 'no-reference' || status === 'nondeterministic';
  return status === expected || (expected === 'no-reference' && status === 'pass');
}

/** Check availability and describe each backend (in its worker, so its environment applies). */
export async function backendStatuses(ids: BackendId[], timeoutMs = 120_000): Promise<{ statuses: BackendStatus[]; workers: Map<BackendId, BackendWorker> }> {
  const statuses: BackendStatus[] = [];
  const workers = new Map<BackendId, BackendWorker>();
  for (const id of ids) {
    const backend = await createBackend(id);
    const avail = await backend.checkAvailable();
    await backend.close(); // the parent only checks; the worker runs the backend
    if (!avail.available) { statuses.push({ id, ...avail }); continue; }
    const worker = new BackendWorker(id, backend.workerEnv?.() ?? {});
    try {
      const inWorker = await worker.call<Availability>({ type: 'check' }, timeoutMs);
      if (!inWorker.available) { statuses.push({ id, ...inWorker }); await worker.close(); continue; }
      const description = await worker.call<BackendDescription>({ type: 'describe' }, timeoutMs);
      statuses.push({ id, available: true, description });
      workers.set(id, worker);
    } catch (e) {
      worker.kill();
      statuses.push({ id, available: false, reason: `the backend failed to start: ${(e as Error).message}`, fix: 'run onnx-workbench backends for details' });
    }
  }
  return { statuses, workers };
}

function statusFromFailure(e: unknown): { status: Status; reason: string } {
  if (e instanceof WorkerFailure) {
    const status: Status = e.kind === 'load' ? 'load-error' : e.kind === 'timeout' ? 'timeout' : 'run-error';
    return { status, reason: e.message };
  }
  return { status: 'run-error', reason: (e as Error).message ?? String(e) };
}

export async function verify(models: PreparedModel[], options: VerifyOptions): Promise<VerifyRun> {
  const startedAt = new Date().toISOString();
  const plan = options.plan ?? DEFAULT_VERIFY_PLAN;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const requested = BACKEND_IDS.filter((id) => options.backends.includes(id));
  // cpu outputs are the cross-backend yardstick: compute them even when cpu itself is not reported.
  const needCpu = requested.some((id) => id !== 'cpu');
  const toStart = needCpu && !requested.includes('cpu') ? (['cpu', ...requested] as BackendId[]) : requested;
  const { statuses, workers } = await backendStatuses(toStart, timeoutMs);
  const reported = statuses.filter((s) => requested.includes(s.id));
  for (const s of reported) options.onEvent?.({ type: 'backend', status: s });

  const results: ModelResult[] = [];
  const cpuOutputs = new Map<string, Record<string, Tensor>>();
  const runnable = statuses.filter((s) => s.available);
  const inputErrors = options.inputErrors ?? [];
  const total = (models.length + inputErrors.length) * runnable.filter((s) => requested.includes(s.id)).length;
  let index = 0;
  try {
    for (const status of runnable) {
      const worker = workers.get(status.id)!;
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
          const result = judge(p, status, undefined, { status: 'unsupported', reason: unsupportedReason(p.unsupported, status.description?.runtime ?? status.id) }, undefined);
          results.push(result);
          options.onEvent?.({ type: 'result', result, index: ++index, total });
          continue;
        }
        if (reportThis) options.onEvent?.({ type: 'start', model: p.target.id, backend: status.id, index, total });
        const runPlan = reportThis ? plan : { warmup: 0, iterations: 0 };
        let measurement: RunMeasurement | undefined;
        let failure: { status: Status; reason: string } | undefined;
        worker.takeStderr();
        worker.takePlacementLog();
        try {
          measurement = await worker.call<RunMeasurement>({
            type: 'measure', modelPath: p.model.path, feeds: p.feeds, plan: runPlan, hasExternalData: p.summary.externalData.length > 0,
            options: { ...(options.threads ? { threads: options.threads } : {}), ...(options.logPlacement && reportThis ? { logPlacement: true } : {}) },
          }, timeoutMs);
        } catch (e) {
          failure = statusFromFailure(e);
        }
        // Every further test data set: its outputs, from a run of its own (no timing).
        const setOutputs: Record<string, Tensor>[] = [];
        for (const set of p.sets.slice(1)) {
          if (!measurement || failure) break;
          try {
            const m = await worker.call<RunMeasurement>({
              type: 'measure', modelPath: p.model.path, feeds: set.feeds, plan: { warmup: 0, iterations: 0 }, hasExternalData: p.summary.externalData.length > 0,
              options: { ...(options.threads ? { threads: options.threads } : {}) },
            }, timeoutMs);
            setOutputs.push(m.outputs);
          } catch (e) {
            const f = statusFromFailure(e);
            failure = { status: f.status, reason: `${set.source}: ${f.reason}` };
            measurement = undefined;
          }
        }
        // In-process runtimes log to the worker's stderr; the browser backends return the page's console.
        const log = worker.takePlacementLog();
        const placement = options.logPlacement && reportThis ? parsePlacement(measurement?.placementLog ?? log) : undefined;
        if (status.id === 'cpu' && measurement) cpuOutputs.set(p.model.path, measurement.outputs);
        if (!reportThis) continue;
        const result = judge(p, status, measurement, failure, cpuOutputs.get(p.model.path), options.tolerance, placement, setOutputs);
        results.push(result);
        options.onEvent?.({ type: 'result', result, index: ++index, total });
      }
    }
  } finally {
    await Promise.all([...workers.values()].map((w) => w.close()));
  }
  return {
    startedAt, finishedAt: new Date().toISOString(), machine: machineInfo(), backends: reported, results,
    ok: results.every((r) => r.meetsExpectation) && !options.signal?.aborted,
  };
}

/** The result for a case whose model or data could not be read: nothing ran. */
export function inputErrorResult(f: InputFailure, backend: BackendStatus): ModelResult {
  return {
    model: f.id, path: f.modelPath, sha256: f.sha256, producerName: '', producerVersion: '',
    backend: backend.id, adapter: backend.description?.adapter ?? { kind: 'unknown' },
    status: 'input-error', meetsExpectation: false, reason: f.reason,
    referenceKind: 'none', referenceSource: '', tolerance: { atol: 0, rtol: 0 },
  };
}

/** Turn one measurement (or failure) of a prepared model on a backend into a result. */
export function judge(
  p: PreparedModel, backend: BackendStatus, m: RunMeasurement | undefined, failure: { status: Status; reason: string } | undefined,
  cpu: Record<string, Tensor> | undefined, override?: Partial<Tolerance>, placement?: Placement,
  setOutputs: Record<string, Tensor>[] = [],
): ModelResult {
  const tolerance = toleranceFor(p, backend.id, override);
  const adapter = backend.description?.adapter ?? { kind: 'unknown' as const };
  const expected = p.backendExpected[`${backend.id}:${adapter.kind}`] ?? p.backendExpected[backend.id] ?? p.expected;
  const base = {
    model: p.target.id, path: p.model.path, sha256: p.model.sha256,
    producerName: p.summary.producerName, producerVersion: p.summary.producerVersion,
    ...(p.target.manifest ? { framework: p.target.manifest.framework } : p.exporter && p.exporter.framework !== 'unknown' ? { framework: p.exporter.framework, frameworkBy: 'fingerprint' as const } : {}),
    backend: backend.id, adapter,
    referenceKind: p.referenceKind, referenceSource: p.referenceSource, tolerance,
    ...(expected ? { expectedStatus: expected.status } : {}),
    ...(expected?.reason ? { expectedReason: expected.reason } : {}),
    ...(p.warnings.length ? { warnings: p.warnings } : {}),
    ...(p.toleranceRule ? { toleranceRule: p.toleranceRule } : {}),
  };
  const finish = (status: Status, rest: Partial<ModelResult>): ModelResult => ({
    ...base, status, meetsExpectation: meetsExpectation(status, expected?.status), ...rest,
  });
  if (!m) return finish(failure!.status, { reason: failure!.reason });
  const latency: Latency = {
    sessionCreateMs: m.sessionCreateMs, firstRunMs: m.firstRunMs, stats: latencyStats(m.timesMs),
    ...(m.peakRssBytes !== undefined ? { peakRssBytes: m.peakRssBytes } : {}),
  };
  const againstCpu = backend.id !== 'cpu' && cpu ? compareOutputs(m.outputs, new Map(Object.entries(cpu)), tolerance) : undefined;
  const extra = { latency, ...(againstCpu ? { againstCpu } : {}), ...(placement ? { placement } : {}) };
  if (p.reference) {
    // Every test data set: set 0 from the timed measurement, the others from their own runs.
    const outputsBySet = [m.outputs, ...setOutputs];
    const random = randomOps(p.model.proto.graph);
    type SetOutcome = { source: string; comparison?: OutputsComparison; ok: boolean; nondeterministic: boolean; reason?: string };
    const perSet = p.sets.slice(0, outputsBySet.length).map((set, i): SetOutcome => {
      const outs = outputsBySet[i]!;
      if (!set.reference) return { source: set.source, ok: true, nondeterministic: false };
      const comparison = compareOutputs(outs, set.reference, tolerance);
      if (comparison.ok || random.length === 0) return { source: set.source, comparison, ok: comparison.ok, nondeterministic: false, ...(comparison.ok ? {} : { reason: describeMismatch(comparison) }) };
      // Random ops: element values cannot match; check what the ops promise instead.
      const check = checkRandomOutputs(p.model.proto.graph!, set.feeds, outs, set.reference);
      return { source: set.source, comparison, ok: check.ok, nondeterministic: check.ok, reason: check.ok ? `random ${random.join(', ')}: checked ${check.checks.join(', ')}` : `random ${random.join(', ')}: ${check.problem}` };
    });
    const comparison = perSet[0]!.comparison ?? compareOutputs(m.outputs, p.reference, tolerance);
    const bad = perSet.find((x) => !x.ok);
    const sets = { dataSets: perSet.length, ...(perSet.length > 1 ? { setResults: perSet.map((x) => ({ source: x.source, ok: x.ok, ...(x.reason ? { reason: x.reason } : {}) })) } : {}) };
    const where = (x: { source: string }) => (perSet.length > 1 ? ` (${x.source})` : '');
    if (bad) return finish('mismatch', { ...extra, comparison, ...sets, reason: `against the ${p.referenceKind} reference${where(bad)}: ${bad.reason}` });
    const nd = perSet.find((x) => x.nondeterministic);
    if (nd) return finish('nondeterministic', { ...extra, comparison, ...sets, reason: `not compared element by element: ${nd.reason}` });
    return finish('pass', { ...extra, comparison, ...sets });
  }
  if (againstCpu) {
    return finish(againstCpu.ok ? 'pass' : 'mismatch', { ...extra, referenceKind: 'cpu-backend', referenceSource: 'outputs of the cpu backend', ...(againstCpu.ok ? {} : { reason: `against the cpu backend: ${describeMismatch(againstCpu)}` }) });
  }
  return finish('no-reference', { ...extra, reason: 'no reference outputs: the model loads and runs, outputs unchecked' });
}
