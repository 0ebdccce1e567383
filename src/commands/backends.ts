import type { Command } from 'commander';
import { addBackendOption, type BackendOptionValues } from './args/backends.js';
import { jsonText } from '../format/terminal.js';

export function registerBackendsCommand(program: Command): void {
  addBackendOption(
    program
      .command('backends')
      .description('list the backends: available or not, why, how to fix, runtime versions and adapter'),
    'all',
  )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean } & BackendOptionValues) => {
      const { startBackends } = await import('../isolation/pool.js');
      const { parseBackends } = await import('./options.js');
      const ids = parseBackends(opts.backend);
      const { commandStatusLine } = await import('../suite/progress.js');
      const status = commandStatusLine(opts);
      status.set(`starting and checking ${ids.length === 1 ? 'backend' : `${ids.length} backends`}: ${ids.join(', ')}`);
      const set = await startBackends(ids, { timeoutMs: 120_000 }).finally(() => status.stop());
      await set.close();
      const statuses = set.statuses;
      if (opts.json) {
        console.log(jsonText(statuses, null, 2));
        return;
      }
      const { backendsTable } = await import('../format/verify.js');
      console.log(backendsTable(statuses));
    });
}
