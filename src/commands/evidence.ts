import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { addEvidenceDirOption, evidenceDirValue } from './args/evidence.js';

type DirOptions = { evidenceDir?: string; dir?: string; json?: boolean };
import { jsonText } from '../format/terminal.js';

export function registerEvidenceCommand(program: Command): void {
  const ev = program.command('evidence').description('the evidence records written by verify and bench runs');
  addEvidenceDirOption(ev.command('list').description('one line per record'), undefined, ['--dir'])
    .option('--json', 'machine-readable output')
    .action(async (opts: DirOptions) => {
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { loadEvidenceFolder } = await import('./evidenceFolder.js');
      const { records } = await loadEvidenceFolder(evidenceDirValue(opts, ['dir']) ?? defaultEvidenceDir());
      const { evidenceRows, evidenceListTable } = await import('../format/evidence.js');
      const rows = evidenceRows(records);
      if (opts.json) {
        console.log(jsonText(rows, null, 2));
        return;
      }
      console.log(evidenceListTable(rows));
    });
  addEvidenceDirOption(
    ev.command('show').description('one record, by id (or a unique prefix)').argument('<id>'),
    undefined,
    ['--dir'],
  )
    .option('--json', 'the record as stored')
    .action(async (id: string, opts: DirOptions) => {
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { loadEvidenceFolder } = await import('./evidenceFolder.js');
      const { records } = await loadEvidenceFolder(evidenceDirValue(opts, ['dir']) ?? defaultEvidenceDir());
      const found = records.filter((r) => r.id === id || r.id.startsWith(id));
      if (found.length !== 1)
        throw new InputError(found.length ? `'${id}' matches ${found.length} records` : `no evidence record '${id}'`);
      const r = found[0]!;
      if (opts.json) {
        console.log(jsonText(r, null, 1));
        return;
      }
      const { renderRecord } = await import('../format/evidence.js');
      console.log(renderRecord(r));
    });
}
