/**
 * What the commands that run models share: Ctrl-C handling, the one-line error for a requested
 * backend that is missing, progress lines, evidence writing, and the whole verify flow (used by
 * `verify` and `zoo verify`).
 */
import { InputError } from '../errors.js';
import type { BackendId } from '../backends/types.js';
import type { EvidenceRecord } from '../evidence/store.js';
import type { PreparedModel } from '../verify/prepare.js';
import type { InputFailure } from '../suite/prepareCases.js';
import type { BackendStatus, ModelResult, VerifyEvent } from '../verify/verify.js';
import { Option, type Command } from 'commander';
import { parseBackends } from './options.js';
import { addBackendOption } from './args/backends.js';
import { addTimingOptions } from './args/timing.js';
import { addEvidenceOptions } from './args/evidence.js';
import type { ModelInputOptions } from './args/inputs.js';
import {
  addComparisonOptions,
  checkToleranceNames,
  saveOutputsPath,
  toleranceOverride,
  type ComparisonValues,
} from './args/comparison.js';

export { addModelInputOptions, type ModelInputOptions } from './args/inputs.js';
import { safeText, jsonText } from '../format/terminal.js';

/** A first Ctrl-C finishes the current model and closes backends; a second one quits at once. */
export function interruptible(): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    process.stderr.write(
      '\ninterrupted: finishing the current model, closing backends (Ctrl-C again to quit at once)\n',
    );
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/**
 * Run `work` with Ctrl-C handling. Returns null when the user interrupted it: the exit code is
 * then 130 and the caller writes nothing (no evidence from a run cut short).
 */
export async function runInterruptibly<T>(
  work: (signal: AbortSignal) => Promise<T>,
  keepPartial = false,
): Promise<T | null> {
  const interrupt = interruptible();
  let result: T;
  try {
    result = await work(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
  if (interrupt.signal.aborted && keepPartial) {
    // A suite run keeps what finished: the record is marked partial.
    process.exitCode = 130;
    return result;
  }
  if (interrupt.signal.aborted) {
    process.stderr.write('interrupted: no evidence written\n');
    process.exitCode = 130;
    return null;
  }
  return result;
}

/** Backends named explicitly (not through `all`): their absence is an error when nothing ran. */
export function explicitBackends(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'all');
}

/**
 * After a run: say which backends were unavailable, refuse a run where a named backend was missing
 * and nothing ran (one line, exit 2), and report whether every named backend was there.
 */
export function checkBackends(run: { backends: BackendStatus[]; results: unknown[] }, explicit: string[]): boolean {
  const missing = run.backends.filter((b) => !b.available && explicit.includes(b.id));
  if (missing.length && run.results.length === 0) {
    const b = missing[0]!;
    throw new InputError(`backend ${b.id} is not available: ${b.reason}${b.fix ? ` (fix: ${b.fix})` : ''}`);
  }
  for (const b of run.backends.filter((x) => !x.available)) {
    process.stderr.write(
      `backend ${b.id} unavailable: ${safeText(b.reason)}${b.fix ? ` (fix: ${safeText(b.fix)})` : ''}\n`,
    );
  }
  return missing.length === 0;
}

/** Before running: a record must be writable where it will go (probe the folder), unless --no-evidence. */
export async function probeEvidence(opts: { evidence: boolean; evidenceDir?: string }): Promise<void> {
  if (!opts.evidence) return;
  const { defaultEvidenceDir, probeEvidenceDir } = await import('../evidence/store.js');
  probeEvidenceDir(opts.evidenceDir ?? defaultEvidenceDir());
}

/** Save the run's record; a failure is returned (to throw after the results are printed), not thrown. */
export async function trySaveEvidence(
  kind: EvidenceRecord['kind'],
  run: { machine: EvidenceRecord['machine']; backends: BackendStatus[]; results: ModelResult[] },
  opts: { evidence: boolean; evidenceDir?: string },
  partial = false,
): Promise<{ path?: string; error?: unknown }> {
  try {
    const path = await saveEvidence(kind, run, opts, partial);
    return path ? { path } : {};
  } catch (error) {
    return { error };
  }
}

export async function saveEvidence(
  kind: EvidenceRecord['kind'],
  run: { machine: EvidenceRecord['machine']; backends: BackendStatus[]; results: ModelResult[] },
  opts: { evidence: boolean; evidenceDir?: string },
  partial = false,
): Promise<string | undefined> {
  if (!opts.evidence || run.results.length === 0) return undefined;
  const { defaultEvidenceDir, makeRecord, writeRecord } = await import('../evidence/store.js');
  return writeRecord(opts.evidenceDir ?? defaultEvidenceDir(), {
    ...makeRecord(kind, run.machine, run.backends, run.results),
    ...(partial ? { partial: true } : {}),
  });
}

export function resultLine(e: Extract<VerifyEvent, { type: 'result' }>, extra = ''): string {
  const r = e.result;
  return `[${e.index}/${e.total}] ${r.backend} ${safeText(r.model)}: ${r.status}${r.meetsExpectation ? '' : '  (not as expected)'}${extra}\n`;
}

/** Resolve model names (ids, groups, paths) and prepare each with the given inputs; `what` names the run in errors. */
export async function prepareModels(names: string[], opts: ModelInputOptions, what: string): Promise<PreparedModel[]> {
  const { resolveTargets } = await import('../models/catalog.js');
  const { prepareTarget } = await import('../verify/prepare.js');
  const targets = resolveTargets(names, undefined, opts.manifest ? { manifest: opts.manifest } : {});
  if (targets.length === 0) throw new InputError(`no models to ${what}`);
  if (opts.inputs && targets.length !== 1) throw new InputError('--inputs applies to exactly one model');
  return targets.map((t) =>
    prepareTarget(t, {
      ...(opts.inputs ? { inputs: opts.inputs } : {}),
      ...(opts.dim ? { dims: opts.dim } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    }),
  );
}

export interface VerifyRunOptions extends ComparisonValues {
  backend: string;
  json?: boolean;
  format?: string;
  warmup: number;
  iterations: number;
  duration: number;
  timeout: number;
  threads?: number;
  evidence: boolean;
  evidenceDir?: string;
  quiet?: boolean;
}

/** At most this many models get a line with their resolved input shapes in verify's text output. */
const RESOLVED_INPUT_LINES = 5;

/** `--format` of the commands whose output is a verify run (`verify`, `zoo verify`; `conformance` has its own). */
export function addVerifyFormatOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--format <format>', 'output: table (sized to the terminal), markdown (pasteable) or json')
      .choices(['table', 'markdown', 'json'])
      .default('table'),
  );
}

/** The options of every command that verifies models (`verify`, `zoo verify`). */
export function addVerifyRunOptions(cmd: Command): Command {
  addComparisonOptions(
    addBackendOption(cmd, 'cpu').option('--json', 'print the whole run as JSON on stdout (same as --format json)'),
  );
  addTimingOptions(
    cmd,
    {
      iterations: 'timed runs (at least one)',
      duration: 'time budget for warm-up and timed runs per model and backend',
    },
    { iterations: 10, duration: 1 },
  );
  return addEvidenceOptions(cmd).option('-q, --quiet', 'no progress on stderr');
}

/** What a suite run (`verify <root>`) adds: cases that could not be read, and progress on a TTY. */
export interface SuiteRunExtras {
  inputErrors: InputFailure[];
  /** Cases found (prepared + input errors), for the summary line. */
  cases: number;
  /** The roots, recorded with each result (`suite`). */
  root: string;
  /** Replaces the verify table (and --json's run) with another view of the results (conformance). */
  view?: { render(results: ModelResult[]): string; json(results: ModelResult[]): unknown };
}

/** Verify prepared models as the `verify` command does: progress, evidence, output, exit code. */
export async function executeVerify(
  prepared: PreparedModel[],
  opts: VerifyRunOptions,
  suite?: SuiteRunExtras,
): Promise<void> {
  const backends: BackendId[] = parseBackends(opts.backend);
  const { verify } = await import('../verify/verify.js');
  for (const p of prepared)
    for (const w of p.warnings) process.stderr.write(`warning: ${safeText(p.target.id)}: ${safeText(w)}\n`);
  await probeEvidence(opts);
  const tolerance = toleranceOverride(opts);
  checkToleranceNames(tolerance, new Set(prepared.flatMap((p) => p.summary.outputs.map((o) => o.name))));
  const saved = opts.saveOutputs ? await prepareSaveOutputs(opts.saveOutputs, prepared, backends) : undefined;
  const { ProgressLine } = await import('../suite/progress.js');
  // Suites: one redrawn status line on a terminal instead of a line per case; nothing in pipes or --json.
  const progress = suite
    ? new ProgressLine(process.stderr, Boolean(process.stderr.isTTY) && !opts.quiet && !opts.json)
    : undefined;
  const run = await runInterruptibly(
    (signal) =>
      verify(prepared, {
        backends,
        tolerance,
        signal,
        ...(opts.validate ? { validate: true } : {}),
        ...(saved ? { onOutputs: saved.keep } : {}),
        plan: { warmup: opts.warmup, iterations: opts.iterations, maxDurationMs: opts.duration * 1000 },
        timeoutMs: opts.timeout * 1000,
        ...(opts.threads ? { threads: opts.threads } : {}),
        ...(suite ? { inputErrors: suite.inputErrors } : {}),
        onEvent: (e) => {
          if (progress) {
            if (e.type === 'start') progress.update(e.index, e.total, `${e.backend} ${e.model}`);
            if (e.type === 'result') progress.update(e.index, e.total, `${e.result.backend} ${e.result.model}`);
            return;
          }
          if (e.type === 'result' && !opts.quiet)
            process.stderr.write(
              resultLine(e, e.result.latency?.stats ? ` p50 ${e.result.latency.stats.p50.toFixed(2)} ms` : ''),
            );
        },
      }),
    Boolean(suite),
  );
  progress?.clear();
  if (!run) return;
  if (suite) {
    // Suite results say which suite they belong to and which ops the case uses (conformance by op).
    const ops = new Map(prepared.map((p) => [p.target.id, Object.keys(p.summary.opCounts)]));
    run.results = run.results.map((r) => ({
      ...r,
      suite: suite.root,
      ...(ops.has(r.model) ? { ops: ops.get(r.model)! } : {}),
    }));
  }
  const partial = Boolean(suite) && process.exitCode === 130;
  const allThere = checkBackends(run, explicitBackends(opts.backend));
  if (saved) for (const line of saved.write()) process.stderr.write(`${line}\n`);
  const { path: evidencePath, error: evidenceError } = await trySaveEvidence('verify', run, opts, partial);
  if ((opts.json || opts.format === 'json') && suite?.view) {
    console.log(
      jsonText(
        {
          ...(suite.view.json(run.results) as object),
          ...(partial ? { partial: true } : {}),
          ...(evidencePath ? { evidence: evidencePath } : {}),
        },
        null,
        1,
      ),
    );
  } else if (opts.json || opts.format === 'json') {
    console.log(
      jsonText(
        { ...run, ...(partial ? { partial: true } : {}), ...(evidencePath ? { evidence: evidencePath } : {}) },
        null,
        1,
      ),
    );
  } else if (suite?.view) {
    console.log(suite.view.render(run.results));
    console.log((await import('../suite/summary.js')).suiteSummaryLine(run.results, suite.cases));
    if (evidencePath) console.log(`evidence: ${evidencePath}${partial ? ' (partial: interrupted)' : ''}`);
  } else if (opts.format === 'markdown') {
    const { verifyMarkdown } = await import('../format/verify.js');
    console.log(verifyMarkdown(run));
    if (evidencePath) console.log(`\nevidence: \`${evidencePath}\`${partial ? ' (partial: interrupted)' : ''}`);
  } else {
    const { renderVerify } = await import('../format/verify.js');
    console.log(renderVerify(run));
    // Resolved input shapes: printed for a few models (a line each); for a whole catalog they would
    // bury the summary, so they stay in --json and the evidence record.
    const { renderResolvedInputs } = await import('../format/inputs.js');
    if (!suite && prepared.length <= RESOLVED_INPUT_LINES)
      for (const line of renderResolvedInputs(prepared)) console.log(line);
    if (suite) {
      const { suiteSummaryLine } = await import('../suite/summary.js');
      console.log(suiteSummaryLine(run.results, suite.cases));
    }
    if (evidencePath) console.log(`evidence: ${evidencePath}${partial ? ' (partial: interrupted)' : ''}`);
  }
  if (partial) {
    process.stderr.write(
      `interrupted: ${run.results.length} finished results kept${evidencePath ? ' in a record marked partial' : ''}\n`,
    );
    return; // exit code 130
  }
  // Nothing at all could be run (every case unreadable or unsupported): exit 2, not 1.
  const { NOT_RUN_STATUSES } = await import('../suite/summary.js');
  if (suite && run.results.length > 0 && run.results.every((r) => NOT_RUN_STATUSES.has(r.status))) {
    process.stderr.write('nothing could be run: every case is input-error or unsupported\n');
    process.exitCode = 2;
    return;
  }
  let validationFailed = false;
  if (opts.validate) {
    const flagged = run.results.filter((r) => r.validation && !r.validation.ok);
    if (!opts.json)
      for (const r of flagged)
        for (const w of (r.warnings ?? []).filter((x) => x.startsWith('--validate: ')))
          console.log(`${r.model} on ${r.backend}: ${w}`);
    if (!opts.json)
      console.log(
        flagged.length
          ? `--validate: ${flagged.length} of ${run.results.length} results have NaN, infinite or all-zero outputs.`
          : `--validate: no NaN, infinite or all-zero outputs in ${run.results.length} results.`,
      );
    validationFailed = flagged.length > 0;
  }
  if (evidenceError) throw evidenceError; // after the results: one line naming the path, exit 2
  process.exitCode = run.ok && allThere && !validationFailed ? 0 : 1;
}

/**
 * `--save-outputs`: one model; each reported backend's outputs with the inputs used, in the .npz
 * layout `--inputs` reads. Files that exist are refused before anything runs (never overwritten).
 */
export async function prepareSaveOutputs(file: string, prepared: PreparedModel[], backends: BackendId[]) {
  if (prepared.length !== 1)
    throw new InputError(`--save-outputs applies to exactly one model (${prepared.length} given)`);
  const { existsSync, writeFileSync } = await import('node:fs');
  const { encodeNpz } = await import('../tensor/npy.js');
  const { errorLine } = await import('../errors.js');
  const paths = new Map(backends.map((b) => [b, saveOutputsPath(file, b, backends.length)]));
  for (const path of paths.values())
    if (existsSync(path))
      throw new InputError(`${path}: exists; --save-outputs never overwrites a file (remove it or name another)`);
  const kept = new Map<BackendId, { p: PreparedModel; outputs: Map<string, import('../tensor/tensor.js').Tensor> }>();
  return {
    keep: (p: PreparedModel, backend: BackendId, outputs: Map<string, import('../tensor/tensor.js').Tensor>) => {
      kept.set(backend, { p, outputs });
    },
    write: (): string[] => {
      const lines: string[] = [];
      for (const [backend, { p, outputs }] of kept) {
        const path = paths.get(backend)!;
        const arrays: Record<string, import('../tensor/tensor.js').Tensor> = {};
        for (const [k, t] of p.feeds) arrays[k] = t;
        for (const [k, t] of outputs) arrays[k] = t;
        try {
          writeFileSync(path, encodeNpz(arrays), { flag: 'wx' });
          lines.push(
            `saved ${backend}'s outputs (${[...outputs.keys()].join(', ')}) and the inputs (${[...p.feeds.keys()].join(', ')}) to ${path}`,
          );
        } catch (e) {
          throw new InputError(`${path}: could not write the outputs (${errorLine(e)})`);
        }
      }
      return lines;
    },
  };
}
