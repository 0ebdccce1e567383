/**
 * The evidence snapshot shipped with the package (`models/evidence/shipped-snapshot.json`, made by
 * `node models/tools/make-evidence-snapshot.mjs`): the bundled models on cpu and wasm, one ordinary
 * evidence record with its machine and date. Reading commands fall back to it, labelled as shipped,
 * when the user's evidence folder holds no record, so a fresh clone can rank the frameworks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateEvidence, type EvidenceRecord } from '../evidence/store.js';
import { errorLine, InputError } from '../errors.js';
import { packageRoot } from '../util/paths.js';
import type { EvidenceSource } from './refresh.js';

export function shippedSnapshotPath(): string {
  return join(packageRoot(), 'models', 'evidence', 'shipped-snapshot.json');
}

export function loadShippedSnapshot(path = shippedSnapshotPath()): { record: EvidenceRecord; source: EvidenceSource } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: cannot read the shipped evidence snapshot (${errorLine(e)})`);
  }
  const record = validateEvidence(raw, path);
  const m = record.machine;
  const machine = `${m.hostname} (${m.platform}/${m.arch}${'cpuModel' in m && m.cpuModel ? `, ${m.cpuModel}` : ''})`;
  const shown = relative(process.cwd(), path) || path;
  return {
    record,
    source: { kind: 'shipped', path: shown.startsWith('..') ? path : shown, createdAt: record.createdAt, machine },
  };
}

export interface EvidenceForReading {
  records: EvidenceRecord[];
  files: Map<string, string>;
  rejected: { file: string; reason: string }[];
  source: EvidenceSource;
}

/**
 * The records to score: the user's (already read from `dir`), or, when there are none, the shipped
 * snapshot (if the package has one). `loaded` undefined: the folder does not exist.
 */
export function evidenceOrSnapshot(
  dir: string,
  loaded:
    { records: EvidenceRecord[]; files: Map<string, string>; rejected: { file: string; reason: string }[] } | undefined,
  snapshotPath = shippedSnapshotPath(),
): EvidenceForReading {
  if ((loaded && loaded.records.length > 0) || !existsSync(snapshotPath)) {
    return {
      records: loaded?.records ?? [],
      files: loaded?.files ?? new Map(),
      rejected: loaded?.rejected ?? [],
      source: { kind: 'user', path: dir },
    };
  }
  const { record, source } = loadShippedSnapshot(snapshotPath);
  return { records: [record], files: new Map([[record.id, snapshotPath]]), rejected: loaded?.rejected ?? [], source };
}
