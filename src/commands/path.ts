import type { Command } from 'commander';
import { parseBackends, parseFramework } from './options.js';
import { addBackendOption, backendValue } from './args/backends.js';
import { addTimeoutOption } from './args/timing.js';
import { addModelInputOptions, type ModelInputOptions } from './args/inputs.js';
import {
  addComparisonOptions,
  checkToleranceNames,
  toleranceOverride,
  type ComparisonValues,
} from './args/comparison.js';
import { addEvidenceOptions, type EvidenceValues } from './args/evidence.js';
import { InputError } from '../errors.js';
import { jsonText, safeText } from '../format/terminal.js';

type PathCliOptions = ModelInputOptions &
  ComparisonValues &
  EvidenceValues & {
    from?: string;
    backend: string;
    to?: string;
    model?: string;
    json?: boolean;
    timeout: number;
    quiet?: boolean;
  };

export function registerPathCommand(program: Command): void {
  const cmd = program
    .command('path')
    .description(
      'prototype-to-deploy verdict: exporter known? model? loads on the target? matches the exporter and cpu? how fast? which EP runs the nodes?',
    )
    .option(
      '--from <framework>',
      "the framework you prototype in (pytorch, cntk, caffe2, tensorflow, mxnet, ...); with --model, inferred from the file's exporter fingerprint when omitted (--from overrides)",
    );
  addBackendOption(cmd, 'all', ['--to']);
  cmd.option(
    '--model <file>',
    'your own export instead of the bundled ones (checked against --from by its exporter fingerprint)',
  );
  addModelInputOptions(cmd, 'reference data for --model: an .npz or a test_data_set folder');
  addComparisonOptions(cmd);
  addTimeoutOption(cmd);
  addEvidenceOptions(cmd)
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: PathCliOptions) => {
      const { loadRegistry } = await import('../scorecard/data.js');
      const { checkPath, inferFrom } = await import('../path/path.js');
      const { claimFromRegistry } = await import('../path/claims.js');
      const { probeEvidence, trySaveEvidence } = await import('./evidenceWrite.js');
      const { runInterruptibly } = await import('./interrupt.js');
      const { prepareSaveOutputs } = await import('./saveOutputs.js');
      const to = parseBackends(backendValue(opts as PathCliOptions & Record<string, unknown>, ['to']));
      if ((opts.inputs || opts.manifest) && !opts.model)
        throw new InputError('--inputs and --manifest apply to --model <file.onnx>');
      const registry = loadRegistry();
      const from = opts.from !== undefined ? await parseFramework(opts.from) : inferFrom(opts.model);
      const claim = claimFromRegistry(registry, from);
      if (!claim && opts.from !== undefined && !opts.model) {
        const known = registry.frameworks.map((f) => f.id).join(', ');
        throw new InputError(`--from: no framework '${opts.from}' in the capability registry (choose from ${known})`);
      }
      await probeEvidence(opts);
      const tolerance = toleranceOverride(opts);
      let saved: Awaited<ReturnType<typeof prepareSaveOutputs>> | undefined;
      const { commandStatusLine } = await import('../suite/progress.js');
      const status = commandStatusLine(opts);
      const report = await runInterruptibly((signal) =>
        checkPath({
          from,
          fromInferred: opts.from === undefined,
          to,
          claim,
          timeoutMs: opts.timeout * 1000,
          signal,
          tolerance,
          ...(opts.validate ? { validate: true } : {}),
          ...(opts.model ? { model: opts.model } : {}),
          ...(opts.inputs ? { inputs: opts.inputs } : {}),
          ...(opts.dim ? { dims: opts.dim } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.manifest ? { manifest: opts.manifest } : {}),
          onPrepared: async (prepared) => {
            for (const p of prepared)
              for (const w of p.warnings) process.stderr.write(`warning: ${safeText(p.target.id)}: ${safeText(w)}\n`);
            checkToleranceNames(tolerance, new Set(prepared.flatMap((p) => p.summary.outputs.map((o) => o.name))));
            if (opts.saveOutputs) saved = await prepareSaveOutputs(opts.saveOutputs, prepared, to);
          },
          onOutputs: (p, backend, outputs) => saved?.keep(p, backend, outputs),
          onPhase: (phase: string) => status.set(phase),
          ...(opts.quiet ? {} : { onProgress: (l: string) => status.log(safeText(l)) }),
        }).finally(() => status.stop()),
      );
      if (!report) return; // interrupted: exit 130, no evidence
      if (saved) for (const l of saved.write()) process.stderr.write(`${l}\n`);
      // The run's record (placement included), read by refresh and the report like verify's.
      const { path: evidencePath, error: evidenceError } = report.evidence
        ? await trySaveEvidence('path', report.evidence, opts)
        : {};
      if (opts.json)
        console.log(jsonText({ ...report, ...(evidencePath ? { evidenceRecord: evidencePath } : {}) }, null, 1));
      else {
        const { renderPath } = await import('../format/path.js');
        console.log(renderPath(report));
        if (evidencePath) console.log(`evidence: ${evidencePath}`);
      }
      if (evidenceError) throw evidenceError;
      process.exitCode = report.verdict === 'pass' ? 0 : 1;
    });
}
