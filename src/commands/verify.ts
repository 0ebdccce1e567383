import type { Command } from 'commander';
import { collectDims, parseBackends, parseInteger, parseNonNegative } from './options.js';
import { InputError } from '../errors.js';

interface VerifyCliOptions {
  backend: string;
  json?: boolean;
  atol?: number;
  rtol?: number;
  inputs?: string;
  dim?: Record<string, number>;
  seed: number;
  warmup: number;
  iterations: number;
  duration: number;
  timeout: number;
  threads?: number;
  evidence: boolean;
  evidenceDir?: string;
  quiet?: boolean;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('run models on backends, compare outputs with the exporter\'s reference and across backends, time them')
    .argument('[models...]', 'bundled ids or groups (cntk/mnist-8, mnist-8, caffe2), or .onnx paths; default: all bundled models')
    .option('--backend <ids>', 'comma-separated backend ids (cpu, wasm, webgpu, browser-wasm, browser-webgpu) or all', 'cpu')
    .option('--json', 'print the whole run as JSON on stdout')
    .option('--atol <x>', 'absolute tolerance for every model (overrides manifests)', parseNonNegative('--atol'))
    .option('--rtol <x>', 'relative tolerance for every model (overrides manifests)', parseNonNegative('--rtol'))
    .option('--inputs <path>', 'reference data for a model file: an .npz or a test_data_set_N folder')
    .option('--dim <name=value>', 'value of a symbolic dimension for generated inputs (repeatable)', collectDims)
    .option('--seed <n>', 'seed for generated inputs', parseInteger('--seed'), 0)
    .option('--warmup <n>', 'warm-up runs before timing', parseInteger('--warmup'), 1)
    .option('--iterations <n>', 'timed runs (at least one)', parseInteger('--iterations', 1), 10)
    .option('--duration <s>', 'time budget for warm-up and timed runs per model and backend', parseNonNegative('--duration'), 1)
    .option('--timeout <s>', 'per model and backend; a runtime that hangs is stopped and reported as timeout', parseNonNegative('--timeout'), 600)
    .option('--threads <n>', 'intra-op threads (cpu) or WASM threads', parseInteger('--threads', 1))
    .option('--no-evidence', 'do not write an evidence record')
    .option('--evidence-dir <dir>', 'where evidence records go (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (names: string[], opts: VerifyCliOptions) => {
      const backends = parseBackends(opts.backend);
      const { resolveTargets } = await import('../models/catalog.js');
      const { prepareTarget } = await import('../verify/prepare.js');
      const { verify } = await import('../verify/verify.js');
      const targets = resolveTargets(names);
      if (targets.length === 0) throw new InputError('no models to verify');
      if (opts.inputs && targets.length !== 1) throw new InputError('--inputs applies to exactly one model');
      const prepared = targets.map((t) => prepareTarget(t, {
        ...(opts.inputs ? { inputs: opts.inputs } : {}), ...(opts.dim ? { dims: opts.dim } : {}), seed: opts.seed,
      }));
      for (const p of prepared) for (const w of p.warnings) process.stderr.write(`warning: ${p.target.id}: ${w}\n`);
      const progress = !opts.quiet;
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort();
        process.stderr.write('\ninterrupted: finishing the current model, closing backends (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSigint);
      const explicit = opts.backend.split(',').map((s) => s.trim()).filter((s) => s !== 'all');
      const run = await verify(prepared, {
        backends,
        plan: { warmup: opts.warmup, iterations: opts.iterations, maxDurationMs: opts.duration * 1000 },
        tolerance: { ...(opts.atol !== undefined ? { atol: opts.atol } : {}), ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}) },
        timeoutMs: opts.timeout * 1000,
        ...(opts.threads ? { threads: opts.threads } : {}),
        signal: abort.signal,
        onEvent: (e) => {
          if (e.type === 'result' && progress) {
            const r = e.result;
            const mark = r.meetsExpectation ? '' : '  (not as expected)';
            process.stderr.write(`[${e.index}/${e.total}] ${r.backend} ${r.model}: ${r.status}${mark}${r.latency?.stats ? ` p50 ${r.latency.stats.p50.toFixed(2)} ms` : ''}\n`);
          }
        },
      });
      process.off('SIGINT', onSigint);
      const missing = run.backends.filter((b) => !b.available && explicit.includes(b.id));
      if (abort.signal.aborted) {
        process.stderr.write('interrupted: no evidence written\n');
        process.exitCode = 130;
        return;
      }
      if (missing.length && run.results.length === 0) {
        const b = missing[0]!;
        throw new InputError(`backend ${b.id} is not available: ${b.reason}${b.fix ? ` (fix: ${b.fix})` : ''}`);
      }
      for (const b of run.backends.filter((x) => !x.available)) {
        process.stderr.write(`backend ${b.id} unavailable: ${b.reason}${b.fix ? ` (fix: ${b.fix})` : ''}\n`);
      }
      let evidencePath: string | undefined;
      if (opts.evidence && run.results.length > 0) {
        const { defaultEvidenceDir, makeRecord, writeRecord } = await import('../evidence/store.js');
        evidencePath = writeRecord(opts.evidenceDir ?? defaultEvidenceDir(), makeRecord('verify', run.machine, run.backends, run.results));
      }
      if (opts.json) {
        console.log(JSON.stringify({ ...run, ...(evidencePath ? { evidence: evidencePath } : {}) }, null, 1));
      } else {
        const { renderVerify } = await import('../format/verifyTable.js');
        console.log(renderVerify(run));
        if (evidencePath) console.log(`evidence: ${evidencePath}`);
      }
      process.exitCode = run.ok && missing.length === 0 ? 0 : 1;
    });
}
