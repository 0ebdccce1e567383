/**
 * What the commands that run models share: Ctrl-C handling, the one-line error for a requested
 * backend that is missing, progress lines, evidence writing, and the whole verify flow (used by
 * `verify` and `zoo verify`).
 */
import { InputError } from '../errors.js';
import type { BackendId } from '../backends/types.js';
import type { EvidenceRecord } from '../evidence/store.js';
import type { PreparedModel } from '../verify/prepare.js';
import type { BackendStatus, ModelResult, VerifyEvent } from '../verify/verify.js';
import type { Tolerance } from '../models/manifest.js';
import { Option, type Command } from 'commander';
import { collectDims, parseBackends, parseInteger, parseNonNegative } from './options.js';
import { safeText } from '../format/terminal.js';
import { jsonText } from '../format/terminal.js';

/** A first Ctrl-C finishes the current model and closes backends; a second one quits at once. */
export function interruptible(): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    process.stderr.write('\ninterrupted: finishing the current model, closing backends (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/**
 * Run `work` with Ctrl-C handling. Returns null when the user interrupted it: the exit code is
 * then 130 and the caller writes nothing (no evidence from a run cut short).
 */
export async function runInterruptibly<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
  const interrupt = interruptible();
  let result: T;
  try {
    result = await work(interrupt.signal);
  } finally {
    interrupt.dispose();
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
  return value.split(',').map((s) => s.trim()).filter((s) => s && s !== 'all');
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
    process.stderr.write(`backend ${b.id} unavailable: ${safeText(b.reason)}${b.fix ? ` (fix: ${safeText(b.fix)})` : ''}\n`);
  }
  return missing.length === 0;
}

export async function saveEvidence(kind: EvidenceRecord['kind'], run: { machine: EvidenceRecord['machine']; backends: BackendStatus[]; results: ModelResult[] }, opts: { evidence: boolean; evidenceDir?: string }): Promise<string | undefined> {
  if (!opts.evidence || run.results.length === 0) return undefined;
  const { defaultEvidenceDir, makeRecord, writeRecord } = await import('../evidence/store.js');
  return writeRecord(opts.evidenceDir ?? defaultEvidenceDir(), makeRecord(kind, run.machine, run.backends, run.results));
}

export function resultLine(e: Extract<VerifyEvent, { type: 'result' }>, extra = ''): string {
  const r = e.result;
  return `[${e.index}/${e.total}] ${r.backend} ${safeText(r.model)}: ${r.status}${r.meetsExpectation ? '' : '  (not as expected)'}${extra}\n`;
}

/** Where a model's inputs come from, for the commands that run models given on the command line. */
export interface ModelInputOptions {
  inputs?: string;
  dim?: Record<string, number>;
  seed: number;
}

export function addModelInputOptions(cmd: Command, inputsHelp = 'input data for a model file: an .npz or a test_data_set_N folder'): Command {
  return cmd
    .option('--inputs <path>', inputsHelp)
    .option('--dim <name=value>', 'value of a symbolic dimension for generated inputs (repeatable)', collectDims)
    .option('--seed <n>', 'seed for generated inputs', parseInteger('--seed'), 0);
}

/** Resolve model names (ids, groups, paths) and prepare each with the given inputs; `what` names the run in errors. */
export async function prepareModels(names: string[], opts: ModelInputOptions, what: string): Promise<PreparedModel[]> {
  const { resolveTargets } = await import('../models/catalog.js');
  const { prepareTarget } = await import('../verify/prepare.js');
  const targets = resolveTargets(names);
  if (targets.length === 0) throw new InputError(`no models to ${what}`);
  if (opts.inputs && targets.length !== 1) throw new InputError('--inputs applies to exactly one model');
  return targets.map((t) => prepareTarget(t, {
    ...(opts.inputs ? { inputs: opts.inputs } : {}), ...(opts.dim ? { dims: opts.dim } : {}), seed: opts.seed,
  }));
}

export interface VerifyRunOptions {
  backend: string;
  json?: boolean;
  format?: string;
  atol?: number;
  rtol?: number;
  warmup: number;
  iterations: number;
  duration: number;
  timeout: number;
  threads?: number;
  evidence: boolean;
  evidenceDir?: string;
  quiet?: boolean;
}

/** The options of every command that verifies models (`verify`, `zoo verify`). */
export function addVerifyRunOptions(cmd: Command): Command {
  return cmd
    .option('--backend <ids>', 'comma-separated backend ids (cpu, wasm, webgpu, browser-wasm, browser-webgpu) or all', 'cpu')
    .option('--json', 'print the whole run as JSON on stdout (same as --format json)')
    .addOption(new Option('--format <format>', 'output: table (sized to the terminal), markdown (pasteable) or json').choices(['table', 'markdown', 'json']).default('table'))
    .option('--atol <x>', 'absolute tolerance for every model (overrides manifests)', parseNonNegative('--atol'))
    .option('--rtol <x>', 'relative tolerance for every model (overrides manifests)', parseNonNegative('--rtol'))
    .option('--warmup <n>', 'warm-up runs before timing', parseInteger('--warmup'), 1)
    .option('--iterations <n>', 'timed runs (at least one)', parseInteger('--iterations', 1), 10)
    .option('--duration <s>', 'time budget for warm-up and timed runs per model and backend', parseNonNegative('--duration'), 1)
    .option('--timeout <s>', 'per model and backend; a runtime that hangs is stopped and reported as timeout', parseNonNegative('--timeout'), 600)
    .option('--threads <n>', 'intra-op threads (cpu) or WASM threads', parseInteger('--threads', 1))
    .option('--no-evidence', 'do not write an evidence record')
    .option('--evidence-dir <dir>', 'where evidence records go (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)')
    .option('-q, --quiet', 'no progress on stderr');
}

/** Verify prepared models as the `verify` command does: progress, evidence, output, exit code. */
export async function executeVerify(prepared: PreparedModel[], opts: VerifyRunOptions): Promise<void> {
  const backends: BackendId[] = parseBackends(opts.backend);
  const { verify } = await import('../verify/verify.js');
  for (const p of prepared) for (const w of p.warnings) process.stderr.write(`warning: ${safeText(p.target.id)}: ${safeText(w)}\n`);
  const tolerance: Partial<Tolerance> = { ...(opts.atol !== undefined ? { atol: opts.atol } : {}), ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}) };
  const run = await runInterruptibly((signal) => verify(prepared, {
    backends, tolerance, signal,
    plan: { warmup: opts.warmup, iterations: opts.iterations, maxDurationMs: opts.duration * 1000 },
    timeoutMs: opts.timeout * 1000,
    ...(opts.threads ? { threads: opts.threads } : {}),
    onEvent: (e) => {
      if (e.type === 'result' && !opts.quiet) process.stderr.write(resultLine(e, e.result.latency?.stats ? ` p50 ${e.result.latency.stats.p50.toFixed(2)} ms` : ''));
    },
  }));
  if (!run) return;
  const allThere = checkBackends(run, explicitBackends(opts.backend));
  const evidencePath = await saveEvidence('verify', run, opts);
  if (opts.json || opts.format === 'json') {
    console.log(jsonText({ ...run, ...(evidencePath ? { evidence: evidencePath } : {}) }, null, 1));
  } else if (opts.format === 'markdown') {
    const { verifyMarkdown } = await import('../format/verify.js');
    console.log(verifyMarkdown(run));
    if (evidencePath) console.log(`\nevidence: \`${evidencePath}\``);
  } else {
    const { renderVerify } = await import('../format/verify.js');
    console.log(renderVerify(run));
    if (evidencePath) console.log(`evidence: ${evidencePath}`);
  }
  process.exitCode = run.ok && allThere ? 0 : 1;
}
