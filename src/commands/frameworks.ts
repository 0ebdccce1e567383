import type { Command } from 'commander';
import { addScoringEvidenceOption } from './args/scoring.js';

export function registerFrameworksCommand(program: Command): void {
  addScoringEvidenceOption(
    program
      .command('frameworks')
      .description(
        "the article's 13 frameworks with their ONNX export and import (level, mechanism), producer_name, status today and what was verified here (evidence level, exports, exporter version, backends), each claim with a source",
      )
      .argument('[framework]', 'one framework (its registry id: tensorflow, pytorch, ...); default: all 13'),
  )
    .option(
      '--json',
      'machine-readable output: the registry with every source URL, its fingerprints and what was verified here',
    )
    .action(async (name: string | undefined, opts: { json?: boolean; evidenceDir?: string }) => {
      const { loadFrameworks, loadRegistry } = await import('../scorecard/data.js');
      const { formatRegistryJson, formatRegistryTable } = await import('../format/frameworks.js');
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { scoringEvidence, namedEvidenceDir } = await import('./scoringEvidence.js');
      const { gradeEvidence } = await import('../scorecard/levels.js');
      const { knownExports } = await import('../scorecard/known.js');
      const { userFrameworkOf } = await import('../scorecard/refresh.js');
      const all = loadRegistry();
      let registry = all;
      if (name !== undefined) {
        const { parseFramework } = await import('./options.js');
        const id = await parseFramework(name, 'frameworks');
        registry = { ...all, frameworks: all.frameworks.filter((f) => f.id === id) };
      }
      const dir = opts.evidenceDir ?? defaultEvidenceDir();
      const { records, source } = await scoringEvidence(dir, namedEvidenceDir(opts.evidenceDir));
      const byFramework = gradeEvidence(records, knownExports(), userFrameworkOf(registry));
      const from =
        source.kind === 'shipped'
          ? `the SHIPPED snapshot ${source.path} (made ${source.createdAt?.slice(0, 10)} on ${source.machine})`
          : `${records.length} record(s) in ${source.path}`;
      const verified = { byFramework, from };
      if (opts.json) {
        console.log(formatRegistryJson(registry, verified));
        return;
      }
      console.log(formatRegistryTable(registry, loadFrameworks().frameworks, verified));
    });
}
