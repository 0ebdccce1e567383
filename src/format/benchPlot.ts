/**
 * `bench --plot out.svg`: the report's latency chart (report/charts.ts, Vega-Lite rendered to SVG in
 * Node) for one bench run: per model and backend, min–max, p50–p90 and p99, coloured by adapter so
 * software WebGPU is never read as GPU latency.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { InputError, WorkbenchError } from '../errors.js';
import type { LatencyRow } from '../report/data.js';
import type { BenchRun } from '../bench/bench.js';

export function plotRows(run: BenchRun, record = ''): LatencyRow[] {
  return run.rows
    .filter((r) => r.stats)
    .map((r) => ({
      model: r.model,
      backend: r.backend,
      adapter: r.adapter.kind,
      min: r.stats!.min,
      p50: r.stats!.p50,
      p90: r.stats!.p90,
      p99: r.stats!.p99,
      max: r.stats!.max,
      n: r.stats!.n,
      firstRunMs: r.firstRunMs ?? 0,
      record,
    }));
}

/** Refuse, before anything runs, a --plot target that exists (never overwritten) or is not .svg. */
export function checkPlotTarget(path: string): void {
  if (!/\.svg$/i.test(path)) throw new InputError(`--plot ${path}: the plot is an SVG file; name it *.svg`);
  if (existsSync(path))
    throw new InputError(`${path}: exists; --plot never overwrites a file (remove it or name another)`);
}

export async function benchPlotSvg(run: BenchRun, record = ''): Promise<string> {
  const rows = plotRows(run, record);
  if (rows.length === 0) throw new WorkbenchError('--plot: no row has timed runs to plot', 1);
  const { latencySpec, renderVegaLite } = await import('../report/charts.js');
  return renderVegaLite(latencySpec(rows, 'bench: latency per model and backend (ms)'));
}

/** Write the plot; `wx`: a file that appeared meanwhile is not overwritten either. */
export async function writePlot(path: string, run: BenchRun, record = ''): Promise<void> {
  const svg = await benchPlotSvg(run, record);
  try {
    writeFileSync(path, svg, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new InputError(`${path}: exists; --plot never overwrites a file (remove it or name another)`);
    throw new WorkbenchError(`${path}: cannot write the plot (${code ?? (e as Error).message})`, 2);
  }
}
