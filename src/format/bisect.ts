import Table from 'cli-table3';
import type { BisectReport, NodeError } from '../bisect/bisect.js';
import { sci } from './numbers.js';

const row = (n: NodeError) => [String(n.index), n.node, n.opType, n.output, n.ok ? 'ok' : 'DIFFERS', sci(n.maxAbsError), `${n.mismatches}/${n.elements}`];

export function renderBisect(r: BisectReport): string {
  const against = r.againstModel ? `${r.againstModel} on ${r.against}` : r.against;
  const lines = [`${r.model}: ${r.backend} against ${against}, ${r.compared} intermediate tensors compared (atol ${r.tolerance.atol}, rtol ${r.tolerance.rtol})`];
  if (!r.firstDivergent) {
    lines.push('No node output differs beyond tolerance.');
    return lines.join('\n');
  }
  const f = r.firstDivergent;
  lines.push(`First divergent node: #${f.index} ${f.node} (${f.opType}), output ${f.output}: max abs error ${sci(f.maxAbsError)}, ${f.mismatches}/${f.elements} elements beyond tolerance${f.problem ? ` (${f.problem})` : ''}`);
  if (r.differingInitializers.length) lines.push(`Initializers that differ between the files: ${r.differingInitializers.join(', ')}`);
  const t = new Table({ head: ['#', 'node', 'op', 'output', 'status', 'max |err|', 'mismatches'], style: { head: [], border: [] } });
  for (const n of r.path) t.push(row(n));
  lines.push('Error growth from there to the graph output:', t.toString());
  lines.push(r.finalOutputsDiffer ? 'The graph outputs differ.' : 'The graph outputs still agree within tolerance.');
  return lines.join('\n');
}
