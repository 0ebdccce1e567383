/**
 * The conformance view in text: per backend, counts by status (a table sized to the terminal), then
 * per backend the cases and ops that pass on cpu and fail there; markdown (pasteable) and JSON too.
 */
import { STATUSES } from '../models/statuses.js';
import type { Conformance } from '../suite/conformance.js';
import { renderTable } from './table.js';
import { cut, jsonText, safeText, stdoutContext, wrap, type RenderContext } from './terminal.js';

const shown = (c: Conformance) => STATUSES.filter((s) => c.backends.some((b) => b.counts[s]));
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const oneLine = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, ' ');

/** Cases listed per backend in the text view (--format json lists all). */
const CASES_SHOWN = 50;
const OPS_SHOWN = 30;

export function renderConformanceTable(c: Conformance, ctx: RenderContext = stdoutContext()): string {
  const cols = shown(c);
  const table = renderTable(
    [
      { header: 'backend' },
      { header: 'adapter', flex: true, note: true },
      { header: 'cases', align: 'right' },
      ...cols.map((s) => ({ header: s, align: 'right' as const })),
    ],
    c.backends.map((b) => [b.backend, b.adapter, b.cases, ...cols.map((s) => b.counts[s] ?? 0)]),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (_row, col, text) =>
        col >= 3 && text !== '0'
          ? cols[col - 3] === 'pass'
            ? 'green'
            : cols[col - 3] === 'nondeterministic'
              ? undefined
              : 'yellow'
          : undefined,
    },
  );
  const lines = [table];
  for (const g of c.gaps) {
    lines.push('', `${g.backend}: ${g.cases.length} cases pass on cpu and not on ${g.backend}`);
    if (g.ops.length)
      lines.push(
        ...wrap(
          `  ops (failing / passing on cpu): ${g.ops
            .slice(0, OPS_SHOWN)
            .map((o) => `${safeText(o.op)} ${o.failing}/${o.passingOnCpu}`)
            .join(', ')}${g.ops.length > OPS_SHOWN ? `, … (${g.ops.length} ops)` : ''}`,
          ctx.width,
          '    ',
        ),
      );
    for (const k of g.cases.slice(0, CASES_SHOWN))
      lines.push(cut(`  ${safeText(k.id)}: ${k.status}: ${safeText(oneLine(k.reason))}`, ctx.width));
    if (g.cases.length > CASES_SHOWN)
      lines.push(`  … and ${g.cases.length - CASES_SHOWN} more (--format json lists all)`);
  }
  return lines.join('\n');
}

const md = (s: string) => safeText(oneLine(s)).replace(/\|/g, '\\|');

export function renderConformanceMarkdown(c: Conformance): string {
  const cols = shown(c);
  const lines = [
    `| backend | adapter | cases | ${cols.join(' | ')} |`,
    `|---|---|---:|${cols.map(() => '---:').join('|')}|`,
    ...c.backends.map(
      (b) => `| ${b.backend} | ${md(b.adapter)} | ${b.cases} | ${cols.map((s) => b.counts[s] ?? 0).join(' | ')} |`,
    ),
  ];
  for (const g of c.gaps) {
    lines.push('', `### Pass on cpu, not on ${g.backend} (${g.cases.length})`, '');
    if (g.ops.length)
      lines.push(
        `Ops (failing / passing on cpu): ${g.ops.map((o) => `${md(o.op)} ${o.failing}/${o.passingOnCpu}`).join(', ')}`,
        '',
      );
    if (g.cases.length) {
      lines.push('| case | status | reason |', '|---|---|---|');
      for (const k of g.cases) lines.push(`| ${md(k.id)} | ${k.status} | ${md(clip(k.reason, 200))} |`);
    }
  }
  return lines.join('\n');
}

export function renderConformance(
  c: Conformance,
  format: 'table' | 'markdown' | 'json',
  ctx: RenderContext = stdoutContext(),
): string {
  if (format === 'json') return jsonText(c, null, 1);
  return format === 'markdown' ? renderConformanceMarkdown(c) : renderConformanceTable(c, ctx);
}
