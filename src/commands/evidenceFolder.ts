/**
 * How the reading commands (evidence list/show, refresh, report) load a folder of records: a
 * folder that does not exist is refused (one line, exit 2), skipped and doubtful records are named
 * on stderr, and plausibility is judged against the models the workbench knows (bundled, curated zoo).
 */
import type { LoadedEvidence } from '../evidence/store.js';

export async function knownModelShas(): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  const { loadCatalog } = await import('../models/catalog.js');
  for (const e of loadCatalog()) known.set(e.manifest.id, e.manifest.sha256);
  try {
    const { loadCurated } = await import('../zoo/catalog.js');
    for (const z of loadCurated()) known.set(`zoo/${z.name}`, z.onnx.sha256);
  } catch {
    /* the curated list is bundled; without it only the catalog is known */
  }
  return known;
}

export async function loadEvidenceFolder(dir: string): Promise<LoadedEvidence> {
  const { readEvidence, reportEvidenceProblems } = await import('../evidence/store.js');
  const loaded = readEvidence(dir, { knownModels: await knownModelShas() });
  reportEvidenceProblems(loaded);
  return loaded;
}
