/** Human-readable verify output: a table of results and a summary per framework and backend. */
import Table from 'cli-table3';
import type { ModelResult, VerifyRun, BackendStatus } from '../verify/verify.js';
import type { AdapterInfo } from '../backends/types.js';
import { ms, sci, truncate } from './numbers.js';

export function adapterLabel(a: AdapterInfo): string {
  if (a.kind === 'software') return 'software (not GPU)';
  if (a.kind === 'hardware') return `GPU${a.vendor ? ` ${a.vendor}` : ''}`;
  return a.kind;
}

function maxAbs(r: ModelResult): string {
  const c = r.comparison ?? r.againstCpu;
  if (!c || c.outputs.length === 0) return '-';
  return sci(Math.max(...c.outputs.map((o) => o.maxAbsError)));
}

/** What is known of an adapter: its description, else vendor and architecture. */
export function adapterDetail(a: AdapterInfo): string {
  return a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ');
}

export function resultsTable(results: ModelResult[]): string {
  const t = new Table({ head: ['model', 'backend', 'status', 'expected', 'max |err|', 'vs cpu', 'p50', 'first run', 'reason'], style: { head: [], border: [] }, wordWrap: false });
  for (const r of results) {
    t.push([
      truncate(r.model, 48), r.backend + (r.adapter.kind === 'software' ? '*' : ''), r.status + (r.meetsExpectation ? '' : ' !'),
      r.expectedStatus ?? '-', maxAbs(r), r.againstCpu ? (r.againstCpu.ok ? 'same' : 'differs') : '-',
      ms(r.latency?.stats?.p50), ms(r.latency?.firstRunMs), truncate(r.reason ?? '', 60),
    ]);
  }
  return t.toString();
}

export function backendsTable(statuses: BackendStatus[]): string {
  const t = new Table({ head: ['backend', 'available', 'runtime', 'EP', 'adapter', 'reason / fix'], style: { head: [], border: [] } });
  for (const s of statuses) {
    const d = s.description;
    t.push([
      s.id, s.available ? 'yes' : 'no', d ? `${d.runtime} ${d.runtimeVersion}` : '-', d?.executionProvider ?? '-',
      d ? `${adapterLabel(d.adapter)}${adapterDetail(d.adapter) ? `: ${truncate(adapterDetail(d.adapter), 40)}` : ''}` : '-',
      s.available ? '' : `${s.reason ?? ''}${s.fix ? ` — fix: ${s.fix}` : ''}`,
    ]);
  }
  return t.toString();
}

/** Counts of statuses per framework and backend. */
export function summaryTable(results: ModelResult[]): string {
  const groups = new Map<string, Map<string, number>>();
  const statuses = new Set<string>();
  for (const r of results) {
    const key = `${r.framework ?? '(user model)'}\u0000${r.backend}`;
    const g = groups.get(key) ?? new Map<string, number>();
    g.set(r.status, (g.get(r.status) ?? 0) + 1);
    groups.set(key, g);
    statuses.add(r.status);
  }
  const cols = ['pass', 'mismatch', 'load-error', 'run-error', 'timeout', 'no-reference', 'input-error', 'unsupported', 'nondeterministic'].filter((s) => statuses.has(s));
  const t = new Table({ head: ['framework', 'backend', ...cols, 'as expected'], style: { head: [], border: [] } });
  for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const [fw, backend] = key.split('\u0000');
    const rs = results.filter((r) => (r.framework ?? '(user model)') === fw && r.backend === backend);
    t.push([fw!, backend!, ...cols.map((c) => String(g.get(c) ?? 0)), `${rs.filter((r) => r.meetsExpectation).length}/${rs.length}`]);
  }
  return t.toString();
}

export function renderVerify(run: VerifyRun): string {
  const lines = [resultsTable(run.results), '', 'Summary per framework:', summaryTable(run.results)];
  if (run.results.some((r) => r.adapter.kind === 'software')) lines.push('* software WebGPU adapter (SwiftShader on the CPU): its latency is not GPU latency.');
  const unexpected = run.results.filter((r) => !r.meetsExpectation);
  lines.push(unexpected.length === 0
    ? `All ${run.results.length} results as expected.`
    : `${unexpected.length} of ${run.results.length} results not as expected (marked !).`);
  return lines.join('\n');
}
