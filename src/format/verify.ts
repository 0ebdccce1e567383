/**
 * Human-readable verify output, sized to the terminal. Non-passes come first and the summary names
 * every one of them (expected ones with the manifest's recorded cause, unexpected ones with the
 * classified cause and a fix). One model on one backend gets a per-output block; several backends
 * read as a model × backend matrix; narrow terminals get one line per result.
 */
import type { ModelResult, VerifyRun, BackendStatus } from '../verify/verify.js';
import type { AdapterInfo } from '../backends/types.js';
import type { TensorComparison } from '../compare/compare.js';
import { resultCause } from '../diagnose/failure.js';
import { ms, sci } from './numbers.js';
import { renderTable, type Column } from './table.js';
import { cut, paint, safeText, statusColour, stdoutContext, wrap, type RenderContext } from './terminal.js';

export { stdoutContext, type RenderContext } from './terminal.js';

/** Below this width results are listed one per line instead of as a table. */
export const WIDE_TABLE_MIN = 100;

import { adapterLabel } from '../backends/adapter.js';
export { adapterLabel };

/** What is known of an adapter: its description, else vendor and architecture. */
export function adapterDetail(a: AdapterInfo): string {
  return a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ');
}

function maxAbs(r: ModelResult): string {
  const c = r.comparison ?? r.againstCpu;
  if (!c || c.outputs.length === 0) return '-';
  return sci(Math.max(...c.outputs.map((o) => o.maxAbsError)));
}

const isPass = (r: { status: string }) => r.status === 'pass';
/** Failures first (unexpected before expected), then the rest in run order. */
export function failuresFirst<T extends { status: string; meetsExpectation: boolean }>(rows: T[]): T[] {
  const rank = (r: T) => (r.status === 'pass' ? 3 : r.status === 'no-reference' ? 2 : r.meetsExpectation ? 1 : 0);
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
}

const statusText = (r: { status: string; meetsExpectation: boolean }) => r.status + (r.meetsExpectation ? '' : ' !');

export { resultCause } from '../diagnose/failure.js';

function colourFor(ctx: RenderContext) {
  return (status: string, asExpected: boolean, text: string) =>
    paint(text, statusColour(status, asExpected), ctx.colour);
}

/** A table of results (wide terminals) or one line per result (narrow ones), failures first. */
export function resultsTable(results: ModelResult[], ctx: RenderContext = stdoutContext()): string {
  const rows = failuresFirst(results);
  if (ctx.width < WIDE_TABLE_MIN) return resultLines(rows, ctx).join('\n');
  const vsCpu = rows.some((r) => r.againstCpu);
  const columns: Column[] = [
    { header: 'model', flex: true, min: 24 },
    { header: 'backend' },
    { header: 'status' },
    { header: 'expected' },
    { header: 'max |err|', align: 'right' },
    ...(vsCpu ? [{ header: 'vs cpu' }] : []),
    { header: 'p50', align: 'right' },
    { header: 'first run', align: 'right' },
    { header: 'cause', flex: true, note: true, min: 20 },
  ];
  return renderTable(
    columns,
    rows.map((r) => [
      r.model,
      r.backend + (r.adapter.kind === 'software' ? '*' : ''),
      statusText(r),
      r.expectedStatus && r.expectedStatus !== r.status ? r.expectedStatus : '',
      maxAbs(r),
      ...(vsCpu ? [r.againstCpu ? (r.againstCpu.ok ? 'same' : 'differs') : '-'] : []),
      ms(r.latency?.stats?.p50),
      ms(r.latency?.firstRunMs),
      resultCause(r),
    ]),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (row, col) => (col === 2 ? statusColour(rows[row]!.status, rows[row]!.meetsExpectation) : undefined),
    },
  );
}

/** One line per result: status, backend, model, p50, then the cause cut to what is left of the line. */
export function resultLines(rows: ModelResult[], ctx: RenderContext): string[] {
  const sw = Math.max(...rows.map((r) => statusText(r).length), 4);
  const bw = Math.max(...rows.map((r) => r.backend.length + (r.adapter.kind === 'software' ? 1 : 0)), 3);
  const paintStatus = colourFor(ctx);
  return rows.map((r) => {
    const status = statusText(r).padEnd(sw);
    const head = `${status}  ${(r.backend + (r.adapter.kind === 'software' ? '*' : '')).padEnd(bw)}  `;
    const p50 = r.latency?.stats ? `  ${ms(r.latency.stats.p50)}` : '';
    const cause = resultCause(r);
    let line = cut(`${head}${safeText(r.model)}${p50}${cause ? `  ${safeText(cause)}` : ''}`, ctx.width);
    line = paintStatus(r.status, r.meetsExpectation, line.slice(0, status.length)) + line.slice(status.length);
    return line;
  });
}

/** Several backends: one row per model, one column per backend, status in each cell ("!" when not as expected). */
export function matrixTable(results: ModelResult[], ctx: RenderContext = stdoutContext()): string {
  const backends = [...new Set(results.map((r) => r.backend))];
  const software = new Set(results.filter((r) => r.adapter.kind === 'software').map((r) => r.backend));
  const models = [...new Set(failuresFirst(results).map((r) => r.model))];
  const cell = new Map(results.map((r) => [`${r.model}\u0000${r.backend}`, r]));
  const columns: Column[] = [
    { header: 'model', flex: true, min: 16 },
    ...backends.map((b) => ({ header: b + (software.has(b) ? '*' : ''), min: 6 })),
  ];
  return renderTable(
    columns,
    models.map((m) => [
      m,
      ...backends.map((b) => {
        const r = cell.get(`${m}\u0000${b}`);
        return r ? statusText(r) : '-';
      }),
    ]),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (row, col) => {
        if (col === 0) return undefined;
        const r = cell.get(`${models[row]}\u0000${backends[col - 1]}`);
        return r ? statusColour(r.status, r.meetsExpectation) : undefined;
      },
    },
  );
}

export function backendsTable(statuses: BackendStatus[], ctx: RenderContext = stdoutContext()): string {
  const columns: Column[] = [
    { header: 'backend' },
    { header: 'available' },
    { header: 'runtime', flex: true },
    { header: 'EP' },
    { header: 'adapter' },
    { header: 'detail / reason / fix', flex: true, note: true, min: 16 },
  ];
  // The adapter's label ('software (not GPU)') is never cut: its details go to the last column,
  // which moves long text below the table as numbered notes.
  return renderTable(
    columns,
    statuses.map((s) => {
      const d = s.description;
      return [
        s.id,
        s.available ? 'yes' : 'no',
        d ? `${d.runtime} ${d.runtimeVersion}` : '-',
        d?.executionProvider ?? '-',
        d ? adapterLabel(d.adapter) : '-',
        s.available ? (d ? adapterDetail(d.adapter) : '') : `${s.reason ?? ''}${s.fix ? ` (fix: ${s.fix})` : ''}`,
      ];
    }),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (row, col) => (col === 1 ? (statuses[row]!.available ? 'green' : 'yellow') : undefined),
    },
  );
}

/** Counts of statuses per framework and backend. */
export function summaryTable(results: ModelResult[], ctx: RenderContext = stdoutContext()): string {
  const groups = new Map<string, ModelResult[]>();
  for (const r of results) {
    const key = `${r.framework ?? '(user model)'}\u0000${r.backend}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const present = new Set(results.map((r) => r.status as string));
  const cols = [
    'pass',
    'mismatch',
    'load-error',
    'run-error',
    'timeout',
    'no-reference',
    ...[...present].filter(
      (s) => !['pass', 'mismatch', 'load-error', 'run-error', 'timeout', 'no-reference'].includes(s),
    ),
  ].filter((s) => present.has(s));
  const columns: Column[] = [
    { header: 'framework', flex: true },
    { header: 'backend' },
    ...cols.map((c) => ({ header: c, align: 'right' as const })),
    { header: 'as expected', align: 'right' },
  ];
  const rows = [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, rs]) => {
      const [fw, backend] = key.split('\u0000');
      return [
        fw!,
        backend!,
        ...cols.map((c) => String(rs.filter((r) => r.status === c).length)),
        `${rs.filter((r) => r.meetsExpectation).length}/${rs.length}`,
      ];
    });
  return renderTable(columns, rows, { width: ctx.width });
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The failures-first summary: every non-pass named, the unexpected ones first with a cause and a fix,
 * then the expected ones with the manifest's recorded cause, then one closing line.
 */
export function failureSummary(
  results: Array<Pick<ModelResult, 'model' | 'backend' | 'status' | 'meetsExpectation' | 'reason' | 'expectedReason'>>,
  ctx: RenderContext,
): string[] {
  const lines: string[] = [];
  const unexpected = results.filter((r) => !r.meetsExpectation);
  const known = results.filter(
    (r) => r.meetsExpectation && r.status !== 'pass' && r.status !== 'no-reference' && r.status !== 'nondeterministic',
  );
  const random = results.filter((r) => r.meetsExpectation && r.status === 'nondeterministic');
  const unchecked = results.filter((r) => r.meetsExpectation && r.status === 'no-reference');
  const paintStatus = colourFor(ctx);
  // Results with the same status, backend and cause are named together: the cause once, then the models.
  const grouped = (rs: typeof results) => {
    const groups = new Map<string, { head: string; models: string[] }>();
    for (const r of rs) {
      const cause = safeText(resultCause(r, true));
      const key = `${r.status}\u0000${r.backend}\u0000${cause}`;
      const g = groups.get(key) ?? { head: `${r.status} on ${r.backend}`, models: [] };
      g.models.push(safeText(r.model));
      groups.set(key, g);
    }
    const out: string[] = [];
    for (const [key, g] of groups) {
      const cause = key.split('\u0000')[2]!;
      if (g.models.length === 1) out.push(...wrap(`  ${g.head}, ${g.models[0]}: ${cause}`, ctx.width, '      '));
      else {
        out.push(...wrap(`  ${g.head}, ${g.models.length} models: ${cause}`, ctx.width, '      '));
        out.push(...wrap(`      ${g.models.join(', ')}`, ctx.width, '      '));
      }
    }
    return out;
  };
  if (unexpected.length) {
    lines.push(paintStatus('mismatch', false, `${plural(unexpected.length, 'unexpected result')}:`));
    lines.push(...grouped(unexpected));
  }
  if (known.length) {
    lines.push(
      paintStatus(
        'mismatch',
        true,
        `${plural(known.length, 'known failure')} (expected; the manifest's recorded cause):`,
      ),
    );
    lines.push(...grouped(known));
  }
  if (random.length) {
    lines.push(
      ...wrap(
        `${plural(random.length, 'result')} with random ops (shape, type and value set checked, not element by element): ${random.map((r) => `${r.backend} ${safeText(r.model)}`).join(', ')}`,
        ctx.width,
        '  ',
      ),
    );
  }
  if (unchecked.length) {
    lines.push(
      ...wrap(
        `${plural(unchecked.length, 'result')} without a reference (loads and runs, outputs unchecked): ${unchecked.map((r) => `${r.backend} ${safeText(r.model)}`).join(', ')}`,
        ctx.width,
        '  ',
      ),
    );
  }
  const pass = results.filter(isPass).length;
  const tail = `${pass} of ${results.length} pass; ${plural(known.length, 'known failure')}, ${plural(unexpected.length, 'unexpected result')}.`;
  if (unexpected.length)
    lines.push(
      ...wrap(`${tail} Not as expected (marked !).`, ctx.width, '  ').map((l) => paintStatus('mismatch', false, l)),
    );
  else lines.push(...wrap(`${tail} All ${results.length} results as expected.`, ctx.width, '  '));
  return lines;
}

/** Where in a tensor of `shape` the flat index `i` is: [n, c, h, w]. */
export function positionOf(i: number, shape: number[]): string {
  if (!shape.length) return '[]';
  const pos: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]! || 1;
    pos.unshift(rest % n);
    rest = Math.floor(rest / n);
  }
  return `[${pos.join(', ')}]`;
}

/** Polygraphy-style block for one output: what was compared, how far apart, what would have passed, PASS/FAIL. */
export function outputBlock(o: TensorComparison, against: string, ctx: RenderContext): string[] {
  const verdict = paint(o.ok ? 'PASS' : 'FAIL', o.ok ? 'green' : 'red', ctx.colour);
  const lines = [
    `  output ${safeText(o.name)} (${safeText(o.dtype)} [${o.shape.join(', ')}]) against ${against}: ${verdict}`,
  ];
  const kv = (k: string, v: string) => `    ${k.padEnd(20)} ${v}`;
  lines.push(kv('tolerance', `atol ${o.tolerance.atol}, rtol ${o.tolerance.rtol} (|a - b| <= atol + rtol * |b|)`));
  if (o.problem) {
    lines.push(kv('problem', safeText(o.problem)));
    return lines.flatMap((l) => wrap(l, ctx.width, '                         '));
  }
  lines.push(
    kv(
      'mismatches',
      `${o.mismatches} / ${o.elements} elements${o.nonFiniteMismatches ? ` (${o.nonFiniteMismatches} non-finite)` : ''}`,
    ),
  );
  lines.push(
    kv(
      'max abs error',
      `${sci(o.maxAbsError)}${o.maxAbsIndex !== undefined ? ` at ${positionOf(o.maxAbsIndex, o.shape)}` : ''}`,
    ),
  );
  lines.push(kv('max rel error', sci(o.maxRelError)));
  lines.push(kv('mean abs error', sci(o.meanAbsError)));
  lines.push(kv('cosine similarity', o.cosineSimilarity === null ? '-' : o.cosineSimilarity.toFixed(6)));
  if (o.topK)
    lines.push(
      kv(
        'top-1 / top-5',
        `${(o.topK.top1 * 100).toFixed(0)}% / ${(o.topK.top5 * 100).toFixed(0)}% of ${o.topK.rows} row(s)`,
      ),
    );
  if (o.passingAtol !== undefined) {
    lines.push(
      kv(
        'would pass at',
        o.passingAtol === null
          ? 'no atol (non-finite values differ)'
          : `atol ${sci(o.passingAtol)} (rtol ${o.tolerance.rtol})`,
      ),
    );
  }
  return lines.flatMap((l) => wrap(l, ctx.width, '                         '));
}

/** One model on one backend: the result, then a block per output (against the reference, and the cpu). */
export function resultDetail(r: ModelResult, ctx: RenderContext = stdoutContext()): string {
  const paintStatus = colourFor(ctx);
  const head = `${safeText(r.model)} on ${r.backend}${r.adapter.kind === 'software' ? ' (software WebGPU, not GPU)' : ''}: `;
  const lines = wrap(
    `${head}${r.status.toUpperCase()}${r.meetsExpectation ? '' : ' (not as expected)'}${r.expectedStatus ? `, expected ${r.expectedStatus}` : ''}`,
    ctx.width,
    '  ',
  ).map((l, i) =>
    i === 0 && l.startsWith(head)
      ? `${head}${paintStatus(r.status, r.meetsExpectation, l.slice(head.length, head.length + r.status.length))}${l.slice(head.length + r.status.length)}`
      : l,
  );
  lines.push(
    ...wrap(
      `  producer ${safeText(r.producerName) || '(none)'} ${safeText(r.producerVersion)}; reference: ${safeText(r.referenceSource)} (${r.referenceKind})`,
      ctx.width,
      '    ',
    ),
  );
  if (r.latency)
    lines.push(
      `  session ${ms(r.latency.sessionCreateMs)}, first run ${ms(r.latency.firstRunMs)}${r.latency.stats ? `, p50 ${ms(r.latency.stats.p50)} over ${r.latency.stats.n} run(s)` : ''}`,
    );
  if (r.comparison) {
    for (const o of r.comparison.outputs) lines.push(...outputBlock(o, `the ${r.referenceKind} reference`, ctx));
    if (r.comparison.missing.length) lines.push(`  outputs missing: ${r.comparison.missing.map(safeText).join(', ')}`);
  }
  if (r.againstCpu) for (const o of r.againstCpu.outputs) lines.push(...outputBlock(o, 'the cpu backend', ctx));
  if (r.status !== 'pass') lines.push(...wrap(`  cause: ${safeText(resultCause(r, true))}`, ctx.width, '    '));
  return lines.join('\n');
}

export function renderVerify(run: VerifyRun, ctx: RenderContext = stdoutContext()): string {
  const backends = new Set(run.results.map((r) => r.backend));
  const lines: string[] = [];
  if (run.results.length === 1) lines.push(resultDetail(run.results[0]!, ctx));
  else if (backends.size > 1) lines.push(matrixTable(run.results, ctx));
  else lines.push(resultsTable(run.results, ctx));
  if (run.results.length > 1) {
    const frameworks = new Set(run.results.map((r) => r.framework ?? '(user model)'));
    if (frameworks.size > 1 || backends.size > 1)
      lines.push('', 'Per framework and backend:', summaryTable(run.results, ctx));
  }
  lines.push('', ...failureSummary(run.results, ctx));
  if (run.results.some((r) => r.adapter.kind === 'software')) {
    lines.push(
      ...wrap('* software WebGPU adapter (SwiftShader on the CPU): its latency is not GPU latency.', ctx.width, '  '),
    );
  }
  return lines.join('\n');
}

/** Pasteable markdown: one row per result (failures first), then every non-pass with its cause. */
export function verifyMarkdown(run: VerifyRun): string {
  const esc = (v: string) => safeText(v).replace(/\|/g, '\\|');
  const head = ['model', 'backend', 'adapter', 'status', 'expected', 'max abs err', 'vs cpu', 'p50', 'first run'];
  const rows = failuresFirst(run.results);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.model,
        r.backend,
        adapterLabel(r.adapter),
        r.meetsExpectation ? r.status : `**${r.status}** (not as expected)`,
        r.expectedStatus ?? '-',
        maxAbs(r),
        r.againstCpu ? (r.againstCpu.ok ? 'same' : 'differs') : '-',
        ms(r.latency?.stats?.p50),
        ms(r.latency?.firstRunMs),
      ]
        .map(esc)
        .join(' | ')} |`,
    );
  }
  const bad = rows.filter((r) => r.status !== 'pass');
  if (bad.length) {
    lines.push('');
    for (const r of bad)
      lines.push(
        `- ${r.meetsExpectation ? 'known' : '**unexpected**'}: ${esc(r.backend)} \`${esc(r.model)}\` ${r.status}: ${esc(resultCause(r, true))}`,
      );
  }
  const known = rows.filter((r) => r.meetsExpectation && r.status !== 'pass' && r.status !== 'no-reference').length;
  const unexpected = rows.filter((r) => !r.meetsExpectation).length;
  lines.push(
    '',
    `${rows.filter((r) => r.status === 'pass').length} of ${rows.length} pass; ${plural(known, 'known failure')}, ${plural(unexpected, 'unexpected result')}.`,
  );
  if (rows.some((r) => r.adapter.kind === 'software'))
    lines.push('', 'software (not GPU): SwiftShader WebGPU on the CPU; its latency is not GPU latency.');
  return lines.join('\n');
}
