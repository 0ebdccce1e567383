/**
 * The one element-type table: ONNX element type codes (TensorProto.DataType, including those newer
 * than onnx-proto's ONNX 1.10, so a model using them is described by name), the types the
 * workbench can hold, their widths, and the typed arrays of the plain numeric ones.
 *
 * This module imports nothing: it is compiled to dist/tensor/dtype.js and loaded as is by the
 * browser pages (the browser backends' runner and the serve page), so Node and the pages share it.
 * onnx/dtypes.ts re-exports it (tensor/ sits below onnx/).
 */

export const ELEMENT_TYPES: Readonly<Record<number, string>> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
  24: 'float8e8m0',
  25: 'uint2',
  26: 'int2',
};

/** Name of an element type; unknown values are shown by number. */
export function elementTypeName(code: number): string {
  return ELEMENT_TYPES[code] ?? `type(${code})`;
}

/** Element types the workbench can hold as tensors (every type onnxruntime 1.30 has a tensor for, string included; ONNX 1.23's). */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'int4'
  | 'uint4'
  | 'float4e2m1'
  | 'float8e8m0'
  | 'uint2'
  | 'int2'
  | 'complex64'
  | 'complex128';

/**
 * Bytes per element in raw (little-endian) data. 4-bit types pack two elements per byte (0.5), 2-bit
 * types four (0.25);
 * complex types hold (real, imaginary) pairs; string has no fixed width (NaN).
 */
const BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
  string: Number.NaN,
  bfloat16: 2,
  float8e4m3fn: 1,
  float8e4m3fnuz: 1,
  float8e5m2: 1,
  float8e5m2fnuz: 1,
  int4: 0.5,
  uint4: 0.5,
  float4e2m1: 0.5,
  float8e8m0: 1,
  uint2: 0.25,
  int2: 0.25,
  complex64: 8,
  complex128: 16,
};

export function isSupportedDType(name: string): name is DType {
  return Object.prototype.hasOwnProperty.call(BYTES, name);
}

/** The numeric types every part of the workbench handles as plain typed arrays (what inputs can be generated for). */
export function isPlainNumericDType(dtype: DType): boolean {
  return (
    Number.isInteger(BYTES[dtype]) &&
    !dtype.startsWith('complex') &&
    dtype !== 'bfloat16' &&
    !dtype.startsWith('float8')
  );
}

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** Bytes of raw data for `n` elements (4-bit and 2-bit types round up to whole bytes). */
export function rawByteLength(dtype: DType, n: number): number {
  const w = BYTES[dtype];
  if (Number.isNaN(w)) throw new Error(`${dtype} tensors have no fixed-width raw data`);
  return Math.ceil(n * w);
}

export function dtypeFromCode(code: number): DType | undefined {
  const name = ELEMENT_TYPES[code];
  return name !== undefined && isSupportedDType(name) ? name : undefined;
}

export function codeFromDType(dtype: DType): number {
  for (const [code, name] of Object.entries(ELEMENT_TYPES)) if (name === dtype) return Number(code);
  throw new Error(`no ONNX code for ${dtype}`);
}

type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/**
 * The typed array holding each plain numeric type's data, as onnxruntime's JavaScript API takes it:
 * float16 as its raw bits (Uint16Array), bool as one byte per element; and int4/uint4 packed two a
 * byte (Uint8Array), which onnxruntime-web takes as inputs (data/apiSupport.ts). The pages build
 * tensors with it.
 */
export const TYPED_ARRAYS: Readonly<Partial<Record<DType, TypedArrayCtor>>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  int4: Uint8Array,
  uint4: Uint8Array,
};
