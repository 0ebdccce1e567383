/**
 * NumPy `.npy` (format versions 1-3) and `.npz` (a zip of `.npy`) reading and writing.
 * Only little-endian C-order numeric and bool arrays are accepted; Fortran order, object arrays and
 * big-endian data are refused with a clear error.
 */
import { unzipSync, zipSync } from 'fflate';
import { InputError, errorLine } from '../errors.js';
import type { DType } from './dtype.js';
import { checkAllocatable, fromLittleEndianBytes, type Tensor } from './tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  f2: 'float16',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  b1: 'bool',
};

interface NpyHeader {
  descr: string;
  fortran_order: boolean;
  shape: number[];
}

/** Parse the Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }. */
function parseHeader(text: string, what: string): NpyHeader {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) {
    if (/'descr'\s*:\s*\[/.test(text)) throw new InputError(`${what}: structured (record) arrays are not supported`);
    throw new InputError(`${what}: .npy header has no descr`);
  }
  if (fortran === undefined || shapeText === undefined) throw new InputError(`${what}: malformed .npy header`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) throw new InputError(`${what}: bad dimension '${s}' in .npy shape`);
      return v;
    });
  return { descr, fortran_order: fortran === 'True', shape };
}

export function parseNpy(bytes: Uint8Array, what: string): Tensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new InputError(`${what}: not a .npy array (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new InputError(`${what}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else throw new InputError(`${what}: unsupported .npy format version ${major}`);
  if (offset + headerLen > bytes.length) throw new InputError(`${what}: truncated .npy header`);
  const header = parseHeader(
    new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLen)),
    what,
  );
  const order = header.descr[0];
  const code = header.descr.slice(1);
  if (header.descr.startsWith('|O') || code === 'O')
    throw new InputError(`${what}: object arrays are not supported (saved with allow_pickle)`);
  if (header.fortran_order) {
    const dims = header.shape;
    if (dims.filter((d) => d > 1).length > 1)
      throw new InputError(`${what}: Fortran-order arrays are not supported; save with numpy.ascontiguousarray`);
  }
  const dtype = DESCR[code];
  if (!dtype) throw new InputError(`${what}: numpy dtype '${header.descr}' is not supported`);
  if (order === '>' && !['i1', 'u1', 'b1'].includes(code))
    throw new InputError(`${what}: big-endian arrays are not supported`);
  const n = checkAllocatable(header.shape, what);
  const data = fromLittleEndianBytes(dtype, bytes.subarray(offset + headerLen), n, what);
  return { dtype, dims: header.shape, data };
}

const DESCR_OF: Partial<Record<DType, string>> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  bool: '|b1',
};

export function encodeNpy(t: Tensor): Uint8Array {
  const descr = DESCR_OF[t.dtype];
  if (!descr || Array.isArray(t.data)) throw new Error(`${t.dtype} tensors cannot be written as .npy`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), 10 + header.length);
  return out;
}

/**
 * Largest declared uncompressed size of the `.npy` members of one `.npz`, together, bytes
 * (`ONNX_WORKBENCH_MAX_NPZ_BYTES`, default 2 GiB).
 */
export function maxNpzBytes(): number {
  const env = Number(process.env.ONNX_WORKBENCH_MAX_NPZ_BYTES);
  return Number.isSafeInteger(env) && env > 0 ? env : 2 ** 31 - 1;
}

/**
 * Read every array of an `.npz`; keys are the member names without `.npy`. The zip directory's
 * declared sizes are checked before anything is inflated (a member, or all of them together, over
 * `maxNpzBytes()` is refused), and members that are not `.npy` arrays are skipped unread.
 */
export function parseNpz(bytes: Uint8Array, what: string, limit = maxNpzBytes()): Map<string, Tensor> {
  let files: Record<string, Uint8Array>;
  let total = 0;
  let refused: string | undefined;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!f.name.endsWith('.npy')) return false; // not an array: never inflated
        total += f.originalSize;
        if (refused === undefined && f.originalSize > limit)
          refused = `member '${f.name}' declares ${f.originalSize} bytes uncompressed, over the limit of ${limit}`;
        else if (refused === undefined && total > limit)
          refused = `its arrays declare ${total} bytes uncompressed together, over the limit of ${limit}`;
        return refused === undefined;
      },
    });
  } catch (e) {
    throw new InputError(`${what}: not a readable .npz (zip) archive (${errorLine(e)})`);
  }
  if (refused)
    throw new InputError(
      `${what}: ${refused} (set ONNX_WORKBENCH_MAX_NPZ_BYTES to raise it); refused before inflating`,
    );
  const out = new Map<string, Tensor>();
  for (const [name, content] of Object.entries(files)) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    out.set(key, parseNpy(content, `${what}:${name}`));
  }
  if (out.size === 0) throw new InputError(`${what}: the archive holds no .npy arrays`);
  return out;
}

export function encodeNpz(arrays: Record<string, Tensor>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, t] of Object.entries(arrays)) files[`${k}.npy`] = encodeNpy(t);
  return zipSync(files);
}
