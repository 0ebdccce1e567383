/**
 * Evidence levels: how much an export's evidence proves, in one vocabulary for refresh, report and
 * frameworks. Only exports of known provenance count: a result is graded when its model's sha256 is
 * one of the bundled catalog's or the curated zoo list's, and the framework is the catalog's, never
 * what a record or a producer_name claims. Results of any other model (the user's own, with the
 * user's reference or `--inputs` data) are kept apart as user evidence: they show what ran, but a
 * one-node model that calls itself Chainer proves nothing about Chainer's exporter.
 *
 *   1  outputs equal the exporting framework's own outputs (a bundled export with its exporter's reference)
 *   2  outputs equal an independent reference (the ONNX reference evaluator, an older runtime, a zoo
 *      test set of unknown origin)
 *   3  loads and runs, backends agree with each other, no reference exists
 *   4  exports exist but no longer load today (with onnxruntime's reason)
 *   5  documented only: no export of known provenance was run
 */
import type { EvidenceRecord } from '../evidence/store.js';
import type { ModelResult } from '../verify/verify.js';
import type { ReferenceKind } from '../models/manifest.js';

export type EvidenceLevel = 1 | 2 | 3 | 4 | 5;
export const EVIDENCE_LEVELS: readonly EvidenceLevel[] = [1, 2, 3, 4, 5];

export const LEVEL_LABELS: Readonly<Record<EvidenceLevel, string>> = {
  1: "outputs equal the exporting framework's own outputs",
  2: 'outputs equal an independent reference (ONNX reference evaluator, older runtime, zoo test set of unknown origin)',
  3: 'loads and runs, backends agree, no reference',
  4: 'exports exist but no longer load today',
  5: 'documented only',
};

/** Short names, for table cells: `level 3: runs, backends agree`. */
export const LEVEL_SHORT: Readonly<Record<EvidenceLevel, string>> = {
  1: 'exporter outputs',
  2: 'independent reference',
  3: 'runs, backends agree',
  4: 'fails to load today',
  5: 'documented only',
};

export const levelName = (l: EvidenceLevel): string => `level ${l}: ${LEVEL_SHORT[l]}`;

/** An export whose origin is on record: a bundled model or a curated zoo file. */
export interface KnownExport {
  sha256: string;
  id: string;
  framework: string;
  origin: 'bundled' | 'zoo';
  /** The manifest's reference kind (`none`: no reference was published). */
  referenceKind: ReferenceKind;
  exporterVersion: string | null;
  /** `2018-07-30` (exported) or `by 2018-07-30` (date of the commit that holds the file); null when unknown. */
  exportDate: string | null;
}

export type KnownExports = Map<string, KnownExport>;

export interface ExportGrade {
  model: string;
  sha256: string;
  /** null: it loads but its outputs differ from the reference (or it fails to run): no level. */
  level: EvidenceLevel | null;
  outcome: 'pass' | 'runs' | 'load-error' | 'mismatch' | 'run-error';
  /** Backends on which it passed or ran (software WebGPU marked). */
  backends: string[];
  records: string[];
  exporterVersion: string | null;
  exportDate: string | null;
  /** onnxruntime's reason, for level 4. */
  reason?: string;
}

export interface UserEvidence {
  /** User models (not of known provenance) attributed to the framework. */
  models: string[];
  passes: number;
  records: string[];
}

export interface FrameworkGrade {
  framework: string;
  level: EvidenceLevel;
  exports: ExportGrade[];
  backends: string[];
  records: string[];
  exporterVersions: string[];
  exportDates: string[];
  loadFailureReasons: string[];
  mismatched: string[];
  user: UserEvidence;
}

const backendLabel = (r: ModelResult) => (r.adapter.kind === 'software' ? `${r.backend} (software)` : r.backend);

/** Compare dotted versions numerically ("4.3.0" < "10.0"); non-numeric parts compare as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\s-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.\s-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Grade one known export from all its results. */
function gradeExport(k: KnownExport, rs: { r: ModelResult; record: string }[]): ExportGrade | undefined {
  // Results against the user's own data say nothing about the exporter.
  const own = rs.filter(({ r }) => r.referenceKind !== 'user');
  if (own.length === 0) return undefined;
  const written = own.map(({ r }) => r.producerVersion).find((v) => !!v);
  const base = {
    model: k.id,
    sha256: k.sha256,
    exporterVersion: k.exporterVersion ?? written ?? null,
    exportDate: k.exportDate,
  };
  const records = [...new Set(own.map((x) => x.record))].sort();
  const passed = own.filter(({ r }) => r.status === 'pass' || r.status === 'no-reference');
  // A pass counts against a real reference only when the catalog says one was published.
  const realRef = passed.filter(
    ({ r }) => r.status === 'pass' && r.referenceKind === k.referenceKind && k.referenceKind !== 'none',
  );
  const backends = [...new Set(passed.map(({ r }) => backendLabel(r)))].sort();
  if (realRef.length) {
    const level: EvidenceLevel = k.origin === 'bundled' && k.referenceKind === 'exporter' ? 1 : 2;
    return { ...base, level, outcome: 'pass', backends, records };
  }
  const mismatch = own.find(({ r }) => r.status === 'mismatch');
  if (mismatch)
    return {
      ...base,
      level: null,
      outcome: 'mismatch',
      backends,
      records,
      ...(mismatch.r.reason ? { reason: mismatch.r.reason } : {}),
    };
  if (passed.length) return { ...base, level: 3, outcome: 'runs', backends, records };
  const load = own.find(({ r }) => r.status === 'load-error');
  if (load) {
    const reason = (load.r.reason ?? '').replace(/^.*?refuses this export: /, '').slice(0, 200);
    return { ...base, level: 4, outcome: 'load-error', backends: [], records, ...(reason ? { reason } : {}) };
  }
  return {
    ...base,
    level: null,
    outcome: 'run-error',
    backends: [],
    records,
    ...(own[0]!.r.reason ? { reason: own[0]!.r.reason } : {}),
  };
}

/**
 * Grade the evidence per framework. `userFramework` attributes results of models that are not of
 * known provenance (the record's `framework`, else the producer_name through the registry).
 */
export function gradeEvidence(
  records: EvidenceRecord[],
  known: KnownExports,
  userFramework: (r: ModelResult) => string | undefined,
): Map<string, FrameworkGrade> {
  const byExport = new Map<string, { r: ModelResult; record: string }[]>();
  const user = new Map<string, { models: Set<string>; passes: number; records: Set<string> }>();
  for (const record of records) {
    for (const r of record.results) {
      const k = known.get(r.sha256);
      if (k && r.referenceKind !== 'user') {
        const list = byExport.get(k.sha256) ?? [];
        list.push({ r, record: record.id });
        byExport.set(k.sha256, list);
        continue;
      }
      const fw = k?.framework ?? userFramework(r);
      if (!fw) continue;
      const u = user.get(fw) ?? { models: new Set(), passes: 0, records: new Set() };
      u.models.add(r.model);
      if (r.status === 'pass') u.passes++;
      u.records.add(record.id);
      user.set(fw, u);
    }
  }
  const grades = new Map<string, ExportGrade[]>();
  for (const [sha, rs] of byExport) {
    const k = known.get(sha)!;
    const g = gradeExport(k, rs);
    if (!g) continue;
    grades.set(k.framework, [...(grades.get(k.framework) ?? []), g]);
  }
  const out = new Map<string, FrameworkGrade>();
  for (const fw of new Set([...grades.keys(), ...user.keys()])) {
    const exports = (grades.get(fw) ?? []).sort(
      (a, b) => (a.level ?? 9) - (b.level ?? 9) || a.model.localeCompare(b.model),
    );
    const levels = exports.map((e) => e.level).filter((l): l is EvidenceLevel => l !== null);
    const level = (levels.length ? Math.min(...levels) : 5) as EvidenceLevel;
    const counted = exports.filter((e) => e.level === level);
    const u = user.get(fw);
    out.set(fw, {
      framework: fw,
      level,
      exports,
      backends: [...new Set(counted.flatMap((e) => e.backends))].sort(),
      records: [...new Set(exports.flatMap((e) => e.records))].sort(),
      exporterVersions: [
        ...new Set(exports.map((e) => e.exporterVersion).filter((v): v is string => !!v && v !== 'unknown')),
      ].sort(compareVersions),
      exportDates: [...new Set(exports.map((e) => e.exportDate).filter((v): v is string => !!v))].sort(),
      loadFailureReasons: [...new Set(exports.filter((e) => e.level === 4 && e.reason).map((e) => e.reason!))].slice(
        0,
        5,
      ),
      mismatched: exports.filter((e) => e.outcome === 'mismatch').map((e) => e.model),
      user: { models: u ? [...u.models].sort() : [], passes: u?.passes ?? 0, records: u ? [...u.records].sort() : [] },
    });
  }
  return out;
}
