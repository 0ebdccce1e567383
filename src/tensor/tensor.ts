import { bytesPerElement, TYPED_ARRAYS, type DType } from './dtype.js';
import { InputError } from '../errors.js';

export type TensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A dense tensor held by the workbench. float16 is stored as its raw bits (Uint16Array); bool as Uint8Array. */
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
    throw new InputError(`${what}: shape [${dims.join(', ')}] has ${n} elements, over the limit of ${limit} (set ONNX_WORKBENCH_MAX_ELEMENTS to raise it)`);
  }
  return n;
}

export function allocate(dtype: DType, n: number): TensorData {
  return new TYPED_ARRAYS[dtype](n);
}

/** View little-endian bytes as a typed array of `dtype` (copied, so alignment never matters). */
export function fromLittleEndianBytes(dtype: DType, bytes: Uint8Array, n: number, what: string): TensorData {
  const width = bytesPerElement(dtype);
  if (bytes.byteLength !== n * width) {
    throw new InputError(`${what}: ${bytes.byteLength} bytes of data for ${n} ${dtype} elements (expected ${n * width})`);
  }
  const out = allocate(dtype, n);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
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

/** Values as float64 numbers, for comparison. */
export function toFloat64(t: Tensor): Float64Array {
  const n = t.data.length;
  const out = new Float64Array(n);
  if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < n; i++) out[i] = halfToFloat(d[i]!);
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
