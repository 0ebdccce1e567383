/** One line after a suite run: counts by status, and how many cases and data sets were compared. */
import type { ModelResult } from '../verify/verify.js';
import { STATUSES, type Status } from '../models/statuses.js';

/** Statuses of cases nothing ran for. */
export const NOT_RUN_STATUSES: ReadonlySet<Status> = new Set<Status>(['input-error', 'unsupported', 'unavailable']);

export function statusCounts(results: ModelResult[]): Map<Status, number> {
  const counts = new Map<Status, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return new Map(STATUSES.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)!]));
}

export function suiteSummaryLine(results: ModelResult[], cases: number): string {
  const counts = [...statusCounts(results)].map(([s, n]) => `${n} ${s}`).join(', ');
  const sets = results.reduce((a, r) => a + (r.dataSets ?? 0), 0);
  return `suite: ${cases} cases, ${results.length} results (${counts || 'none'}); ${sets} test data sets compared`;
}
