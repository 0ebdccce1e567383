import type { PathReport, PathRow, PathStep } from '../path/path.js';
import { adapterLabel, SOFTWARE_LABEL, SOFTWARE_NEXT_STEP } from '../backends/adapter.js';
import { offEpSummary } from '../backends/placement.js';
import { ms } from './numbers.js';
import { renderTable, type Column } from './table.js';
import { safeText, stdoutContext, wrap, type RenderContext } from './terminal.js';

const mark: Record<PathStep['status'], string> = { ok: 'ok  ', fail: 'FAIL', skipped: 'skip', warn: 'warn' };
const line = (s: PathStep) =>
  `  [${mark[s.status]}] ${s.step.padEnd(13)} ${safeText(s.detail)}${s.cause ? `  (cause: ${s.cause.kind}${s.cause.fix ? `; fix: ${safeText(s.cause.fix)}` : ''})` : ''}`;

const COLUMNS: Column[] = [
  { header: 'backend' },
  { header: 'model', flex: true },
  { header: 'adapter' },
  { header: 'loads' },
  { header: 'vs reference' },
  { header: 'vs cpu' },
  { header: 'p50', align: 'right' },
  { header: 'off the EP', flex: true, note: true },
];

function cells(r: PathRow, short: (id: string) => string): string[] {
  return [
    r.backend,
    short(r.model),
    r.adapter ? adapterLabel(r.adapter) : '-',
    r.loads,
    r.vsReference,
    r.vsCpu,
    r.p50Ms !== undefined ? ms(r.p50Ms) : '-',
    r.loads === 'yes' ? offEpSummary(r.placement) : '-',
  ];
}

/** The compute nodes that fell back, each with the runtime's reason, and what they cost in copies. */
function fallbackLines(rows: PathRow[], short: (id: string) => string): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const a = r.placement?.analysis;
    if (!a || a.fallback.length === 0) continue;
    const copies = a.memcpy ? `; ${a.memcpy} Memcpy node(s): ${a.memcpy} host-device copies per run` : '';
    out.push(
      `warning: ${r.backend} ${short(r.model)}: ${a.fallback.length} compute node(s) fell back from ${a.executionProvider} to the CPU${copies}`,
    );
    for (const f of a.fallback.slice(0, 10)) {
      const noKernel = f.reason && /kernel not found/i.test(f.reason);
      const why = noKernel
        ? `no ${a.executionProvider} kernel for ${f.op}${r.opset !== undefined ? ` at ai.onnx opset ${r.opset}` : ''} (type or version not implemented; onnxruntime: "${f.reason}")`
        : f.reason
          ? `onnxruntime: "${f.reason}"`
          : 'the runtime logged no reason';
      out.push(`  ${f.op}${f.name ? ` (${f.name})` : ''}: ${why}`);
    }
    if (a.fallback.length > 10) out.push(`  ... and ${a.fallback.length - 10} more (--json has them all)`);
  }
  return out;
}

export function renderPath(r: PathReport, ctx: RenderContext = stdoutContext()): string {
  const out = [
    `Prototype in ${safeText(r.from)}, deploy on ${r.to.join(', ')}: ${r.verdict.toUpperCase()}`,
    line(r.exporter),
    line(r.model),
  ];
  for (const b of r.backends) {
    out.push(`${b.backend}: ${b.verdict}${b.adapter ? `  [adapter ${safeText(b.adapter)}]` : ''}`);
    for (const s of b.steps) out.push(`  ${line(s)}`);
  }
  const text = out.flatMap((l) => wrap(l, ctx.width, ' '.repeat(Math.min(24, /^ */.exec(l)![0].length + 9))));
  const table = r.table ?? [];
  if (table.length) {
    const short = (id: string) => (id.includes('/') && !id.endsWith('.onnx') ? id : id.split('/').pop()!);
    text.push(
      '',
      renderTable(
        COLUMNS,
        table.map((row) => cells(row, short)),
        { width: ctx.width },
      ),
    );
    const fallback = fallbackLines(table, short);
    if (fallback.length) text.push('', ...fallback.flatMap((l) => wrap(safeText(l), ctx.width, '    ')));
  }
  if (r.softwareAdapter)
    text.push('', ...wrap(`${SOFTWARE_LABEL} WebGPU adapter: ${SOFTWARE_NEXT_STEP}`, ctx.width, '  '));
  return text.join('\n');
}
