/** Suite results in evidence records: the latest result per (suite root, backend, case). */
import { recordTime, type EvidenceRecord, type SkippedFolder, type SuiteSkippedFolder } from '../evidence/store.js';
import type { ModelResult } from '../verify/verify.js';
import { filterMatcher } from './discover.js';

/** Records oldest first, in write order (never a record's own date alone). */
const inWriteOrder = (records: EvidenceRecord[]) => [...records].sort((a, b) => recordTime(a) - recordTime(b));

/**
 * The folders a suite run skipped (they look like cases but cannot run), from the newest record of
 * each suite root that says: per root, what its latest run could not run.
 */
export function suiteSkipped(records: EvidenceRecord[]): SuiteSkippedFolder[] {
  const byRoot = new Map<string, SkippedFolder[]>();
  for (const rec of inWriteOrder(records)) {
    const suite = rec.results.find((r) => r.suite)?.suite;
    if (suite) byRoot.set(suite, rec.skipped ?? []);
  }
  return [...byRoot].flatMap(([suite, skipped]) => skipped.map((s) => ({ suite, ...s })));
}

export function suiteResults(records: EvidenceRecord[], filter?: string): ModelResult[] {
  const latest = new Map<string, ModelResult>();
  const matchers = filter
    ? filter
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
        .map(filterMatcher)
    : [];
  for (const rec of inWriteOrder(records)) {
    for (const r of rec.results) {
      if (!r.suite) continue;
      if (matchers.length && !matchers.some((m) => m(r.model))) continue;
      latest.set(`${r.suite}\u0000${r.backend}\u0000${r.model}`, r);
    }
  }
  return [...latest.values()];
}
