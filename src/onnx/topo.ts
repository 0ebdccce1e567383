/** Topological order of a graph's nodes (Kahn's algorithm, stable on file order); throws on a cycle. */
import type { GraphProto, NodeProto } from './proto.js';
import { InputError } from '../errors.js';

export function topologicalOrder(graph: GraphProto): { node: NodeProto; index: number }[] {
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
  });
  const indegree = nodes.map(() => 0);
  const consumers = nodes.map(() => [] as number[]);
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const input of n.input ?? []) {
      const p = input ? producer.get(input) : undefined;
      if (p === i)
        throw new InputError(
          `the graph has a cycle: node ${n.name || `#${i}`} (${n.opType}) consumes its own output '${input}'`,
        );
      if (p !== undefined) deps.add(p);
    }
    indegree[i] = deps.size;
    for (const d of deps) consumers[d]!.push(i);
  });
  const ready = indegree.map((d, i) => (d === 0 ? i : -1)).filter((i) => i >= 0);
  const order: number[] = [];
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const c of consumers[i]!) if (--indegree[c]! === 0) ready.push(c);
  }
  if (order.length !== nodes.length)
    throw new InputError(`the graph has a cycle through ${nodes.length - order.length} node(s)`);
  return order.map((index) => ({ node: nodes[index]!, index }));
}

/** For each tensor name, the indices of the nodes that consume it. */
export function consumersOf(graph: GraphProto): Map<string, number[]> {
  const out = new Map<string, number[]>();
  (graph.node ?? []).forEach((n, i) => {
    for (const input of n.input ?? []) if (input) out.set(input, [...(out.get(input) ?? []), i]);
  });
  return out;
}
