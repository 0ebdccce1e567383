import type { Command } from 'commander';
import { jsonText } from '../format/terminal.js';

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the bundled models with framework, producer, reference kind and expected outcome')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { loadCatalog } = await import('../models/catalog.js');
      const entries = loadCatalog();
      if (opts.json) {
        console.log(
          jsonText(
            entries.map((e) => e.manifest),
            null,
            2,
          ),
        );
        return;
      }
      const { modelsTable } = await import('../format/models.js');
      console.log(modelsTable(entries.map((e) => e.manifest)));
      console.log(`${entries.length} models`);
    });
}
