/** Node renderings: an attribute in one short line, and `inspect --show nodes` (every node with its inputs, outputs, attributes). */
import type { AttributeValue, NodeAttribute } from '../onnx/attributes.js';

/** An attribute value in one short line: `axis=1`, `kernel_shape=[3, 3]`, `value=float32[] (0.5)`. */
export function attributeText(v: AttributeValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(attributeText).join(', ')}]`;
  if ('tensor' in v) return `${v.tensor}[${v.dims.join(', ')}]${v.values ? ` (${v.values.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')})` : ''}`;
  if ('graph' in v) return `graph ${v.graph || '(unnamed)'} (${v.nodes} nodes)`;
  if ('ref' in v) return `@${v.ref}`;
  return v.type;
}

/** `name=value` for each attribute, comma-separated. */
export function attributesText(attrs: NodeAttribute[]): string {
  return attrs.map((a) => `${a.name}=${attributeText(a.value)}`).join(', ');
}
