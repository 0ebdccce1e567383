import { Option, type Command } from 'commander';
import { InputError } from '../errors.js';

interface RefreshOptions {
  policy: string;
  format: string;
  json?: boolean;
  asPublished?: boolean;
  evidenceDir?: string;
}

export function registerRefreshCommand(program: Command): void {
  program
    .command('refresh')
    .description(
      "derive each framework's ONNX support from the registry and the evidence, and recompute Platform, overall, ranks and tiers",
    )
    .addOption(
      new Option('--policy <policy>', 'strict: only verified exports count; documented: documented levels count')
        .choices(['strict', 'documented'])
        .default('strict'),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'markdown', 'json', 'csv']).default('table'),
    )
    .option('--json', 'same as --format json')
    .option('--as-published', 'start from the scores as labelled in the article (default: corrected)')
    .option('--evidence-dir <dir>', 'evidence directory (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)')
    .action(async (opts: RefreshOptions) => {
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { scoringEvidence, namedEvidenceDir } = await import('./scoringEvidence.js');
      const { refreshScores } = await import('../scorecard/refresh.js');
      const { formatRefresh } = await import('../format/refresh.js');
      const { parseScoreFormat } = await import('../format/scorecard.js');
      const dir = opts.evidenceDir ?? defaultEvidenceDir();
      const { records, rejected, source } = await scoringEvidence(dir, namedEvidenceDir(opts.evidenceDir));
      if (source.kind === 'shipped')
        process.stderr.write(
          `no evidence records in ${dir}: using the shipped snapshot ${source.path} (made ${source.createdAt?.slice(0, 10)} on ${source.machine}); run onnx-workbench verify to make your own\n`,
        );
      else if (records.length === 0)
        process.stderr.write(
          `no evidence records in ${dir}: every cell is documented only (run onnx-workbench verify first)\n`,
        );
      const format = opts.json ? 'json' : parseScoreFormat(opts.format);
      if (opts.policy !== 'strict' && opts.policy !== 'documented')
        throw new InputError(`unknown policy ${opts.policy}`);
      const result = refreshScores(records, {
        policy: opts.policy,
        view: opts.asPublished ? 'as-published' : 'corrected',
        rejected,
        evidenceSource: source,
      });
      console.log(formatRefresh(result, format));
    });
}
