/**
 * What onnxruntime's JavaScript APIs can pass, found by trying (onnxruntime-node and onnxruntime-web
 * 1.30; test/suite-data.test.ts keeps each claim checked against the installed runtimes):
 *  - tensors of float32/64, float16, (u)int8/16/32/64, bool and string go in and come out of both;
 *  - int4/uint4 tensors go into onnxruntime-web only: onnxruntime-node refuses them as inputs
 *    ("Tensor.type is not supported: int4") and aborts the process on an int4 output (V8's
 *    "ArrayBuffer::New Allocation failed"); onnxruntime-web throws on one ("unsupported type: int4");
 *  - bfloat16, float8, float4, 2-bit and complex tensors do not: the session refuses the model
 *    ("Unsupported data type: 16"), or the API has no such tensor type;
 *  - sequence and map values do not: feeds must be tensors, and a sequence output throws
 *    ("Non tensor type is temporarily not supported");
 *  - an optional input holding a tensor is fed as that tensor; an empty optional cannot be fed
 *    (leaving it out is "input ... is missing in 'feeds'").
 * A case that needs any of these is `unsupported` on the runtime that cannot pass it, naming the
 * type, rather than a failure of the model.
 */
import type { ModelPortTypes } from './ports.js';
import { describeValueType, type Value, type ValueType } from '../tensor/valueProto.js';

/** The JavaScript packages a backend runs onnxruntime through (each backend names its own: backends/registry.ts). */
export type RuntimeApi = 'onnxruntime-node' | 'onnxruntime-web';
export const RUNTIME_APIS: readonly RuntimeApi[] = ['onnxruntime-node', 'onnxruntime-web'];

const BOTH = [
  'float32',
  'float64',
  'float16',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
  'string',
];

/** Element types each API accepts in a Tensor, as a graph input and as a graph output. */
export const API_TENSOR_TYPES: Readonly<
  Record<RuntimeApi, { input: ReadonlySet<string>; output: ReadonlySet<string> }>
> = {
  'onnxruntime-node': { input: new Set(BOTH), output: new Set(BOTH) },
  'onnxruntime-web': { input: new Set([...BOTH, 'int4', 'uint4']), output: new Set(BOTH) },
};

/** What the API cannot pass, without the runtime's name: "sequence inputs", "bfloat16 tensors", ... */
export interface UnsupportedType {
  /** Plural noun phrase: `sequence inputs`, `bfloat16 tensors`, `empty optional inputs`. */
  what: string;
  /** The port and its type, e.g. `input 'x': seq(tensor(float32))`. */
  port: string;
}

/** The one-line reason for a runtime: "sequence inputs are not supported by onnxruntime-node's API (input 'x': seq(tensor(float32)))". */
export function unsupportedReason(u: UnsupportedType, runtime: string): string {
  return `${u.what} are not supported by ${runtime}'s API (${u.port})`;
}

function tensorElem(t: ValueType): string | undefined {
  if (t.kind === 'tensor') return t.elemType;
  if (t.kind === 'optional' && t.elem.kind === 'tensor') return t.elem.elemType;
  return undefined;
}

function check(
  api: RuntimeApi,
  role: 'input' | 'output',
  name: string,
  type: ValueType,
  value: Value | undefined,
): UnsupportedType | undefined {
  const passes = API_TENSOR_TYPES[api][role];
  if (type.kind === 'tensor' && (type.elemType === 'undefined' || passes.has(type.elemType))) return undefined; // the common case, cheaply
  const port = `${role} '${name}': ${describeValueType(type)}`;
  const inner = type.kind === 'optional' ? type.elem : type;
  if (
    inner.kind === 'sequence' ||
    inner.kind === 'map' ||
    inner.kind === 'sparse_tensor' ||
    inner.kind === 'optional'
  ) {
    return { what: `${inner.kind.replace('_', ' ')} ${role}s`, port };
  }
  const elem = tensorElem(type);
  if (elem !== undefined && elem !== 'undefined' && !passes.has(elem)) return { what: `${elem} tensors`, port };
  if (type.kind === 'optional' && value?.kind === 'optional' && value.value === null)
    return { what: `empty optional ${role}s`, port };
  return undefined;
}

/** The first port (inputs, then outputs) whose type or data `api` cannot pass, if any. */
export function findUnsupported(
  types: ModelPortTypes,
  api: RuntimeApi,
  values?: { inputs: Map<string, Value>; outputs: Map<string, Value> },
): UnsupportedType | undefined {
  for (const p of types.inputs) {
    const u = check(api, 'input', p.name, p.type, values?.inputs.get(p.name));
    if (u) return u;
  }
  for (const p of types.outputs) {
    const u = check(api, 'output', p.name, p.type, values?.outputs.get(p.name));
    if (u) return u;
  }
  return undefined;
}

/** What each API cannot pass of a model's ports (undefined when both pass everything). */
export type UnsupportedByApi = Partial<Record<RuntimeApi, UnsupportedType>>;

export function unsupportedByApi(
  types: ModelPortTypes,
  values?: { inputs: Map<string, Value>; outputs: Map<string, Value> },
): UnsupportedByApi | undefined {
  const out: UnsupportedByApi = {};
  for (const api of RUNTIME_APIS) {
    const u = findUnsupported(types, api, values);
    if (u) out[api] = u;
  }
  return Object.keys(out).length ? out : undefined;
}

/** True when no API can pass the model: there is nothing to feed or run anywhere. */
export function runsNowhere(u: UnsupportedByApi | undefined): boolean {
  return u !== undefined && RUNTIME_APIS.every((a) => u[a] !== undefined);
}
