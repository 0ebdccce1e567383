/**
 * The evidence refresh, report and frameworks score from: the user's folder (read like every
 * reading command reads it), or the shipped snapshot when the folder holds no record, or when the
 * default folder (./evidence, no --evidence-dir or $ONNX_WORKBENCH_EVIDENCE given) does not exist
 * yet, as on a fresh clone. A folder the user named must exist.
 */
import { existsSync } from 'node:fs';
import type { EvidenceForReading } from '../scorecard/snapshot.js';

export async function scoringEvidence(dir: string, named: boolean): Promise<EvidenceForReading> {
  const { evidenceOrSnapshot } = await import('../scorecard/snapshot.js');
  if (!named && !existsSync(dir)) return evidenceOrSnapshot(dir, undefined);
  const { loadEvidenceFolder } = await import('./evidenceFolder.js');
  return evidenceOrSnapshot(dir, await loadEvidenceFolder(dir));
}

/** Whether the user named the folder (an option or the environment variable). */
export const namedEvidenceDir = (option: string | undefined): boolean =>
  option !== undefined || process.env.ONNX_WORKBENCH_EVIDENCE !== undefined;
