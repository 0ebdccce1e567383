/** Node renderings: an attribute in one short line, and `inspect --show nodes` (every node with its inputs, outputs, attributes). */
import type { AttributeValue, NodeAttribute, NodeListing } from '../onnx/attributes.js';
import { layoutTable, type Column } from './table.js';

/** An attribute value in one short line: `axis=1`, `kernel_shape=[3, 3]`, `value=float32[] (0.5)`. */
export function attributeText(v: AttributeValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(attributeText).join(', ')}]`;
  if ('tensor' in v)
    return `${v.tensor}[${v.dims.join(', ')}]${v.values ? ` (${v.values.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')})` : ''}`;
  if ('graph' in v) return `graph ${v.graph || '(unnamed)'} (${v.nodes} nodes)`;
  if ('ref' in v) return `@${v.ref}`;
  return v.type;
}

/** `name=value` for each attribute, comma-separated. */
export function attributesText(attrs: NodeAttribute[]): string {
  return attrs.map((a) => `${a.name}=${attributeText(a.value)}`).join(', ');
}

/** `inspect --show nodes`: one row per node; attributes too with `--attrs` (a cell cut to fit ends in …; --json has them whole). */
export function renderNodes(nodes: NodeListing[], width: number, withAttrs: boolean): string {
  const columns: Column[] = [
    { header: '#', align: 'right' },
    { header: 'node', flex: true },
    { header: 'op' },
    { header: 'inputs', flex: true },
    { header: 'outputs', flex: true },
    ...(withAttrs ? [{ header: 'attributes', flex: true, min: 24 } as Column] : []),
  ];
  const rows = nodes.map((n) => [
    String(n.index),
    n.name || '(unnamed)',
    n.domain === 'ai.onnx' ? n.opType : `${n.domain}:${n.opType}`,
    n.inputs.map((i) => i || '(none)').join(', '),
    n.outputs.map((o) => o || '(none)').join(', '),
    ...(withAttrs ? [attributesText(n.attributes)] : []),
  ]);
  const t = layoutTable(columns, rows, { width });
  return [...t.lines, ...t.notes].join('\n');
}
