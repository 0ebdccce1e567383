/**
 * Everything the report shows, assembled from the evidence records, the bundled manifests and the
 * scorecards: pure functions of their inputs, so they can be tested without rendering.
 */
import { BACKEND_IDS, type BackendId } from '../backends/types.js';
import type { Conformance } from '../suite/conformance.js';
import { recordTime, type EvidenceRecord } from '../evidence/store.js';
import type { CatalogEntry } from '../models/catalog.js';
import type { ModelResult } from '../verify/verify.js';
import type { Scorecard } from '../scorecard/scores.js';
import type { RefreshResult } from '../scorecard/refresh.js';

export type CellState = 'pass' | 'mismatch' | 'load-error' | 'run-error' | 'mixed' | 'unavailable' | 'not run' | 'documented only';

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
  min: number; p50: number; p90: number; p99: number; max: number; n: number;
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
  generatedAt: string;
  scorecards: { published: Scorecard; corrected: Scorecard; refreshed: RefreshResult };
  matrix: { frameworks: string[]; backends: BackendId[]; cells: MatrixCell[] };
  latency: LatencyRow[];
  provenance: CatalogEntry['manifest'][];
  runs: RunInfo[];
  /** Suite results (`conformance`/`verify <root>`): counts per backend and the gaps against cpu. */
  conformance?: Conformance;
}

/** The newest result per (model, sha256, backend): later records supersede earlier ones. */
export function latestResults(records: EvidenceRecord[]): { result: ModelResult; record: EvidenceRecord }[] {
  const sorted = [...records].sort((a, b) => recordTime(a) - recordTime(b)); // write order: never a record's own date alone
  const latest = new Map<string, { result: ModelResult; record: EvidenceRecord }>();
  for (const record of sorted) for (const result of record.results) latest.set(`${result.model}\u0000${result.sha256}\u0000${result.backend}`, { result, record });
  return [...latest.values()];
}

export function buildMatrix(records: EvidenceRecord[], frameworks: string[], frameworkOf: (r: ModelResult) => string | undefined): ReportData['matrix'] {
  const latest = latestResults(records);
  const available = new Map<BackendId, boolean>();
  for (const r of records) for (const b of r.backends) available.set(b.id, (available.get(b.id) ?? false) || b.available);
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
        state = kinds.length === 1 && ['pass', 'mismatch', 'load-error', 'run-error'].includes(kinds[0]!) ? (kinds[0] as CellState) : kinds.length === 0 ? 'pass' : 'mixed';
      }
      cells.push({
        framework, backend, state, counts,
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
        model: result.model, backend: result.backend, adapter: result.adapter.kind,
        min: s.min, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, n: s.n, firstRunMs: result.latency!.firstRunMs, record: record.id,
      };
    })
    .sort((a, b) => a.model.localeCompare(b.model) || BACKEND_IDS.indexOf(a.backend) - BACKEND_IDS.indexOf(b.backend));
}

export function runInfo(records: EvidenceRecord[]): RunInfo[] {
  return [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((r) => ({
    id: r.id, kind: r.kind, createdAt: r.createdAt,
    machine: `${r.machine.hostname} (${r.machine.platform}/${r.machine.arch}${'cpuModel' in r.machine && r.machine.cpuModel ? `, ${r.machine.cpuModel}` : ''}${'node' in r.machine && r.machine.node ? `, node ${r.machine.node}` : ''})${r.userAgent ? `, ${r.userAgent}` : ''}`,
    backends: r.backends.map((b) => ({
      id: b.id, available: b.available,
      runtime: b.description ? `${b.description.runtime} ${b.description.runtimeVersion} (${b.description.executionProvider})` : '-',
      adapter: b.description ? `${b.description.adapter.kind}${b.description.adapter.description ? `: ${b.description.adapter.description}` : b.description.adapter.architecture ? `: ${b.description.adapter.vendor ?? ''} ${b.description.adapter.architecture}` : ''}` : '-',
      ...(b.reason ? { reason: b.reason } : {}),
    })),
    results: r.results.length,
    asExpected: r.results.filter((x) => x.meetsExpectation).length,
  }));
}
