/** Read and write ONNX TensorProto (`input_0.pb`, initializers) as workbench tensors. */
import { onnx, toBigInt, toNumber, type TensorProto } from '../onnx/proto.js';
import { codeFromDType, dtypeFromCode, elementTypeName, type DType } from './dtype.js';
import { InputError, errorLine } from '../errors.js';
import { allocate, checkAllocatable, fromLittleEndianBytes, type Tensor } from './tensor.js';

export interface NamedTensor { name: string; tensor: Tensor }

export function decodeTensorProtoBytes(bytes: Uint8Array, what: string): NamedTensor {
  let proto: TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new InputError(`${what}: not a TensorProto (${errorLine(e)})`);
  }
  return { name: proto.name ?? '', tensor: tensorFromProto(proto, what) };
}

export function tensorFromProto(proto: TensorProto, what: string): Tensor {
  const code = proto.dataType ?? 0;
  const dtype = dtypeFromCode(code);
  if (!dtype) throw new InputError(`${what}: element type ${elementTypeName(code)} is not supported for tensor data`);
  const dims = (proto.dims ?? []).map(toNumber);
  const n = checkAllocatable(dims, what);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new InputError(`${what}: tensor data is stored externally; only embedded tensor data is read here`);
  }
  if (proto.rawData && proto.rawData.length > 0) {
    return { dtype, dims, data: fromLittleEndianBytes(dtype, proto.rawData, n, what) };
  }
  const data = allocate(dtype, n);
  const fill = (values: ArrayLike<unknown> | null | undefined, field: string, conv: (v: unknown) => number | bigint) => {
    const src = values ?? [];
    if (src.length !== n) {
      throw new InputError(`${what}: ${field} has ${src.length} values for shape [${dims.join(', ')}] (${n} elements)`);
    }
    for (let i = 0; i < n; i++) (data as unknown as Array<number | bigint>)[i] = conv(src[i]);
  };
  switch (dtype) {
    case 'float32': fill(proto.floatData, 'float_data', Number); break;
    case 'float64': fill(proto.doubleData, 'double_data', Number); break;
    case 'int64': fill(proto.int64Data, 'int64_data', toBigInt); break;
    case 'uint64': fill(proto.uint64Data, 'uint64_data', (v) => BigInt.asUintN(64, toBigInt(v))); break;
    case 'uint32': fill(proto.uint64Data, 'uint64_data', toNumber); break;
    default: fill(proto.int32Data, 'int32_data', Number); break; // int8/16/32, uint8/16, bool, float16 bits
  }
  return { dtype, dims, data };
}

export function encodeTensorProto(name: string, tensor: Tensor): Uint8Array {
  const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return onnx.TensorProto.encode({
    name,
    dims: tensor.dims,
    dataType: codeFromDType(tensor.dtype as DType),
    rawData: raw.slice(),
  }).finish();
}
