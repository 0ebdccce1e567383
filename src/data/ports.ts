/** The full ONNX type of each graph input and output (tensor, sequence, map, optional), for reading data. */
import type { ModelProto } from '../onnx/proto.js';
import { valueTypeFromProto, type ValueType } from '../tensor/valueProto.js';

export interface PortType {
  name: string;
  type: ValueType;
}

export interface ModelPortTypes {
  /** Graph inputs that are not initializers (what a caller feeds), in graph order. */
  inputs: PortType[];
  outputs: PortType[];
}

export function modelPortTypes(model: ModelProto): ModelPortTypes {
  const graph = model.graph;
  const inits = new Set((graph?.initializer ?? []).map((i) => i.name));
  return {
    inputs: (graph?.input ?? [])
      .filter((i) => !inits.has(i.name))
      .map((v) => ({ name: v.name ?? '', type: valueTypeFromProto(v.type) })),
    outputs: (graph?.output ?? []).map((v) => ({ name: v.name ?? '', type: valueTypeFromProto(v.type) })),
  };
}
