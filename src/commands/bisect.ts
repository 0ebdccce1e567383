import type { Command } from 'commander';
import { collectDims, parseBackends, parseInteger, parseNonNegative } from './options.js';
import { InputError } from '../errors.js';
import type { BackendId } from '../backends/types.js';

interface BisectCliOptions {
  backend: string; against: string; againstModel?: string; json?: boolean; atol?: number; rtol?: number;
  inputs?: string; dim?: Record<string, number>; seed: number; timeout: number;
}

function one(value: string, flag: string): BackendId {
  const ids = parseBackends(value);
  if (ids.length !== 1) throw new InputError(`${flag} takes one backend`);
  return ids[0]!;
}

export function registerBisectCommand(program: Command): void {
  program
    .command('bisect')
    .description('find the first node whose output differs between two backends (or two files of the same graph)')
    .argument('<model>', 'bundled id or .onnx path')
    .option('--backend <id>', 'backend under test', 'wasm')
    .option('--against <id>', 'backend to compare with', 'cpu')
    .option('--against-model <file>', 'a second file of the same graph, run on --against')
    .option('--atol <x>', 'absolute tolerance', parseNonNegative('--atol'))
    .option('--rtol <x>', 'relative tolerance', parseNonNegative('--rtol'))
    .option('--inputs <path>', 'an .npz or test_data_set folder with the inputs')
    .option('--dim <name=value>', 'symbolic dimension value for generated inputs (repeatable)', collectDims)
    .option('--seed <n>', 'seed for generated inputs', parseInteger('--seed'), 0)
    .option('--timeout <s>', 'per run', parseNonNegative('--timeout'), 600)
    .option('--json', 'machine-readable output')
    .action(async (model: string, opts: BisectCliOptions) => {
      const { resolveTargets } = await import('../models/catalog.js');
      const { prepareTarget } = await import('../verify/prepare.js');
      const { bisect } = await import('../bisect/bisect.js');
      const [target] = resolveTargets([model]);
      const prepared = prepareTarget(target!, { ...(opts.inputs ? { inputs: opts.inputs } : {}), ...(opts.dim ? { dims: opts.dim } : {}), seed: opts.seed });
      const report = await bisect(prepared, {
        backend: one(opts.backend, '--backend'), against: one(opts.against, '--against'),
        ...(opts.againstModel ? { againstModel: opts.againstModel } : {}),
        tolerance: { ...(opts.atol !== undefined ? { atol: opts.atol } : {}), ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}) },
        timeoutMs: opts.timeout * 1000,
      });
      if (opts.json) { console.log(JSON.stringify(report, null, 1)); }
      else {
        const { renderBisect } = await import('../format/bisectText.js');
        console.log(renderBisect(report));
      }
      process.exitCode = report.firstDivergent ? 1 : 0;
    });
}
