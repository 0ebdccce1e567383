/**
 * The refreshed ONNX column: each framework's ONNX support derived from the capability registry and
 * the evidence records, then the article's Platform and overall scores recomputed with it.
 *
 * Policies (the article scores ONNX 0 / 50 / 100 for none / community / built-in):
 * - `strict`: a framework scores its exporter's level only when the evidence verified at least one of
 *   its exports (a pass against a real reference on some backend); documented-only claims score 0.
 * - `documented`: the registry's best level (export or import) counts even without evidence; the
 *   evidence is shown beside it.
 * Import support cannot be verified here (the workbench runs onnxruntime, not the importing framework),
 * so under `strict` it does not count.
 */
import { aggregateEvidence, type ExportEvidence } from '../evidence/aggregate.js';
import type { EvidenceRecord } from '../evidence/store.js';
import { loadRegistry } from './data.js';
import type { RegistryEntry, RegistryFile, SupportLevel } from './model.js';
import { computeScorecard, type Scorecard, type ScoreOverrides } from './scores.js';
import type { ScoreView } from './views.js';
import type { Tier } from './tiers.js';

export type RefreshPolicy = 'strict' | 'documented';
export const REFRESH_POLICIES: RefreshPolicy[] = ['strict', 'documented'];

const LEVEL_SCORE: Record<SupportLevel, number> = { 'built-in': 100, community: 50, none: 0, unknown: 0 };

export type RefreshBasis = 'verified' | 'documented only' | 'failed today' | 'mismatch only' | 'no exporter';

export interface RefreshedCell {
  framework: string;
  name: string;
  articleOnnx: number | null;
  refreshedOnnx: number;
  basis: RefreshBasis;
  /** One line: what the value rests on. */
  explanation: string;
  exportLevel: SupportLevel;
  importLevel: SupportLevel;
  evidence?: ExportEvidence;
  /** Evidence record ids behind the cell; empty means documented only. */
  records: string[];
  platform: { article: number | null; refreshed: number | null };
  overall: { article: number | null; refreshed: number | null };
  rank: { article: number | null; refreshed: number | null };
  tier: { article: Tier | null; refreshed: Tier | null };
}

export interface RefreshResult {
  policy: RefreshPolicy;
  view: ScoreView;
  cells: RefreshedCell[];
  scorecard: Scorecard;
  /** Evidence files that could not be used. */
  rejected: { file: string; reason: string }[];
  recordCount: number;
}

/** producer_name -> framework id, from the registry's documented producer names. */
export function producerMap(registry: RegistryFile): (producer: string) => string | undefined {
  const map = new Map<string, string>();
  for (const e of registry.frameworks) {
    const names = Array.isArray(e.export.producerNames) ? e.export.producerNames : [];
    for (const n of names) map.set(n.toLowerCase(), e.id);
  }
  return (p) => map.get(p.toLowerCase());
}

function cellValue(entry: RegistryEntry, ev: ExportEvidence | undefined, policy: RefreshPolicy): { value: number; basis: RefreshBasis; explanation: string } {
  const exportScore = LEVEL_SCORE[entry.export.level];
  const bestDocumented = Math.max(exportScore, LEVEL_SCORE[entry.import.level]);
  const backends = ev?.backends.length ? ` on ${ev.backends.join(', ')}` : '';
  if (ev && ev.verified.length > 0) {
    const also = [
      ev.mismatched.length ? `${ev.mismatched.length} mismatch` : '',
      ev.failedToLoad.length ? `${ev.failedToLoad.length} fail to load today` : '',
    ].filter(Boolean).join(', ');
    const value = policy === 'strict' ? exportScore : bestDocumented;
    return { value, basis: 'verified', explanation: `${ev.verified.length} ${entry.export.level} export(s) verified against ${ev.referenceKinds.join('/')} references${backends}${also ? `; ${also}` : ''}` };
  }
  if (entry.export.level === 'none' || entry.export.level === 'unknown') {
    const value = policy === 'strict' ? 0 : bestDocumented;
    return { value, basis: 'no exporter', explanation: `no exporter ${entry.export.level === 'none' ? 'exists' : 'could be cited'}${entry.import.level !== 'none' && entry.import.level !== 'unknown' ? `; import ${entry.import.level} (documented only)` : ''}` };
  }
  if (ev && ev.failedToLoad.length > 0 && ev.mismatched.length === 0) {
    return { value: policy === 'strict' ? 0 : bestDocumented, basis: 'failed today', explanation: `${ev.failedToLoad.length} export(s) fail to load on today's onnxruntime; none verified` };
  }
  if (ev && ev.mismatched.length > 0) {
    return { value: policy === 'strict' ? 0 : bestDocumented, basis: 'mismatch only', explanation: `${ev.mismatched.length} export(s) load but mismatch; none verified` };
  }
  return { value: policy === 'strict' ? 0 : bestDocumented, basis: 'documented only', explanation: `${entry.export.level} exporter documented (${entry.export.mechanism ?? 'unknown'}); no export verified yet` };
}

export function refreshScores(records: EvidenceRecord[], options: { policy?: RefreshPolicy; view?: ScoreView; registry?: RegistryFile; rejected?: { file: string; reason: string }[] } = {}): RefreshResult {
  const policy = options.policy ?? 'strict';
  const view = options.view ?? 'corrected';
  const registry = options.registry ?? loadRegistry();
  const evidence = aggregateEvidence(records, producerMap(registry));
  const base = computeScorecard({ view });
  const overrides: ScoreOverrides = {};
  const values = new Map<string, ReturnType<typeof cellValue>>();
  for (const entry of registry.frameworks) {
    const v = cellValue(entry, evidence.get(entry.id), policy);
    values.set(entry.id, v);
    overrides[entry.id] = { onnx_support: v.value };
  }
  const card = computeScorecard({ view, overrides });
  const byId = new Map(card.frameworks.map((f) => [f.id, f]));
  const baseById = new Map(base.frameworks.map((f) => [f.id, f]));
  const cells: RefreshedCell[] = registry.frameworks.map((entry) => {
    const f = byId.get(entry.id)!;
    const b = baseById.get(entry.id)!;
    const v = values.get(entry.id)!;
    const ev = evidence.get(entry.id);
    return {
      framework: entry.id, name: f.name,
      articleOnnx: b.criteria.onnx_support.value,
      refreshedOnnx: v.value, basis: v.basis, explanation: v.explanation,
      exportLevel: entry.export.level, importLevel: entry.import.level,
      ...(ev ? { evidence: ev } : {}),
      records: v.basis === 'documented only' || v.basis === 'no exporter' ? [] : ev?.records ?? [],
      platform: { article: b.categories.platform.score, refreshed: f.categories.platform.score },
      overall: { article: b.overall.score, refreshed: f.overall.score },
      rank: { article: b.rank, refreshed: f.rank },
      tier: { article: b.tier, refreshed: f.tier },
    };
  }).sort((x, y) => (x.rank.refreshed ?? 99) - (y.rank.refreshed ?? 99));
  return { policy, view, cells, scorecard: card, rejected: options.rejected ?? [], recordCount: records.length };
}
