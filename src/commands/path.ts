import type { Command } from 'commander';
import { parseBackends, parseFramework } from './options.js';
import { addBackendOption, backendValue } from './args/backends.js';
import { addTimeoutOption } from './args/timing.js';
import { InputError } from '../errors.js';
import { jsonText } from '../format/terminal.js';

interface PathCliOptions {
  from?: string;
  backend: string;
  to?: string;
  model?: string;
  inputs?: string;
  json?: boolean;
  timeout: number;
  quiet?: boolean;
}

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
  addTimeoutOption(
    cmd
      .option(
        '--model <file>',
        'your own export instead of the bundled ones (checked against --from by its exporter fingerprint)',
      )
      .option('--inputs <path>', 'reference data for --model: an .npz or a test_data_set folder'),
  )
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: PathCliOptions) => {
      const { loadRegistry } = await import('../scorecard/data.js');
      const { checkPath } = await import('../path/path.js');
      const { claimFromRegistry } = await import('../path/claims.js');
      const { inferFrom } = await import('../path/path.js');
      const to = parseBackends(backendValue(opts as PathCliOptions & Record<string, unknown>, ['to']));
      const registry = loadRegistry();
      const from = opts.from !== undefined ? await parseFramework(opts.from) : inferFrom(opts.model);
      const claim = claimFromRegistry(registry, from);
      if (!claim && opts.from !== undefined && !opts.model) {
        const known = registry.frameworks.map((f) => f.id).join(', ');
        throw new InputError(`--from: no framework '${opts.from}' in the capability registry (choose from ${known})`);
      }
      const report = await checkPath({
        from,
        fromInferred: opts.from === undefined,
        to,
        claim,
        timeoutMs: opts.timeout * 1000,
        ...(opts.model ? { model: opts.model } : {}),
        ...(opts.inputs ? { inputs: opts.inputs } : {}),
        ...(opts.quiet ? {} : { onProgress: (l: string) => process.stderr.write(`${l}\n`) }),
      });
      if (opts.json) console.log(jsonText(report, null, 1));
      else {
        const { renderPath } = await import('../format/path.js');
        console.log(renderPath(report));
      }
      process.exitCode = report.verdict === 'pass' ? 0 : 1;
    });
}
