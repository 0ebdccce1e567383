/** `zoo list` as a fitted table. */
import { bytes } from './numbers.js';
import { renderTable } from './table.js';
import { stdoutContext, type RenderContext } from './terminal.js';

export interface ZooListRow {
  name: string;
  framework: string | null;
  opset: number | null;
  modelBytes: number;
  archiveBytes: number | null;
  pulled: boolean;
}

export function zooListTable(rows: ZooListRow[], ctx: RenderContext = stdoutContext()): string {
  return renderTable(
    [
      { header: 'name', flex: true, min: 16 },
      { header: 'framework', flex: true, min: 8 },
      { header: 'opset', align: 'right' },
      { header: 'model', align: 'right' },
      { header: 'archive', align: 'right' },
      { header: 'pulled' },
    ],
    rows.map((r) => [
      r.name,
      r.framework ?? '-',
      r.opset ?? '-',
      bytes(r.modelBytes),
      r.archiveBytes === null ? '-' : bytes(r.archiveBytes),
      r.pulled ? 'yes' : '',
    ]),
    {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (_row, col) => (col === 5 ? 'green' : undefined),
    },
  );
}
