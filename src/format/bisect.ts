import type { BisectReport, NodeError } from '../bisect/bisect.js';
import { sci } from './numbers.js';
import { renderTable, type Column } from './table.js';
import { safeText, wrap } from './terminal.js';
import { stdoutContext, type RenderContext } from './terminal.js';

const row = (n: NodeError) => [String(n.index), n.node, n.opType, n.output, n.ok ? 'ok' : 'DIFFERS', sci(n.maxAbsError), `${n.mismatches}/${n.elements}`];

export function renderBisect(r: BisectReport, ctx: RenderContext = stdoutContext()): string {
  const text = (l: string) => wrap(safeText(l), ctx.width, '  ');
  const against = r.againstModel ? `${r.againstModel} on ${r.against}` : r.against;
  const lines = text(`${r.model}: ${r.backend} against ${against}, ${r.compared} intermediate tensors compared (atol ${r.tolerance.atol}, rtol ${r.tolerance.rtol})`);
  if (!r.firstDivergent) return [...lines, 'No node output differs beyond tolerance.'].join('\n');
  const f = r.firstDivergent;
  lines.push(...text(`First divergent node: #${f.index} ${f.node} (${f.opType}), output ${f.output}: max abs error ${sci(f.maxAbsError)}, ${f.mismatches}/${f.elements} elements beyond tolerance${f.problem ? ` (${f.problem})` : ''}`));
  if (r.differingInitializers.length) lines.push(...text(`Initializers that differ between the files: ${r.differingInitializers.join(', ')}`));
  const columns: Column[] = [
    { header: '#', align: 'right' }, { header: 'node', flex: true, min: 10 }, { header: 'op' }, { header: 'output', flex: true, min: 10 },
    { header: 'status' }, { header: 'max |err|', align: 'right' }, { header: 'mismatches', align: 'right' },
  ];
  lines.push('Error growth from there to the graph output:', renderTable(columns, r.path.map(row), {
    width: ctx.width, colourOn: ctx.colour, colour: (i, col) => (col === 4 ? (r.path[i]!.ok ? 'green' : 'red') : undefined),
  }));
  lines.push(r.finalOutputsDiffer ? 'The graph outputs differ.' : 'The graph outputs still agree within tolerance.');
  return lines.join('\n');
}
