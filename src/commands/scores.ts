import { Option, type Command } from 'commander';

interface ScoresOptions {
  format: string;
  json?: boolean;
  asPublished?: boolean;
  corrected?: boolean;
}

export function registerScoresCommand(program: Command): void {
  program
    .command('scores')
    .description(
      "the 2018 article's scorecard, corrected view by default (as refresh and report; --as-published for the charts as labelled): category and overall scores recomputed from its digitized charts beside the published ones, ranks and tiers",
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'markdown', 'json', 'csv']).default('table'),
    )
    .addOption(new Option('--json', 'same as --format json').conflicts('format'))
    .addOption(new Option('--as-published', 'the charts as labelled in the article').conflicts('corrected'))
    .addOption(
      new Option(
        '--corrected',
        "Chainer's and Theano's Platform values swapped back, the source labels them the wrong way round (default)",
      ),
    )
    .action(async (opts: ScoresOptions) => {
      const { computeScorecard } = await import('../scorecard/scores.js');
      const { formatScorecard, parseScoreFormat } = await import('../format/scorecard.js');
      const format = opts.json ? 'json' : parseScoreFormat(opts.format);
      const card = computeScorecard({ view: opts.asPublished ? 'as-published' : 'corrected' });
      console.log(formatScorecard(card, format));
    });
}
