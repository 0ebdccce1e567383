/**
 * What onnxruntime's JavaScript APIs can pass, found by trying (onnxruntime-node and onnxruntime-web
 * 1.30; test/suite-data.test.ts keeps each claim checked against the installed runtimes):
 *  - tensors of float32/64, float16, (u)int8/16/32/64, bool, string, int4/uint4 go in and come out;
 *  - bfloat16, float8 and complex tensors do not: the session refuses the model ("Unsupported data type: 16");
 *  - sequence and map values do not: feeds must be tensors, and a sequence output throws
 *    ("Non tensor type is temporarily not supported");
 *  - an optional input holding a tensor is fed as that tensor; an empty optional cannot be fed
 *    (leaving it out is "input ... is missing in 'feeds'").
 * A case that needs any of these is `unsupported`, naming the type, rather than a failure of the model.
 */
import type { ModelPortTypes } from './ports.js';
import { describeValueType, type Value, type ValueType } from '../tensor/valueProto.js';

/** Element types both JavaScript APIs accept in a Tensor. */
export const API_TENSOR_TYPES: ReadonlySet<string> = new Set([
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
  'int4',
  'uint4',
]);

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
  role: 'input' | 'output',
  name: string,
  type: ValueType,
  value: Value | undefined,
): UnsupportedType | undefined {
  if (type.kind === 'tensor' && (type.elemType === 'undefined' || API_TENSOR_TYPES.has(type.elemType)))
    return undefined; // the common case, cheaply
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
  if (elem !== undefined && elem !== 'undefined' && !API_TENSOR_TYPES.has(elem))
    return { what: `${elem} tensors`, port };
  if (type.kind === 'optional' && value?.kind === 'optional' && value.value === null)
    return { what: `empty optional ${role}s`, port };
  return undefined;
}

/** The first port (inputs, then outputs) whose type or data the JavaScript API cannot pass, if any. */
export function findUnsupported(
  types: ModelPortTypes,
  values?: { inputs: Map<string, Value>; outputs: Map<string, Value> },
): UnsupportedType | undefined {
  for (const p of types.inputs) {
    const u = check('input', p.name, p.type, values?.inputs.get(p.name));
    if (u) return u;
  }
  for (const p of types.outputs) {
    const u = check('output', p.name, p.type, values?.outputs.get(p.name));
    if (u) return u;
  }
  return undefined;
}
