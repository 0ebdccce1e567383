import type { Command } from 'commander';

export function registerFrameworksCommand(program: Command): void {
  program
    .command('frameworks')
    .description("the article's 13 frameworks with their ONNX export and import (level, mechanism), producer_name and status today, each claim with a source")
    .option('--json', 'machine-readable output: the registry with every source URL')
    .action(async (opts: { json?: boolean }) => {
      const { loadFrameworks, loadRegistry } = await import('../scorecard/data.js');
      const { formatRegistryJson, formatRegistryTable } = await import('../format/frameworks.js');
      const registry = loadRegistry();
      if (opts.json) { console.log(formatRegistryJson(registry)); return; }
      console.log(formatRegistryTable(registry, loadFrameworks().frameworks));
    });
}
