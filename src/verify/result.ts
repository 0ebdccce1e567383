/**
 * What a verification produces, and how it is judged: the result records (as Polygraphy keeps
 * its in comparator/struct.py), the one tolerance policy (bisect uses it too), the failure stages
 * as statuses, and the judge that turns one measurement into a result.
 */
import type {
  AdapterInfo,
  BackendId,
  BackendStatus,
  RunMeasurement,
  TensorMap,
  ThreadsUsed,
} from '../backends/types.js';
import { BackendStageError } from '../backends/types.js';
import { compareOutputs, describeMismatch, type OutputsComparison } from '../compare/compare.js';
import { latencyStats, type LatencyStats } from '../stats/latency.js';
import type { MachineInfo } from '../util/machine.js';
import type { Status, Tolerance } from '../models/manifest.js';
import type { PreparedModel, ResultReferenceKind } from './prepare.js';
import { DEFAULT_TOLERANCE } from './prepare.js';
import type { Placement } from '../backends/placement.js';
import type { ErrorStat } from '../compare/compare.js';
import { validateOutputs, validationProblems, type OutputValidation } from './outputChecks.js';
import { checkRandomOutputs, randomOps } from '../compare/nondeterministic.js';
import { ownPeakRss } from '../util/procfs.js';

export type { BackendStatus } from '../backends/types.js';

/** A suite case whose model or reference data could not be read: one `input-error` result. */
export interface InputFailure {
  id: string;
  modelPath: string;
  /** sha256 of the model file's bytes, or '' when the file itself could not be read. */
  sha256: string;
  reason: string;
}

export interface Latency {
  sessionCreateMs: number;
  firstRunMs: number;
  stats: LatencyStats | null;
  peakRssBytes?: number;
  /** Every timed run, milliseconds, in order (bench records them). */
  samplesMs?: number[];
  /** The threads the run used, as the backend reports them (bench records them). */
  threads?: ThreadsUsed;
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
  /**
   * Peak RSS of the main process (the one that read, validated and judged the model; not the
   * worker, whose peak is `latency.peakRssBytes`) when this result was made, bytes. It covers the
   * run so far, so in a batch it is the peak over this and the earlier models.
   */
  mainPeakRssBytes?: number;
  /** Which execution provider ran which nodes (from onnxruntime's log), when asked for. */
  placement?: Placement;
  warnings?: string[];
  /** The inputs fed, as resolved (symbolic dims filled in). */
  inputs?: { name: string; dtype: string; shape: number[] }[];
  /** The error statistic judged, when not elementwise. */
  checkErrorStat?: ErrorStat;
  /** With --validate: NaN/infinite values and all-zero outputs, reference or not. */
  validation?: OutputValidation;
  /** bench: the onnxruntime session knobs given (graph optimization, inter-op threads, EP options, profile). */
  session?: {
    graphOptimization?: string;
    interOpThreads?: number;
    executionProviderOptions?: Partial<Record<BackendId, Record<string, string>>>;
    profile?: boolean;
  };
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

/** Tolerances and statistic from the command line: bare values for every output, `outputs` for named ones. */
export interface ToleranceOverride extends Partial<Tolerance> {
  stat?: ErrorStat;
  outputs?: ReadonlyMap<string, Partial<Tolerance>>;
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

/** The tolerance of a model: the manifest's (or the default), per backend where the manifest says so. */
export interface TolerancePolicy {
  tolerance: Tolerance;
  backendTolerance: Record<string, Tolerance>;
}

/** WebGPU accumulates in a different order (and may use fp16 internally): a looser floor. */
const BACKEND_TOLERANCE_FLOOR: Partial<Record<BackendId, Tolerance>> = {
  webgpu: { atol: 1e-3, rtol: 1e-2 },
  'browser-webgpu': { atol: 1e-3, rtol: 1e-2 },
};

export function toleranceFor(p: TolerancePolicy, backend: BackendId, override?: Partial<Tolerance>): Tolerance {
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

/** The tolerance for comparing two backends' outputs: the looser of the two backends' policies. */
export function toleranceBetween(
  p: TolerancePolicy,
  a: BackendId,
  b: BackendId,
  override?: Partial<Tolerance>,
): Tolerance {
  const x = toleranceFor(p, a, override);
  const y = toleranceFor(p, b, override);
  return { atol: Math.max(x.atol, y.atol), rtol: Math.max(x.rtol, y.rtol) };
}

export const NO_POLICY: TolerancePolicy = { tolerance: DEFAULT_TOLERANCE, backendTolerance: {} };

/** The status a failed measurement gets: load-error, run-error or timeout, by its stage. */
export function statusFromFailure(e: unknown): { status: Status; reason: string } {
  if (e instanceof BackendStageError) {
    const status: Status = e.stage === 'load' ? 'load-error' : e.stage === 'timeout' ? 'timeout' : 'run-error';
    return { status, reason: e.message };
  }
  return { status: 'run-error', reason: (e as Error).message ?? String(e) };
}

/** The result for a case whose model or data could not be read: nothing ran. */
export function inputErrorResult(f: InputFailure, backend: BackendStatus): ModelResult {
  return {
    model: f.id,
    path: f.modelPath,
    sha256: f.sha256,
    producerName: '',
    producerVersion: '',
    backend: backend.id,
    adapter: backend.description?.adapter ?? { kind: 'unknown' },
    status: 'input-error',
    meetsExpectation: false,
    reason: f.reason,
    referenceKind: 'none',
    referenceSource: '',
    tolerance: { atol: 0, rtol: 0 },
    mainPeakRssBytes: ownPeakRss(),
  };
}

/** Turn one measurement (or failure) of a prepared model on a backend into a result. */
export function judge(
  p: PreparedModel,
  backend: BackendStatus,
  m: RunMeasurement | undefined,
  failure: { status: Status; reason: string } | undefined,
  cpu: TensorMap | undefined,
  override?: ToleranceOverride,
  placement?: Placement,
  setOutputs: TensorMap[] = [],
  checks: { validate?: boolean } = {},
): ModelResult {
  const tolerance = toleranceFor(p, backend.id, override);
  const adapter = backend.description?.adapter ?? { kind: 'unknown' as const };
  const expected = p.backendExpected[`${backend.id}:${adapter.kind}`] ?? p.backendExpected[backend.id] ?? p.expected;
  const base = {
    model: p.target.id,
    path: p.model.path,
    sha256: p.model.sha256,
    producerName: p.summary.producerName,
    producerVersion: p.summary.producerVersion,
    ...(p.target.manifest
      ? { framework: p.target.manifest.framework }
      : p.exporter && p.exporter.framework !== 'unknown'
        ? { framework: p.exporter.framework, frameworkBy: 'fingerprint' as const }
        : {}),
    backend: backend.id,
    adapter,
    referenceKind: p.referenceKind,
    referenceSource: p.referenceSource,
    tolerance,
    ...(expected ? { expectedStatus: expected.status } : {}),
    ...(expected?.reason ? { expectedReason: expected.reason } : {}),
    ...(p.warnings.length ? { warnings: p.warnings } : {}),
    inputs: [...p.feeds].map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.dims] })),
    ...(override?.stat && override.stat !== 'elemwise' ? { checkErrorStat: override.stat } : {}),
    ...(p.toleranceRule ? { toleranceRule: p.toleranceRule } : {}),
  };
  const finish = (status: Status, rest: Partial<ModelResult>): ModelResult => ({
    ...base,
    status,
    meetsExpectation: meetsExpectation(status, expected?.status),
    ...rest,
    mainPeakRssBytes: ownPeakRss(),
  });
  if (!m) return finish(failure!.status, { reason: failure!.reason });
  const latency: Latency = {
    sessionCreateMs: m.sessionCreateMs,
    firstRunMs: m.firstRunMs,
    stats: latencyStats(m.timesMs),
    ...(m.peakRssBytes !== undefined ? { peakRssBytes: m.peakRssBytes } : {}),
  };
  const policy = { ...tolerance, ...(override?.stat ? { stat: override.stat } : {}) };
  const againstCpu =
    backend.id !== 'cpu' && cpu ? compareOutputs(m.outputs, cpu, policy, override?.outputs) : undefined;
  const validation = checks.validate ? validateOutputs(m.outputs) : undefined;
  const flagged = validation && !validation.ok ? validationProblems(validation).map((x) => `--validate: ${x}`) : [];
  const extra = {
    latency,
    ...(againstCpu ? { againstCpu } : {}),
    ...(placement ? { placement } : {}),
    ...(validation ? { validation } : {}),
    ...(flagged.length ? { warnings: [...p.warnings, ...flagged] } : {}),
  };
  if (p.reference) {
    // Every test data set: set 0 from the timed measurement, the others from their own runs.
    const outputsBySet = [m.outputs, ...setOutputs];
    const random = randomOps(p.model.proto.graph);
    type SetOutcome = {
      source: string;
      comparison?: OutputsComparison;
      ok: boolean;
      nondeterministic: boolean;
      reason?: string;
    };
    const perSet = p.sets.slice(0, outputsBySet.length).map((set, i): SetOutcome => {
      const outs = outputsBySet[i]!;
      if (!set.reference) return { source: set.source, ok: true, nondeterministic: false };
      const comparison = compareOutputs(outs, set.reference, policy, override?.outputs);
      if (comparison.ok || random.length === 0)
        return {
          source: set.source,
          comparison,
          ok: comparison.ok,
          nondeterministic: false,
          ...(comparison.ok ? {} : { reason: describeMismatch(comparison) }),
        };
      // Random ops: element values cannot match; check what the ops promise instead.
      const check = checkRandomOutputs(p.model.proto.graph!, set.feeds, outs, set.reference);
      return {
        source: set.source,
        comparison,
        ok: check.ok,
        nondeterministic: check.ok,
        reason: check.ok
          ? `random ${random.join(', ')}: checked ${check.checks.join(', ')}`
          : `random ${random.join(', ')}: ${check.problem}`,
      };
    });
    const bad = perSet.find((x) => !x.ok);
    // The comparison recorded is the failing set's when one failed (the record's status and comparison agree).
    const comparison =
      (bad?.comparison && !bad.comparison.ok ? bad.comparison : undefined) ??
      perSet[0]!.comparison ??
      compareOutputs(m.outputs, p.reference, policy, override?.outputs);
    const sets = {
      dataSets: perSet.length,
      ...(perSet.length > 1
        ? { setResults: perSet.map((x) => ({ source: x.source, ok: x.ok, ...(x.reason ? { reason: x.reason } : {}) })) }
        : {}),
    };
    const where = (x: { source: string }) => (perSet.length > 1 ? ` (${x.source})` : '');
    if (bad)
      return finish('mismatch', {
        ...extra,
        comparison,
        ...sets,
        reason: `against the ${p.referenceKind} reference${where(bad)}: ${bad.reason}`,
      });
    const nd = perSet.find((x) => x.nondeterministic);
    if (nd)
      return finish('nondeterministic', {
        ...extra,
        comparison,
        ...sets,
        reason: `not compared element by element: ${nd.reason}`,
      });
    return finish('pass', { ...extra, comparison, ...sets });
  }
  if (againstCpu) {
    return finish(againstCpu.ok ? 'pass' : 'mismatch', {
      ...extra,
      referenceKind: 'cpu-backend',
      referenceSource: 'outputs of the cpu backend',
      ...(againstCpu.ok ? {} : { reason: `against the cpu backend: ${describeMismatch(againstCpu)}` }),
    });
  }
  return finish('no-reference', {
    ...extra,
    reason: 'no reference outputs: the model loads and runs, outputs unchecked',
  });
}
