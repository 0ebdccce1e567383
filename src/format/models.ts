/** `models` as a fitted table: id, framework, producer, reference kind, expected outcome, source. */
import type { ModelManifest } from '../models/manifest.js';
import { renderTable } from './table.js';
import { stdoutContext, type RenderContext } from './terminal.js';

export function modelsTable(manifests: ModelManifest[], ctx: RenderContext = stdoutContext()): string {
  return renderTable(
    [
      { header: 'id', flex: true, min: 24 },
      { header: 'framework' },
      { header: 'producer', flex: true, min: 8 },
      { header: 'reference' },
      { header: 'expected' },
      { header: 'source', flex: true, min: 12 },
    ],
    manifests.map((m) => [
      m.id,
      m.framework,
      m.expectedProducer,
      m.reference.kind,
      m.expected.status,
      `${m.source.repository}@${m.source.commit}`,
    ]),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (row, col) => (col === 4 && manifests[row]!.expected.status !== 'pass' ? 'yellow' : undefined),
    },
  );
}
