/**
 * Everything the report shows, assembled from the evidence records, the bundled manifests and the
 * scorecards: pure functions of their inputs, so they can be tested without rendering.
 */
import { BACKEND_IDS, type BackendId } from '../backends/types.js';
import type { Conformance } from '../suite/conformance.js';
import { recordTime, type EvidenceRecord, type SuiteSkippedFolder } from '../evidence/store.js';
import type { CatalogEntry } from '../models/catalog.js';
import type { ModelResult } from '../verify/verify.js';
import type { Scorecard } from '../scorecard/scores.js';
import type { RefreshResult } from '../scorecard/refresh.js';

export type CellState =
  'pass' | 'mismatch' | 'load-error' | 'run-error' | 'mixed' | 'unavailable' | 'not run' | 'documented only';

export interface MatrixCell {
  framework: string;
  backend: BackendId;
  state: CellState;
  counts: Record<string, number>;
  /** Adapter kinds seen (software WebGPU kept visible). */
  adapters: string[];
  records: string[];
}

export interface LatencyRow {
  model: string;
  backend: BackendId;
  adapter: 'cpu' | 'software' | 'hardware' | 'unknown';
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
  firstRunMs: number;
  record: string;
}

export interface RunInfo {
  id: string;
  kind: string;
  createdAt: string;
  machine: string;
  backends: { id: string; available: boolean; runtime: string; adapter: string; reason?: string }[];
  results: number;
  asExpected: number;
}

export interface ReportData {
  findings: Findings;
  latencyByModel: { backends: BackendId[]; models: LatencyComparison[] };
  generatedAt: string;
  scorecards: { published: Scorecard; corrected: Scorecard; refreshed: RefreshResult };
  matrix: { frameworks: string[]; backends: BackendId[]; cells: MatrixCell[] };
  latency: LatencyRow[];
  provenance: CatalogEntry['manifest'][];
  runs: RunInfo[];
  /** Suite results (`conformance`/`verify <root>`): counts per backend and the gaps against cpu. */
  conformance?: Conformance;
  /** Folders the latest run of each suite root skipped (they look like cases but cannot run), with the reason. */
  suiteSkipped?: SuiteSkippedFolder[];
}

/** The newest result per (model, sha256, backend): later records supersede earlier ones. */
export function latestResults(records: EvidenceRecord[]): { result: ModelResult; record: EvidenceRecord }[] {
  const sorted = [...records].sort((a, b) => recordTime(a) - recordTime(b)); // write order: never a record's own date alone
  const latest = new Map<string, { result: ModelResult; record: EvidenceRecord }>();
  for (const record of sorted)
    for (const result of record.results)
      latest.set(`${result.model}\u0000${result.sha256}\u0000${result.backend}`, { result, record });
  return [...latest.values()];
}

export function buildMatrix(
  records: EvidenceRecord[],
  frameworks: string[],
  frameworkOf: (r: ModelResult) => string | undefined,
): ReportData['matrix'] {
  const latest = latestResults(records);
  const available = new Map<BackendId, boolean>();
  for (const r of records)
    for (const b of r.backends) available.set(b.id, (available.get(b.id) ?? false) || b.available);
  const withEvidence = new Set(latest.map((x) => frameworkOf(x.result)).filter((f): f is string => f !== undefined));
  const allFrameworks = [...new Set([...frameworks, ...withEvidence])];
  const cells: MatrixCell[] = [];
  for (const framework of allFrameworks) {
    for (const backend of BACKEND_IDS) {
      const rs = latest.filter((x) => x.result.backend === backend && frameworkOf(x.result) === framework);
      const counts: Record<string, number> = {};
      for (const { result } of rs) counts[result.status] = (counts[result.status] ?? 0) + 1;
      let state: CellState;
      if (!withEvidence.has(framework)) state = 'documented only';
      else if (rs.length === 0) state = available.get(backend) === false ? 'unavailable' : 'not run';
      else {
        const kinds = Object.keys(counts).filter((k) => k !== 'no-reference');
        state =
          kinds.length === 1 && ['pass', 'mismatch', 'load-error', 'run-error'].includes(kinds[0]!)
            ? (kinds[0] as CellState)
            : kinds.length === 0
              ? 'pass'
              : 'mixed';
      }
      cells.push({
        framework,
        backend,
        state,
        counts,
        adapters: [...new Set(rs.map((x) => x.result.adapter.kind))],
        records: [...new Set(rs.map((x) => x.record.id))],
      });
    }
  }
  return { frameworks: allFrameworks, backends: [...BACKEND_IDS], cells };
}

export function buildLatency(records: EvidenceRecord[]): LatencyRow[] {
  return latestResults(records)
    .filter(({ result }) => result.latency?.stats)
    .map(({ result, record }) => {
      const s = result.latency!.stats!;
      return {
        model: result.model,
        backend: result.backend,
        adapter: result.adapter.kind,
        min: s.min,
        p50: s.p50,
        p90: s.p90,
        p99: s.p99,
        max: s.max,
        n: s.n,
        firstRunMs: result.latency!.firstRunMs,
        record: record.id,
      };
    })
    .sort((a, b) => a.model.localeCompare(b.model) || BACKEND_IDS.indexOf(a.backend) - BACKEND_IDS.indexOf(b.backend));
}

export function runInfo(records: EvidenceRecord[]): RunInfo[] {
  return [...records]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      createdAt: r.createdAt,
      machine: `${r.machine.hostname} (${r.machine.platform}/${r.machine.arch}${'cpuModel' in r.machine && r.machine.cpuModel ? `, ${r.machine.cpuModel}` : ''}${'node' in r.machine && r.machine.node ? `, node ${r.machine.node}` : ''})${r.userAgent ? `, ${r.userAgent}` : ''}`,
      backends: r.backends.map((b) => ({
        id: b.id,
        available: b.available,
        runtime: b.description
          ? `${b.description.runtime} ${b.description.runtimeVersion} (${b.description.executionProvider})`
          : '-',
        adapter: b.description
          ? `${b.description.adapter.kind}${b.description.adapter.description ? `: ${b.description.adapter.description}` : b.description.adapter.architecture ? `: ${b.description.adapter.vendor ?? ''} ${b.description.adapter.architecture}` : ''}`
          : '-',
        ...(b.reason ? { reason: b.reason } : {}),
      })),
      results: r.results.length,
      asExpected: r.results.filter((x) => x.meetsExpectation).length,
    }));
}

/** One group of non-passes: the same backend, status and cause (the manifest's recorded one when expected). */
export interface FailureFinding {
  backend: BackendId;
  status: string;
  /** Expected (recorded in the manifest) or not. */
  expected: boolean;
  /** The classifier's kind (missing-kernel, dtype, tolerance...), `unchecked` for no reference. */
  kind: string;
  cause: string;
  models: string[];
}

/** A model whose nodes did not all run on the backend's own execution provider. */
export interface FallbackFinding {
  model: string;
  backend: BackendId;
  groups: { executionProvider: string; nodes: number }[];
}

/** A framework whose refreshed ONNX cell moved its rank, tier or ONNX score. */
export interface ScoreChange {
  framework: string;
  name: string;
  onnx: { article: number | null; refreshed: number };
  overall: { article: number | null; refreshed: number | null };
  rank: { article: number | null; refreshed: number | null };
  tier: { article: number | null; refreshed: number | null };
  basis: string;
}

export interface Findings {
  results: number;
  pass: number;
  scoreChanges: ScoreChange[];
  failures: FailureFinding[];
  fallbacks: FallbackFinding[];
  /** Results whose placement was recorded (path, verify with placement): 0 means fallback is unknown. */
  placementsRecorded: number;
  /** Backends whose WebGPU adapter was software (SwiftShader), with the adapter's words. */
  software: { backend: BackendId; adapter: string }[];
  /** Backends unavailable in the newest record that names them. */
  unavailable: { backend: BackendId; reason: string }[];
}

/**
 * What a reader must see first: rank and tier changes, every non-pass by backend with its cause,
 * nodes that fell back to another execution provider, software WebGPU. `causeOf` is the failure
 * classifier's one line (the manifest's recorded cause for expected failures).
 */
export function buildFindings(
  records: EvidenceRecord[],
  refreshed: RefreshResult,
  causeOf: (r: ModelResult) => { kind: string; line: string },
): Findings {
  const latest = latestResults(records).map((x) => x.result);
  const scoreChanges: ScoreChange[] = refreshed.cells
    .filter(
      (c) =>
        c.rank.article !== c.rank.refreshed || c.tier.article !== c.tier.refreshed || c.articleOnnx !== c.refreshedOnnx,
    )
    .map((c) => ({
      framework: c.framework,
      name: c.name,
      onnx: { article: c.articleOnnx, refreshed: c.refreshedOnnx },
      overall: c.overall,
      rank: c.rank,
      tier: c.tier,
      basis: c.levelLabel,
    }))
    .sort((a, b) => (a.rank.article ?? 99) - (b.rank.article ?? 99));
  const groups = new Map<string, FailureFinding>();
  for (const r of latest) {
    if (r.status === 'pass' || r.status === 'nondeterministic') continue;
    const { kind, line: cause } = causeOf(r);
    const key = `${r.backend}\u0000${r.status}\u0000${r.meetsExpectation}\u0000${cause}`;
    const g = groups.get(key) ?? {
      backend: r.backend,
      status: r.status,
      expected: r.meetsExpectation,
      kind,
      cause,
      models: [],
    };
    g.models.push(r.model);
    groups.set(key, g);
  }
  const failures = [...groups.values()].sort(
    (a, b) =>
      Number(a.expected) - Number(b.expected) ||
      BACKEND_IDS.indexOf(a.backend) - BACKEND_IDS.indexOf(b.backend) ||
      b.models.length - a.models.length,
  );
  const fallbacks: FallbackFinding[] = latest
    .filter((r) => r.placement && !r.placement.allOnOne && r.placement.groups.length > 1)
    .map((r) => ({
      model: r.model,
      backend: r.backend,
      groups: r.placement!.groups.map((g) => ({ executionProvider: g.executionProvider, nodes: g.nodes })),
    }));
  const software = new Map<BackendId, string>();
  for (const r of latest)
    if (r.adapter.kind === 'software' && !software.has(r.backend))
      software.set(r.backend, r.adapter.description ?? r.adapter.vendor ?? 'software adapter');
  const unavailable = new Map<BackendId, string>();
  for (const rec of [...records].sort((a, b) => recordTime(a) - recordTime(b)))
    for (const b of rec.backends) {
      if (b.available) unavailable.delete(b.id);
      else unavailable.set(b.id, b.reason ?? 'unavailable');
    }
  return {
    results: latest.length,
    pass: latest.filter((r) => r.status === 'pass').length,
    scoreChanges,
    failures,
    fallbacks,
    placementsRecorded: latest.filter((r) => r.placement).length,
    software: [...software].map(([backend, adapter]) => ({ backend, adapter })),
    unavailable: [...unavailable].map(([backend, reason]) => ({ backend, reason })),
  };
}

/** One model's median latency on each backend, side by side, with each backend's ratio to cpu. */
export interface LatencyComparison {
  model: string;
  cells: Partial<Record<BackendId, { p50: number; n: number; adapter: LatencyRow['adapter']; vsCpu?: number }>>;
  /** The backend with the lowest median among the non-software ones. */
  fastest?: BackendId;
}

export function compareLatency(rows: LatencyRow[]): { backends: BackendId[]; models: LatencyComparison[] } {
  const byModel = new Map<string, LatencyRow[]>();
  for (const r of rows) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
  const backends = BACKEND_IDS.filter((b) => rows.some((r) => r.backend === b));
  const models = [...byModel].map(([model, rs]) => {
    const cpu = rs.find((r) => r.backend === 'cpu');
    const cells: LatencyComparison['cells'] = {};
    for (const r of rs)
      cells[r.backend] = {
        p50: r.p50,
        n: r.n,
        adapter: r.adapter,
        ...(cpu && cpu.p50 > 0 ? { vsCpu: r.p50 / cpu.p50 } : {}),
      };
    const honest = rs.filter((r) => r.adapter !== 'software');
    const fastest = honest.length > 1 ? honest.reduce((a, b) => (b.p50 < a.p50 ? b : a)).backend : undefined;
    return { model, cells, ...(fastest ? { fastest } : {}) };
  });
  return { backends, models };
}
