import type { Command } from 'commander';
import { parseBackends, parseInteger, parseNonNegative } from './options.js';
import { addTimeoutOption } from './args/timing.js';
import { addModelInputOptions, type ModelInputOptions } from './args/inputs.js';
import { prepareModels } from './prepareModels.js';
import { InputError } from '../errors.js';
import type { BackendId } from '../backends/types.js';
import { jsonText } from '../format/terminal.js';

interface BisectCliOptions extends ModelInputOptions {
  backend: string;
  against: string;
  againstModel?: string;
  json?: boolean;
  atol?: number;
  rtol?: number;
  timeout: number;
  extract?: string;
  grow: number;
}

function one(value: string, flag: string): BackendId {
  const ids = parseBackends(value);
  if (ids.length !== 1) throw new InputError(`${flag} takes one backend`);
  return ids[0]!;
}

export function registerBisectCommand(program: Command): void {
  const cmd = addModelInputOptions(
    program
      .command('bisect')
      .description('find the first node whose output differs between two backends (or two files of the same graph)')
      .argument('<model>', 'bundled id or .onnx path')
      .requiredOption('--backend <id>', 'backend under test (required)')
      .option(
        '--against <id>',
        'reference backend to compare with (the output says when this default was taken)',
        'cpu',
      )
      .option('--against-model <file>', 'a second file of the same graph, run on --against')
      .option('--atol <x>', 'absolute tolerance', parseNonNegative('--atol'))
      .option('--rtol <x>', 'relative tolerance', parseNonNegative('--rtol')),
    'an .npz or test_data_set folder with the inputs',
  );
  addTimeoutOption(cmd)
    .option(
      '--extract <dir>',
      "write the first divergent node as a standalone model with test_data_set_0 (its inputs, the reference side's outputs) and a README into this new or empty folder",
    )
    .option(
      '--grow <n>',
      'with --extract, when the node alone does not reproduce: grow the extracted subgraph backwards (the node plus its producers, one level per step) at most n steps',
      parseInteger('--grow'),
      8,
    )
    .option('--json', 'machine-readable output')
    .action(async (model: string, opts: BisectCliOptions, command: Command) => {
      const { bisect } = await import('../bisect/bisect.js');
      const models = await prepareModels([model], opts, 'bisect');
      if (models.length !== 1) throw new InputError(`bisect takes one model; '${model}' names ${models.length}`);
      const { commandStatusLine } = await import('../suite/progress.js');
      const status = commandStatusLine(opts);
      const report = await bisect(models[0]!, {
        onPhase: (phase) => status.set(`bisect ${model}: ${phase}`),
        backend: one(opts.backend, '--backend'),
        against: one(opts.against, '--against'),
        ...(opts.againstModel ? { againstModel: opts.againstModel } : {}),
        tolerance: {
          ...(opts.atol !== undefined ? { atol: opts.atol } : {}),
          ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}),
        },
        timeoutMs: opts.timeout * 1000,
        ...(opts.extract ? { extractDir: opts.extract, growSteps: opts.grow } : {}),
      }).finally(() => status.stop());
      const againstDefault = command.getOptionValueSource('against') === 'default' && !opts.againstModel;
      if (opts.json) {
        console.log(jsonText({ ...report, ...(againstDefault ? { againstDefault: true } : {}) }, null, 1));
      } else {
        const { renderBisect } = await import('../format/bisect.js');
        console.log(renderBisect(report, againstDefault));
      }
      if (report.extractError)
        process.stderr.write(`onnx-workbench: --extract ${opts.extract}: ${report.extractError}\n`);
      process.exitCode = report.firstDivergent || report.extractError ? 1 : 0;
    });
}
