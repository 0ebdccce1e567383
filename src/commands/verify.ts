import type { Command } from 'commander';
import { parseBackends } from './options.js';
import { addModelInputOptions, type ModelInputOptions } from './args/inputs.js';
import {
  addVerifyFormatOption,
  addVerifyRunOptions,
  executeVerify,
  executeSuiteVerify,
  type VerifyRunOptions,
} from './verifyRun.js';
import { prepareModels } from './prepareModels.js';

type VerifyCliOptions = VerifyRunOptions & ModelInputOptions & { filter?: string };

export function registerVerifyCommand(program: Command): void {
  addVerifyFormatOption(
    addVerifyRunOptions(
      addModelInputOptions(
        program
          .command('verify')
          .description(
            "run models on backends, compare outputs with the exporter's reference and across backends, time them",
          )
          .argument(
            '[models...]',
            'bundled ids or groups (cntk/mnist-8, mnist-8, caffe2), .onnx paths, or a test data root (every case below it: a folder with a .onnx and test_data_set_*)',
          ),
        'reference data for a model file: an .npz or a test_data_set_N folder',
      ),
    ),
  )
    .option(
      '--filter <patterns>',
      'with a test data root: only cases whose id matches (comma-separated; * ? ** globs, else a substring)',
    )
    .action(async (names: string[], opts: VerifyCliOptions) => {
      parseBackends(opts.backend); // a typo is a usage error before any model is read
      // A suite: its workers start while its cases are found.
      const suite = await executeSuiteVerify(names, opts, async (roots) =>
        (await import('./suiteRoots.js')).discoverSuite(roots, opts),
      );
      if (!suite) await executeVerify(await prepareModels(names, opts, 'verify'), opts);
    });
}
