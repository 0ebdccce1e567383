/**
 * The refreshed ONNX column: each framework's ONNX support derived from the capability registry and
 * the evidence records, then the article's Platform and overall scores recomputed with it.
 *
 * Every cell names its evidence level (levels.ts): 1 exporter outputs, 2 independent reference,
 * 3 runs and backends agree, 4 fails to load today, 5 documented only. Only exports of known
 * provenance (bundled catalog, curated zoo) are graded; the user's own models are shown apart.
 *
 * Policies (the article scores ONNX 0 / 50 / 100 for none / community / built-in):
 * - `strict`: levels 1, 2 and 3 score the exporter's documented level (built-in 100, community 50):
 *   an export of known provenance loads and runs today, so serialising to ONNX works. Levels 4
 *   (exports no longer load) and 5 (documented only) score 0, and so does an exporter whose
 *   exports only mismatch. User evidence never counts.
 * - `documented`: the registry's best level (export or import) counts even without evidence; the
 *   evidence and its level are shown beside it.
 * Import support cannot be verified here (the workbench runs onnxruntime, not the importing framework),
 * so under `strict` it does not count.
 */
import { aggregateEvidence, type ExportEvidence } from '../evidence/aggregate.js';
import type { EvidenceRecord } from '../evidence/store.js';
import type { ModelResult } from '../verify/verify.js';
import { loadRegistry } from './data.js';
import {
  gradeEvidence,
  LEVEL_LABELS,
  levelName,
  type EvidenceLevel,
  type FrameworkGrade,
  type KnownExports,
} from './levels.js';
import { knownExports } from './known.js';
import type { RegistryEntry, RegistryFile, SupportLevel } from './model.js';
import { computeScorecard, type Scorecard, type ScoreOverrides } from './scores.js';
import type { ScoreView } from './views.js';
import type { Tier } from './tiers.js';

export type RefreshPolicy = 'strict' | 'documented';
export const REFRESH_POLICIES: RefreshPolicy[] = ['strict', 'documented'];

const LEVEL_SCORE: Record<SupportLevel, number> = { 'built-in': 100, community: 50, none: 0, unknown: 0 };

/** The cell's basis, in the levels' vocabulary (`level 3: runs, backends agree`), or why there is none. */
export type RefreshBasis = string;

/** Strict-policy score of an evidence level, as a share of the exporter's documented level. */
export const STRICT_LEVEL_SHARE: Readonly<Record<EvidenceLevel, 0 | 1>> = { 1: 1, 2: 1, 3: 1, 4: 0, 5: 0 };

/** Where the records came from: the user's evidence folder, or the snapshot shipped with the package. */
export interface EvidenceSource {
  kind: 'user' | 'shipped';
  /** The folder or file read. */
  path: string;
  /** For the shipped snapshot: when and where it was made. */
  createdAt?: string;
  machine?: string;
}

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
  /** Evidence level (5: documented only) and what grades it. */
  level: EvidenceLevel;
  levelLabel: string;
  grade?: FrameworkGrade;
  /** Newest exporter version among the graded exports, their export dates, the backends they ran on. */
  exporterVersions: string[];
  exportDates: string[];
  backends: string[];
  /** Passes of the user's own models attributed to this framework: shown, never scored under strict. */
  userEvidence: { models: number; passes: number; records: string[] };
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
  evidenceSource?: EvidenceSource;
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

function cellValue(
  entry: RegistryEntry,
  g: FrameworkGrade | undefined,
  policy: RefreshPolicy,
): { value: number; basis: RefreshBasis; explanation: string } {
  const exportScore = LEVEL_SCORE[entry.export.level];
  const bestDocumented = Math.max(exportScore, LEVEL_SCORE[entry.import.level]);
  const level = g?.level ?? 5;
  const user =
    g && g.user.models.length
      ? `; user models: ${g.user.passes} pass(es) of ${g.user.models.length} model(s), shown apart (not proof of the exporter)`
      : '';
  if (entry.export.level === 'none' || entry.export.level === 'unknown') {
    const value = policy === 'strict' ? 0 : bestDocumented;
    return {
      value,
      basis: 'no exporter',
      explanation: `no exporter ${entry.export.level === 'none' ? 'exists' : 'could be cited'}${entry.import.level !== 'none' && entry.import.level !== 'unknown' ? `; import ${entry.import.level} (documented only)` : ''}${user}`,
    };
  }
  if (level === 5 && g && g.mismatched.length) {
    return {
      value: policy === 'strict' ? 0 : bestDocumented,
      basis: 'mismatch only',
      explanation: `${g.mismatched.length} export(s) load but their outputs differ from the reference; none graded${user}`,
    };
  }
  const value = policy === 'strict' ? exportScore * STRICT_LEVEL_SHARE[level] : bestDocumented;
  if (level === 5) {
    return {
      value,
      basis: levelName(5),
      explanation: `${entry.export.level} exporter documented (${entry.export.mechanism ?? 'unknown'}); no export of known provenance ran here${user}`,
    };
  }
  const counted = g!.exports.filter((e) => e.level === level);
  const versions = g!.exporterVersions.length
    ? `exporter ${g!.exporterVersions.join(', ')}`
    : 'exporter version not written in the files';
  const dates = g!.exportDates.length ? `exported ${g!.exportDates.join(', ')}` : 'export dates unknown';
  const where =
    level === 4
      ? `: ${g!.loadFailureReasons[0] ?? 'load error'}`
      : ` on ${g!.backends.join(', ')}${level === 3 && g!.backends.length < 2 ? ' (one backend: nothing to agree with)' : ''}`;
  const others = g!.exports
    .filter((e) => e.level !== level)
    .map((e) => `${e.model} ${e.level ? levelName(e.level) : e.outcome}`);
  return {
    value,
    basis: levelName(level),
    explanation: `${counted.length} ${entry.export.level} export(s), ${LEVEL_LABELS[level]}${where}; ${versions}; ${dates}${others.length ? `; also ${others.length} other export(s): ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}` : ''}${user}`,
  };
}

/** The framework a result stands for when its model is not of known provenance (a user's model). */
export function userFrameworkOf(registry: RegistryFile): (r: ModelResult) => string | undefined {
  const producers = producerMap(registry);
  return (r) => r.framework ?? producers(r.producerName);
}

export interface RefreshOptions {
  policy?: RefreshPolicy;
  view?: ScoreView;
  registry?: RegistryFile;
  rejected?: { file: string; reason: string }[];
  /** Exports of known provenance (default: the bundled catalog and the curated zoo list). */
  known?: KnownExports;
  evidenceSource?: EvidenceSource;
}

export function refreshScores(records: EvidenceRecord[], options: RefreshOptions = {}): RefreshResult {
  const policy = options.policy ?? 'strict';
  const view = options.view ?? 'corrected';
  const registry = options.registry ?? loadRegistry();
  const evidence = aggregateEvidence(records, producerMap(registry));
  const grades = gradeEvidence(records, options.known ?? knownExports(), userFrameworkOf(registry));
  const base = computeScorecard({ view });
  const overrides: ScoreOverrides = {};
  const values = new Map<string, ReturnType<typeof cellValue>>();
  for (const entry of registry.frameworks) {
    const v = cellValue(entry, grades.get(entry.id), policy);
    values.set(entry.id, v);
    overrides[entry.id] = { onnx_support: v.value };
  }
  const card = computeScorecard({ view, overrides });
  const byId = new Map(card.frameworks.map((f) => [f.id, f]));
  const baseById = new Map(base.frameworks.map((f) => [f.id, f]));
  const cells: RefreshedCell[] = registry.frameworks
    .map((entry) => {
      const f = byId.get(entry.id)!;
      const b = baseById.get(entry.id)!;
      const v = values.get(entry.id)!;
      const ev = evidence.get(entry.id);
      const g = grades.get(entry.id);
      const level = g?.level ?? 5;
      return {
        framework: entry.id,
        name: f.name,
        articleOnnx: b.criteria.onnx_support.value,
        refreshedOnnx: v.value,
        basis: v.basis,
        explanation: v.explanation,
        exportLevel: entry.export.level,
        importLevel: entry.import.level,
        ...(ev ? { evidence: ev } : {}),
        level,
        levelLabel: LEVEL_LABELS[level],
        ...(g ? { grade: g } : {}),
        exporterVersions: g?.exporterVersions ?? [],
        exportDates: g?.exportDates ?? [],
        backends: g?.backends ?? [],
        userEvidence: {
          models: g?.user.models.length ?? 0,
          passes: g?.user.passes ?? 0,
          records: g?.user.records ?? [],
        },
        records: g && g.exports.length ? g.records : [],
        platform: { article: b.categories.platform.score, refreshed: f.categories.platform.score },
        overall: { article: b.overall.score, refreshed: f.overall.score },
        rank: { article: b.rank, refreshed: f.rank },
        tier: { article: b.tier, refreshed: f.tier },
      };
    })
    .sort((x, y) => (x.rank.refreshed ?? 99) - (y.rank.refreshed ?? 99));
  return {
    policy,
    view,
    cells,
    scorecard: card,
    rejected: options.rejected ?? [],
    recordCount: records.length,
    ...(options.evidenceSource ? { evidenceSource: options.evidenceSource } : {}),
  };
}
