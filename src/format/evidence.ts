/** `evidence list` and `evidence show` as text: a fitted table of records; one record with its results, failures first. */
import type { EvidenceRecord } from '../evidence/store.js';
import { renderTable } from './table.js';
import { safeText } from './terminal.js';
import {
  backendsTable,
  failureSummary,
  matrixTable,
  resultDetail,
  resultsTable,
  stdoutContext,
  type RenderContext,
} from './verify.js';

export interface EvidenceRow {
  id: string;
  kind: string;
  createdAt: string;
  machine: string;
  backends: string;
  results: number;
  pass: number;
  asExpected: number;
}

export function evidenceRows(records: EvidenceRecord[]): EvidenceRow[] {
  return records.map((r) => ({
    id: r.id,
    kind: r.kind,
    createdAt: r.createdAt,
    machine: r.machine.hostname,
    backends: [...new Set(r.results.map((x) => x.backend))].join(','),
    results: r.results.length,
    pass: r.results.filter((x) => x.status === 'pass').length,
    asExpected: r.results.filter((x) => x.meetsExpectation).length,
  }));
}

export function evidenceListTable(rows: EvidenceRow[], ctx: RenderContext = stdoutContext()): string {
  return renderTable(
    [
      { header: 'id', min: 20 },
      { header: 'kind' },
      { header: 'created', flex: true, min: 10 },
      { header: 'machine', flex: true, min: 8 },
      { header: 'backends', flex: true, min: 8 },
      { header: 'results', align: 'right' },
      { header: 'pass', align: 'right' },
      { header: 'as expected', align: 'right' },
    ],
    rows.map((r) => [r.id, r.kind, r.createdAt, r.machine, r.backends, r.results, r.pass, r.asExpected]),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (row, col) => (col === 7 ? (rows[row]!.asExpected === rows[row]!.results ? 'green' : 'red') : undefined),
    },
  );
}

/** One record: where and when, its backends, its results (one in detail; several as a table or matrix), the failures-first summary. */
export function renderRecord(r: EvidenceRecord, ctx: RenderContext = stdoutContext()): string {
  const results = r.results as Parameters<typeof resultsTable>[0];
  const lines = [
    `${safeText(r.id)}  ${r.kind}  ${safeText(r.createdAt)}  ${safeText(r.machine.hostname)} (${safeText(r.machine.platform)}/${safeText(r.machine.arch)})`,
    '',
    backendsTable(r.backends, ctx),
    '',
  ];
  const backends = new Set(results.map((x) => x.backend));
  if (results.length === 1) lines.push(resultDetail(results[0]!, ctx));
  else if (backends.size > 1) lines.push(matrixTable(results, ctx), '', resultsTable(results, ctx));
  else lines.push(resultsTable(results, ctx));
  if (results.length) lines.push('', ...failureSummary(results, ctx));
  return lines.join('\n');
}
