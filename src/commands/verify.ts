import type { Command } from 'commander';
import { collectDims, parseBackends, parseInteger } from './options.js';
import { InputError } from '../errors.js';
import { addVerifyRunOptions, executeVerify, type VerifyRunOptions } from './runSupport.js';

interface VerifyCliOptions extends VerifyRunOptions {
  inputs?: string;
  dim?: Record<string, number>;
  seed: number;
}

export function registerVerifyCommand(program: Command): void {
  addVerifyRunOptions(program
    .command('verify')
    .description('run models on backends, compare outputs with the exporter\'s reference and across backends, time them')
    .argument('[models...]', 'bundled ids or groups (cntk/mnist-8, mnist-8, caffe2), or .onnx paths; default: all bundled models')
    .option('--inputs <path>', 'reference data for a model file: an .npz or a test_data_set_N folder')
    .option('--dim <name=value>', 'value of a symbolic dimension for generated inputs (repeatable)', collectDims)
    .option('--seed <n>', 'seed for generated inputs', parseInteger('--seed'), 0))
    .action(async (names: string[], opts: VerifyCliOptions) => {
      parseBackends(opts.backend); // a typo is a usage error before any model is read
      const { resolveTargets } = await import('../models/catalog.js');
      const { prepareTarget } = await import('../verify/prepare.js');
      const targets = resolveTargets(names);
      if (targets.length === 0) throw new InputError('no models to verify');
      if (opts.inputs && targets.length !== 1) throw new InputError('--inputs applies to exactly one model');
      const prepared = targets.map((t) => prepareTarget(t, {
        ...(opts.inputs ? { inputs: opts.inputs } : {}), ...(opts.dim ? { dims: opts.dim } : {}), seed: opts.seed,
      }));
      await executeVerify(prepared, opts);
    });
}
