import type { Command } from 'commander';
import { parseBackends } from './options.js';
import { addModelInputOptions, type ModelInputOptions } from './args/inputs.js';
import { addVerifyRunOptions, executeSuiteVerify, type VerifyRunOptions } from './verifyRun.js';

type Format = 'table' | 'markdown' | 'json';
type ConformanceOptions = VerifyRunOptions &
  ModelInputOptions & { filter?: string; format: string; fromEvidence?: boolean };

export function registerConformanceCommand(program: Command): void {
  addVerifyRunOptions(
    addModelInputOptions(
      program
        .command('conformance')
        .description(
          'run every case under test data roots on backends: counts by status per backend, and the cases and ops that pass on cpu and fail elsewhere',
        )
        .argument(
          '[roots...]',
          'test data roots (e.g. /usr/share/libonnx-testdata/data/node); none with --from-evidence',
        ),
    ),
  )
    .option('--filter <patterns>', 'only cases whose id matches (comma-separated; * ? ** globs, else a substring)')
    .option('--format <format>', 'table, markdown or json', 'table')
    .option(
      '--from-evidence',
      'no run: the view of the suite results in the evidence records (latest per backend and case)',
    )
    .action(async (roots: string[], opts: ConformanceOptions) => {
      const { InputError } = await import('../errors.js');
      if (!['table', 'markdown', 'json'].includes(opts.format))
        throw new InputError(`unknown --format '${opts.format}' (table, markdown or json)`);
      const format = opts.format as Format;
      const { computeConformance } = await import('../suite/conformance.js');
      const { renderConformance } = await import('../format/conformance.js');
      if (opts.fromEvidence) {
        if (roots.length) throw new InputError('--from-evidence reads the records: name no roots');
        const { defaultEvidenceDir } = await import('../evidence/store.js');
        const { loadEvidenceFolder } = await import('./evidenceFolder.js');
        const { records } = await loadEvidenceFolder(opts.evidenceDir ?? defaultEvidenceDir());
        const { suiteResults } = await import('../suite/records.js');
        const results = suiteResults(records, opts.filter);
        if (!results.length)
          throw new InputError(
            'no suite results in the evidence records (run: onnx-workbench conformance <root> --backend ...)',
          );
        console.log(renderConformance(computeConformance(results), format));
        return;
      }
      if (!roots.length) throw new InputError('name a test data root (or use --from-evidence)');
      parseBackends(opts.backend);
      // The workers start while the cases are found.
      const suite = await executeSuiteVerify(roots, { ...opts, json: format === 'json' }, async (suiteRoots) => ({
        ...(await import('./suiteRoots.js')).discoverSuite(suiteRoots, opts),
        view: {
          render: (results) => renderConformance(computeConformance(results), format),
          json: (results) => computeConformance(results),
        },
      }));
      if (!suite)
        throw new InputError(
          `${roots.join(', ')}: not a test data root (a folder of cases, each a folder with a .onnx and test_data_set_*)`,
        );
    });
}
