/**
 * The one element-type table: ONNX element type codes (TensorProto.DataType, including those newer
 * than onnx-proto's ONNX 1.10, so a model using them is described by name), the types the
 * workbench can hold, their widths and typed-array constructors.
 *
 * This module imports nothing: it is compiled to dist/tensor/dtype.js and loaded as is by the
 * browser pages (the browser backends' runner and the serve page), so Node and the pages share it.
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
};

/** Element types the workbench can hold as tensors (and hand to onnxruntime). */
export type DType =
  | 'float32' | 'float64' | 'float16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool';

type TypedArrayCtor =
  | Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor
  | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/**
 * The typed array holding each type's data. float16 is kept as its raw bits (onnxruntime accepts
 * Uint16Array data for 'float16'), bool as one byte per element.
 */
export const TYPED_ARRAYS: Readonly<Record<DType, TypedArrayCtor>> = {
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
};

/** Name of an element type; unknown values are shown by number. */
export function elementTypeName(code: number): string {
  return ELEMENT_TYPES[code] ?? `type(${code})`;
}

export function isSupportedDType(name: string): name is DType {
  return Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, name);
}

export function bytesPerElement(dtype: DType): number {
  return TYPED_ARRAYS[dtype].BYTES_PER_ELEMENT;
}

export function dtypeFromCode(code: number): DType | undefined {
  const name = ELEMENT_TYPES[code];
  return name !== undefined && isSupportedDType(name) ? name : undefined;
}

export function codeFromDType(dtype: DType): number {
  for (const [code, name] of Object.entries(ELEMENT_TYPES)) if (name === dtype) return Number(code);
  throw new Error(`no ONNX code for ${dtype}`);
}
