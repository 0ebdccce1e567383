import type { BisectReport, NodeError } from '../bisect/bisect.js';
import { sci } from './numbers.js';
import { attributesText } from './nodes.js';
import { renderTable, type Column } from './table.js';
import { safeText, wrap } from './terminal.js';
import { stdoutContext, type RenderContext } from './terminal.js';

const row = (n: NodeError) => [
  String(n.index),
  n.node,
  n.opType,
  n.output,
  n.ok ? 'ok' : 'DIFFERS',
  sci(n.maxAbsError),
  `${n.mismatches}/${n.elements}`,
];

/** `againstDefault`: --against was not given, so the header says which backend was taken. */
export function renderBisect(r: BisectReport, againstDefault = false, ctx: RenderContext = stdoutContext()): string {
  const text = (l: string) => wrap(safeText(l), ctx.width, '  ');
  const against = r.againstModel
    ? `${r.againstModel} on ${r.against}`
    : `${r.against}${againstDefault ? ' (the default --against)' : ''}`;
  const lines = text(
    `${r.model}: ${r.backend} against ${against}, ${r.compared} intermediate tensors compared (atol ${r.tolerance.atol}, rtol ${r.tolerance.rtol}: verify's tolerance policy for the pair)`,
  );
  if (!r.firstDivergent) return [...lines, 'No node output differs beyond tolerance.'].join('\n');
  const f = r.firstDivergent;
  lines.push(
    ...text(
      `First divergent node: #${f.index} ${f.node} (${f.opType}), output ${f.output}: max abs error ${sci(f.maxAbsError)}, ${f.mismatches}/${f.elements} elements beyond tolerance${f.problem ? ` (${f.problem})` : ''}`,
    ),
  );
  const d = r.divergentNode;
  if (d) {
    lines.push(
      ...text(
        `  op ${d.domain}:${d.opType}, opset ${d.opset ?? '(not imported)'}; attributes: ${d.attributes.length ? attributesText(d.attributes) : '(none)'}`,
      ),
    );
    if (d.inputs.length) {
      lines.push('  its inputs, compared between the two sides:');
      for (const i of d.inputs) {
        const what = i.problem
          ? i.problem
          : `${i.ok ? 'agree' : 'already differ'}: max abs error ${sci(i.maxAbsError)}, ${i.mismatches}/${i.elements} beyond tolerance`;
        lines.push(
          ...text(
            `    ${i.name} (${i.source}${i.dtype ? `, ${i.dtype} [${(i.shape ?? []).join(', ')}]` : ''}): ${what}`,
          ),
        );
      }
    }
  }
  if (r.differingInitializers.length)
    lines.push(...text(`Initializers that differ between the files: ${r.differingInitializers.join(', ')}`));
  const columns: Column[] = [
    { header: '#', align: 'right' },
    { header: 'node', flex: true, min: 10 },
    { header: 'op' },
    { header: 'output', flex: true, min: 10 },
    { header: 'status' },
    { header: 'max |err|', align: 'right' },
    { header: 'mismatches', align: 'right' },
  ];
  lines.push(
    'Error growth from there to the graph output:',
    renderTable(columns, r.path.map(row), {
      width: ctx.width,
      colourOn: ctx.colour,
      colour: (i, col) => (col === 4 ? (r.path[i]!.ok ? 'green' : 'red') : undefined),
    }),
  );
  lines.push(r.finalOutputsDiffer ? 'The graph outputs differ.' : 'The graph outputs still agree within tolerance.');
  if (r.extracted) {
    const x = r.extracted;
    const grown = (x.nodes?.length ?? 1) > 1;
    lines.push(
      `Extracted ${grown ? `the node and ${x.nodes!.length - 1} node(s) upstream of it` : 'the node'} to ${x.dir} (model.onnx, test_data_set_0 with ${x.inputs.length} input(s) and ${r.against}'s outputs, README.md).`,
    );
    for (const a of x.attempts ?? [])
      lines.push(
        `  ${a.step === 0 ? 'the node alone' : `grown ${a.step} step(s), ${a.nodes} nodes`}: ${a.checks.map((c) => `${c.backend} ${c.error ? `failed (${c.error})` : c.ok ? 'matches' : `differs (max abs error ${sci(c.maxAbsError)}, ${c.mismatches}/${c.elements} beyond tolerance)`}`).join(', ')}${a.reproduced ? ': reproduces' : ''}`,
      );
    if (x.reproduced === false)
      lines.push(
        `  did not reproduce in any extracted subgraph${x.stoppedBecause ? ` (stopped: ${x.stoppedBecause})` : ''}; the folder holds the last one tried`,
      );
    if (!x.attempts)
      for (const c of x.checks) {
        lines.push(
          `  the node alone on ${c.backend}: ${c.error ? `failed (${c.error})` : c.ok ? 'matches the reference' : `differs (max abs error ${sci(c.maxAbsError)}, ${c.mismatches}/${c.elements} beyond tolerance)`}`,
        );
      }
    lines.push(`  reproduce: ${x.commands.reproduce}`);
    if (x.commands.pass) lines.push(`  compare:   ${x.commands.pass}`);
  }
  if (r.extractError) lines.push(`Extraction failed: ${r.extractError}`);
  return lines.join('\n');
}
