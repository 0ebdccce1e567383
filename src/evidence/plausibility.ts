/**
 * Is an evidence record that passed the schema believable? Records can be dropped in from
 * elsewhere, so a record is refused (skipped, named, with the reason) when it is dated in the
 * future or holds values no run can produce (a pass whose comparison failed, percentiles out of
 * order, a CPU backend on a GPU adapter), and warned about when it names a bundled model with a
 * sha256 that is not that model's, or is dated after its file was written. Order between records
 * comes from `orderTime`, which never trusts a record's own date alone.
 */
import type { EvidenceRecord } from './store.js';
import type { ModelResult } from '../verify/verify.js';

/** Clocks differ between machines: this much into the future is still accepted. */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

export interface PlausibilityContext {
  /** Now, ms since the epoch. */
  now: number;
  /** When the record's file last changed (ctime: set by the kernel, not by the file's writer), ms. */
  fileTime?: number;
  /** Known models: id -> sha256 (the bundled catalog, pulled zoo models). */
  knownModels?: ReadonlyMap<string, string>;
}

export interface Plausibility {
  /** Reasons to refuse the record (empty when it is believable). */
  refuse: string[];
  /** Reasons to warn about it while keeping it. */
  warn: string[];
}

function statsProblem(r: ModelResult): string | undefined {
  const s = r.latency?.stats;
  if (!s) return undefined;
  if (!Number.isInteger(s.n) || s.n < 1) return `latency over ${s.n} runs`;
  const order: [string, number][] = [
    ['min', s.min],
    ['p50', s.p50],
    ['p90', s.p90],
    ['p99', s.p99],
    ['max', s.max],
  ];
  for (let k = 1; k < order.length; k++) {
    if (order[k]![1] < order[k - 1]![1])
      return `latency ${order[k]![0]} ${order[k]![1]} below ${order[k - 1]![0]} ${order[k - 1]![1]}`;
  }
  if (s.mean < s.min || s.mean > s.max) return `latency mean ${s.mean} outside min..max`;
  return undefined;
}

function resultProblem(r: ModelResult): string | undefined {
  const label = `result ${r.model} on ${r.backend}`;
  if (r.status === 'pass' && r.comparison && !r.comparison.ok) return `${label}: status pass but its comparison failed`;
  if (r.status === 'pass' && r.comparison && r.comparison.missing.length > 0)
    return `${label}: status pass with missing outputs`;
  if (r.status === 'mismatch' && r.comparison?.ok) return `${label}: status mismatch but its comparison passed`;
  if (
    (r.backend === 'cpu' || r.backend === 'wasm' || r.backend === 'browser-wasm') &&
    (r.adapter.kind === 'software' || r.adapter.kind === 'hardware')
  )
    return `${label}: a CPU backend on a ${r.adapter.kind} GPU adapter`;
  const stats = statsProblem(r);
  if (stats) return `${label}: ${stats}`;
  return undefined;
}

export function checkPlausibility(record: EvidenceRecord, ctx: PlausibilityContext): Plausibility {
  const refuse: string[] = [];
  const warn: string[] = [];
  const created = Date.parse(record.createdAt);
  if (!Number.isFinite(created)) refuse.push(`createdAt '${record.createdAt}' is not a date`);
  else if (created > ctx.now + CLOCK_SKEW_MS) refuse.push(`dated ${record.createdAt}, in the future`);
  else if (ctx.fileTime !== undefined && created > ctx.fileTime + CLOCK_SKEW_MS)
    warn.push(
      `dated ${record.createdAt}, after its file was written (${new Date(ctx.fileTime).toISOString()}); ordered by the file's time`,
    );
  for (const r of record.results) {
    const p = resultProblem(r);
    if (p) {
      refuse.push(p);
      break;
    }
  }
  if (ctx.knownModels) {
    const unknown = record.results.filter(
      (r) => ctx.knownModels!.has(r.model) && ctx.knownModels!.get(r.model) !== r.sha256,
    );
    if (unknown.length)
      warn.push(
        `${unknown.length} result(s) name a known model with a sha256 that is not its own (e.g. ${unknown[0]!.model} ${unknown[0]!.sha256.slice(0, 12)}…)`,
      );
  }
  return { refuse, warn };
}

/** When a record was written, for ordering: its own date, but never later than its file's ctime. */
export function orderTime(createdAt: string, fileTime?: number): number {
  const created = Date.parse(createdAt);
  const own = Number.isFinite(created) ? created : 0;
  return fileTime === undefined ? own : Math.min(own, fileTime);
}
