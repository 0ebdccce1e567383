import type { Command } from 'commander';
import { parseBackends } from './options.js';
import { jsonText } from '../format/terminal.js';

export function registerBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description('list the backends: available or not, why, how to fix, runtime versions and adapter')
    .option('--backend <ids>', 'comma-separated backend ids, or all', 'all')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; backend: string }) => {
      const { backendStatuses } = await import('../verify/verify.js');
      const { statuses, workers } = await backendStatuses(parseBackends(opts.backend));
      await Promise.all([...workers.values()].map((w) => w.close()));
      if (opts.json) { console.log(jsonText(statuses, null, 2)); return; }
      const { backendsTable } = await import('../format/verify.js');
      console.log(backendsTable(statuses));
    });
}
