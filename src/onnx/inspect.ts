/** A model's summary: what `onnx-workbench inspect` prints. Pure function of the decoded protobuf. */
import { elementTypeName, dtypeFromCode, bytesPerElement } from './dtypes.js';
import { toNumber, type GraphProto, type ModelProto, type ValueInfoProto } from './proto.js';
import { rawDataLength } from './modelReader.js';
import type { LoadedModel } from './model.js';

/** What a summary is made from: a model loaded in memory, or one read by the streaming reader. */
export interface SummarySource {
  path: string;
  sha256: string;
  proto: ModelProto;
  /** The file's size; else the length of `bytes`. */
  sizeBytes?: number;
  bytes?: Uint8Array;
}

export type Dim = number | string;

export interface PortInfo {
  name: string;
  /** Element type name, e.g. float32; unknown codes as `type(N)`; non-tensor types as `sequence`, `map`, ... */
  elemType: string;
  /** Static dims as numbers, symbolic dims by name, unknown dims as '?'; null when the rank is unknown. */
  shape: Dim[] | null;
}

export interface ExternalDataRef {
  tensor: string;
  location: string;
  offset?: number;
  length?: number;
}

export interface ModelSummary {
  path: string;
  producerName: string;
  producerVersion: string;
  irVersion: number;
  domain: string;
  modelVersion: number;
  /** The main graph's name: exporters leave their mark here (`mxnet_converted_model`, `CNTKGraph`, `torch-jit-export`...). */
  graphName: string;
  /** ModelProto.doc_string and GraphProto.doc_string. */
  docString: string;
  graphDocString: string;
  opsets: { domain: string; version: number }[];
  inputs: PortInfo[];
  outputs: PortInfo[];
  nodeCount: number;
  opCounts: Record<string, number>;
  parameterCount: number;
  parameterBytes: number;
  sizeBytes: number;
  sha256: string;
  metadata: Record<string, string>;
  externalData: ExternalDataRef[];
}

export function portInfo(v: ValueInfoProto): PortInfo {
  const t = v.type;
  if (t?.tensorType) {
    const dims = t.tensorType.shape?.dim;
    return {
      name: v.name ?? '',
      elemType: elementTypeName(t.tensorType.elemType ?? 0),
      shape: dims
        ? dims.map((d) =>
            d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : '?',
          )
        : null,
    };
  }
  const kind = t?.sequenceType
    ? 'sequence'
    : t?.mapType
      ? 'map'
      : t?.sparseTensorType
        ? 'sparse_tensor'
        : t?.optionalType
          ? 'optional'
          : 'unknown';
  return { name: v.name ?? '', elemType: kind, shape: null };
}

/** Graph inputs that are not initializers: what a caller must feed. */
export function feedInputs(graph: GraphProto): PortInfo[] {
  const inits = new Set((graph.initializer ?? []).map((i) => i.name));
  return (graph.input ?? []).filter((i) => !inits.has(i.name)).map(portInfo);
}

/**
 * Op counts by domain, then op type: a Map per domain keyed by the op type strings (shared by the
 * streaming reader), not a `domain:op` key string built per node (a million of them for a 1M-node graph).
 */
function countOps(graph: GraphProto, counts: Map<string, Map<string | null | undefined, number>>): void {
  for (const node of graph.node ?? []) {
    const domain = node.domain || 'ai.onnx';
    let ops = counts.get(domain);
    if (!ops) counts.set(domain, (ops = new Map()));
    const op = node.opType;
    ops.set(op, (ops.get(op) ?? 0) + 1);
    const attrs = node.attribute;
    if (!attrs?.length) continue;
    for (const attr of attrs) {
      if (attr.g) countOps(attr.g, counts);
      for (const g of attr.graphs ?? []) countOps(g, counts);
    }
  }
}

export function summarize(model: SummarySource | LoadedModel): ModelSummary {
  const proto: ModelProto = model.proto;
  const graph = proto.graph!;
  const byDomain = new Map<string, Map<string | null | undefined, number>>();
  countOps(graph, byDomain);
  const opCounts: Record<string, number> = {};
  for (const [domain, ops] of byDomain)
    for (const [op, n] of ops) opCounts[`${domain}:${op}`] = (opCounts[`${domain}:${op}`] ?? 0) + n;
  let parameterCount = 0;
  let parameterBytes = 0;
  const externalData: ExternalDataRef[] = [];
  for (const init of graph.initializer ?? []) {
    const n = (init.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1);
    parameterCount += n;
    const dt = dtypeFromCode(init.dataType ?? 0);
    const raw = rawDataLength(init);
    parameterBytes += raw ? raw : dt ? n * bytesPerElement(dt) : 0;
    if ((init.externalData ?? []).length > 0) {
      const kv = Object.fromEntries((init.externalData ?? []).map((e) => [e.key, e.value]));
      externalData.push({
        tensor: init.name ?? '',
        location: kv.location ?? '',
        ...(kv.offset !== undefined ? { offset: Number(kv.offset) } : {}),
        ...(kv.length !== undefined ? { length: Number(kv.length) } : {}),
      });
    }
  }
  return {
    path: model.path,
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    irVersion: toNumber(proto.irVersion),
    domain: proto.domain ?? '',
    modelVersion: toNumber(proto.modelVersion),
    graphName: graph.name ?? '',
    docString: proto.docString ?? '',
    graphDocString: graph.docString ?? '',
    opsets: (proto.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) })),
    inputs: feedInputs(graph),
    outputs: (graph.output ?? []).map(portInfo),
    nodeCount: (graph.node ?? []).length,
    opCounts: Object.fromEntries(Object.entries(opCounts).sort(([a], [b]) => a.localeCompare(b))),
    parameterCount,
    parameterBytes,
    sizeBytes: ('sizeBytes' in model ? model.sizeBytes : undefined) ?? model.bytes?.length ?? 0,
    sha256: model.sha256,
    metadata: Object.fromEntries((proto.metadataProps ?? []).map((m) => [m.key ?? '', m.value ?? ''])),
    externalData,
  };
}
