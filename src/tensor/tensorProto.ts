/**
 * Read and write ONNX TensorProto (`input_0.pb`, initializers) as workbench tensors: every element
 * type onnxruntime 1.30 has (string, bool, float16, bfloat16, the float8 types, int4/uint4, int2/uint2, ...),
 * from `raw_data` or from the typed value fields ONNX stores each type in.
 */
import { onnx, toBigInt, toNumber, type TensorProto } from '../proto/onnx.js';
import { bytesPerElement, codeFromDType, dtypeFromCode, elementTypeName, rawByteLength, type DType } from './dtype.js';
import { InputError, errorLine } from '../errors.js';
import { allocate, checkAllocatable, fromLittleEndianBytes, rawBytes, type Tensor } from './tensor.js';

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

export function decodeTensorProtoBytes(bytes: Uint8Array, what: string): NamedTensor {
  let proto: TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new InputError(`${what}: not a TensorProto (${errorLine(e)})`);
  }
  return { name: proto.name ?? '', tensor: tensorFromProto(proto, what) };
}

const utf8 = new TextDecoder('utf-8');

/** Which typed field holds a type's values when there is no raw_data (onnx.proto's comments). */
function valueField(
  dtype: DType,
): 'floatData' | 'doubleData' | 'int64Data' | 'uint64Data' | 'int32Data' | 'stringData' {
  switch (dtype) {
    case 'float32':
    case 'complex64':
      return 'floatData';
    case 'float64':
    case 'complex128':
      return 'doubleData';
    case 'int64':
      return 'int64Data';
    case 'uint32':
    case 'uint64':
      return 'uint64Data';
    case 'string':
      return 'stringData';
    default:
      return 'int32Data'; // int8/16/32, uint8/16, bool, float16/bfloat16/float8 bits, 4-bit pairs, 2-bit quads
  }
}

const FIELD_NAME: Record<ReturnType<typeof valueField>, string> = {
  floatData: 'float_data',
  doubleData: 'double_data',
  int64Data: 'int64_data',
  uint64Data: 'uint64_data',
  int32Data: 'int32_data',
  stringData: 'string_data',
};

export function tensorFromProto(proto: TensorProto, what: string): Tensor {
  const code = proto.dataType ?? 0;
  const dtype = dtypeFromCode(code);
  // data_type 0 is what an empty file (or any message without field 2) decodes to: not a tensor at all.
  if (code === 0)
    throw new InputError(`${what}: a TensorProto without an element type (data_type 0): an empty or non-tensor file`);
  if (!dtype) throw new InputError(`${what}: element type ${elementTypeName(code)} is not supported for tensor data`);
  const dims = (proto.dims ?? []).map(toNumber);
  const n = checkAllocatable(dims, what);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new InputError(`${what}: tensor data is stored externally; only embedded tensor data is read here`);
  }
  if (proto.segment) throw new InputError(`${what}: segmented tensors are not supported`);
  if (dtype !== 'string' && proto.rawData && proto.rawData.length > 0) {
    return { dtype, dims, data: fromLittleEndianBytes(dtype, proto.rawData, n, what) };
  }
  const field = valueField(dtype);
  const src = (proto[field] ?? []) as ArrayLike<unknown>;
  const pairs = dtype === 'complex64' || dtype === 'complex128';
  // Sub-byte types pack into whole bytes, one int32_data value each (as their raw_data does).
  const count = pairs ? 2 * n : bytesPerElement(dtype) < 1 ? rawByteLength(dtype, n) : n;
  if (src.length !== count) {
    throw new InputError(
      `${what}: ${FIELD_NAME[field]} has ${src.length} values for shape [${dims.join(', ')}] (${n} ${dtype} elements${count !== n ? `, ${count} values expected` : ''})`,
    );
  }
  const data = allocate(dtype, n);
  if (dtype === 'string') {
    const out = data as string[];
    for (let i = 0; i < n; i++) out[i] = utf8.decode(src[i] as Uint8Array);
    return { dtype, dims, data };
  }
  const conv: (v: unknown) => number | bigint =
    field === 'int64Data'
      ? toBigInt
      : dtype === 'uint64'
        ? (v) => BigInt.asUintN(64, toBigInt(v))
        : field === 'uint64Data'
          ? toNumber
          : Number;
  const target = data as unknown as Array<number | bigint>;
  for (let i = 0; i < count; i++) target[i] = conv(src[i]);
  return { dtype, dims, data };
}

export function encodeTensorProto(name: string, tensor: Tensor): Uint8Array {
  const base = { name, dims: tensor.dims, dataType: codeFromDType(tensor.dtype) };
  if (tensor.dtype === 'string') {
    const enc = new TextEncoder();
    return onnx.TensorProto.encode({
      ...base,
      stringData: (tensor.data as string[]).map((s) => enc.encode(s)),
    }).finish();
  }
  return onnx.TensorProto.encode({ ...base, rawData: rawBytes(tensor).slice() }).finish();
}
