import type { Command } from 'commander';

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the bundled models with framework, producer, reference kind and expected outcome')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { loadCatalog } = await import('../models/catalog.js');
      const entries = loadCatalog();
      if (opts.json) { console.log(JSON.stringify(entries.map((e) => e.manifest), null, 2)); return; }
      const { default: Table } = await import('cli-table3');
      const t = new Table({ head: ['id', 'framework', 'producer', 'reference', 'expected', 'source'], style: { head: [], border: [] } });
      for (const { manifest: m } of entries) {
        t.push([m.id, m.framework, m.expectedProducer, m.reference.kind, m.expected.status, `${m.source.repository}@${m.source.commit}`]);
      }
      console.log(t.toString());
      console.log(`${entries.length} models`);
    });
}
