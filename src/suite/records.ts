/** Suite results in evidence records: the latest result per (suite root, backend, case). */
import { recordTime, type EvidenceRecord } from '../evidence/store.js';
import type { ModelResult } from '../verify/verify.js';
import { filterMatcher } from './discover.js';

/**
 * The folders a suite run skipped (they look like cases but cannot run), from the newest record of
 * each suite root that says: per root, what its latest run could not run.
 */
export function suiteSkipped(records: EvidenceRecord[]): { suite: string; id: string; reason: string }[] {
  const sorted = [...records].sort((a, b) => recordTime(a) - recordTime(b));
  const byRoot = new Map<string, { id: string; reason: string }[]>();
  for (const rec of sorted) {
    const suite = rec.results.find((r) => r.suite)?.suite;
    if (suite) byRoot.set(suite, rec.skipped ?? []);
  }
  return [...byRoot].flatMap(([suite, skipped]) => skipped.map((s) => ({ suite, ...s })));
}

export function suiteResults(records: EvidenceRecord[], filter?: string): ModelResult[] {
  const sorted = [...records].sort((a, b) => recordTime(a) - recordTime(b)); // write order: never a record's own date alone
  const latest = new Map<string, ModelResult>();
  const matchers = filter
    ? filter
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
        .map(filterMatcher)
    : [];
  for (const rec of sorted) {
    for (const r of rec.results) {
      if (!r.suite) continue;
      if (matchers.length && !matchers.some((m) => m(r.model))) continue;
      latest.set(`${r.suite}\u0000${r.backend}\u0000${r.model}`, r);
    }
  }
  return [...latest.values()];
}
