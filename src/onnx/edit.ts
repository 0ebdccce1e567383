/**
 * Graph edits through the protobuf definitions: expose intermediate tensors as graph outputs
 * (for divergence localisation and shape discovery) and re-encode the model.
 */
import { onnx, type ModelProto, type NodeProto } from './proto.js';
import { isLazy } from './modelReader.js';

/** Node outputs of the main graph, in topological (file) order, skipping optional empty names. */
export function intermediateNames(proto: ModelProto): { name: string; node: NodeProto; index: number }[] {
  const graphOutputs = new Set((proto.graph?.output ?? []).map((o) => o.name));
  const out: { name: string; node: NodeProto; index: number }[] = [];
  (proto.graph?.node ?? []).forEach((node, index) => {
    for (const name of node.output ?? []) if (name && !graphOutputs.has(name)) out.push({ name, node, index });
  });
  return out;
}

/**
 * A copy of the model whose graph also outputs the named tensors (default: every node output).
 * Element types and shapes are left to onnxruntime's inference (a bare ValueInfo with a name).
 */
export function exposeIntermediates(proto: ModelProto, names?: string[]): Uint8Array {
  if (isLazy(proto))
    throw new Error(
      'exposeIntermediates: this model was read by streaming and holds no weights; load it with loadModel to edit it',
    );
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(proto).finish());
  const graph = copy.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const wanted = names ?? intermediateNames(copy).map((x) => x.name);
  const known = new Map((graph.valueInfo ?? []).map((v) => [v.name, v]));
  for (const name of wanted) {
    if (existing.has(name)) continue;
    existing.add(name);
    const vi = known.get(name);
    (graph.output ??= []).push(
      vi ? onnx.ValueInfoProto.create({ name, type: vi.type }) : onnx.ValueInfoProto.create({ name }),
    );
  }
  return onnx.ModelProto.encode(copy).finish();
}

export function encodeModel(proto: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(proto).finish();
}
