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
export { MIN_RUNS_FOR_CI } from '../bench/bench.js';
import { MIN_RUNS_FOR_CI } from '../bench/bench.js';
import type { ThreadsUsed } from '../backends/types.js';

/** A unit for a latency in milliseconds: µs below 1 ms, s from 1000 ms. */
function unitFor(ms: number): { unit: string; scale: number } {
  return ms < 1 ? { unit: 'µs', scale: 1000 } : ms >= 1000 ? { unit: 's', scale: 0.001 } : { unit: 'ms', scale: 1 };
}

/** A latency in human units, three significant digits: 165 µs, 1.26 ms, 1.50 s. */
export function humanMs(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  const { unit, scale } = unitFor(v);
  return `${msValue(v * scale)} ${unit}`;
}

/** Median with its CI in one unit (the median's): `165 [155, 189] µs`. */
function humanMedian(r: BenchRow): string {
  const s = r.stats;
  if (!s) return '-';
  const { unit, scale } = unitFor(s.p50);
  const f = (v: number) => msValue(v * scale);
  return hasCI(r)
    ? `${f(s.p50)} [${f(s.medianCI95[0])}, ${f(s.medianCI95[1])}] ${unit}`
    : `${f(s.p50)} ${unit} (n<${MIN_RUNS_FOR_CI}: no CI)`;
}

/** Inferences per second in human units: 226 /s, 6.06 k/s. */
export function perSecond(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return v >= 1000 ? `${(v / 1000).toPrecision(3)} k/s` : `${v.toPrecision(3)} /s`;
}

/** The latency ratio to cpu: `1.00×` on cpu, `3.45×` for a backend 3.45 times slower. */
export function ratio(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
}

/** Threads of a row: `2`, `default`, `2 + 2 inter`. */
export function threadsCell(t: ThreadsUsed | null | undefined): string {
  if (!t) return '-';
  return `${t.intraOp}${t.interOp ? ` + ${t.interOp} inter` : ''}`;
}

/** One note per backend on how its threads came to be (not crossOriginIsolated, runtime default, ...). */
function threadNotes(rows: BenchRow[]): string[] {
  const seen = new Map<string, string>();
  for (const r of rows) if (r.threads?.note && !seen.has(r.backend)) seen.set(r.backend, r.threads.note);
  return [...seen].map(([b, n]) => `threads on ${b}: ${n}.`);
}
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
const STARTUP_HEAD = [
  'model',
  'backend',
  'adapter',
  'threads',
  'x cpu',
  'session',
  'first run',
  'peak RSS',
  'inf/s',
  'GFLOP',
  'GFLOP/s',
];
const startupCells = (r: BenchRow) => [
  r.model,
  r.backend,
  r.adapterLabel,
  threadsCell(r.threads),
  ratio(r.xCpu),
  msValue(r.sessionCreateMs),
  msValue(r.firstRunMs),
  r.peakRssBytes !== null ? bytes(r.peakRssBytes) : '-',
  count(r.throughputPerS),
  gflop(r.flops),
  count(r.gflopsPerS),
];

/** The pasteable table: one row per model × backend, human units, the ratio to cpu. */
const MARKDOWN_HEAD = [
  'model',
  'backend',
  'adapter',
  'threads',
  'status',
  'n',
  'median [95% CI]',
  'p90',
  'x cpu',
  'throughput',
  'GFLOP/s',
  'session',
  'first run',
  'peak RSS',
];
const markdownCells = (r: BenchRow) => [
  r.model,
  r.backend,
  r.adapterLabel,
  threadsCell(r.threads),
  status(r),
  r.stats ? String(r.stats.n) : '-',
  humanMedian(r),
  humanMs(r.stats?.p90),
  ratio(r.xCpu),
  perSecond(r.throughputPerS),
  count(r.gflopsPerS),
  humanMs(r.sessionCreateMs),
  humanMs(r.firstRunMs),
  r.peakRssBytes !== null ? bytes(r.peakRssBytes) : '-',
];

/** --profile: the top nodes by time per model and backend, from onnxruntime's own profile. */
const PROFILE_HEAD = ['model', 'backend', 'node', 'op', 'provider', 'per run', 'share'];
function profileCells(rows: BenchRow[]): string[][] {
  const out: string[][] = [];
  for (const r of rows) {
    const p = r.profile;
    if (!p || !('top' in p)) continue;
    for (const n of p.top)
      out.push([
        r.model,
        r.backend,
        n.node,
        n.op,
        n.provider.replace(/ExecutionProvider$/, ''),
        humanMs(n.usPerRun / 1000),
        `${(n.share * 100).toFixed(1)}%`,
      ]);
  }
  return out;
}
function profileNotes(rows: BenchRow[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    const p = r.profile;
    if (!p) continue;
    if ('unsupported' in p) notes.push(`profile ${r.model} on ${r.backend}: none (${p.unsupported}).`);
    else
      notes.push(
        `profile ${r.model} on ${r.backend}: ${p.nodes} node(s), ${humanMs(p.nodeUsPerRun / 1000)} of node time per run over ${p.runs} session run(s) (first, warm-up and timed)${p.file ? `; onnxruntime's trace: ${p.file}` : ''}.`,
      );
  }
  return notes;
}
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
    const keep = STARTUP_HEAD.map((h, i) => (['adapter', 'GFLOP', 'threads', 'x cpu'].includes(h) ? -1 : i)).filter(
      (i) => i >= 0,
    );
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
      ? `median ${median(r)} ms, p90 ${msValue(s.p90)}, n ${s.n}${r.xCpu ? `, ${ratio(r.xCpu)} cpu` : ''}; threads ${threadsCell(r.threads)}; session ${msValue(r.sessionCreateMs)} ms, first run ${msValue(r.firstRunMs)} ms`
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

function sessionNote(run: BenchRun): string[] {
  const k = run.session;
  if (!k) return [];
  const parts = [
    ...(k.graphOptimization ? [`graph optimization ${k.graphOptimization}`] : []),
    ...(k.interOpThreads ? [`${k.interOpThreads} inter-op thread(s), parallel execution`] : []),
    ...Object.entries(k.executionProviderOptions ?? {}).map(
      ([b, o]) =>
        `${b} EP options ${Object.entries(o)
          .map(([key, v]) => `${key}=${v}`)
          .join(', ')}`,
    ),
    ...(k.profile ? ['onnxruntime profiling on (it slows the runs a little)'] : []),
  ];
  return parts.length ? [`session: ${parts.join('; ')}.`] : [];
}

function planLine(run: BenchRun): string {
  const p = run.plan;
  const runs = p.iterations >= 1_000_000 ? 'as many timed runs as fit' : `up to ${p.iterations} timed run(s)`;
  const atLeast = Math.min(p.iterations, p.minIterations ?? 1);
  const budget =
    p.maxDurationMs !== undefined
      ? ` within ${p.maxDurationMs / 1000} s (warm-up included, at least ${atLeast === 1 ? 'one run' : `${atLeast} runs, past the budget if runs are slow`})`
      : '';
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
      'inf/s: 1000 / median (the headline statistic); x cpu: median over the cpu median of the same model; GFLOP: 2 × multiply-accumulates of Conv/ConvTranspose/Gemm/MatMul/LSTM/GRU/RNN per inference; GFLOP/s at the median.',
    ...threadNotes(run.rows),
    ...sessionNote(run),
    ...profileNotes(run.rows),
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
  const top = profileCells(failuresFirst(run.rows));
  if (top.length)
    tables.push(
      '',
      'Top nodes by time (onnxruntime profile):',
      renderTable(
        PROFILE_HEAD.map((h, i) =>
          i === 2
            ? { header: h, flex: true, min: 12 }
            : { header: h, align: i >= 5 ? ('right' as const) : ('left' as const) },
        ),
        top,
        { width: ctx.width },
      ),
    );
  const summary = run.rows.some((r) => r.status !== 'pass' || !r.meetsExpectation)
    ? ['', ...failureSummary(run.rows, ctx)]
    : [];
  return [...tables, ...summary, '', ...notes.flatMap((n) => wrap(n, ctx.width, '  '))].join('\n');
}

/** Pasteable markdown: one table (a row per model × backend, human units, x cpu), top nodes with --profile, the notes. */
export function benchMarkdown(run: BenchRun): string {
  const esc = (v: string) => safeText(v).replace(/\|/g, '\\|');
  const table = (head: string[], rows: string[][]) => [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i >= 5 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  const rows = failuresFirst(run.rows);
  const lines = ['### Benchmark', '', ...table(MARKDOWN_HEAD, rows.map(markdownCells)), ''];
  const top = profileCells(rows);
  if (top.length) lines.push('### Top nodes by time (onnxruntime profile)', '', ...table(PROFILE_HEAD, top), '');
  lines.push(
    `- ${esc(planLine(run))}`,
    '- median: of the timed runs, with its distribution-free 95% CI; throughput: 1000 / median (sequential runs); x cpu: median over the cpu median of the same model; GFLOP/s at the median; session: session creation in a fresh worker process.',
  );
  for (const n of [...threadNotes(run.rows), ...sessionNote(run), ...profileNotes(run.rows)]) lines.push(`- ${esc(n)}`);
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
