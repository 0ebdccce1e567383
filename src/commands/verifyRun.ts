/**
 * The whole verify flow of a command (`verify`, `zoo verify`, `conformance`): its options, progress,
 * the run, evidence, the output in the chosen format, and the exit code.
 */
import type { BackendId } from '../backends/types.js';
import type { PreparedModel } from '../verify/prepare.js';
import type { ModelSource, VerifyEvent, VerifyOptions } from '../verify/verify.js';
import type { StartingBackends } from '../isolation/pool.js';
import type { SuiteOptions, SuiteRun } from './suiteRoots.js';
import { Option, type Command } from 'commander';
import { parseBackends } from './options.js';
import { addBackendOption } from './args/backends.js';
import { addTimingOptions } from './args/timing.js';
import { addEvidenceOptions } from './args/evidence.js';
import {
  addComparisonOptions,
  checkToleranceNames,
  toleranceOverride,
  type ComparisonValues,
} from './args/comparison.js';
import { safeText, jsonText } from '../format/terminal.js';
import { interruptible, runInterruptibly, type Interrupt } from './interrupt.js';
import { checkBackends, explicitBackends } from './backendCheck.js';
import { probeEvidence, trySaveEvidence } from './evidenceWrite.js';
import { prepareSaveOutputs } from './saveOutputs.js';

export type { SuiteRun } from './suiteRoots.js';

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

/**
 * Verify models as the `verify` command does: progress, evidence, output, exit code. `models` is
 * a list prepared up front, or a suite run whose cases are read as the run reaches them.
 */
export async function executeVerify(
  models: PreparedModel[] | SuiteRun,
  opts: VerifyRunOptions,
  /** Backends started while the models were read (`startVerifyBackends`); closed here after the run. */
  starting?: StartingBackends,
  /** Ctrl-C handling begun with those backends (a Ctrl-C before the run starts ends it with no results). */
  interrupt?: Interrupt,
): Promise<void> {
  const suite = Array.isArray(models) ? undefined : models;
  const backends: BackendId[] = parseBackends(opts.backend);
  const { verify, verifyWith } = await import('../verify/verify.js');
  if (!suite)
    for (const p of models as PreparedModel[])
      for (const w of p.warnings) process.stderr.write(`warning: ${safeText(p.target.id)}: ${safeText(w)}\n`);
  await probeEvidence(opts);
  const tolerance = toleranceOverride(opts);
  // Options naming outputs are checked against every model's outputs before anything runs: a suite is read whole first.
  const needAll = !suite || Boolean(tolerance.outputs?.size) || Boolean(opts.saveOutputs);
  const prepared = suite ? (needAll ? suite.source.prepareAll() : []) : (models as PreparedModel[]);
  checkToleranceNames(tolerance, new Set(prepared.flatMap((p) => p.summary.outputs.map((o) => o.name))));
  const saved = opts.saveOutputs ? await prepareSaveOutputs(opts.saveOutputs, prepared, backends) : undefined;
  // Read the suite's cases ahead while the command waits for workers (start-up, each case's runs).
  suite?.source.readAhead();
  const { ProgressLine, commandStatusLine } = await import('../suite/progress.js');
  // Suites: one redrawn status line on a terminal instead of a line per case; nothing in pipes or --json.
  const progress = suite
    ? new ProgressLine(process.stderr, Boolean(process.stderr.isTTY) && !opts.quiet && !opts.json)
    : undefined;
  // Models: a live status line (model, phase, seconds) under the result lines, on a terminal only.
  const status = suite ? undefined : commandStatusLine(opts);
  status?.set(`starting backends: ${backends.join(', ')}`);
  if (progress && suite) progress.update(0, suite.cases * backends.length, `starting backends: ${backends.join(', ')}`);
  const run = await runInterruptibly(
    (signal) =>
      (starting
        ? async (source: PreparedModel[] | ModelSource, options: VerifyOptions) => {
            const set = await starting.set;
            try {
              return await verifyWith(source, set, options);
            } finally {
              await set.close();
            }
          }
        : verify)(suite ? suite.source : prepared, {
        backends,
        tolerance,
        signal,
        ...(opts.validate ? { validate: true } : {}),
        ...(saved ? { onOutputs: saved.keep } : {}),
        plan: { warmup: opts.warmup, iterations: opts.iterations, maxDurationMs: opts.duration * 1000 },
        timeoutMs: opts.timeout * 1000,
        ...(opts.threads ? { threads: opts.threads } : {}),
        // A suite's cases are queued in each backend and judged while the next run (statuses are the
        // point of a suite run; its latencies are taken alongside that work: bench is for timing).
        ...(suite ? { overlap: true } : {}),
        onEvent: (e) => {
          if (progress) {
            if (e.type === 'start') progress.update(e.index, e.total, `${e.backend} ${e.model}`);
            if (e.type === 'result') progress.update(e.index, e.total, `${e.result.backend} ${e.result.model}`);
            return;
          }
          if (e.type === 'start') status?.set(`[${e.index + 1}/${e.total}] ${e.backend} ${e.model}: running`);
          if (e.type === 'result' && e.index === e.total) status?.set('closing backends');
          if (e.type === 'result' && !opts.quiet)
            (status?.enabled ? (l: string) => status.log(l) : (l: string) => process.stderr.write(l))(
              resultLine(e, e.result.latency?.stats ? ` p50 ${e.result.latency.stats.p50.toFixed(2)} ms` : ''),
            );
        },
      }),
    Boolean(suite),
    interrupt,
  ).finally(() => {
    status?.stop();
    suite?.source.stop();
  });
  progress?.clear();
  if (!run) return;
  if (suite) {
    // Suite results say which suite they belong to and which ops the case uses (conformance by op).
    const ops = new Map(suite.source.sorted().prepared.map((p) => [p.target.id, Object.keys(p.summary.opCounts)]));
    run.results = run.results.map((r) => ({
      ...r,
      suite: suite.root,
      ...(ops.has(r.model) ? { ops: ops.get(r.model)! } : {}),
    }));
  }
  const partial = Boolean(suite) && process.exitCode === 130;
  const allThere = checkBackends(run, explicitBackends(opts.backend));
  if (saved) for (const line of saved.write()) process.stderr.write(`${line}\n`);
  const skipped = suite?.skipped.length ? { skipped: suite.skipped } : {};
  const { path: evidencePath, error: evidenceError } = await trySaveEvidence('verify', run, opts, {
    partial,
    ...skipped,
  });
  if ((opts.json || opts.format === 'json') && suite?.view) {
    console.log(
      jsonText(
        {
          ...(suite.view.json(run.results) as object),
          ...(partial ? { partial: true } : {}),
          ...skipped,
          ...(evidencePath ? { evidence: evidencePath } : {}),
        },
        null,
        1,
      ),
    );
  } else if (opts.json || opts.format === 'json') {
    console.log(
      jsonText(
        {
          ...run,
          ...(partial ? { partial: true } : {}),
          ...skipped,
          ...(evidencePath ? { evidence: evidencePath } : {}),
        },
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
 * Start the backends a verify of `opts.backend` needs (cpu too, as the yardstick) now, before the
 * command reads its models or discovers a suite's cases; hand the result to `executeVerify`, and
 * abandon it if the command fails before then.
 */
export async function startVerifyBackends(
  opts: Pick<VerifyRunOptions, 'backend' | 'timeout'>,
): Promise<StartingBackends> {
  const [{ backendsNeeded }, { startBackendsEarly }] = await Promise.all([
    import('../verify/backendsNeeded.js'),
    import('../isolation/pool.js'),
  ]);
  return startBackendsEarly(backendsNeeded(parseBackends(opts.backend)), { timeoutMs: opts.timeout * 1000 });
}

/**
 * `verify <root>` and `conformance <root>`: when every name is a test data root, verify its cases as
 * `executeVerify` does and return true; otherwise return false, with nothing left running.
 *
 * A worker takes longer to start (Node, then the runtime) than the command takes to load the suite
 * code, check the roots and discover the cases, so when every name looks like a root (one folder
 * listing each) the workers start first and all of that overlaps with their start. A name that
 * proves not to be a root, a usage error or a failure in discovery stops them at once.
 */
export async function executeSuiteVerify(
  names: string[],
  opts: VerifyRunOptions & SuiteOptions,
  findCases: (roots: string[]) => SuiteRun | Promise<SuiteRun>,
): Promise<boolean> {
  const { isSuiteRoot } = await import('../suite/discover.js');
  // Ctrl-C from the moment workers run: one before the run itself starts ends it as an interrupted
  // run (exit 130, the workers closed), not as a command killed by the signal.
  let interrupt: Interrupt | undefined;
  const start = async () => {
    interrupt ??= interruptible();
    return startVerifyBackends(opts);
  };
  let starting = names.length > 0 && names.every((n) => isSuiteRoot(n)) ? await start() : undefined;
  try {
    const { suiteRootsFor } = await import('./suiteRoots.js');
    const roots = suiteRootsFor(names, opts);
    if (!roots) return false;
    starting ??= await start();
    await executeVerify(await findCases(roots), opts, starting, interrupt);
    return true;
  } finally {
    interrupt?.dispose(); // executeVerify has ended it, unless the command failed first
    starting?.abandon(); // after executeVerify has closed them, nothing is left to stop
  }
}

export function resultLine(e: Extract<VerifyEvent, { type: 'result' }>, extra = ''): string {
  const r = e.result;
  return `[${e.index}/${e.total}] ${r.backend} ${safeText(r.model)}: ${r.status}${r.meetsExpectation ? '' : '  (not as expected)'}${extra}\n`;
}
