import { bytesPerElement, rawByteLength, type DType } from './dtype.js';
import { InputError } from '../errors.js';

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/**
 * A dense tensor held by the workbench, in onnxruntime-common's layout: float16 and bfloat16 as their
 * raw bits (Uint16Array), float8 types as bits (Uint8Array), bool as Uint8Array, string as string[],
 * int4/uint4/float4e2m1 packed two per byte, low nibble first (Uint8Array of ceil(n/2) bytes),
 * uint2/int2 four per byte, lowest bits first (ceil(n/4) bytes), float8e8m0 as its bits (Uint8Array),
 * complex types as interleaved (real, imaginary) floats.
 */
export interface Tensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

/** Default refusal limit for one tensor (elements). Configurable through ONNX_WORKBENCH_MAX_ELEMENTS. */
export function maxTensorElements(): number {
  const fromEnv = Number(process.env.ONNX_WORKBENCH_MAX_ELEMENTS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 512 * 1024 * 1024;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new InputError(`invalid dimension ${d} in shape [${dims.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** Check a declared shape before allocating for it. */
export function checkAllocatable(dims: readonly number[], what: string): number {
  const n = elementCount(dims);
  const limit = maxTensorElements();
  if (n > limit) {
    throw new InputError(
      `${what}: shape [${dims.join(', ')}] has ${n} elements, over the limit of ${limit} (set ONNX_WORKBENCH_MAX_ELEMENTS to raise it)`,
    );
  }
  return n;
}

export function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'bool':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint64':
      return new BigUint64Array(n);
    case 'string':
      return new Array<string>(n).fill('');
    case 'bfloat16':
      return new Uint16Array(n);
    case 'float8e4m3fn':
    case 'float8e4m3fnuz':
    case 'float8e5m2':
    case 'float8e5m2fnuz':
    case 'float8e8m0':
      return new Uint8Array(n);
    case 'int4':
    case 'uint4':
    case 'float4e2m1':
      return new Uint8Array(Math.ceil(n / 2));
    case 'uint2':
    case 'int2':
      return new Uint8Array(Math.ceil(n / 4));
    case 'complex64':
      return new Float32Array(2 * n);
    case 'complex128':
      return new Float64Array(2 * n);
  }
}

/** View little-endian bytes as a typed array of `dtype` (copied, so alignment never matters). */
export function fromLittleEndianBytes(dtype: DType, bytes: Uint8Array, n: number, what: string): TensorData {
  if (dtype === 'string')
    throw new InputError(`${what}: string tensors have no raw data (their values are in string_data)`);
  const expected = rawByteLength(dtype, n);
  if (bytes.byteLength !== expected) {
    throw new InputError(
      `${what}: ${bytes.byteLength} bytes of data for ${n} ${dtype} elements (expected ${expected})`,
    );
  }
  const out = allocate(dtype, n) as Exclude<TensorData, string[]>;
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

/** The raw little-endian bytes of a tensor's data (a view, not a copy); string tensors have none. */
export function rawBytes(t: Tensor): Uint8Array {
  if (Array.isArray(t.data)) throw new Error(`${t.dtype} tensors have no raw bytes`);
  const d = t.data as Exclude<TensorData, string[]>;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** float16 bits to a JS number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** A JS number to float16 bits, rounding the float64 value directly to nearest, ties to even. */
export function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const x = Math.abs(value);
  if (x >= 65520) return sign | 0x7c00; // rounds to infinity
  const roundEven = (v: number) => {
    const f = Math.floor(v);
    const r = v - f;
    return r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  };
  if (x < 2 ** -14) return sign | roundEven(x * 2 ** 24); // subnormal (a carry into 0x400 is the smallest normal)
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e--;
  if (2 ** (e + 1) <= x) e++;
  const mant = roundEven((x / 2 ** e - 1) * 1024);
  return sign | (((e + 15) << 10) + mant); // a mantissa carry moves into the exponent
}

/** bfloat16 bits to a JS number (the upper half of a float32). */
export function bfloat16ToFloat(bits: number): number {
  const b = new Uint32Array([bits << 16]);
  return new Float32Array(b.buffer)[0]!;
}

/**
 * An 8-bit (or 4-bit) float's bits to a JS number. `fn`: no infinities, NaN is all ones (e4m3fn);
 * `fnuz`: no infinities and no negative zero, NaN is 0x80; `ieee`: infinities and NaNs as IEEE (e5m2);
 * `none`: no special values (float4e2m1).
 */
export function minifloatToFloat(
  bits: number,
  expBits: number,
  mantBits: number,
  bias: number,
  special: 'fn' | 'fnuz' | 'ieee' | 'none',
): number {
  const width = 1 + expBits + mantBits;
  const signBit = 1 << (width - 1);
  if (special === 'fnuz' && bits === signBit) return Number.NaN;
  const sign = bits & signBit ? -1 : 1;
  const exp = (bits >> mantBits) & ((1 << expBits) - 1);
  const mant = bits & ((1 << mantBits) - 1);
  const expMax = (1 << expBits) - 1;
  if (special === 'ieee' && exp === expMax) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  if (special === 'fn' && exp === expMax && mant === (1 << mantBits) - 1) return Number.NaN;
  if (exp === 0) return sign * 2 ** (1 - bias) * (mant / 2 ** mantBits);
  return sign * 2 ** (exp - bias) * (1 + mant / 2 ** mantBits);
}

const MINIFLOAT: Partial<Record<DType, [number, number, number, 'fn' | 'fnuz' | 'ieee' | 'none']>> = {
  float8e4m3fn: [4, 3, 7, 'fn'],
  float8e4m3fnuz: [4, 3, 8, 'fnuz'],
  float8e5m2: [5, 2, 15, 'ieee'],
  float8e5m2fnuz: [5, 2, 16, 'fnuz'],
  float4e2m1: [2, 1, 1, 'none'],
};

/** The number of elements a tensor holds (4-bit types pack two a byte; complex types hold pairs). */
export function tensorElements(t: Tensor): number {
  return elementCount(t.dims);
}

/**
 * Values as float64 numbers, for comparison: one number per element, except complex types, which
 * give (real, imaginary) pairs. String tensors have no numeric values (compare them as strings).
 */
export function toFloat64(t: Tensor): Float64Array {
  if (Array.isArray(t.data)) throw new Error(`${t.dtype} tensors have no numeric values`);
  const n = t.data.length;
  // Sub-byte types (4-bit, 2-bit) by their width in dtype.ts's table; every other type reads whole bytes.
  const bits = Math.min(8, 8 * bytesPerElement(t.dtype));
  const out = new Float64Array(bits < 8 ? elementCount(t.dims) : n);
  const mini = MINIFLOAT[t.dtype];
  if (bits < 8) {
    // Packed from the lowest bits up: element i sits at bit (i mod perByte) * bits of byte i / perByte.
    const d = t.data as Uint8Array;
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    const signBit = 1 << (bits - 1);
    const signed = t.dtype === 'int4' || t.dtype === 'int2';
    for (let i = 0; i < out.length; i++) {
      const v = (d[Math.floor(i / perByte)]! >> ((i % perByte) * bits)) & mask;
      out[i] = mini ? minifloatToFloat(v, ...mini) : signed && v & signBit ? v - (1 << bits) : v;
    }
  } else if (t.dtype === 'float8e8m0') {
    // Exponent only (the MX scale type): 2^(bits - 127); 0xff is NaN; no sign, no zero.
    const d = t.data as Uint8Array;
    for (let i = 0; i < n; i++) out[i] = d[i] === 0xff ? Number.NaN : 2 ** (d[i]! - 127);
  } else if (mini) {
    const d = t.data as Uint8Array;
    for (let i = 0; i < n; i++) out[i] = minifloatToFloat(d[i]!, ...mini);
  } else if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < n; i++) out[i] = halfToFloat(d[i]!);
  } else if (t.dtype === 'bfloat16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(d[i]!);
  } else if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(t.data[i]!);
  } else {
    out.set(t.data as ArrayLike<number>);
  }
  return out;
}

export function shapeString(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}
