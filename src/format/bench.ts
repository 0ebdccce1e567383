/** Bench output: two tables (latency; start-up, memory, throughput), CSV, and the footnotes. */
import { bytes } from './numbers.js';
import type { BenchRow, BenchRun } from '../bench/bench.js';
import { renderTable, type Column } from './table.js';
import { safeText, wrap } from './terminal.js';
import { failureSummary, failuresFirst, stdoutContext, type RenderContext } from './verify.js';

/** Milliseconds with three significant digits (sub-millisecond CPU latencies keep their precision). */
export function msValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function count(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return v >= 10 ** digits ? v.toFixed(0) : v.toPrecision(digits);
}

function gflop(flops: number | 'unknown'): string {
  return flops === 'unknown' ? 'unknown' : count(flops / 1e9);
}

/** Below 6 runs no distribution-free 95% CI of the median exists (2·0.5^n > 0.05): shown as such, not as a range. */
export const MIN_RUNS_FOR_CI = 6;
const hasCI = (r: BenchRow) => !!r.stats && r.stats.medianCICoverage >= 0.95;

const status = (r: BenchRow) => r.status + (r.meetsExpectation ? '' : ' !');
const median = (r: BenchRow) => {
  const s = r.stats;
  return !s
    ? '-'
    : hasCI(r)
      ? `${msValue(s.p50)} [${msValue(s.medianCI95[0])}, ${msValue(s.medianCI95[1])}]`
      : `${msValue(s.p50)} (n<${MIN_RUNS_FOR_CI}: no CI)`;
};

const LATENCY_HEAD = [
  'model',
  'backend',
  'adapter',
  'status',
  'n',
  'min',
  'mean',
  'median [95% CI]',
  'p90',
  'p99',
  'max',
  'stdev',
];
const latencyCells = (r: BenchRow) => {
  const s = r.stats;
  return [
    r.model,
    r.backend,
    r.adapterLabel,
    status(r),
    s ? String(s.n) : '-',
    msValue(s?.min),
    msValue(s?.mean),
    median(r),
    msValue(s?.p90),
    msValue(s?.p99),
    msValue(s?.max),
    msValue(s?.stdev),
  ];
};
const STARTUP_HEAD = ['model', 'backend', 'adapter', 'session', 'first run', 'peak RSS', 'inf/s', 'GFLOP', 'GFLOP/s'];
const startupCells = (r: BenchRow) => [
  r.model,
  r.backend,
  r.adapterLabel,
  msValue(r.sessionCreateMs),
  msValue(r.firstRunMs),
  r.peakRssBytes !== null ? bytes(r.peakRssBytes) : '-',
  count(r.throughputPerS),
  gflop(r.flops),
  count(r.gflopsPerS),
];
// The adapter label is never cut: "software (not GPU)" must stay whole.
const columnsOf = (head: string[]): Column[] =>
  head.map((h, i) =>
    i === 0
      ? { header: h, flex: true, min: 16 }
      : h === 'adapter'
        ? { header: h, min: 18 }
        : { header: h, align: i >= (head === LATENCY_HEAD ? 4 : 2) ? ('right' as const) : ('left' as const) },
  );

export function latencyTable(rows: BenchRow[], ctx: RenderContext = stdoutContext()): string {
  const sorted = failuresFirst(rows);
  return renderTable(columnsOf(LATENCY_HEAD), sorted.map(latencyCells), { width: ctx.width });
}

export function startupTable(rows: BenchRow[], ctx: RenderContext = stdoutContext()): string {
  if (ctx.width < 100) {
    // Narrow: the adapter is in the lines above (and the footnote); GFLOP per inference is in --format markdown/csv.
    const keep = STARTUP_HEAD.map((h, i) => (h === 'adapter' || h === 'GFLOP' ? -1 : i)).filter((i) => i >= 0);
    const cols = columnsOf(STARTUP_HEAD);
    return renderTable(
      keep.map((i) => cols[i]!),
      failuresFirst(rows).map((r) => {
        const c = startupCells(r);
        return keep.map((i) => c[i]!);
      }),
      { width: ctx.width },
    );
  }
  return renderTable(columnsOf(STARTUP_HEAD), failuresFirst(rows).map(startupCells), { width: ctx.width });
}

/** Narrow terminals: one line per model and backend with the numbers people compare first. */
function benchLines(rows: BenchRow[], ctx: RenderContext): string[] {
  const out: string[] = [];
  for (const r of failuresFirst(rows)) {
    const s = r.stats;
    const nums = s
      ? `median ${median(r)} ms, p90 ${msValue(s.p90)}, n ${s.n}; session ${msValue(r.sessionCreateMs)} ms, first run ${msValue(r.firstRunMs)} ms`
      : '';
    out.push(
      ...wrap(
        `${status(r)}  ${r.backend}${r.adapter.kind === 'software' ? ` [${r.adapterLabel}]` : ''}  ${safeText(r.model)}${nums ? `  ${nums}` : ''}`,
        ctx.width,
        '    ',
      ),
    );
  }
  return out;
}

export const SOFTWARE_FOOTNOTE =
  'software (not GPU): this WebGPU adapter is SwiftShader, a software renderer running on the CPU. ' +
  'Its latency is not GPU latency and says nothing about how fast a GPU would be.';

function planLine(run: BenchRun): string {
  const p = run.plan;
  const runs = p.iterations >= 1_000_000 ? 'as many timed runs as fit' : `up to ${p.iterations} timed run(s)`;
  const budget =
    p.maxDurationMs !== undefined ? ` within ${p.maxDurationMs / 1000} s (warm-up included, at least one run)` : '';
  return (
    `plan: first run, ${p.warmup} warm-up run(s), ${runs}${budget}; threads: ${run.threads ?? 'runtime default'}; ` +
    `machine: ${run.machine.cpuCount} × ${run.machine.cpuModel}, node ${run.machine.node}`
  );
}

export function renderBench(run: BenchRun, ctx: RenderContext = stdoutContext()): string {
  const notes = [
    planLine(run),
    'session: session creation in a fresh worker process (runtime start-up included); first run: the first session.run; ' +
      "peak RSS: the worker process's peak resident memory while this model ran (- in Chromium, where the page's process cannot be told apart from spare renderers); " +
      'inf/s: 1000 / mean; GFLOP: 2 × multiply-accumulates of Conv/ConvTranspose/Gemm/MatMul/LSTM/GRU/RNN per inference; GFLOP/s at the median.',
  ];
  if (run.rows.some((r) => r.adapter.kind === 'software')) notes.push(SOFTWARE_FOOTNOTE);
  if (run.rows.some((r) => r.stats && !hasCI(r))) {
    notes.push(
      `n<${MIN_RUNS_FOR_CI}: too few timed runs for a 95% CI of the median (slow runs used up the time budget); give --iterations N or a longer --duration.`,
    );
  }
  const unknown = Object.entries(run.work).filter(([, w]) => w.flops === 'unknown');
  for (const [model, w] of unknown) {
    notes.push(
      `GFLOP unknown for ${safeText(model)}: ${safeText(w.note ?? `${w.unresolved.length} node(s) unresolved, e.g. ${w.unresolved[0] ?? '?'}`)}`,
    );
  }
  const tables =
    ctx.width < 130
      ? [
          'Latency of timed runs (ms) and start-up:',
          ...benchLines(run.rows, ctx),
          '',
          'Start-up (ms), memory, throughput, work:',
          startupTable(run.rows, ctx),
        ]
      : [
          'Latency of timed runs (ms):',
          latencyTable(run.rows, ctx),
          '',
          'Start-up (ms), memory, throughput, work:',
          startupTable(run.rows, ctx),
        ];
  const summary = run.rows.some((r) => r.status !== 'pass' || !r.meetsExpectation)
    ? ['', ...failureSummary(run.rows, ctx)]
    : [];
  return [...tables, ...summary, '', ...notes.flatMap((n) => wrap(n, ctx.width, '  '))].join('\n');
}

/** Pasteable markdown: the two tables and the notes. */
export function benchMarkdown(run: BenchRun): string {
  const esc = (v: string) => safeText(v).replace(/\|/g, '\\|');
  const table = (head: string[], rows: string[][]) => [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  const rows = failuresFirst(run.rows);
  const lines = [
    '### Latency of timed runs (ms)',
    '',
    ...table(LATENCY_HEAD, rows.map(latencyCells)),
    '',
    '### Start-up (ms), memory, throughput, work',
    '',
    ...table(STARTUP_HEAD, rows.map(startupCells)),
    '',
    `- ${esc(planLine(run))}`,
  ];
  if (run.rows.some((r) => r.adapter.kind === 'software')) lines.push(`- ${SOFTWARE_FOOTNOTE}`);
  const bad = rows.filter((r) => r.status !== 'pass' || !r.meetsExpectation);
  for (const r of bad)
    lines.push(
      `- **${esc(r.model)}** on ${r.backend}: ${r.status}${r.meetsExpectation ? ' (expected)' : ' (not as expected)'}${r.reason ? `: ${esc(r.reason)}` : ''}`,
    );
  return lines.join('\n');
}

export const CSV_COLUMNS = [
  'model',
  'backend',
  'adapter',
  'status',
  'meets_expectation',
  'session_create_ms',
  'first_run_ms',
  'n',
  'min_ms',
  'mean_ms',
  'median_ms',
  'median_ci95_low_ms',
  'median_ci95_high_ms',
  'p90_ms',
  'p99_ms',
  'max_ms',
  'stdev_ms',
  'peak_rss_bytes',
  'throughput_per_s',
  'flops',
  'gflops_per_s',
] as const;

function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header and one row per model × backend; empty cells where a value is not available (the CI below 6 runs). */
export function benchCsv(rows: BenchRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const s = r.stats;
    lines.push(
      [
        r.model,
        r.backend,
        r.adapterLabel,
        r.status,
        r.meetsExpectation,
        r.sessionCreateMs,
        r.firstRunMs,
        s?.n,
        s?.min,
        s?.mean,
        s?.p50,
        hasCI(r) ? s?.medianCI95[0] : null,
        hasCI(r) ? s?.medianCI95[1] : null,
        s?.p90,
        s?.p99,
        s?.max,
        s?.stdev,
        r.peakRssBytes,
        r.throughputPerS,
        r.flops === 'unknown' ? 'unknown' : r.flops,
        r.gflopsPerS,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
