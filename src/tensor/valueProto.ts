/**
 * Reference data that is not a tensor: ONNX test sets store sequence, map and optional values as
 * SequenceProto, MapProto and OptionalProto messages (onnx-data.proto), not as TensorProto. Which
 * message a file holds follows from the graph port's type, never from guessing at the bytes.
 *
 * onnx-proto ships only onnx.proto, so these three messages are declared here with protobufjs's
 * reflection API, their nested messages as `bytes` (same wire format), decoded on demand.
 */
import { createRequire } from 'node:module';
import { InputError, errorLine } from '../errors.js';
import { elementTypeName } from './dtype.js';
import type { onnx as OnnxNs } from 'onnx-proto';
import { toBigInt } from '../proto/onnx.js';
import { decodeTensorProtoBytes } from './tensorProto.js';
import type { Tensor } from './tensor.js';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof import('protobufjs');

/** onnx-data.proto's messages; nested messages are kept as bytes and decoded recursively. */
const root = protobuf.Root.fromJSON({
  nested: {
    SequenceProto: {
      fields: {
        name: { id: 1, type: 'string' },
        elemType: { id: 2, type: 'int32' },
        tensorValues: { id: 3, type: 'bytes', rule: 'repeated' },
        sparseTensorValues: { id: 4, type: 'bytes', rule: 'repeated' },
        sequenceValues: { id: 5, type: 'bytes', rule: 'repeated' },
        mapValues: { id: 6, type: 'bytes', rule: 'repeated' },
        optionalValues: { id: 7, type: 'bytes', rule: 'repeated' },
      },
    },
    MapProto: {
      fields: {
        name: { id: 1, type: 'string' },
        keyType: { id: 2, type: 'int32' },
        keys: { id: 3, type: 'int64', rule: 'repeated' },
        stringKeys: { id: 4, type: 'bytes', rule: 'repeated' },
        values: { id: 5, type: 'bytes' },
      },
    },
    OptionalProto: {
      fields: {
        name: { id: 1, type: 'string' },
        elemType: { id: 2, type: 'int32' },
        tensorValue: { id: 3, type: 'bytes' },
        sparseTensorValue: { id: 4, type: 'bytes' },
        sequenceValue: { id: 5, type: 'bytes' },
        mapValue: { id: 6, type: 'bytes' },
        optionalValue: { id: 7, type: 'bytes' },
      },
    },
  },
});
const SequenceProto = root.lookupType('SequenceProto');
const MapProto = root.lookupType('MapProto');
const OptionalProto = root.lookupType('OptionalProto');

/** SequenceProto.DataType / OptionalProto.DataType */
const ELEM = { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } as const;

/** A graph port's type, as far as reading data for it needs. */
export type ValueType =
  | { kind: 'tensor'; elemType: string }
  | { kind: 'sequence'; elem: ValueType }
  | { kind: 'map'; keyType: string; value: ValueType }
  | { kind: 'optional'; elem: ValueType }
  | { kind: 'sparse_tensor'; elemType: string }
  | { kind: 'unknown' };

/** A value of any ONNX type: a tensor, a sequence, a map, or an optional (null when empty). */
export type Value =
  | { kind: 'tensor'; tensor: Tensor }
  | { kind: 'sequence'; items: Value[] }
  | { kind: 'map'; keys: (bigint | string)[]; values: Value[] }
  | { kind: 'optional'; value: Value | null };

export function valueTypeFromProto(t: OnnxNs.ITypeProto | null | undefined): ValueType {
  if (!t) return { kind: 'unknown' };
  if (t.tensorType) return { kind: 'tensor', elemType: elementTypeName(t.tensorType.elemType ?? 0) };
  if (t.sequenceType) return { kind: 'sequence', elem: valueTypeFromProto(t.sequenceType.elemType) };
  if (t.mapType)
    return {
      kind: 'map',
      keyType: elementTypeName(t.mapType.keyType ?? 0),
      value: valueTypeFromProto(t.mapType.valueType),
    };
  if (t.optionalType) return { kind: 'optional', elem: valueTypeFromProto(t.optionalType.elemType) };
  if (t.sparseTensorType) return { kind: 'sparse_tensor', elemType: elementTypeName(t.sparseTensorType.elemType ?? 0) };
  return { kind: 'unknown' };
}

/** `seq(tensor(float32))`, `optional(seq(tensor(int64)))`, `map(int64, tensor(float32))`: the type in words. */
export function describeValueType(t: ValueType): string {
  switch (t.kind) {
    case 'tensor':
      return `tensor(${t.elemType})`;
    case 'sparse_tensor':
      return `sparse_tensor(${t.elemType})`;
    case 'sequence':
      return `seq(${describeValueType(t.elem)})`;
    case 'optional':
      return `optional(${describeValueType(t.elem)})`;
    case 'map':
      return `map(${t.keyType}, ${describeValueType(t.value)})`;
    default:
      return 'unknown';
  }
}

export interface NamedValue {
  name: string;
  value: Value;
}

type Decoded = Record<string, unknown>;

function decodeMessage(type: typeof SequenceProto, bytes: Uint8Array, what: string): Decoded {
  let message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    throw new InputError(`${what}: not a ${type.name} (${errorLine(e)})`);
  }
  // protobufjs skips fields a message does not have: a TensorProto read as a SequenceProto "decodes"
  // to an empty sequence. Every top-level field must be one of the message's, with its wire type.
  const unknown = unknownField(type, bytes);
  if (unknown)
    throw new InputError(
      `${what}: not a ${type.name} (${unknown}; the graph declares a ${type.name.replace('Proto', '').toLowerCase()} here)`,
    );
  return type.toObject(message, { defaults: true, arrays: true }) as Decoded;
}

const WIRE_OF: Record<string, number> = { string: 2, bytes: 2, int32: 0, int64: 0 };

/** The first top-level field that is not one of `type`'s (or has another wire type), described; undefined if none. */
function unknownField(type: typeof SequenceProto, bytes: Uint8Array): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3,
      wire = tag & 7;
    const field = type.fieldsById[id];
    if (!field) return `field ${id} is not a ${type.name} field`;
    const expected = WIRE_OF[field.type] ?? 2;
    // Repeated varints may be packed (wire type 2).
    if (wire !== expected && !(field.repeated && expected === 0 && wire === 2))
      return `field ${id} (${field.name}) has wire type ${wire}`;
    reader.skipType(wire);
  }
  return undefined;
}

const ELEM_NAMES = ['undefined', 'tensor', 'sparse tensor', 'sequence', 'map', 'optional'];

function elemKind(t: ValueType): number {
  switch (t.kind) {
    case 'tensor':
      return ELEM.TENSOR;
    case 'sparse_tensor':
      return ELEM.SPARSE_TENSOR;
    case 'sequence':
      return ELEM.SEQUENCE;
    case 'map':
      return ELEM.MAP;
    case 'optional':
      return ELEM.OPTIONAL;
    default:
      return ELEM.UNDEFINED;
  }
}

/** Same-width bit patterns some test sets store a type in (ONNX 1.12 writes bfloat16 outputs as uint16). */
const BIT_PATTERN_OF: Record<string, string> = {
  bfloat16: 'uint16',
  float16: 'uint16',
  float8e4m3fn: 'uint8',
  float8e4m3fnuz: 'uint8',
  float8e5m2: 'uint8',
  float8e5m2fnuz: 'uint8',
  float8e8m0: 'uint8',
};

/** Read same-width bit patterns as the declared type; other differences are left to the feed check and the comparison. */
function checkTensorType(tensor: Tensor, t: ValueType): void {
  if (t.kind === 'tensor' && BIT_PATTERN_OF[t.elemType] === tensor.dtype) tensor.dtype = t.elemType as Tensor['dtype'];
}

/**
 * Decode one serialized value of the given type: TensorProto for tensors, SequenceProto for
 * sequences, MapProto for maps, OptionalProto for optionals (nested values recursively).
 */
export function decodeValueBytes(bytes: Uint8Array, type: ValueType, what: string): NamedValue {
  switch (type.kind) {
    case 'tensor': {
      const { name, tensor } = decodeTensorProtoBytes(bytes, what);
      checkTensorType(tensor, type);
      return { name, value: { kind: 'tensor', tensor } };
    }
    case 'sequence': {
      const m = decodeMessage(SequenceProto, bytes, what);
      return { name: String(m.name ?? ''), value: sequenceFrom(m, type.elem, what) };
    }
    case 'map': {
      const m = decodeMessage(MapProto, bytes, what);
      return { name: String(m.name ?? ''), value: mapFrom(m, type, what) };
    }
    case 'optional': {
      const m = decodeMessage(OptionalProto, bytes, what);
      return { name: String(m.name ?? ''), value: optionalFrom(m, type.elem, what) };
    }
    case 'sparse_tensor':
      throw new InputError(`${what}: sparse tensor data is not read by the workbench`);
    default:
      throw new InputError(`${what}: the graph declares no type for this value`);
  }
}

function sequenceFrom(m: Decoded, elem: ValueType, what: string): Value {
  const declared = Number(m.elemType ?? 0);
  const lists: [number, string][] = [
    [ELEM.TENSOR, 'tensorValues'],
    [ELEM.SPARSE_TENSOR, 'sparseTensorValues'],
    [ELEM.SEQUENCE, 'sequenceValues'],
    [ELEM.MAP, 'mapValues'],
    [ELEM.OPTIONAL, 'optionalValues'],
  ];
  const present = lists.filter(([, f]) => (m[f] as unknown[]).length > 0);
  if (present.length > 1) throw new InputError(`${what}: SequenceProto holds values of several kinds`);
  const want = elemKind(elem);
  const kind = present[0]?.[0] ?? declared;
  if (kind !== ELEM.UNDEFINED && want !== ELEM.UNDEFINED && kind !== want) {
    throw new InputError(
      `${what}: SequenceProto holds ${ELEM_NAMES[kind] ?? `type ${kind}`} values but the graph declares ${describeValueType({ kind: 'sequence', elem })}`,
    );
  }
  const field = present[0]?.[1];
  const items = field
    ? (m[field] as Uint8Array[]).map((b, i) => decodeValueBytes(b, elem, `${what} [item ${i}]`).value)
    : [];
  return { kind: 'sequence', items };
}

function mapFrom(m: Decoded, type: Extract<ValueType, { kind: 'map' }>, what: string): Value {
  const utf8 = new TextDecoder();
  const keys: (bigint | string)[] =
    type.keyType === 'string'
      ? (m.stringKeys as Uint8Array[]).map((b) => utf8.decode(b))
      : (m.keys as unknown[]).map(toBigInt);
  const valuesBytes = m.values as Uint8Array | undefined;
  const values =
    valuesBytes && valuesBytes.length
      ? (
          sequenceFrom(
            decodeMessage(SequenceProto, valuesBytes, `${what} (values)`),
            type.value,
            `${what} (values)`,
          ) as Extract<Value, { kind: 'sequence' }>
        ).items
      : [];
  if (values.length !== keys.length)
    throw new InputError(`${what}: MapProto has ${keys.length} keys and ${values.length} values`);
  return { kind: 'map', keys, values };
}

function optionalFrom(m: Decoded, elem: ValueType, what: string): Value {
  const fields: [number, string][] = [
    [ELEM.TENSOR, 'tensorValue'],
    [ELEM.SPARSE_TENSOR, 'sparseTensorValue'],
    [ELEM.SEQUENCE, 'sequenceValue'],
    [ELEM.MAP, 'mapValue'],
    [ELEM.OPTIONAL, 'optionalValue'],
  ];
  const present = fields.filter(([, f]) => {
    const b = m[f] as Uint8Array | undefined;
    return b !== undefined && b.length > 0;
  });
  const declared = Number(m.elemType ?? 0);
  // An empty optional: no value (elem_type UNDEFINED, or a kind with no value set).
  if (present.length === 0) {
    // A present but empty tensor or sequence serializes to zero bytes too: elem_type tells them apart.
    if (declared === ELEM.TENSOR && elem.kind === 'tensor')
      return { kind: 'optional', value: decodeValueBytes(new Uint8Array(0), elem, what).value };
    if (declared === ELEM.SEQUENCE && elem.kind === 'sequence')
      return { kind: 'optional', value: { kind: 'sequence', items: [] } };
    return { kind: 'optional', value: null };
  }
  if (present.length > 1) throw new InputError(`${what}: OptionalProto holds several values`);
  const [kind, field] = present[0]!;
  if (elemKind(elem) !== ELEM.UNDEFINED && kind !== elemKind(elem)) {
    throw new InputError(
      `${what}: OptionalProto holds a ${ELEM_NAMES[kind]} but the graph declares ${describeValueType({ kind: 'optional', elem })}`,
    );
  }
  return { kind: 'optional', value: decodeValueBytes(m[field] as Uint8Array, elem, what).value };
}

/** Encode a value as the message its type calls for (for fixtures and round trips). */
export function encodeValue(
  name: string,
  value: Value,
  encodeTensor: (name: string, t: Tensor) => Uint8Array,
): Uint8Array {
  switch (value.kind) {
    case 'tensor':
      return encodeTensor(name, value.tensor);
    case 'sequence': {
      const first = value.items[0];
      const kind = !first
        ? ELEM.TENSOR
        : first.kind === 'tensor'
          ? ELEM.TENSOR
          : first.kind === 'sequence'
            ? ELEM.SEQUENCE
            : first.kind === 'map'
              ? ELEM.MAP
              : ELEM.OPTIONAL;
      const field = ['', 'tensorValues', '', 'sequenceValues', 'mapValues', 'optionalValues'][kind]!;
      return SequenceProto.encode(
        SequenceProto.fromObject({
          name,
          elemType: kind,
          [field]: value.items.map((v) => encodeValue('', v, encodeTensor)),
        }),
      ).finish();
    }
    case 'map': {
      const stringKeys = value.keys.length > 0 && typeof value.keys[0] === 'string';
      const values = encodeValue('', { kind: 'sequence', items: value.values }, encodeTensor);
      return MapProto.encode(
        MapProto.fromObject({
          name,
          keyType: stringKeys ? 8 : 7,
          ...(stringKeys
            ? { stringKeys: value.keys.map((k) => new TextEncoder().encode(String(k))) }
            : { keys: value.keys.map((k) => k.toString()) }),
          values,
        }),
      ).finish();
    }
    case 'optional': {
      if (!value.value)
        return OptionalProto.encode(OptionalProto.fromObject({ name, elemType: ELEM.UNDEFINED })).finish();
      const v = value.value;
      const kind =
        v.kind === 'tensor'
          ? ELEM.TENSOR
          : v.kind === 'sequence'
            ? ELEM.SEQUENCE
            : v.kind === 'map'
              ? ELEM.MAP
              : ELEM.OPTIONAL;
      const field = ['', 'tensorValue', '', 'sequenceValue', 'mapValue', 'optionalValue'][kind]!;
      return OptionalProto.encode(
        OptionalProto.fromObject({ name, elemType: kind, [field]: encodeValue('', v, encodeTensor) }),
      ).finish();
    }
  }
}
