/**
 * Chart specifications (Vega-Lite, and Vega for the radars) and their rendering to SVG in Node,
 * with no browser and no canvas: vega's headless View renders SVG strings.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Scorecard } from '../scorecard/scores.js';
import type { LatencyRow } from './data.js';

const FONT = 'DejaVu Sans, Verdana, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};
const CATEGORY_NAMES: Record<string, string> = {
  support_community: 'Support & Community',
  api_internals: 'API & Internals',
  platform: 'Platform',
};

export async function renderVega(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  return renderVega(compile(spec).spec);
}

/** Width of a chart's plot area: two charts side by side fit the report's 1,352 px column at their natural size. */
export const CHART_WIDTH = 520;

/**
 * Grouped horizontal bars: each framework's three category scores and its overall, in one view.
 * Rendered at its natural size (never scaled down on a laptop), so its text stays 11 px.
 */
export function categoryBarsSpec(card: Scorecard, title: string): TopLevelSpec {
  const values = card.frameworks.flatMap((f) => [
    ...Object.entries(f.categories).map(([c, s]) => ({
      framework: f.name,
      category: CATEGORY_NAMES[c] ?? c,
      score: s.score ?? 0,
    })),
    { framework: f.name, category: 'Overall', score: f.overall.score ?? 0 },
  ]);
  const order = ['Support & Community', 'API & Internals', 'Platform', 'Overall'];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: CHART_WIDTH,
    height: { step: 6 },
    config: CONFIG,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'framework', type: 'nominal', sort: card.frameworks.map((f) => f.name), title: null },
      yOffset: { field: 'category', sort: order },
      x: { field: 'score', type: 'quantitative', scale: { domain: [0, 100] }, title: 'score (0-100)' },
      color: {
        field: 'category',
        type: 'nominal',
        sort: order,
        scale: { range: ['#4c78a8', '#f58518', '#54a24b', '#444444'] },
        legend: { orient: 'top', title: null, columns: 2, labelLimit: 240 },
      },
      tooltip: [{ field: 'framework' }, { field: 'category' }, { field: 'score', format: '.1f' }],
    },
  };
}

/** Overall score per framework in each view (horizontal bars): where the refreshed ONNX column moves things. */
export function overallComparisonSpec(
  rows: { framework: string; view: string; overall: number }[],
  order: string[],
): TopLevelSpec {
  const views = ['as published', 'corrected', 'refreshed'];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Overall score: as published, corrected, refreshed',
    width: CHART_WIDTH,
    height: { step: 8 },
    config: CONFIG,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'framework', type: 'nominal', sort: order, title: null },
      yOffset: { field: 'view', sort: views },
      x: { field: 'overall', type: 'quantitative', scale: { domain: [0, 100] }, title: 'overall' },
      color: {
        field: 'view',
        type: 'nominal',
        sort: views,
        scale: { range: ['#9ecae9', '#4c78a8', '#e45756'] },
        legend: { orient: 'top', title: null },
      },
      tooltip: [{ field: 'framework' }, { field: 'view' }, { field: 'overall', format: '.1f' }],
    },
  } as TopLevelSpec;
}

/** A radar (Vega) of the three category scores for a group of frameworks, like the article's. */
export function radarSpec(title: string, rows: { framework: string; key: string; value: number }[]): vega.Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: 200,
    height: 200,
    padding: { left: 120, right: 60, top: 40, bottom: 70 },
    autosize: { type: 'none', contains: 'content' },
    config: { text: { font: FONT }, title: { font: FONT }, legend: { labelFont: FONT } },
    title: { text: title, font: FONT },
    signals: [{ name: 'radius', update: 'width / 2' }],
    data: [
      { name: 'table', values: rows },
      { name: 'keys', source: 'table', transform: [{ type: 'aggregate', groupby: ['key'] }] },
      { name: 'rings', values: [20, 40, 60, 80, 100].map((v) => ({ v })) },
    ],
    scales: [
      {
        name: 'angular',
        type: 'point',
        range: { signal: '[-PI, PI]' },
        padding: 0.5,
        domain: { data: 'table', field: 'key' },
      },
      { name: 'radial', type: 'linear', range: { signal: '[0, radius]' }, zero: true, nice: false, domain: [0, 100] },
      {
        name: 'color',
        type: 'ordinal',
        domain: { data: 'table', field: 'framework' },
        range: { scheme: 'category10' },
      },
    ],
    encode: { enter: { x: { signal: 'radius' }, y: { signal: 'radius' } } },
    marks: [
      {
        type: 'symbol',
        from: { data: 'rings' },
        encode: {
          enter: {
            x: { value: 0 },
            y: { value: 0 },
            shape: { value: 'circle' },
            size: { signal: 'pow(2 * scale("radial", datum.v), 2)' },
            stroke: { value: '#ddd' },
            fillOpacity: { value: 0 },
          },
        },
      },
      {
        type: 'group',
        name: 'frameworks',
        zindex: 1,
        from: { facet: { data: 'table', name: 'facet', groupby: ['framework'] } },
        marks: [
          {
            type: 'line',
            from: { data: 'facet' },
            encode: {
              enter: {
                interpolate: { value: 'linear-closed' },
                x: { signal: "scale('radial', datum.value) * cos(scale('angular', datum.key))" },
                y: { signal: "scale('radial', datum.value) * sin(scale('angular', datum.key))" },
                stroke: { scale: 'color', field: 'framework' },
                strokeWidth: { value: 2 },
                fill: { scale: 'color', field: 'framework' },
                fillOpacity: { value: 0.12 },
              },
            },
          },
        ],
      },
      {
        type: 'rule',
        from: { data: 'keys' },
        zindex: 0,
        encode: {
          enter: {
            x: { value: 0 },
            y: { value: 0 },
            x2: { signal: "radius * cos(scale('angular', datum.key))" },
            y2: { signal: "radius * sin(scale('angular', datum.key))" },
            stroke: { value: '#ccc' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'keys' },
        zindex: 1,
        encode: {
          enter: {
            x: { signal: "(radius + 6) * cos(scale('angular', datum.key))" },
            y: { signal: "(radius + 6) * sin(scale('angular', datum.key))" },
            text: { field: 'key' },
            fontSize: { value: 11 },
            fill: { value: '#222' },
            align: [{ test: "abs(scale('angular', datum.key)) > PI / 2", value: 'right' }, { value: 'left' }],
            baseline: [
              { test: "scale('angular', datum.key) > 0", value: 'top' },
              { test: "scale('angular', datum.key) == 0", value: 'middle' },
              { value: 'bottom' },
            ],
          },
        },
      },
    ],
    legends: [{ stroke: 'color', fill: 'color', orient: 'bottom', direction: 'horizontal' }],
  } as vega.Spec;
}

export const ADAPTER_LABELS: Record<string, string> = {
  cpu: 'CPU / WASM',
  software: 'software WebGPU (SwiftShader on the CPU) — not GPU latency',
  hardware: 'hardware GPU (WebGPU)',
  unknown: 'unknown adapter',
};

/** Latency distribution per model and backend: min-max rule, p50-p90 bar, p99 tick; log scale. */
export function latencySpec(rows: LatencyRow[], title: string): TopLevelSpec {
  const values = rows.map((r) => ({
    ...r,
    label: `${r.model} · ${r.backend}`,
    adapterLabel: ADAPTER_LABELS[r.adapter] ?? r.adapter,
  }));
  const color = {
    field: 'adapterLabel',
    type: 'nominal' as const,
    title: 'adapter',
    scale: { domain: Object.values(ADAPTER_LABELS), range: ['#4c78a8', '#e45756', '#54a24b', '#999999'] },
    legend: { orient: 'top' as const, direction: 'vertical' as const, labelLimit: 420 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: { step: 15 },
    config: CONFIG,
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: 360, labelFontSize: 11 } },
    },
    layer: [
      {
        mark: { type: 'rule' },
        encoding: {
          x: {
            field: 'min',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'latency, ms (log scale): min–max line, p50–p90 bar, p99 tick',
          },
          x2: { field: 'max' },
          color,
        },
      },
      {
        mark: { type: 'bar', height: 8 },
        encoding: { x: { field: 'p50', type: 'quantitative' }, x2: { field: 'p90' }, color },
      },
      {
        mark: { type: 'tick', thickness: 2, size: 10, color: '#222' },
        encoding: { x: { field: 'p99', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}
