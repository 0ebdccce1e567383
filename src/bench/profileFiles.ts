/** `bench --profile`: onnxruntime's traces written beside the evidence record, one file per model and backend. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from './bench.js';
import { profileDirFor, profileFileName } from './profile.js';

/** Write each trace into `<record>.profile/` (a new folder: `wx` files, nothing overwritten); rows learn their file. */
export function writeProfiles(
  recordPath: string,
  traces: { model: string; backend: string; trace: string }[],
  rows: BenchRow[],
): string[] {
  const dir = profileDirFor(recordPath);
  mkdirSync(dir);
  const files: string[] = [];
  for (const t of traces) {
    const file = join(dir, profileFileName(t.model, t.backend));
    writeFileSync(file, t.trace, { flag: 'wx' });
    files.push(file);
    const row = rows.find((r) => r.model === t.model && r.backend === t.backend);
    if (row?.profile && 'top' in row.profile) row.profile.file = file;
  }
  return files;
}
