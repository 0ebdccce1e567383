import type { Command } from 'commander';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addScoringOptions, type RefreshPolicy } from './args/scoring.js';

interface ReportOptions {
  out: string;
  evidenceDir?: string;
  policy: RefreshPolicy;
  open?: boolean;
}

export function registerReportCommand(program: Command): void {
  addScoringOptions(
    program
      .command('report')
      .description(
        'write the HTML report, corrected view with the ONNX column refreshed (as scores and refresh): key findings first, the evidence matrix, one merged scorecard (changed cells marked), latency per model and backend, conformance, provenance; self-contained, from the evidence records',
      ),
  )
    .option('--out <dir>', 'output folder', 'report')
    .option('--open', 'open the report in a browser (xdg-open) when written')
    .action(async (opts: ReportOptions) => {
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { scoringEvidence, namedEvidenceDir } = await import('./scoringEvidence.js');
      const { loadCatalog } = await import('../models/catalog.js');
      const { loadRegistry } = await import('../scorecard/data.js');
      const { computeScorecard } = await import('../scorecard/scores.js');
      const { refreshScores } = await import('../scorecard/refresh.js');
      const { generateReport } = await import('../report/generate.js');
      const dir = opts.evidenceDir ?? defaultEvidenceDir();
      const { records, files, source } = await scoringEvidence(dir, namedEvidenceDir(opts.evidenceDir));
      if (source.kind === 'shipped')
        process.stderr.write(
          `no evidence records in ${dir}: the report uses the shipped snapshot ${source.path} (made ${source.createdAt?.slice(0, 10)} on ${source.machine})\n`,
        );
      const registry = loadRegistry();
      const result = await generateReport({
        outDir: resolve(opts.out),
        records,
        recordFiles: files,
        catalog: loadCatalog(),
        registry,
        scorecards: {
          published: computeScorecard({ view: 'as-published' }),
          corrected: computeScorecard({ view: 'corrected' }),
          refreshed: refreshScores(records, {
            policy: opts.policy,
            view: 'corrected',
            registry,
            evidenceSource: source,
          }),
        },
      });
      const { paragraph } = await import('../format/table.js');
      const { terminalWidth } = await import('../format/terminal.js');
      console.log(
        paragraph(
          `report: ${result.index} (${records.length} evidence record(s) from ${source.kind === 'shipped' ? `the shipped snapshot ${source.path}` : dir}; corrected view, ONNX column refreshed under the ${opts.policy} policy)`,
          terminalWidth(),
        ),
      );
      if (opts.open) {
        const { spawn } = await import('node:child_process');
        const child = spawn('xdg-open', [pathToFileURL(result.index).href], { stdio: 'ignore', detached: true });
        child.on('error', () =>
          process.stderr.write(`cannot open a browser (xdg-open missing); open ${pathToFileURL(result.index).href}\n`),
        );
        child.unref();
      }
    });
}
