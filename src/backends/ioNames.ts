/**
 * Graph input and output names are chosen by the model's author, and onnxruntime's JavaScript API
 * (onnxruntime-common) keys feeds, fetches and results by name in plain objects: a name such as
 * `__proto__` would set a prototype instead of a value, and `constructor` or `toString` would be
 * found on Object.prototype. Before a model reaches a runtime, every such name is moved behind an
 * Identity node to a safe name (the original tensor keeps its name inside the graph, so no node
 * changes), and the outputs are mapped back. Models without such names are handed over untouched.
 */
import type { NodeProto } from '../onnx/proto.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TensorMap } from './types.js';

/** Names an object lookup or assignment treats specially: Object.prototype's own names. */
const UNSAFE = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

export function isUnsafeName(name: string): boolean {
  return UNSAFE.has(name);
}

export interface RuntimeIo {
  /** The model as the runtime gets it. */
  bytes: Uint8Array;
  /** Feeds under the names the runtime's model uses. */
  feeds: ReadonlyMap<string, Tensor>;
  /** Outputs under the runtime model's names back to the graph's own names. */
  restore(outputs: TensorMap): TensorMap;
}

function mentionsUnsafeName(bytes: Uint8Array): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of UNSAFE) if (buf.indexOf(name, 0, 'latin1') >= 0) return true;
  return false;
}

/**
 * The model and feeds to hand a runtime, with unsafe input and output names moved to safe ones. The
 * ONNX protobuf code is loaded only for a model that mentions such a name (a worker starts without it).
 */
export async function runtimeIo(bytes: Uint8Array, feeds: ReadonlyMap<string, Tensor>): Promise<RuntimeIo> {
  const untouched: RuntimeIo = { bytes, feeds, restore: (o) => o };
  if (![...feeds.keys()].some(isUnsafeName) && !mentionsUnsafeName(bytes)) return untouched;
  const { onnx } = await import('../onnx/proto.js');
  const proto = onnx.ModelProto.decode(bytes);
  const graph = proto.graph;
  if (!graph) return untouched;
  const taken = new Set<string>([
    ...(graph.input ?? []).map((v) => v.name ?? ''),
    ...(graph.output ?? []).map((v) => v.name ?? ''),
    ...(graph.initializer ?? []).map((t) => t.name ?? ''),
    ...(graph.node ?? []).flatMap((n) => n.output ?? []),
  ]);
  const fresh = (base: string) => {
    let i = 0;
    while (taken.has(`${base}_${i}`)) i++;
    taken.add(`${base}_${i}`);
    return `${base}_${i}`;
  };
  const inputRename = new Map<string, string>();
  const outputRename = new Map<string, string>();
  const prologue: NodeProto[] = [];
  const epilogue: NodeProto[] = [];
  for (const input of graph.input ?? []) {
    const name = input.name ?? '';
    if (!isUnsafeName(name)) continue;
    const safe = fresh('owb_input');
    inputRename.set(name, safe);
    for (const init of graph.initializer ?? []) if (init.name === name) init.name = safe;
    input.name = safe;
    prologue.push({ opType: 'Identity', input: [safe], output: [name], name: fresh('owb_input_identity') });
  }
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (!isUnsafeName(name)) continue;
    const safe = fresh('owb_output');
    outputRename.set(safe, name);
    output.name = safe;
    epilogue.push({ opType: 'Identity', input: [name], output: [safe], name: fresh('owb_output_identity') });
  }
  if (inputRename.size === 0 && outputRename.size === 0) return untouched;
  graph.node = [...prologue, ...(graph.node ?? []), ...epilogue];
  const runtimeFeeds = new Map<string, Tensor>();
  for (const [name, t] of feeds) runtimeFeeds.set(inputRename.get(name) ?? name, t);
  return {
    bytes: onnx.ModelProto.encode(proto).finish(),
    feeds: runtimeFeeds,
    restore: (outputs) => new Map([...outputs].map(([name, t]) => [outputRename.get(name) ?? name, t])),
  };
}
