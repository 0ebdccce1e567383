/** Suite results in evidence records: the latest result per (suite root, backend, case). */
import { recordTime, type EvidenceRecord } from '../evidence/store.js';
import type { ModelResult } from '../verify/verify.js';
import { filterMatcher } from './discover.js';

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
