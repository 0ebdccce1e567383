import type { Command } from 'commander';
import { parseBackends, parseNonNegative } from './options.js';
import { jsonText } from '../format/terminal.js';

interface PathCliOptions { from?: string; to: string; model?: string; inputs?: string; json?: boolean; timeout: number; quiet?: boolean }

export function registerPathCommand(program: Command): void {
  program
    .command('path')
    .description('prototype-to-deploy verdict: exporter known? model? loads on the target? matches the exporter and cpu? how fast? which EP runs the nodes?')
    .option('--from <framework>', 'the framework you prototype in (pytorch, cntk, caffe2, tensorflow, mxnet, ...); with --model, inferred from the file\'s exporter fingerprint when omitted (--from overrides)')
    .option('--to <backends>', 'target backend ids, or all', 'all')
    .option('--model <file>', 'your own export instead of the bundled ones (checked against --from by its exporter fingerprint)')
    .option('--inputs <path>', 'reference data for --model: an .npz or a test_data_set folder')
    .option('--timeout <s>', 'per model and backend', parseNonNegative('--timeout'), 300)
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: PathCliOptions) => {
      const { loadRegistry } = await import('../scorecard/data.js');
      const { checkPath } = await import('../path/path.js');
      const { claimFromRegistry } = await import('../path/claims.js');
      const { inferFrom } = await import('../path/path.js');
      const to = parseBackends(opts.to);
      const from = opts.from?.toLowerCase() ?? inferFrom(opts.model);
      const claim = claimFromRegistry(loadRegistry(), from);
      const report = await checkPath({
        from, fromInferred: opts.from === undefined, to, claim, timeoutMs: opts.timeout * 1000,
        ...(opts.model ? { model: opts.model } : {}), ...(opts.inputs ? { inputs: opts.inputs } : {}),
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
