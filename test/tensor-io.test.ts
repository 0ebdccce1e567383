import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { onnx } from '../src/onnx/proto.js';
import { decodeTensorProtoBytes, encodeTensorProto, tensorFromProto } from '../src/tensor/tensorProto.js';
import { encodeNpy, encodeNpz, parseNpy, parseNpz } from '../src/tensor/npy.js';
import {
  floatToHalf,
  halfToFloat,
  toFloat64,
  checkAllocatable,
  elementCount,
  type Tensor,
} from '../src/tensor/tensor.js';
import { InputError } from '../src/errors.js';
import type { DType } from '../src/onnx/dtypes.js';

const FIX = 'test/fixtures/foundation';
const fixture = (name: string) => readFileSync(`${FIX}/${name}`);

/** Encode a TensorProto from a plain object (camelCase protobufjs fields). */
function pb(fields: Record<string, unknown>): Uint8Array {
  return onnx.TensorProto.encode(onnx.TensorProto.fromObject(fields)).finish();
}

function expectInputError(fn: () => unknown, pattern: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as Error).message).toMatch(pattern);
  expect((thrown as Error).message).not.toContain('\n');
}

describe('TensorProto decoding', () => {
  it('float32 from raw_data (written by onnx.numpy_helper)', () => {
    const { name, tensor } = decodeTensorProtoBytes(fixture('f32_raw.pb'), 'f32_raw.pb');
    expect(name).toBe('x');
    expect(tensor.dtype).toBe('float32');
    expect(tensor.dims).toEqual([1, 3]);
    expect(Array.from(tensor.data as Float32Array)).toEqual([1.5, -2, 0.25]);
  });

  it('float32 from raw_data at an odd byte offset (alignment does not matter)', () => {
    const bytes = pb({
      name: 'y',
      dims: [3],
      dataType: 1,
      rawData: new Uint8Array(new Float32Array([1, 2, 3]).buffer),
    });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const { tensor } = decodeTensorProtoBytes(shifted.subarray(1), 'shifted');
    expect(Array.from(tensor.data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('float32 from float_data', () => {
    const { name, tensor } = decodeTensorProtoBytes(
      pb({ name: 'f', dims: [2, 2], dataType: 1, floatData: [0.5, -1, 3, 1e30] }),
      'f',
    );
    expect(name).toBe('f');
    expect(tensor.dims).toEqual([2, 2]);
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensor.data as Float32Array)).toEqual([0.5, -1, 3, Math.fround(1e30)]);
  });

  it('int64 from int64_data keeps precision beyond 2^53 (written by onnx.helper)', () => {
    const { name, tensor } = decodeTensorProtoBytes(fixture('int64_data.pb'), 'int64_data.pb');
    expect(name).toBe('big');
    expect(tensor.dtype).toBe('int64');
    expect(tensor.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n]);
  });

  it('int64 from int64_data built here', () => {
    const { tensor } = decodeTensorProtoBytes(
      pb({ dims: [3], dataType: 7, int64Data: ['9007199254740993', '-5', '0'] }),
      'i64',
    );
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([9007199254740993n, -5n, 0n]);
  });

  it('int64 from raw_data', () => {
    const raw = new Uint8Array(new BigInt64Array([2n ** 60n + 3n, -1n]).buffer);
    const { tensor } = decodeTensorProtoBytes(pb({ dims: [2], dataType: 7, rawData: raw }), 'i64raw');
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([2n ** 60n + 3n, -1n]);
  });

  it('uint64 from uint64_data', () => {
    const { tensor } = decodeTensorProtoBytes(
      pb({ dims: [2], dataType: 13, uint64Data: ['18446744073709551615', '1'] }),
      'u64',
    );
    expect(tensor.dtype).toBe('uint64');
    expect(Array.from(tensor.data as BigUint64Array)).toEqual([2n ** 64n - 1n, 1n]);
  });

  it('float16 from int32_data bits (written by onnx.helper)', () => {
    const { tensor } = decodeTensorProtoBytes(fixture('f16_int32data.pb'), 'f16_int32data.pb');
    expect(tensor.dtype).toBe('float16');
    expect(tensor.dims).toEqual([2, 2]);
    expect(tensor.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(tensor.data as Uint16Array)).toEqual([0x3c00, 0xb800, 0x7bff, 0x0001]);
    expect(Array.from(toFloat64(tensor))).toEqual([1, -0.5, 65504, 2 ** -24]);
  });

  it('float16 from raw_data', () => {
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001]);
    const { tensor } = decodeTensorProtoBytes(
      pb({ dims: [4], dataType: 10, rawData: new Uint8Array(bits.buffer) }),
      'f16raw',
    );
    expect(Array.from(toFloat64(tensor))).toEqual([1, -2, Infinity, 2 ** -24]);
  });

  it('float64 from double_data and raw_data', () => {
    const a = decodeTensorProtoBytes(pb({ dims: [3], dataType: 11, doubleData: [0.1, -1e300, 5e-324] }), 'f64').tensor;
    expect(a.dtype).toBe('float64');
    expect(Array.from(a.data as Float64Array)).toEqual([0.1, -1e300, 5e-324]);
    const b = decodeTensorProtoBytes(
      pb({ dims: [1], dataType: 11, rawData: new Uint8Array(new Float64Array([Math.PI]).buffer) }),
      'f64raw',
    ).tensor;
    expect((b.data as Float64Array)[0]).toBe(Math.PI);
  });

  it('int8, int16, uint8, uint16, int32 from int32_data', () => {
    const cases: [number, DType, number[], unknown][] = [
      [3, 'int8', [-128, -1, 0, 127], Int8Array],
      [5, 'int16', [-32768, -2, 32767], Int16Array],
      [2, 'uint8', [0, 1, 255], Uint8Array],
      [4, 'uint16', [0, 65535], Uint16Array],
      [6, 'int32', [-(2 ** 31), 2 ** 31 - 1], Int32Array],
    ];
    for (const [code, dtype, values, ctor] of cases) {
      const { tensor } = decodeTensorProtoBytes(
        pb({ dims: [values.length], dataType: code, int32Data: values }),
        dtype,
      );
      expect(tensor.dtype).toBe(dtype);
      expect(tensor.data).toBeInstanceOf(ctor);
      expect(Array.from(tensor.data as ArrayLike<number>)).toEqual(values);
    }
  });

  it('int8 and int16 from raw_data', () => {
    const i8 = decodeTensorProtoBytes(
      pb({ dims: [3], dataType: 3, rawData: new Uint8Array(new Int8Array([-5, 0, 7]).buffer) }),
      'i8',
    ).tensor;
    expect(Array.from(i8.data as Int8Array)).toEqual([-5, 0, 7]);
    const i16 = decodeTensorProtoBytes(
      pb({ dims: [2], dataType: 5, rawData: new Uint8Array(new Int16Array([-300, 300]).buffer) }),
      'i16',
    ).tensor;
    expect(Array.from(i16.data as Int16Array)).toEqual([-300, 300]);
  });

  it('uint32 from uint64_data', () => {
    const { tensor } = decodeTensorProtoBytes(pb({ dims: [2], dataType: 12, uint64Data: [4294967295, 3] }), 'u32');
    expect(tensor.dtype).toBe('uint32');
    expect(Array.from(tensor.data as Uint32Array)).toEqual([4294967295, 3]);
  });

  it('bool from int32_data and raw_data', () => {
    const a = decodeTensorProtoBytes(pb({ dims: [3], dataType: 9, int32Data: [1, 0, 1] }), 'bool').tensor;
    expect(a.dtype).toBe('bool');
    expect(Array.from(a.data as Uint8Array)).toEqual([1, 0, 1]);
    const b = decodeTensorProtoBytes(
      pb({ dims: [2, 1], dataType: 9, rawData: Uint8Array.from([0, 1]) }),
      'boolraw',
    ).tensor;
    expect(b.dims).toEqual([2, 1]);
    expect(Array.from(b.data as Uint8Array)).toEqual([0, 1]);
  });

  it('a scalar (no dims) and an empty tensor', () => {
    const s = decodeTensorProtoBytes(pb({ dataType: 1, floatData: [7] }), 'scalar').tensor;
    expect(s.dims).toEqual([]);
    expect(Array.from(s.data as Float32Array)).toEqual([7]);
    const e = decodeTensorProtoBytes(pb({ dims: [0, 3], dataType: 1 }), 'empty').tensor;
    expect(e.dims).toEqual([0, 3]);
    expect(e.data.length).toBe(0);
  });

  it('reads the bundled mnist-8 test data', () => {
    const inp = decodeTensorProtoBytes(
      readFileSync('models/cntk/mnist-8/test_data_set_0/input_0.pb'),
      'input_0.pb',
    ).tensor;
    expect(inp.dtype).toBe('float32');
    expect(inp.dims).toEqual([1, 1, 28, 28]);
    const out = decodeTensorProtoBytes(
      readFileSync('models/cntk/mnist-8/test_data_set_0/output_0.pb'),
      'output_0.pb',
    ).tensor;
    expect(out.dims).toEqual([1, 10]);
    expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('refuses a float_data count that does not match dims', () => {
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [2, 3], dataType: 1, floatData: [1, 2, 3, 4, 5] }), 'bad-count.pb'),
      /^bad-count\.pb: float_data has 5 values for shape \[2, 3\]/,
    );
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [2], dataType: 1 }), 'no-data.pb'),
      /no-data\.pb: float_data has 0 values/,
    );
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [2], dataType: 7, int64Data: [1, 2, 3] }), 'i64.pb'),
      /int64_data has 3 values/,
    );
  });

  it('refuses raw_data of the wrong length', () => {
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [3], dataType: 1, rawData: new Uint8Array(8) }), 'short.pb'),
      /short\.pb: 8 bytes of data for 3 float32 elements \(expected 12\)/,
    );
  });

  it('refuses element types it cannot hold, by name (string, bfloat16, float8 are read: test/suite-data.test.ts)', () => {
    expect(
      decodeTensorProtoBytes(pb({ dims: [1], dataType: 8, stringData: [new Uint8Array([65])] }), 's.pb').tensor.data,
    ).toEqual(['A']);
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [1], dataType: 99, rawData: new Uint8Array(1) }), 'u.pb'),
      /type\(99\)/,
    );
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [1] }), 'undef.pb'),
      /^undef\.pb: a TensorProto without an element type \(data_type 0\): an empty or non-tensor file$/,
    );
    // An empty file decodes to that too; it is not told to "feed the dtype the model declares".
    expectInputError(
      () => decodeTensorProtoBytes(new Uint8Array(0), 'empty.pb'),
      /^empty\.pb: a TensorProto without an element type/,
    );
  });

  it('refuses external data', () => {
    expectInputError(
      () =>
        tensorFromProto(
          onnx.TensorProto.fromObject({
            name: 'w',
            dims: [4],
            dataType: 1,
            dataLocation: 1,
            externalData: [{ key: 'location', value: 'w.bin' }],
          }),
          'ext',
        ),
      /ext: tensor data is stored externally/,
    );
  });

  it('refuses bytes that are not a TensorProto', () => {
    expectInputError(
      () => decodeTensorProtoBytes(Uint8Array.from([0xff, 0xff, 0xff, 0xff]), 'junk.pb'),
      /^junk\.pb: not a TensorProto/,
    );
  });

  it('refuses a declared shape over the element limit before allocating', () => {
    expectInputError(
      () => decodeTensorProtoBytes(pb({ dims: [1e6, 1e6], dataType: 1 }), 'huge.pb'),
      /huge\.pb: shape \[1000000, 1000000\] has 1000000000000 elements, over the limit/,
    );
    expectInputError(() => checkAllocatable([-1, 2], 'neg'), /invalid dimension -1/);
    expect(elementCount([])).toBe(1);
  });
});

describe('TensorProto encode/decode round trip', () => {
  const samples: { name: string; tensor: Tensor }[] = [
    {
      name: 'f32',
      tensor: { dtype: 'float32', dims: [2, 3], data: new Float32Array([1, -2, 3.5, NaN, Infinity, -0]) },
    },
    { name: 'f64', tensor: { dtype: 'float64', dims: [2], data: new Float64Array([Math.E, -1e-300]) } },
    { name: 'f16', tensor: { dtype: 'float16', dims: [3], data: new Uint16Array([0x3c00, 0x7e00, 0x8001]) } },
    { name: 'i8', tensor: { dtype: 'int8', dims: [2], data: new Int8Array([-128, 127]) } },
    { name: 'u8', tensor: { dtype: 'uint8', dims: [2], data: new Uint8Array([0, 255]) } },
    { name: 'i16', tensor: { dtype: 'int16', dims: [1, 2], data: new Int16Array([-32768, 5]) } },
    { name: 'u16', tensor: { dtype: 'uint16', dims: [1], data: new Uint16Array([65535]) } },
    { name: 'i32', tensor: { dtype: 'int32', dims: [2], data: new Int32Array([-(2 ** 31), 42]) } },
    { name: 'u32', tensor: { dtype: 'uint32', dims: [1], data: new Uint32Array([2 ** 32 - 1]) } },
    {
      name: 'i64',
      tensor: { dtype: 'int64', dims: [2], data: new BigInt64Array([2n ** 63n - 1n, -(2n ** 53n) - 1n]) },
    },
    { name: 'u64', tensor: { dtype: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 1n]) } },
    { name: 'bool', tensor: { dtype: 'bool', dims: [2, 2], data: new Uint8Array([1, 0, 0, 1]) } },
    { name: 'scalar', tensor: { dtype: 'float32', dims: [], data: new Float32Array([9]) } },
  ];
  for (const { name, tensor } of samples) {
    it(`${name}`, () => {
      const back = decodeTensorProtoBytes(encodeTensorProto(name, tensor), name);
      expect(back.name).toBe(name);
      expect(back.tensor.dtype).toBe(tensor.dtype);
      expect(back.tensor.dims).toEqual(tensor.dims);
      expect(back.tensor.data.constructor).toBe(tensor.data.constructor);
      expect(Array.from(back.tensor.data as ArrayLike<number | bigint>)).toEqual(
        Array.from(tensor.data as ArrayLike<number | bigint>),
      );
    });
  }

  it('encodes a subarray view (non-zero byteOffset) correctly', () => {
    const big = new Float32Array([0, 1, 2, 3, 4, 5]);
    const t: Tensor = { dtype: 'float32', dims: [3], data: big.subarray(2, 5) };
    const back = decodeTensorProtoBytes(encodeTensorProto('v', t), 'v').tensor;
    expect(Array.from(back.data as Float32Array)).toEqual([2, 3, 4]);
  });
});

describe('.npy and .npz written by numpy', () => {
  it('float32 2x3', () => {
    const t = parseNpy(fixture('f32_2x3.npy'), 'f32_2x3.npy');
    expect(t.dtype).toBe('float32');
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([-1, -0.5, 0, 0.5, 1, 1.5]);
  });

  it('int64 with values beyond 2^53', () => {
    const t = parseNpy(fixture('int64.npy'), 'int64.npy');
    expect(t.dtype).toBe('int64');
    expect(t.dims).toEqual([4]);
    expect(Array.from(t.data as BigInt64Array)).toEqual([-(2n ** 62n) - 1n, 0n, 2n ** 53n + 1n, 7n]);
  });

  it('bool', () => {
    const t = parseNpy(fixture('bool.npy'), 'bool.npy');
    expect(t.dtype).toBe('bool');
    expect(Array.from(t.data as Uint8Array)).toEqual([1, 0, 1, 1]);
  });

  it('float16, including a subnormal, infinities and NaN', () => {
    const t = parseNpy(fixture('f16.npy'), 'f16.npy');
    expect(t.dtype).toBe('float16');
    expect(t.data).toBeInstanceOf(Uint16Array);
    const v = Array.from(toFloat64(t));
    expect(v.slice(0, 7)).toEqual([0, 1, -2.5, 65504, 2 ** -24, Infinity, -Infinity]);
    expect(Number.isNaN(v[7])).toBe(true);
  });

  it('a 0-d float64 scalar', () => {
    const t = parseNpy(fixture('f64_scalar.npy'), 'f64_scalar.npy');
    expect(t.dtype).toBe('float64');
    expect(t.dims).toEqual([]);
    expect(Array.from(t.data as Float64Array)).toEqual([3.25]);
  });

  it('refuses a Fortran-order 2x3 array', () => {
    expectInputError(
      () => parseNpy(fixture('fortran_2x3.npy'), 'fortran_2x3.npy'),
      /^fortran_2x3\.npy: Fortran-order arrays are not supported/,
    );
  });

  it('refuses an object array saved with allow_pickle', () => {
    expectInputError(
      () => parseNpy(fixture('object.npy'), 'object.npy'),
      /^object\.npy: object arrays are not supported/,
    );
  });

  it('refuses a big-endian >f4 array', () => {
    expectInputError(
      () => parseNpy(fixture('bigendian_f4.npy'), 'bigendian_f4.npy'),
      /^bigendian_f4\.npy: big-endian arrays are not supported/,
    );
  });

  it('refuses bad magic, a truncated header and truncated data', () => {
    expectInputError(
      () => parseNpy(new TextEncoder().encode('not numpy at all'), 'x.npy'),
      /x\.npy: not a \.npy array/,
    );
    const good = fixture('f32_2x3.npy');
    expectInputError(() => parseNpy(good.subarray(0, 40), 'h.npy'), /h\.npy: truncated \.npy header/);
    expectInputError(
      () => parseNpy(good.subarray(0, good.length - 4), 'd.npy'),
      /d\.npy: 20 bytes of data for 6 float32 elements/,
    );
  });

  it('reads an npz with two arrays (stored and compressed)', () => {
    for (const f of ['two.npz', 'two_compressed.npz']) {
      const m = parseNpz(fixture(f), f);
      expect([...m.keys()].sort()).toEqual(['a', 'b']);
      expect(m.get('a')!.dims).toEqual([2, 3]);
      expect(Array.from(m.get('a')!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(m.get('b')!.dtype).toBe('int32');
      expect(Array.from(m.get('b')!.data as Int32Array)).toEqual([1, -2, 3]);
    }
  });

  it('refuses an npz that is not a zip, naming the file', () => {
    expectInputError(() => parseNpz(fixture('f32_2x3.npy'), 'fake.npz'), /^fake\.npz: not a readable \.npz/);
  });
});

describe('encodeNpy / encodeNpz round trip', () => {
  const tensors: Tensor[] = [
    { dtype: 'float32', dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, NaN]) },
    { dtype: 'float64', dims: [1], data: new Float64Array([-0.125]) },
    { dtype: 'float16', dims: [2], data: new Uint16Array([0x3c00, 0x0001]) },
    { dtype: 'int8', dims: [3], data: new Int8Array([-1, 0, 1]) },
    { dtype: 'uint8', dims: [1], data: new Uint8Array([200]) },
    { dtype: 'int16', dims: [1], data: new Int16Array([-7]) },
    { dtype: 'uint16', dims: [1], data: new Uint16Array([60000]) },
    { dtype: 'int32', dims: [1, 1], data: new Int32Array([123456]) },
    { dtype: 'uint32', dims: [1], data: new Uint32Array([4000000000]) },
    { dtype: 'int64', dims: [2], data: new BigInt64Array([2n ** 62n, -3n]) },
    { dtype: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 2n]) },
    { dtype: 'bool', dims: [2], data: new Uint8Array([0, 1]) },
    { dtype: 'float32', dims: [], data: new Float32Array([2.5]) },
    { dtype: 'float32', dims: [0, 4], data: new Float32Array(0) },
  ];

  it('every dtype survives encodeNpy -> parseNpy', () => {
    for (const t of tensors) {
      const bytes = encodeNpy(t);
      // The header is padded so the data starts on a 64-byte boundary, as numpy writes it.
      const headerLen = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLen) % 64).toBe(0);
      expect(bytes[10 + headerLen - 1]).toBe(0x0a);
      const back = parseNpy(bytes, 'rt');
      expect(back.dtype).toBe(t.dtype);
      expect(back.dims).toEqual(t.dims);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(
        Array.from(t.data as ArrayLike<number | bigint>),
      );
    }
  });

  it('numpy-written bytes survive parse -> encode -> parse', () => {
    const orig = parseNpy(fixture('int64.npy'), 'int64.npy');
    const back = parseNpy(encodeNpy(orig), 're');
    expect(Array.from(back.data as BigInt64Array)).toEqual(Array.from(orig.data as BigInt64Array));
  });

  it('encodeNpz -> parseNpz keeps names and values', () => {
    const m = parseNpz(encodeNpz({ first: tensors[0]!, 'second.with.dots': tensors[9]! }), 'rt.npz');
    expect([...m.keys()].sort()).toEqual(['first', 'second.with.dots']);
    expect(Array.from(m.get('second.with.dots')!.data as BigInt64Array)).toEqual([2n ** 62n, -3n]);
  });

  it('encodes a subarray view (non-zero byteOffset) correctly', () => {
    const big = new Int32Array([9, 8, 7, 6]);
    const back = parseNpy(encodeNpy({ dtype: 'int32', dims: [2], data: big.subarray(1, 3) }), 'view');
    expect(Array.from(back.data as Int32Array)).toEqual([8, 7]);
  });
});

describe('float16 conversion', () => {
  it('known values', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -15, 0x0200], // a subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) {
      expect(floatToHalf(value), `floatToHalf(${value})`).toBe(bits);
      expect(halfToFloat(bits), `halfToFloat(0x${bits.toString(16)})`).toBe(value);
    }
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('NaN both ways', () => {
    const bits = floatToHalf(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x03ff).not.toBe(0);
    expect(Number.isNaN(halfToFloat(bits))).toBe(true);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(Number.isNaN(halfToFloat(0xfc01))).toBe(true);
  });

  it('rounds to nearest even, overflows to infinity, underflows to zero (as numpy does)', () => {
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(-1e39)).toBe(0xfc00);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // halfway to the smallest subnormal: ties to even
    expect(floatToHalf(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp: ties to even
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and 1+2^-10: even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(2 ** -30)).toBe(0x0000);
    expect(floatToHalf(-(2 ** -30))).toBe(0x8000);
  });

  it('rounds a float64 directly, not through float32 (numpy: float16(1 + 2^-11 + 2^-40) is 0x3c01)', () => {
    // 1 + 2^-11 + 2^-40 is just above the halfway point between 1 and the next half, so it rounds up.
    // Going through Float32 first rounds it to exactly 1 + 2^-11 (a tie), which then rounds to even: 0x3c00.
    expect(floatToHalf(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01);
  });

  it('every one of the 65536 bit patterns survives halfToFloat -> floatToHalf', () => {
    const bad: string[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const v = halfToFloat(bits);
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (isNaN) {
        if (!Number.isNaN(v) || !Number.isNaN(halfToFloat(floatToHalf(v)))) bad.push(bits.toString(16));
        continue;
      }
      if (floatToHalf(v) !== bits) bad.push(bits.toString(16));
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });
});
