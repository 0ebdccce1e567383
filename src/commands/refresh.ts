import { Option, type Command } from 'commander';
import { addScoringOptions, type RefreshPolicy } from './args/scoring.js';

interface RefreshOptions {
  policy: RefreshPolicy;
  format: string;
  json?: boolean;
  asPublished?: boolean;
  evidenceDir?: string;
}

export function registerRefreshCommand(program: Command): void {
  addScoringOptions(
    program
      .command('refresh')
      .description(
        "the ONNX column from the evidence, corrected view by default (as scores and report; --as-published to start from the charts as labelled): each framework's ONNX support from the registry and the evidence records, then Platform, overall, ranks and tiers recomputed",
      ),
  )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'markdown', 'json', 'csv']).default('table'),
    )
    .option('--json', 'same as --format json')
    .option('--as-published', 'start from the scores as labelled in the article (default: corrected)')
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
      const result = refreshScores(records, {
        policy: opts.policy,
        view: opts.asPublished ? 'as-published' : 'corrected',
        rejected,
        evidenceSource: source,
      });
      console.log(formatRefresh(result, format));
    });
}
