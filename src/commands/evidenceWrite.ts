/** Writing a run's evidence record from a command: probe the folder first, save after the results. */
import type { EvidenceRecord } from '../evidence/store.js';
import type { BackendStatus, ModelResult } from '../verify/result.js';

/** Before running: a record must be writable where it will go (probe the folder), unless --no-evidence. */
export async function probeEvidence(opts: { evidence: boolean; evidenceDir?: string }): Promise<void> {
  if (!opts.evidence) return;
  const { defaultEvidenceDir, probeEvidenceDir } = await import('../evidence/store.js');
  probeEvidenceDir(opts.evidenceDir ?? defaultEvidenceDir());
}

/** What a record may say besides its results: an interrupted run, a suite's skipped folders. */
export type RecordExtras = Pick<EvidenceRecord, 'partial' | 'skipped'>;

/** Save the run's record; a failure is returned (to throw after the results are printed), not thrown. */
export async function trySaveEvidence(
  kind: EvidenceRecord['kind'],
  run: { machine: EvidenceRecord['machine']; backends: BackendStatus[]; results: ModelResult[] },
  opts: { evidence: boolean; evidenceDir?: string },
  extra: RecordExtras = {},
): Promise<{ path?: string; error?: unknown }> {
  try {
    const path = await saveEvidence(kind, run, opts, extra);
    return path ? { path } : {};
  } catch (error) {
    return { error };
  }
}

export async function saveEvidence(
  kind: EvidenceRecord['kind'],
  run: { machine: EvidenceRecord['machine']; backends: BackendStatus[]; results: ModelResult[] },
  opts: { evidence: boolean; evidenceDir?: string },
  extra: RecordExtras = {},
): Promise<string | undefined> {
  if (!opts.evidence || run.results.length === 0) return undefined;
  const { defaultEvidenceDir, makeRecord, writeRecord } = await import('../evidence/store.js');
  return writeRecord(opts.evidenceDir ?? defaultEvidenceDir(), {
    ...makeRecord(kind, run.machine, run.backends, run.results),
    ...(extra.partial ? { partial: true } : {}),
    ...(extra.skipped?.length ? { skipped: extra.skipped } : {}),
  });
}
