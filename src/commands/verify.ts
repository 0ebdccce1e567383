import type { Command } from 'commander';
import { parseBackends } from './options.js';
import { addModelInputOptions, addVerifyRunOptions, executeVerify, prepareModels, type ModelInputOptions, type VerifyRunOptions } from './runSupport.js';

type VerifyCliOptions = VerifyRunOptions & ModelInputOptions;

export function registerVerifyCommand(program: Command): void {
  addVerifyRunOptions(addModelInputOptions(program
    .command('verify')
    .description('run models on backends, compare outputs with the exporter\'s reference and across backends, time them')
    .argument('[models...]', 'bundled ids or groups (cntk/mnist-8, mnist-8, caffe2), or .onnx paths; default: all bundled models'),
  'reference data for a model file: an .npz or a test_data_set_N folder'))
    .action(async (names: string[], opts: VerifyCliOptions) => {
      parseBackends(opts.backend); // a typo is a usage error before any model is read
      await executeVerify(await prepareModels(names, opts, 'verify'), opts);
    });
}
