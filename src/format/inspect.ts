/**
 * `inspect` as text. Everything in it comes from the model file (names, producer, metadata, doc
 * strings), so every field goes through safeText: an ESC sequence in a producer name is shown, not run.
 */
import type { ModelSummary, PortInfo } from '../onnx/inspect.js';
import { bytes } from './numbers.js';
import { renderTable } from './table.js';
import { safeText, stdoutContext, wrap, type RenderContext } from './terminal.js';

const port = (p: PortInfo) =>
  `  ${safeText(p.name)}: ${safeText(p.elemType)} ${p.shape ? `[${p.shape.map(safeText).join(', ')}]` : '(shape unknown)'}`;

/** `exporterLine`: the fingerprint's verdict (scorecard/attribution.ts describeExporter). */
export function renderInspect(s: ModelSummary, exporterLine?: string, ctx: RenderContext = stdoutContext()): string {
  const field = (name: string, value: string) => wrap(`${name.padEnd(12)} ${value}`, ctx.width, ' '.repeat(13));
  return [
    ...field('model', safeText(s.path)),
    ...field('producer', `${safeText(s.producerName) || '(none)'} ${safeText(s.producerVersion)}`),
    ...field('graph', safeText(s.graphName) || '(no name)'),
    ...(exporterLine ? wrap(safeText(exporterLine), ctx.width, ' '.repeat(13)) : []),
    ...field('IR version', String(s.irVersion)),
    ...field('opsets', s.opsets.map((o) => `${safeText(o.domain)} ${o.version}`).join(', ') || '(none)'),
    'inputs',
    ...s.inputs.map(port),
    'outputs',
    ...s.outputs.map(port),
    ...field('nodes', String(s.nodeCount)),
    ...field(
      'ops',
      Object.entries(s.opCounts)
        .map(([k, v]) => `${safeText(k)}×${v}`)
        .join(', '),
    ),
    ...field('parameters', `${s.parameterCount.toLocaleString('en-US')} (${bytes(s.parameterBytes)})`),
    ...field('file', `${bytes(s.sizeBytes)}, sha256 ${s.sha256}`),
    ...(Object.keys(s.metadata).length
      ? field(
          'metadata',
          Object.entries(s.metadata)
            .map(([k, v]) => `${safeText(k)}=${safeText(v)}`)
            .join(', '),
        )
      : []),
    ...(s.externalData.length
      ? ['external data', ...s.externalData.map((e) => `  ${safeText(e.tensor)} -> ${safeText(e.location)}`)]
      : []),
  ].join('\n');
}

/** Several models (a group or a folder): one row each, the same for every folder. */
export function inspectTable(
  rows: Array<{ id: string; summary: ModelSummary }>,
  ctx: RenderContext = stdoutContext(),
): string {
  return renderTable(
    [
      { header: 'model', flex: true, min: 20 },
      { header: 'producer', flex: true, min: 10 },
      { header: 'IR', align: 'right' },
      { header: 'opsets', flex: true, min: 8 },
      { header: 'nodes', align: 'right' },
      { header: 'parameters', align: 'right' },
      { header: 'size', align: 'right' },
    ],
    rows.map(({ id, summary: s }) => [
      id,
      `${s.producerName || '(none)'} ${s.producerVersion}`.trim(),
      s.irVersion,
      s.opsets
        .map((o) => `${o.domain === 'ai.onnx' || o.domain === '' ? '' : `${o.domain} `}${o.version}`)
        .join(', ') || '-',
      s.nodeCount,
      s.parameterCount.toLocaleString('en-US'),
      bytes(s.sizeBytes),
    ]),
    { width: ctx.width },
  );
}
