/**
 * Prototype-to-deploy paths: the article's take-away as a command. For a framework and a target
 * backend: is there a known exporter, which model stands for it, does it load on the target, do the
 * outputs match the exporter's reference and the cpu backend, how fast, and which nodes run on the
 * target's execution provider.
 */
import type { AdapterInfo, BackendId, TensorMap } from '../backends/types.js';
import { loadCatalog, resolveTargets, type Target } from '../models/catalog.js';
import { prepareTarget, type PreparedModel } from '../verify/prepare.js';
import { verify, type ModelResult, type ToleranceOverride, type VerifyRun } from '../verify/verify.js';
import { describePlacement, offEpSummary, type Placement } from '../backends/placement.js';
import { classifyFailure, type FailureCause } from '../diagnose/failure.js';
import { loadModel } from '../onnx/model.js';
import { summarize } from '../onnx/inspect.js';
import { attributeSummary, describeExporter } from '../scorecard/attribution.js';
import { InputError } from '../errors.js';

/** What the capability registry says of a framework's exporter. */
export interface ExporterClaim {
  framework: string;
  level: 'built-in' | 'community' | 'none' | 'unknown';
  mechanism: string;
  producerNames: string[];
  source?: string;
}

export type StepStatus = 'ok' | 'fail' | 'skipped' | 'warn';

export interface PathStep {
  step: 'exporter' | 'model' | 'load' | 'reference' | 'cross-backend' | 'validate' | 'latency' | 'placement';
  status: StepStatus;
  detail: string;
  cause?: FailureCause;
}

export interface BackendPath {
  backend: BackendId;
  adapter?: string;
  verdict: 'pass' | 'fail' | 'unavailable';
  steps: PathStep[];
  models: { model: string; status: string; p50Ms?: number }[];
}

/** One line of path's closing table: a model on a backend. */
export interface PathRow {
  backend: BackendId;
  model: string;
  adapter?: AdapterInfo;
  /** Loaded and ran; `unavailable` when the backend is not there (see the backend's load step). */
  loads: 'yes' | 'no' | 'unavailable';
  status: string;
  /** Against the exporter's (or the user's) reference outputs. */
  vsReference: 'match' | 'differs' | 'no reference' | '-';
  /** Against the cpu backend's outputs (cpu itself is the yardstick). */
  vsCpu: 'match' | 'differs' | 'yardstick' | '-';
  p50Ms?: number;
  /** Nodes off the backend's EP, told apart (fallback vs shape subgraph), with the Memcpy count. */
  placement?: Placement;
  /** The model's ai.onnx opset, to read a fallback's "version not implemented" against. */
  opset?: number;
}

export interface PathReport {
  from: string;
  /** `--from` was not given: it was read from the model's exporter fingerprint. */
  fromInferred?: boolean;
  to: BackendId[];
  exporter: PathStep;
  model: PathStep;
  models: string[];
  backends: BackendPath[];
  verdict: 'pass' | 'fail';
  /** One row per model and backend: loads, matches, p50, nodes off the EP. */
  table: PathRow[];
  /** A WebGPU result ran on a software adapter: its latency is no GPU's. */
  softwareAdapter?: boolean;
  evidence?: VerifyRun;
}

/** Bundled models that stand for a framework's exporter: expected to pass, newest exporter first. */
export function representativeModels(framework: string, max = 3): Target[] {
  // Exports with a reference first; a framework whose exports have none (MXNet, PaddlePaddle) is
  // represented by exports that run, checked across backends.
  const runs = loadCatalog().filter(
    (e) =>
      e.manifest.framework === framework &&
      (e.manifest.expected.status === 'pass' || e.manifest.expected.status === 'no-reference'),
  );
  const withRef = runs.filter((e) => e.manifest.reference.kind !== 'none');
  const entries = withRef.length ? withRef : runs;
  const version = (id: string) => {
    const s = loadModel(entries.find((e) => e.manifest.id === id)!.modelPath).proto.producerVersion ?? '';
    return s.split('.').map((x) => Number.parseInt(x, 10) || 0);
  };
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (b[i] ?? 0) - (a[i] ?? 0);
      if (d) return d;
    }
    return 0;
  };
  const withVersion = entries.map((e) => ({ e, v: version(e.manifest.id) }));
  withVersion.sort((x, y) => cmp(x.v, y.v) || x.e.manifest.id.localeCompare(y.e.manifest.id));
  return withVersion
    .slice(0, max)
    .map(({ e }) => ({ id: e.manifest.id, modelPath: e.modelPath, manifest: e.manifest, dir: e.dir }));
}

function backendPath(backend: BackendId, run: VerifyRun): BackendPath {
  const status = run.backends.find((b) => b.id === backend);
  if (!status?.available) {
    return {
      backend,
      verdict: 'unavailable',
      models: [],
      steps: [
        {
          step: 'load',
          status: 'skipped',
          detail: `backend unavailable: ${status?.reason ?? 'unknown'}${status?.fix ? ` (fix: ${status.fix})` : ''}`,
        },
      ],
    };
  }
  const results = run.results.filter((r) => r.backend === backend);
  const adapter = status.description?.adapter;
  const steps: PathStep[] = [];
  const loadFail = results.find((r) => r.status === 'load-error' || r.status === 'timeout' || r.status === 'run-error');
  if (loadFail) {
    const cause = classifyFailure(loadFail.reason ?? '', loadFail.status);
    steps.push({
      step: 'load',
      status: 'fail',
      detail: `${loadFail.model}: ${loadFail.status}: ${cause.detail}`,
      cause,
    });
  } else {
    steps.push({
      step: 'load',
      status: 'ok',
      detail: `${results.length} model(s) load and run on ${status.description?.runtime} ${status.description?.runtimeVersion} (${status.description?.executionProvider} EP)`,
    });
  }
  const ran = results.filter((r) => r.latency);
  if (ran.length) {
    const withRef = ran.filter((r) => r.comparison);
    const bad = withRef.filter((r) => r.status === 'mismatch');
    if (withRef.length === 0)
      steps.push({ step: 'reference', status: 'skipped', detail: 'no exporter reference for these models' });
    else if (bad.length) {
      const cause = classifyFailure(bad[0]!.reason ?? '', 'mismatch');
      steps.push({
        step: 'reference',
        status: 'fail',
        detail: `${bad.length}/${withRef.length} differ from the exporter's reference: ${bad[0]!.model}: ${bad[0]!.reason}`,
        cause,
      });
    } else
      steps.push({
        step: 'reference',
        status: 'ok',
        detail: `${withRef.length} model(s) match the ${[...new Set(withRef.map((r) => r.referenceKind))].join('/')} reference (${describeTolerance(withRef[0]!)})`,
      });
    const cross = ran.filter((r) => r.againstCpu);
    if (backend === 'cpu') steps.push({ step: 'cross-backend', status: 'skipped', detail: 'cpu is the yardstick' });
    else if (cross.some((r) => !r.againstCpu!.ok))
      steps.push({
        step: 'cross-backend',
        status: 'fail',
        detail: `outputs differ from the cpu backend for ${cross
          .filter((r) => !r.againstCpu!.ok)
          .map((r) => r.model)
          .join(', ')}`,
        cause: { kind: 'tolerance', detail: 'differs from cpu' },
      });
    else
      steps.push({
        step: 'cross-backend',
        status: 'ok',
        detail: `outputs agree with the cpu backend for ${cross.length} model(s)`,
      });
    const flagged = ran.filter((r) => r.validation && !r.validation.ok);
    if (ran.some((r) => r.validation))
      steps.push(
        flagged.length
          ? {
              step: 'validate',
              status: 'fail',
              detail: `NaN, infinite or all-zero outputs: ${flagged.map((r) => r.model).join(', ')}`,
            }
          : { step: 'validate', status: 'ok', detail: 'no NaN, infinite or all-zero outputs' },
      );
    const p50s = ran.map((r) => `${r.model.split('/').pop()} ${r.latency!.stats?.p50.toFixed(2)} ms`).join(', ');
    const soft = adapter?.kind === 'software';
    steps.push({
      step: 'latency',
      status: soft ? 'warn' : 'ok',
      detail: `p50 ${p50s}${soft ? ' — software WebGPU (SwiftShader on the CPU), not GPU latency' : ''}`,
    });
    const placed = ran.filter((r) => r.placement);
    steps.push(
      placed.length
        ? {
            step: 'placement',
            status: placed.some((r) => fellBack(r.placement!)) ? 'warn' : 'ok',
            detail: placed
              .map(
                (r) =>
                  `${r.model.split('/').pop()}: ${describePlacement(r.placement)}${r.placement!.analysis ? ` — off the EP: ${offEpSummary(r.placement)}` : ''}`,
              )
              .join('; '),
          }
        : {
            step: 'placement',
            status: 'skipped',
            detail:
              "no node placement was found in the runtime's log (the model did not load, or the log had no placement block)",
          },
    );
  }
  const verdict = steps.some((s) => s.status === 'fail') ? 'fail' : 'pass';
  return {
    backend,
    verdict,
    steps,
    ...(adapter ? { adapter: `${adapter.kind}${adapter.description ? `: ${adapter.description}` : ''}` } : {}),
    models: results.map((r) => ({
      model: r.model,
      status: r.status,
      ...(r.latency?.stats ? { p50Ms: r.latency.stats.p50 } : {}),
    })),
  };
}

/** Compute nodes fell back off the EP (shape work kept on the CPU on purpose does not count). */
function fellBack(p: Placement): boolean {
  if (p.analysis) return p.analysis.fallback.length > 0;
  return !p.allOnOne && p.groups.some((g) => g.executionProvider !== 'CPUExecutionProvider');
}

function pathRows(backends: BackendId[], run: VerifyRun, prepared: PreparedModel[]): PathRow[] {
  const rows: PathRow[] = [];
  const opset = (id: string) =>
    prepared.find((p) => p.target.id === id)?.summary.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')
      ?.version;
  for (const backend of backends) {
    const status = run.backends.find((b) => b.id === backend);
    if (!status?.available) {
      for (const p of prepared)
        rows.push({
          backend,
          model: p.target.id,
          loads: 'unavailable',
          status: 'unavailable',
          vsReference: '-',
          vsCpu: '-',
        });
      continue;
    }
    for (const r of run.results.filter((x) => x.backend === backend)) {
      const ran = Boolean(r.latency);
      const o = opset(r.model);
      rows.push({
        backend,
        model: r.model,
        adapter: r.adapter,
        loads: ran ? 'yes' : 'no',
        status: r.status,
        vsReference: !ran ? '-' : r.comparison ? (r.comparison.ok ? 'match' : 'differs') : 'no reference',
        vsCpu: !ran
          ? '-'
          : backend === 'cpu'
            ? 'yardstick'
            : r.againstCpu
              ? r.againstCpu.ok
                ? 'match'
                : 'differs'
              : '-',
        ...(r.latency?.stats ? { p50Ms: r.latency.stats.p50 } : {}),
        ...(r.placement ? { placement: r.placement } : {}),
        ...(o !== undefined ? { opset: o } : {}),
      });
    }
  }
  return rows;
}

function describeTolerance(r: ModelResult): string {
  return `atol ${r.tolerance.atol}, rtol ${r.tolerance.rtol}`;
}

/** `--from` for a user's model when the user gave none: its exporter by fingerprint. */
export function inferFrom(model: string | undefined): string {
  if (!model) throw new InputError('path needs --from <framework>, or --model <file.onnx> to infer it from');
  const a = attributeSummary(summarize(loadModel(model)));
  if (a.framework === 'unknown')
    throw new InputError(`${model}: cannot infer --from: ${describeExporter(a)}; pass --from <framework>`);
  return a.framework;
}

export interface PathOptions {
  from: string;
  fromInferred?: boolean;
  to: BackendId[];
  /** A user's model file instead of the bundled exports. */
  model?: string;
  /** verify's input options: data for the model, symbolic dims and seed for generated inputs, a trusted manifest. */
  inputs?: string;
  dims?: Record<string, number>;
  seed?: number;
  manifest?: string;
  /** verify's comparison options: tolerances (bare or per output), the error statistic; --validate. */
  tolerance?: ToleranceOverride;
  validate?: boolean;
  /** Each backend's outputs (for --save-outputs). */
  onOutputs?: (p: PreparedModel, backend: BackendId, outputs: TensorMap) => void;
  /** Called with the prepared models before anything runs (warnings, tolerance names, --save-outputs checks). */
  onPrepared?: (prepared: PreparedModel[]) => void | Promise<void>;
  claim: ExporterClaim | undefined;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  /** Told each phase as it starts (the command's live status line on a terminal). */
  onPhase?: (phase: string) => void;
}

export async function checkPath(options: PathOptions): Promise<PathReport> {
  const { claim } = options;
  const exporter: PathStep = !claim
    ? { step: 'exporter', status: 'fail', detail: `no framework '${options.from}' in the capability registry` }
    : claim.level === 'none'
      ? {
          step: 'exporter',
          status: 'fail',
          detail: `${claim.framework} has no ONNX exporter${claim.source ? ` (${claim.source})` : ''}`,
        }
      : {
          step: 'exporter',
          status: claim.level === 'unknown' ? 'warn' : 'ok',
          detail: `${claim.level} exporter: ${claim.mechanism}${claim.source ? ` (${claim.source})` : ''}`,
        };
  let targets: Target[];
  let model: PathStep;
  if (options.model) {
    const t: Target = options.manifest
      ? resolveTargets([options.model], undefined, { manifest: options.manifest })[0]!
      : { id: options.model, modelPath: options.model };
    const a = attributeSummary(summarize(loadModel(options.model)));
    const matches = a.framework === options.from;
    const said = options.fromInferred
      ? ' (--from inferred from it)'
      : matches
        ? ''
        : `: not ${options.from}'s, as --from says`;
    model = {
      step: 'model',
      status: matches ? 'ok' : 'warn',
      detail: `${options.model}: ${describeExporter(a)}${said}`,
    };
    targets = [t];
  } else {
    targets = representativeModels(options.from);
    model = targets.length
      ? {
          step: 'model',
          status: 'ok',
          detail: `bundled ${options.from} exports: ${targets.map((t) => t.id).join(', ')}`,
        }
      : {
          step: 'model',
          status: 'fail',
          detail: `no bundled ${options.from} export; pass --model <file.onnx> (or pull one with onnx-workbench zoo pull)`,
        };
  }
  if (exporter.status === 'fail' && !options.model) {
    return {
      from: options.from,
      ...(options.fromInferred ? { fromInferred: true } : {}),
      to: options.to,
      exporter,
      model,
      models: [],
      backends: [],
      verdict: 'fail',
      table: [],
    };
  }
  if (targets.length === 0)
    return {
      from: options.from,
      ...(options.fromInferred ? { fromInferred: true } : {}),
      to: options.to,
      exporter,
      model,
      models: [],
      backends: [],
      verdict: 'fail',
      table: [],
    };
  const prepared: PreparedModel[] = targets.map((t) =>
    prepareTarget(t, {
      ...(options.inputs ? { inputs: options.inputs } : {}),
      ...(options.dims ? { dims: options.dims } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    }),
  );
  await options.onPrepared?.(prepared);
  if (options.model && !prepared[0]!.reference && !options.inputs) {
    model = { ...model, detail: `${model.detail}; no reference data given, the cpu backend is the reference` };
  }
  options.onPhase?.(`starting backends: ${options.to.join(', ')}`);
  const run = await verify(prepared, {
    backends: options.to,
    logPlacement: true,
    plan: { warmup: 1, iterations: 20, maxDurationMs: 2000 },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.tolerance ? { tolerance: options.tolerance } : {}),
    ...(options.validate ? { validate: true } : {}),
    ...(options.onOutputs ? { onOutputs: options.onOutputs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (e) => {
      if (e.type === 'start') options.onPhase?.(`[${e.index + 1}/${e.total}] ${e.backend} ${e.model}: running`);
      if (e.type === 'result' && e.index === e.total) options.onPhase?.('closing backends');
      if (e.type === 'result')
        options.onProgress?.(`[${e.index}/${e.total}] ${e.result.backend} ${e.result.model}: ${e.result.status}`);
    },
  });
  const backends = options.to.map((b) => backendPath(b, run));
  const available = backends.filter((b) => b.verdict !== 'unavailable');
  const verdict =
    exporter.status !== 'fail' &&
    model.status !== 'fail' &&
    available.length > 0 &&
    available.every((b) => b.verdict === 'pass')
      ? 'pass'
      : 'fail';
  return {
    from: options.from,
    ...(options.fromInferred ? { fromInferred: true } : {}),
    to: options.to,
    exporter,
    model,
    models: targets.map((t) => t.id),
    backends,
    verdict,
    table: pathRows(options.to, run, prepared),
    ...(run.results.some((r) => r.adapter.kind === 'software') ? { softwareAdapter: true } : {}),
    evidence: run,
  };
}
