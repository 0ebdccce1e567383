/**
 * Conformance of backends over a test suite: per backend, counts by status; the cases (and the ops
 * they use) that pass on `cpu` and fail on another backend: the WASM and WebGPU gaps. A pure view
 * of results, whether they come from a run just made or from evidence records (rendered by
 * src/format/conformance.ts).
 */
import type { ModelResult } from '../verify/verify.js';
import type { Status } from '../models/manifest.js';
import type { BackendId } from '../backends/types.js';
import { BACKEND_IDS } from '../backends/types.js';

/** Statuses that count as conforming: the outputs matched (or, for random ops, met every check). */
const CONFORMING: ReadonlySet<Status> = new Set<Status>(['pass', 'nondeterministic']);

export interface BackendConformance {
  backend: BackendId;
  adapter: string;
  cases: number;
  counts: Partial<Record<Status, number>>;
}

export interface GapCase {
  id: string;
  status: Status;
  reason: string;
  ops: string[];
}
export interface GapOp {
  op: string;
  failing: number;
  passingOnCpu: number;
}

export interface BackendGap {
  backend: BackendId;
  /** Cases that pass on cpu and do not on this backend. */
  cases: GapCase[];
  /** Ops of those cases: how many cpu-passing cases using the op fail here, of how many. */
  ops: GapOp[];
}

export interface Conformance {
  backends: BackendConformance[];
  gaps: BackendGap[];
}

const opName = (k: string) => (k.startsWith('ai.onnx:') ? k.slice('ai.onnx:'.length) : k);

/** The latest result per (backend, case): later results replace earlier ones. */
function latest(results: ModelResult[]): Map<BackendId, Map<string, ModelResult>> {
  const out = new Map<BackendId, Map<string, ModelResult>>();
  for (const r of results) {
    const m = out.get(r.backend) ?? new Map<string, ModelResult>();
    m.set(r.model, r);
    out.set(r.backend, m);
  }
  return out;
}

export function computeConformance(results: ModelResult[]): Conformance {
  const by = latest(results);
  const backends: BackendConformance[] = [];
  for (const id of BACKEND_IDS) {
    const m = by.get(id);
    if (!m) continue;
    const counts: Partial<Record<Status, number>> = {};
    for (const r of m.values()) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const first = m.values().next().value as ModelResult;
    backends.push({
      backend: id,
      adapter: first.adapter.kind + (first.adapter.description ? ` (${first.adapter.description})` : ''),
      cases: m.size,
      counts,
    });
  }
  const cpu = by.get('cpu');
  const gaps: BackendGap[] = [];
  if (cpu) {
    const cpuPass = [...cpu.values()].filter((r) => CONFORMING.has(r.status));
    for (const id of BACKEND_IDS) {
      const m = by.get(id);
      if (id === 'cpu' || !m) continue;
      const cases: GapCase[] = [];
      const opStats = new Map<string, GapOp>();
      for (const c of cpuPass) {
        const r = m.get(c.model);
        if (!r) continue;
        const ops = (c.ops ?? []).map(opName);
        const failing = !CONFORMING.has(r.status);
        for (const op of ops) {
          const s = opStats.get(op) ?? { op, failing: 0, passingOnCpu: 0 };
          s.passingOnCpu++;
          if (failing) s.failing++;
          opStats.set(op, s);
        }
        if (failing) cases.push({ id: c.model, status: r.status, reason: r.reason ?? '', ops });
      }
      gaps.push({
        backend: id,
        cases: cases.sort((a, b) => a.id.localeCompare(b.id)),
        ops: [...opStats.values()]
          .filter((o) => o.failing > 0)
          .sort((a, b) => b.failing - a.failing || a.op.localeCompare(b.op)),
      });
    }
  }
  return { backends, gaps };
}
