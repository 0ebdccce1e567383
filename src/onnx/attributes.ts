/**
 * A node's attributes as plain values (for `inspect --show nodes`, bisect's report and JSON): numbers,
 * strings, lists, and short descriptions of tensors and subgraphs. Pure function of the protobuf.
 */
import { onnx, toNumber, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto.js';
import { elementTypeName } from './dtypes.js';

type AttributeProto = NonNullable<NodeProto['attribute']>[number];

/** A tensor attribute: its type and shape, with the values when there are few (Constant's scalars). */
export interface TensorAttribute {
  tensor: string;
  dims: number[];
  values?: (number | string)[];
}
export interface GraphAttribute {
  graph: string;
  nodes: number;
}
export type AttributeValue =
  number | string | TensorAttribute | GraphAttribute | AttributeValue[] | { ref: string } | { type: string };

export interface NodeAttribute {
  name: string;
  value: AttributeValue;
}

const FEW = 8;
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

function tensorValue(t: TensorProto): TensorAttribute {
  const dims = (t.dims ?? []).map(toNumber);
  const n = dims.reduce((a, d) => a * d, 1);
  const out: TensorAttribute = { tensor: elementTypeName(t.dataType ?? 0), dims };
  if (n > FEW) return out;
  let values: (number | string)[] | undefined;
  if (t.floatData?.length) values = [...t.floatData];
  else if (t.doubleData?.length) values = [...t.doubleData];
  else if (t.int32Data?.length) values = [...t.int32Data];
  else if (t.int64Data?.length) values = t.int64Data.map(toNumber);
  else if (t.stringData?.length) values = t.stringData.map(text);
  else if (t.rawData?.length) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const code = t.dataType ?? 0;
    const read: Record<number, [number, (o: number) => number]> = {
      1: [4, (o) => view.getFloat32(o, true)],
      11: [8, (o) => view.getFloat64(o, true)],
      6: [4, (o) => view.getInt32(o, true)],
      7: [8, (o) => Number(view.getBigInt64(o, true))],
      2: [1, (o) => view.getUint8(o)],
      3: [1, (o) => view.getInt8(o)],
      9: [1, (o) => view.getUint8(o)],
    };
    const r = read[code];
    if (r && t.rawData.length === r[0] * n) values = Array.from({ length: n }, (_, i) => r[1](i * r[0]));
  }
  return values ? { ...out, values } : out;
}

const graphValue = (g: GraphProto): GraphAttribute => ({ graph: g.name ?? '', nodes: (g.node ?? []).length });

export function attributeValue(a: AttributeProto): AttributeValue {
  if (a.refAttrName) return { ref: a.refAttrName };
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT:
      return a.f ?? 0;
    case T.INT:
      return toNumber(a.i);
    case T.STRING:
      return text(a.s);
    case T.TENSOR:
      return a.t ? tensorValue(a.t) : { tensor: 'undefined', dims: [] };
    case T.GRAPH:
      return a.g ? graphValue(a.g) : { graph: '', nodes: 0 };
    case T.FLOATS:
      return [...(a.floats ?? [])];
    case T.INTS:
      return (a.ints ?? []).map(toNumber);
    case T.STRINGS:
      return (a.strings ?? []).map(text);
    case T.TENSORS:
      return (a.tensors ?? []).map(tensorValue);
    case T.GRAPHS:
      return (a.graphs ?? []).map(graphValue);
    case T.SPARSE_TENSOR:
      return { type: 'sparse_tensor' };
    case T.TYPE_PROTO:
    case T.TYPE_PROTOS:
      return { type: 'type_proto' };
    default:
      return { type: `attribute type ${a.type ?? 0}` };
  }
}

export function nodeAttributes(node: NodeProto): NodeAttribute[] {
  return (node.attribute ?? []).map((a) => ({ name: a.name ?? '', value: attributeValue(a) }));
}

/** The opset version the model imports for a node's domain ('' and 'ai.onnx' are the same domain). */
export function nodeOpset(model: ModelProto, node: NodeProto): { domain: string; version: number | undefined } {
  const domain = node.domain || 'ai.onnx';
  const imp = (model.opsetImport ?? []).find((o) => (o.domain || 'ai.onnx') === domain);
  return { domain, version: imp ? toNumber(imp.version) : undefined };
}

/** Every node of the main graph in file order: what `inspect --show nodes` lists. */
export interface NodeListing {
  index: number;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: NodeAttribute[];
}

export function listNodes(model: ModelProto): NodeListing[] {
  return (model.graph?.node ?? []).map((n, index) => ({
    index,
    name: n.name ?? '',
    opType: n.opType ?? '',
    domain: n.domain || 'ai.onnx',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: nodeAttributes(n),
  }));
}
