import type { Command } from 'commander';
import { InputError } from '../errors.js';

export function registerEvidenceCommand(program: Command): void {
  const ev = program.command('evidence').description('the evidence records written by verify and bench runs');
  ev.command('list')
    .description('one line per record')
    .option('--dir <dir>', 'evidence directory (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { loadEvidenceFolder } = await import('./evidenceFolder.js');
      const { records } = await loadEvidenceFolder(opts.dir ?? defaultEvidenceDir());
      const rows = records.map((r) => ({
        id: r.id, kind: r.kind, createdAt: r.createdAt, machine: r.machine.hostname,
        backends: [...new Set(r.results.map((x) => x.backend))].join(','),
        results: r.results.length, pass: r.results.filter((x) => x.status === 'pass').length,
        asExpected: r.results.filter((x) => x.meetsExpectation).length,
      }));
      if (opts.json) { console.log(JSON.stringify(rows, null, 2)); return; }
      const { default: Table } = await import('cli-table3');
      const t = new Table({ head: ['id', 'kind', 'created', 'machine', 'backends', 'results', 'pass', 'as expected'], style: { head: [], border: [] } });
      for (const r of rows) t.push([r.id, r.kind, r.createdAt, r.machine, r.backends, r.results, r.pass, r.asExpected]);
      console.log(t.toString());
    });
  ev.command('show')
    .description('one record, by id (or a unique prefix)')
    .argument('<id>')
    .option('--dir <dir>', 'evidence directory')
    .option('--json', 'the record as stored')
    .action(async (id: string, opts: { dir?: string; json?: boolean }) => {
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { loadEvidenceFolder } = await import('./evidenceFolder.js');
      const { records } = await loadEvidenceFolder(opts.dir ?? defaultEvidenceDir());
      const found = records.filter((r) => r.id === id || r.id.startsWith(id));
      if (found.length !== 1) throw new InputError(found.length ? `'${id}' matches ${found.length} records` : `no evidence record '${id}'`);
      const r = found[0]!;
      if (opts.json) { console.log(JSON.stringify(r, null, 1)); return; }
      const { resultsTable, backendsTable } = await import('../format/verify.js');
      console.log(`${r.id}  ${r.kind}  ${r.createdAt}  ${r.machine.hostname} (${r.machine.platform}/${r.machine.arch})`);
      console.log(backendsTable(r.backends));
      console.log(resultsTable(r.results));
    });
}
