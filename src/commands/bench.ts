import { Option, type Command } from 'commander';
import { parseBackends } from './options.js';
import { addBackendOption } from './args/backends.js';
import { addTimingOptions } from './args/timing.js';
import { addEvidenceOptions } from './args/evidence.js';
import { addSessionOptions, sessionKnobs, type SessionValues } from './args/session.js';
import { InputError } from '../errors.js';
import type { RunPlan } from '../backends/types.js';
import { SOFTWARE_LABEL } from '../backends/adapter.js';
import { addModelInputOptions, type ModelInputOptions } from './args/inputs.js';
import { checkBackends, explicitBackends } from './backendCheck.js';
import { prepareModels } from './prepareModels.js';
import { resultLine } from './verifyRun.js';
import { runInterruptibly } from './interrupt.js';
import { probeEvidence, trySaveEvidence } from './evidenceWrite.js';
import { jsonText } from '../format/terminal.js';

interface BenchCliOptions extends ModelInputOptions, SessionValues {
  plot?: string;
  backend: string;
  warmup: number;
  iterations?: number;
  duration?: number;
  threads?: number;
  timeout: number;
  json?: boolean;
  csv?: boolean;
  format: string;
  flops: boolean;
  evidence: boolean;
  evidenceDir?: string;
  quiet?: boolean;
}

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description(
      'measure latency (min, mean, median with 95% CI, p90, p99, max, stdev), session start-up, first run, peak memory, throughput and GFLOP/s per model and backend',
    )
    .argument(
      '[models...]',
      'bundled ids or groups (cntk/mnist-8, mnist-8, caffe2), or .onnx paths; default: all bundled models',
    );
  addBackendOption(cmd, 'cpu');
  addTimingOptions(cmd, {
    iterations: 'timed runs (no time limit); default: up to 100 runs within 10 s',
    duration: 'time budget for warm-up and timed runs per model and backend (as many runs as fit, at least one)',
  });
  addModelInputOptions(
    cmd
      .option('--json', 'print the whole run as JSON on stdout')
      .option('--csv', 'print one CSV row per model and backend on stdout (same as --format csv)')
      .addOption(
        new Option('--format <format>', 'output: table (sized to the terminal), markdown (pasteable), json or csv')
          .choices(['table', 'markdown', 'json', 'csv'])
          .default('table'),
      ),
  ).option('--no-flops', 'skip the FLOP estimate (it may run each model once more on the cpu backend)');
  addSessionOptions(cmd).option(
    '--plot <file.svg>',
    "write a per-backend latency plot (the report's chart) to a new SVG file (never overwrites one)",
  );
  addEvidenceOptions(cmd)
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (names: string[], opts: BenchCliOptions) => {
      const backends = parseBackends(opts.backend);
      if (opts.json && opts.csv) throw new InputError('--json and --csv exclude each other');
      if ((opts.json || opts.csv) && opts.format !== 'table')
        throw new InputError('give --format or --json/--csv, not both');
      if (opts.format === 'json') opts.json = true;
      if (opts.format === 'csv') opts.csv = true;
      if (opts.iterations !== undefined && opts.duration !== undefined)
        throw new InputError('give either --iterations or --duration, not both');
      const { DEFAULT_BENCH_PLAN, UNBOUNDED_ITERATIONS, bench, planWarnings } = await import('../bench/bench.js');
      const plan: RunPlan =
        opts.iterations !== undefined
          ? { warmup: opts.warmup, iterations: opts.iterations }
          : opts.duration !== undefined
            ? { warmup: opts.warmup, iterations: UNBOUNDED_ITERATIONS, maxDurationMs: opts.duration * 1000 }
            : { ...DEFAULT_BENCH_PLAN, warmup: opts.warmup };
      const knobs = sessionKnobs(opts, backends);
      if (opts.profile && !opts.evidence)
        throw new InputError('--profile writes the profiles beside the evidence record: drop --no-evidence');
      if (opts.plot) (await import('../format/benchPlot.js')).checkPlotTarget(opts.plot);
      const prepared = await prepareModels(names, opts, 'bench');
      await probeEvidence(opts);
      // Said up front: a plan that cannot give every row a 95% CI of its median.
      for (const w of planWarnings(plan)) process.stderr.write(`${w}\n`);
      const { commandStatusLine } = await import('../suite/progress.js');
      const status = commandStatusLine(opts);
      status.set(`starting backends: ${backends.join(', ')}`);
      const traces: { model: string; backend: string; trace: string }[] = [];
      const run = await runInterruptibly((signal) =>
        bench(prepared, {
          backends,
          plan,
          timeoutMs: opts.timeout * 1000,
          flops: opts.flops,
          signal,
          ...(knobs ? { session: knobs } : {}),
          onProfile: (model, backend, trace) => traces.push({ model, backend, trace }),
          ...(opts.threads ? { threads: opts.threads } : {}),
          onEvent: (e) => {
            if (e.type === 'start') status.set(`[${e.index + 1}/${e.total}] ${e.backend} ${e.model}: timing`);
            if (e.type === 'result' && !opts.quiet) {
              const s = e.result.latency?.stats;
              const sw = e.result.adapter.kind === 'software' ? ` [${SOFTWARE_LABEL}]` : '';
              const line = resultLine(e, `${s ? ` median ${s.p50.toPrecision(3)} ms over ${s.n} run(s)` : ''}${sw}`);
              if (status.enabled) status.log(line);
              else process.stderr.write(line);
            }
            if (e.type === 'result' && e.index === e.total)
              status.set(opts.flops ? 'estimating FLOPs (shapes from one cpu run per model)' : 'closing backends');
          },
        }),
      ).finally(() => status.stop());
      if (!run) return;
      const allThere = checkBackends(run, explicitBackends(opts.backend));
      const { path: evidencePath, error: evidenceError } = await trySaveEvidence('bench', run, opts);
      const sideErrors: string[] = [];
      if (evidencePath && traces.length) {
        const { writeProfiles } = await import('../bench/profileFiles.js');
        try {
          writeProfiles(evidencePath, traces, run.rows);
        } catch (e) {
          sideErrors.push(`--profile: ${(e as Error).message}`);
        }
      }
      let plotted = false;
      if (opts.plot) {
        try {
          await (await import('../format/benchPlot.js')).writePlot(opts.plot, run, evidencePath ?? '');
          plotted = true;
        } catch (e) {
          sideErrors.push((e as Error).message);
        }
      }
      if (opts.json) {
        console.log(jsonText({ ...run, ...(evidencePath ? { evidence: evidencePath } : {}) }, null, 1));
      } else if (opts.csv) {
        const { benchCsv } = await import('../format/bench.js');
        process.stdout.write(benchCsv(run.rows));
        if (evidencePath) process.stderr.write(`evidence: ${evidencePath}\n`);
      } else if (opts.format === 'markdown') {
        const { benchMarkdown } = await import('../format/bench.js');
        console.log(benchMarkdown(run));
        if (evidencePath) console.log(`\nevidence: \`${evidencePath}\``);
      } else {
        const { renderBench } = await import('../format/bench.js');
        console.log(renderBench(run));
        if (evidencePath) console.log(`evidence: ${evidencePath}`);
      }
      if (plotted) process.stderr.write(`plot: ${opts.plot}\n`);
      if (evidenceError) throw evidenceError; // after the results: one line naming the path, exit 2
      if (sideErrors.length) throw new InputError(sideErrors.join('; '));
      process.exitCode = run.ok && allThere ? 0 : 1;
    });
}
