/**
 * Make a model self-contained: every tensor whose data lives in an external file gets that data
 * (read once, from a checked range of a regular file inside the model's folder) as raw_data, and
 * loses its external_data and data_location fields. The walk is over the protobuf wire format, so
 * every TensorProto is found wherever the schema allows one (including fields newer than the
 * bundled ONNX 1.10 schema, such as a function's default attributes), and every other field is
 * copied byte for byte.
 */
import { InputError } from '../errors.js';
import { safeReadFile } from '../util/safeRead.js';
import { hasExternalData, quoteName, resolveExternalData } from './externalData.js';
import { onnx, toNumber } from './proto.js';
import { rawByteSize } from './validate.js';

/** Message types on the way to a TensorProto, and which of their fields lead there. */
type Msg = 'model' | 'graph' | 'node' | 'attribute' | 'sparse' | 'training' | 'function' | 'tensor';
const CHILDREN: Record<Exclude<Msg, 'tensor'>, Record<number, Msg>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  training: { 1: 'graph', 2: 'graph' },
  function: { 7: 'node', 11: 'attribute' },
};
// TensorProto fields: raw_data 9, external_data 13, data_location 14.
const RAW_DATA = 9;
const EXTERNAL_DATA = 13;
const DATA_LOCATION = 14;
const STRING = 8;

/** One protobuf has at most 2 GiB; onnxruntime refuses larger model buffers. */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

function readVarint(buf: Uint8Array, pos: number, what: string): [number, number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new InputError(`${what}: truncated protobuf (varint)`);
    const b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
  throw new InputError(`${what}: malformed protobuf varint`);
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

interface Field {
  number: number;
  wire: number;
  start: number;
  end: number;
  payloadStart: number;
}

/** The fields of one message, in order, with their byte extents. */
function fields(buf: Uint8Array, what: string): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let tag: number;
    [tag, pos] = readVarint(buf, pos, what);
    const wire = tag % 8;
    const number = Math.floor(tag / 8);
    let payloadStart = pos;
    switch (wire) {
      case 0:
        [, pos] = readVarint(buf, pos, what);
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        let len: number;
        [len, pos] = readVarint(buf, pos, what);
        payloadStart = pos;
        pos += len;
        break;
      }
      default:
        throw new InputError(`${what}: protobuf wire type ${wire} is not supported`);
    }
    if (pos > buf.length) throw new InputError(`${what}: truncated protobuf field ${number}`);
    out.push({ number, wire, start, end: pos, payloadStart });
  }
  return out;
}

class Inliner {
  inlined = 0;
  private total: number;
  constructor(
    private readonly modelPath: string,
    modelBytes: number,
  ) {
    this.total = modelBytes;
  }

  /** The rewritten message, or the same buffer when nothing below it is external. */
  message(buf: Uint8Array, type: Msg): Uint8Array {
    if (type === 'tensor') return this.tensor(buf);
    const children = CHILDREN[type];
    let parts: Uint8Array[] | undefined;
    const fs = fields(buf, this.modelPath);
    fs.forEach((f, k) => {
      const child = f.wire === 2 ? children[f.number] : undefined;
      if (child) {
        const payload = buf.subarray(f.payloadStart, f.end);
        const rewritten = this.message(payload, child);
        if (rewritten !== payload) {
          parts ??= fs.slice(0, k).map((g) => buf.subarray(g.start, g.end));
          parts.push(varint(f.number * 8 + 2), varint(rewritten.length), rewritten);
          return;
        }
      }
      parts?.push(buf.subarray(f.start, f.end));
    });
    return parts ? concat(parts) : buf;
  }

  private tensor(buf: Uint8Array): Uint8Array {
    const fs = fields(buf, this.modelPath);
    if (!fs.some((f) => f.number === EXTERNAL_DATA || f.number === DATA_LOCATION)) return buf;
    const t = onnx.TensorProto.decode(buf);
    if (!hasExternalData(t)) return buf;
    const code = t.dataType ?? 0;
    const what = `${this.modelPath}: tensor '${quoteName(t.name ?? '')}'`;
    if (code === STRING)
      throw new InputError(`${what}: string tensors cannot keep their data in an external file; refused`);
    let n = 1;
    for (const d of t.dims ?? []) n *= toNumber(d);
    const expected = rawByteSize(code, n);
    const r = resolveExternalData(this.modelPath, t, expected !== undefined ? { expectedBytes: expected } : {});
    this.total += r.length;
    if (this.total > MAX_MODEL_BYTES) {
      throw new InputError(
        `${what}: with its external data inlined the model would exceed ${MAX_MODEL_BYTES} bytes (protobuf's 2 GiB limit); refused`,
      );
    }
    let data: Uint8Array;
    try {
      data = safeReadFile(r.path, {
        kind: 'external data',
        range: { offset: r.offset, length: r.length },
        maxBytes: MAX_MODEL_BYTES,
      });
    } catch (e) {
      throw new InputError(
        `${what}: external data file '${quoteName(r.location)}': ${(e as Error).message.replace(`${r.path}: `, '')}`,
      );
    }
    this.inlined++;
    const kept = fs
      .filter((f) => f.number !== EXTERNAL_DATA && f.number !== DATA_LOCATION && f.number !== RAW_DATA)
      .map((f) => buf.subarray(f.start, f.end));
    return concat([...kept, varint(RAW_DATA * 8 + 2), varint(data.length), data]);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The model bytes with every external tensor's data inlined (the same buffer when there is none),
 * and how many tensors were inlined. Throws one InputError line naming the tensor and the file for
 * anything refused: a location outside the folder, a missing or special file, a range past the
 * end, a size that does not match the tensor, a result over 2 GiB.
 */
export function inlineExternalData(modelPath: string, bytes: Uint8Array): { bytes: Uint8Array; inlined: number } {
  const inliner = new Inliner(modelPath, bytes.length);
  const out = inliner.message(bytes, 'model');
  return { bytes: out, inlined: inliner.inlined };
}
