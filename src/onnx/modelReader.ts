/**
 * A streaming ONNX model reader: decodes the graph's structure (nodes, value infos, attributes,
 * initializer metadata, subgraphs, functions, training info) from a file read once, front to back,
 * in fixed chunks that are hashed as they pass. Tensor payloads (`raw_data` and the typed
 * `*_data` fields) over `LAZY_PAYLOAD_BYTES` are not kept: the tensor records where they are in
 * the file (`payloadRefs`), and `readTensorData` reads them by range when a value is needed. Peak
 * memory is therefore the graph's size plus one chunk, not the weights' size, and a file of any
 * size can be read (no 2 GiB `readFileSync` limit).
 *
 * The walk is over the protobuf wire format. Runs of small fields of one message are collected
 * byte for byte and decoded in one call by the bundled protobufjs schema (so the result has the
 * same shape as `onnx.ModelProto.decode`); only fields that can hold tensor data are descended
 * into. A proto read this way is for reading: its lazy payloads are absent, so it must not be
 * re-encoded as a model (`isLazy` tells).
 */
import { createHash } from 'node:crypto';
import { closeSync } from 'node:fs';
import { InputError } from '../errors.js';
import { onnx, toNumber, type ModelProto, type NodeProto, type TensorProto } from './proto.js';
import { CHUNK_BYTES, openRegular, readFully, readRange } from './rangeReader.js';

/** Tensor payloads larger than this stay in the file and are referenced by offset and length. */
export const LAZY_PAYLOAD_BYTES = 4096;
/** Messages up to this size are decoded whole; larger ones that can hold tensors are descended into. */
const SMALL_MESSAGE_BYTES = 64 * 1024;

/** Child messages never decoded with their neighbours (see `message`). */
const TAKEN: ReadonlySet<string> = new Set(['node', 'tensor', 'sparse']);

type Msg = 'model' | 'graph' | 'node' | 'attribute' | 'sparse' | 'training' | 'function' | 'tensor';

/** For each message, the fields that lead to tensors: child type, property name, repeated or not. */
const CHILDREN: Record<Msg, Record<number, [Msg, string, boolean]>> = {
  model: { 7: ['graph', 'graph', false], 20: ['training', 'trainingInfo', true], 25: ['function', 'functions', true] },
  graph: { 1: ['node', 'node', true], 5: ['tensor', 'initializer', true], 15: ['sparse', 'sparseInitializer', true] },
  node: { 5: ['attribute', 'attribute', true] },
  attribute: {
    5: ['tensor', 't', false],
    6: ['graph', 'g', false],
    10: ['tensor', 'tensors', true],
    11: ['graph', 'graphs', true],
    22: ['sparse', 'sparseTensor', false],
    23: ['sparse', 'sparseTensors', true],
  },
  sparse: { 1: ['tensor', 'values', false], 2: ['tensor', 'indices', false] },
  training: { 1: ['graph', 'initialization', false], 2: ['graph', 'algorithm', false] },
  function: { 7: ['node', 'node', true], 11: ['attribute', 'attributeProto', true] },
  tensor: {},
};

/** TensorProto payload fields, how their entries are encoded, and the decoded property name. */
const PAYLOADS: Record<
  number,
  { prop: PayloadField; encoding: 'bytes' | 'fixed32' | 'fixed64' | 'varint' | 'string' }
> = {
  9: { prop: 'rawData', encoding: 'bytes' },
  4: { prop: 'floatData', encoding: 'fixed32' },
  5: { prop: 'int32Data', encoding: 'varint' },
  6: { prop: 'stringData', encoding: 'string' },
  7: { prop: 'int64Data', encoding: 'varint' },
  10: { prop: 'doubleData', encoding: 'fixed64' },
  11: { prop: 'uint64Data', encoding: 'varint' },
};

export type PayloadField =
  'rawData' | 'floatData' | 'int32Data' | 'stringData' | 'int64Data' | 'doubleData' | 'uint64Data';

/** Where a tensor payload that was not kept lies in the model file. */
export interface PayloadRef {
  field: PayloadField;
  /** Byte offset in the model file of the field's payload (after its tag and length). */
  offset: number;
  length: number;
  /** Entries the payload holds (bytes for raw_data, values for typed fields, 1 per string). */
  count: number;
}

const TYPES: Record<Msg, { decode(b: Uint8Array): object }> = {
  model: onnx.ModelProto,
  graph: onnx.GraphProto,
  node: onnx.NodeProto,
  attribute: onnx.AttributeProto,
  sparse: onnx.SparseTensorProto,
  training: onnx.TrainingInfoProto,
  function: onnx.FunctionProto,
  tensor: onnx.TensorProto,
};

const lazyRefs = new WeakMap<object, PayloadRef[]>();
const lazyModels = new WeakSet<object>();

/** The payloads of this tensor that were left in the file (empty when all are in memory). */
export function payloadRefs(t: TensorProto): PayloadRef[] {
  return lazyRefs.get(t) ?? [];
}

/** Bytes of raw_data, whether held or left in the file. */
export function rawDataLength(t: TensorProto): number {
  const held = t.rawData?.length ?? 0;
  let lazy = 0;
  for (const r of lazyRefs.get(t) ?? []) if (r.field === 'rawData') lazy += r.length;
  return held + lazy;
}

/** Entries of a typed payload field (`floatData`, `int64Data`, ...), whether held or left in the file. */
export function payloadCount(t: TensorProto, field: Exclude<PayloadField, 'rawData'>): number {
  const held = (t[field] as unknown[] | null | undefined)?.length ?? 0;
  let lazy = 0;
  for (const r of lazyRefs.get(t) ?? []) if (r.field === field) lazy += r.count;
  return held + lazy;
}

/** Was this proto read by `readModelStructure` (payloads possibly left in the file)? */
export function isLazy(proto: ModelProto): boolean {
  return lazyModels.has(proto);
}

/**
 * A tensor's raw_data bytes, read from the model file by range when they were left there, or
 * undefined when it has none (typed fields or external data: see `externalData.ts`).
 */
export function readRawData(modelPath: string, t: TensorProto): Uint8Array | undefined {
  const refs = (lazyRefs.get(t) ?? []).filter((r) => r.field === 'rawData');
  if (refs.length === 0) return t.rawData?.length ? t.rawData : undefined;
  // protobuf semantics: a repeated bytes field's last occurrence wins.
  const r = refs[refs.length - 1]!;
  return readRange(modelPath, r.offset, r.length);
}

export interface ModelStructure {
  path: string;
  sizeBytes: number;
  /** sha256 of the whole file, computed while it was read. */
  sha256: string;
  proto: ModelProto;
  /** Bytes of tensor payloads left in the file (referenced, not held). */
  lazyBytes: number;
}

interface Level {
  seg: Segment;
  runStart: number;
  fieldStart: number;
}

/** A growable byte buffer for the small fields of one message. */
class Segment {
  private buf = new Uint8Array(256);
  length = 0;
  append(src: Uint8Array): void {
    if (src.length === 0) return;
    if (this.length + src.length > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.length + src.length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(src, this.length);
    this.length += src.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

class StreamParser {
  private readonly window: Buffer;
  /** File offset of window[0], bytes valid in the window, next file offset to read. */
  private winStart = 0;
  private winLen = 0;
  private fileAt = 0;
  /** File offset of the next byte to parse. */
  pos = 0;
  lazyBytes = 0;
  private readonly hash = createHash('sha256');
  private readonly levels: Level[] = [];

  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly what: string,
    private readonly chunk: number,
  ) {
    this.window = Buffer.allocUnsafe(chunk + 2 * SMALL_MESSAGE_BYTES + 64);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  /** Read the next chunk of the file into `into`, hashing it. */
  private readChunk(into: Uint8Array): number {
    const n = Math.min(into.length, this.chunk, this.size - this.fileAt);
    if (n <= 0) return 0;
    const part = into.subarray(0, n);
    readFully(this.fd, part, this.fileAt, this.what);
    this.hash.update(part);
    this.fileAt += n;
    return n;
  }

  /** Make the window hold [pos, pos + n), keeping the current field of the innermost message. */
  private ensure(n: number): void {
    if (this.pos + n <= this.winStart + this.winLen) return;
    if (this.pos + n > this.size) throw corrupt(this.what, `the file ends inside a protobuf field`);
    const top = this.levels[this.levels.length - 1];
    let keepFrom = this.pos;
    if (top) {
      // The finished small fields of the open run go to the message's segment before the window moves.
      top.seg.append(this.window.subarray(top.runStart - this.winStart, top.fieldStart - this.winStart));
      top.runStart = top.fieldStart;
      keepFrom = top.fieldStart;
    }
    const keep = this.winStart + this.winLen - keepFrom;
    this.window.copyWithin(0, keepFrom - this.winStart, this.winStart + this.winLen);
    this.winStart = keepFrom;
    this.winLen = keep;
    while (this.pos + n > this.winStart + this.winLen) {
      const got = this.readChunk(this.window.subarray(this.winLen));
      if (got === 0) throw corrupt(this.what, `the file ends inside a protobuf field`);
      this.winLen += got;
    }
  }

  private byteAt(p: number): number {
    return this.window[p - this.winStart]!;
  }

  varint(): number {
    this.ensure(Math.min(10, this.size - this.pos));
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.size) throw corrupt(this.what, `truncated protobuf varint`);
      const b = this.byteAt(this.pos++);
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value;
      mul *= 128;
    }
    throw corrupt(this.what, `malformed protobuf varint`);
  }

  /** Move past n bytes, reading (and hashing) them through the window; `scan` sees each piece. */
  private skip(n: number, scan?: (piece: Uint8Array) => void): void {
    const end = this.pos + n;
    if (end > this.size) throw corrupt(this.what, `a protobuf field runs past the end of the file`);
    const inWindow = Math.min(end, this.winStart + this.winLen);
    if (scan && inWindow > this.pos) scan(this.window.subarray(this.pos - this.winStart, inWindow - this.winStart));
    this.pos = inWindow;
    while (this.pos < end) {
      // Nothing before `end` is needed again: read straight through the window.
      this.winStart = this.fileAt;
      this.winLen = 0;
      const got = this.readChunk(this.window);
      if (got === 0) throw corrupt(this.what, `truncated protobuf field`);
      this.winLen = got;
      const upTo = Math.min(end, this.winStart + got);
      if (scan) scan(this.window.subarray(0, upTo - this.winStart));
      this.pos = upTo;
    }
  }

  /** Parse one message of `type` ending at file offset `end`. */
  message(type: Msg, end: number): object {
    const level: Level = { seg: new Segment(), runStart: this.pos, fieldStart: this.pos };
    this.levels.push(level);
    const children = CHILDREN[type];
    const bigs: { prop: string; repeated: boolean; index: number; value: object }[] = [];
    // Repeated nodes, tensors and sparse tensors are always taken out of the run (never decoded with
    // their small neighbours), so their order is the order they are met: kept in plain lists, with
    // no per-element bookkeeping (a graph of a million nodes met a million Map updates here).
    let direct: Map<string, object[]> | undefined;
    const take = (prop: string, value: object) => {
      direct ??= new Map();
      const list = direct.get(prop);
      if (list) list.push(value);
      else direct.set(prop, [value]);
    };
    let ids: NodeIdsBuilder | undefined;
    const occurrences = new Map<number, number>();
    const refs: PayloadRef[] = [];
    const flushRun = (upTo: number) => {
      if (upTo > level.runStart)
        level.seg.append(this.window.subarray(level.runStart - this.winStart, upTo - this.winStart));
    };
    while (this.pos < end) {
      level.fieldStart = this.pos;
      const tag = this.varint();
      const wire = tag % 8;
      const field = Math.floor(tag / 8);
      if (wire === 2) {
        const len = this.varint();
        if (this.pos + len > end) throw corrupt(this.what, `a protobuf field runs past the end of its message`);
        const child = children[field];
        const payload = type === 'tensor' ? PAYLOADS[field] : undefined;
        const tensorish = child && (child[0] === 'tensor' || child[0] === 'sparse');
        if ((child && (tensorish || len > SMALL_MESSAGE_BYTES)) || (payload && len > LAZY_PAYLOAD_BYTES)) {
          flushRun(level.fieldStart);
          if (child && child[2] && TAKEN.has(child[0])) {
            const value = this.message(child[0], this.pos + len);
            take(child[1], value);
            if (child[0] === 'node') {
              const n = value as NodeProto;
              const ins = (n.input ?? []).map((x) => names.idOf(x));
              const outs = (n.output ?? []).map((x) => names.idOf(x));
              (ids ??= new NodeIdsBuilder()).add(ins, ins.length, outs, outs.length);
            }
          } else if (child) {
            const index = occurrences.get(field) ?? 0;
            occurrences.set(field, index + 1);
            const start = this.pos;
            const value = this.message(child[0], start + len);
            bigs.push({ prop: child[1], repeated: child[2], index, value });
          } else {
            let count = len;
            if (payload!.encoding === 'fixed32') count = len / 4;
            else if (payload!.encoding === 'fixed64') count = len / 8;
            else if (payload!.encoding === 'string') count = 1;
            else if (payload!.encoding === 'varint') {
              // Packed varints: one entry per byte without the continuation bit.
              count = 0;
              const offset = this.pos;
              this.skip(len, (piece) => {
                for (let i = 0; i < piece.length; i++) if ((piece[i]! & 0x80) === 0) count++;
              });
              refs.push({ field: payload!.prop, offset, length: len, count });
              this.lazyBytes += len;
              level.runStart = this.pos;
              continue;
            }
            refs.push({ field: payload!.prop, offset: this.pos, length: len, count });
            this.lazyBytes += len;
            this.skip(len);
          }
          level.runStart = this.pos;
          continue;
        }
        if (len > SMALL_MESSAGE_BYTES) {
          // Any other large field (a long doc_string, a field this schema does not know): not needed to read the graph.
          flushRun(level.fieldStart);
          this.skip(len);
          level.runStart = this.pos;
          continue;
        }
        this.ensure(len);
        if (child && child[0] === 'node') {
          // Nodes are most of a big graph: decoded straight from the window into lean objects.
          flushRun(level.fieldStart);
          const at = this.pos - this.winStart;
          take(child[1], decodeNode(this.window, at, at + len, this.what));
          (ids ??= new NodeIdsBuilder()).add(scratchInIds, scratchIns, scratchOutIds, scratchOuts);
          this.pos += len;
          level.runStart = this.pos;
          continue;
        }
        if (child) occurrences.set(field, (occurrences.get(field) ?? 0) + 1);
        this.pos += len;
      } else if (wire === 0) {
        this.varint();
      } else if (wire === 1 || wire === 5) {
        const n = wire === 1 ? 8 : 4;
        this.ensure(n);
        this.pos += n;
      } else {
        throw corrupt(this.what, `protobuf wire type ${wire} is not supported`);
      }
      if (this.pos > end) throw corrupt(this.what, `a protobuf field runs past the end of its message`);
    }
    flushRun(this.pos);
    this.levels.pop();
    let obj: Record<string, unknown>;
    try {
      obj = TYPES[type].decode(level.seg.bytes()) as Record<string, unknown>;
    } catch (e) {
      throw corrupt(this.what, (e as Error).message);
    }
    if (bigs.length) mergeChildren(obj, bigs);
    if (direct) for (const [prop, list] of direct) obj[prop] = list;
    if (ids && !names.lossy && Array.isArray(obj.node)) nodeIds.set(obj.node, ids.done(names.strings, names.control));
    if (refs.length) lazyRefs.set(obj, refs);
    return obj;
  }

  /** Every byte of the file was read (and hashed) exactly once. */
  finished(): boolean {
    return this.fileAt === this.size && this.pos === this.size;
  }
}

/** One line for a file that is not a readable protobuf, worded as `decodeModel` words it. */
function corrupt(what: string, detail: string): InputError {
  return new InputError(
    `${what}: not a readable ONNX model (protobuf decoding failed: ${detail}); the file may be truncated or not ONNX`,
  );
}

/**
 * The tensor names, op types and domains of one read, each decoded to a string once: a name is
 * written once per node that produces it and once per node that reads it, and a million-node graph
 * made a string for every occurrence (most of them garbage-collected copies). Looked up by the
 * UTF-8 bytes themselves (FNV-1a, open addressing over typed arrays), so a name met again costs
 * no allocation; every node reading a tensor then holds the same string object as its producer,
 * which also makes validation's map lookups cheaper (the string's hash is computed once).
 */
class NameTable {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** Byte range of name `id` in `bytes`: [starts[id], starts[id + 1]). */
  private starts = new Int32Array(1 << 10);
  private hashes = new Int32Array(1 << 10);
  /** 1 where the name has a control character (a byte under 0x20 or 0x7f: UTF-8 puts no such byte in a longer sequence). */
  control = new Uint8Array(1 << 10);
  /** Every distinct name of the read, by id. */
  readonly strings: string[] = [];
  /**
   * A name decoded with a replacement character: invalid UTF-8 decodes to U+FFFD, so two byte
   * strings can give one string, and their two ids would be one name to a by-name check. A read
   * that met one records no ids (validation goes by names).
   */
  lossy = false;
  /** Open-addressing slots holding ids (-1: empty), at most half full. */
  private slots = new Int32Array(1 << 11).fill(-1);
  private mask = (1 << 11) - 1;

  get(buf: Buffer, s: number, e: number): string {
    return this.strings[this.id(buf, s, e)]!;
  }

  /** The id of the name written as `buf[s, e)`, added when new. */
  id(buf: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const len = e - s;
    const { bytes, starts, slots, hashes, mask } = this;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const id = slots[k]!;
      if (id < 0) return this.add(buf, s, e, h, k);
      if (hashes[id] !== h) continue;
      const a = starts[id]!;
      if (starts[id + 1]! - a !== len) continue;
      let i = 0;
      while (i < len && bytes[a + i] === buf[s + i]) i++;
      if (i === len) return id;
    }
  }

  /** The id of a name decoded elsewhere (a node too large to decode in the window). */
  idOf(name: string): number {
    const b = Buffer.from(name, 'utf8');
    return this.id(b, 0, b.length);
  }

  private add(buf: Buffer, s: number, e: number, h: number, slot: number): number {
    const str = utf8(buf, s, e);
    if (str.includes('\uFFFD')) this.lossy = true;
    const id = this.strings.length;
    const len = e - s;
    if (this.used + len > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < this.used + len) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.bytes.subarray(0, this.used));
      this.bytes = next;
    }
    const bytes = this.bytes;
    let u = this.used;
    let control = 0;
    for (let i = s; i < e; i++) {
      const b = buf[i]!;
      bytes[u++] = b;
      if (b < 0x20 || b === 0x7f) control = 1;
    }
    if (id + 2 > this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const flags = new Uint8Array(this.control.length * 2);
      flags.set(this.control);
      this.control = flags;
    }
    this.control[id] = control;
    this.starts[id] = this.used;
    this.starts[id + 1] = u;
    this.used = u;
    this.hashes[id] = h;
    this.strings.push(str);
    if ((id + 1) * 2 > this.slots.length) this.grow();
    else this.slots[slot] = id;
    return id;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.strings.length; id++) {
      let k = this.hashes[id]! & mask;
      while (slots[k]! >= 0) k = (k + 1) & mask;
      slots[k] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * A node list's input and output names as ids into the read's distinct names, node after node:
 * `inIds` holds node 0's inputs, then node 1's, ... (where each node's run starts follows from the
 * lengths of the nodes' own lists, which validation compares anyway). Validation checks
 * that the list still says what was read (`nodeNameIds` is a hint, never trusted blindly) and then
 * indexes typed arrays instead of hashing a million strings into a Map.
 */
export interface NodeNameIds {
  names: readonly string[];
  /** 1 where `names[id]` has a control character (what validation's name check looks for). */
  control: Uint8Array;
  /** Nodes in the list when it was read. */
  nodes: number;
  inIds: Int32Array;
  outIds: Int32Array;
}

const nodeIds = new WeakMap<object, NodeNameIds>();

/** The ids of a node list this reader decoded (undefined for any other list). */
export function nodeNameIds(list: readonly NodeProto[]): NodeNameIds | undefined {
  return nodeIds.get(list);
}

/** A growable list of int32. */
class IntList {
  private a = new Int32Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.a.length) {
      const next = new Int32Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    this.a[this.length++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.length);
  }
}

class NodeIdsBuilder {
  private nodes = 0;
  private readonly inIds = new IntList();
  private readonly outIds = new IntList();
  add(ins: readonly number[], nIns: number, outs: readonly number[], nOuts: number): void {
    for (let k = 0; k < nIns; k++) this.inIds.push(ins[k]!);
    for (let k = 0; k < nOuts; k++) this.outIds.push(outs[k]!);
    this.nodes++;
  }
  done(names: readonly string[], control: Uint8Array): NodeNameIds {
    return { names, control, nodes: this.nodes, inIds: this.inIds.done(), outIds: this.outIds.done() };
  }
}

/** The table of the read in progress (one at a time: reading is synchronous); dropped after it. */
const EMPTY_TABLE = new NameTable();
let names = EMPTY_TABLE;

/**
 * One NodeProto from `buf[start, end)`, as a plain object with the fields `onnx.NodeProto.decode`
 * gives (arrays sized exactly, op types and domains shared): a graph of a million nodes holds a
 * million of these, so their size and the garbage made building them set the reader's speed.
 * Attributes are decoded by the schema.
 */
type Attribute = ReturnType<typeof onnx.AttributeProto.decode>;
const utf8 = (b: Buffer, s: number, e: number): string =>
  (b as unknown as { utf8Slice(s: number, e: number): string }).utf8Slice(s, e);
const scratchIn: string[] = [];
const scratchOut: string[] = [];
/** The ids of the last decoded node's inputs and outputs (read right after `decodeNode` returns). */
const scratchInIds: number[] = [];
const scratchOutIds: number[] = [];
/** How many entries of the scratch lists the last node used (no `length = 0` per node: a runtime call). */
let scratchIns = 0;
let scratchOuts = 0;
function decodeNode(buf: Buffer, start: number, end: number, what: string): NodeProto {
  let name = '';
  let opType = '';
  let domain = '';
  let docString = '';
  let attribute: Attribute[] | undefined;
  let ins = 0;
  let outs = 0;
  let p = start;
  while (p < end) {
    const tag = nodeVarint(buf, p, end, what);
    p = varintEnd;
    const wire = tag & 7;
    if (wire === 2) {
      const len = nodeVarint(buf, p, end, what);
      p = varintEnd;
      const s = p;
      p += len;
      if (p > end) throw corrupt(what, `a node's field runs past its end`);
      switch (tag >>> 3) {
        case 1:
          {
            const id = names.id(buf, s, p);
            scratchInIds[ins] = id;
            scratchIn[ins++] = names.strings[id]!;
          }
          break;
        case 2:
          {
            const id = names.id(buf, s, p);
            scratchOutIds[outs] = id;
            scratchOut[outs++] = names.strings[id]!;
          }
          break;
        case 3:
          name = utf8(buf, s, p);
          break;
        case 4:
          opType = names.get(buf, s, p);
          break;
        case 7:
          domain = names.get(buf, s, p);
          break;
        case 6:
          docString = utf8(buf, s, p);
          break;
        case 5:
          (attribute ??= []).push(decodeAttribute(buf.subarray(s, p), what));
          break;
        default:
          break; // a field this schema does not know
      }
    } else if (wire === 0) {
      nodeVarint(buf, p, end, what);
      p = varintEnd;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else throw corrupt(what, `protobuf wire type ${wire} in a node is not supported`);
  }
  if (p > end) throw corrupt(what, `a node's field runs past its end`);
  scratchIns = ins;
  scratchOuts = outs;
  const node: NodeProto = {
    input: listOf(scratchIn, ins),
    output: listOf(scratchOut, outs),
    name,
    opType,
    domain,
    attribute: attribute ?? NO_ATTRIBUTES,
  };
  if (docString) node.docString = docString;
  return node;
}

/**
 * A copy of a node's input or output list. Array literals for the usual lengths: V8 tracks their
 * allocation site, sees that every one survives, and allocates them in old space directly, so the
 * young-generation collections stop copying a million arrays (`slice()` gets no such site).
 */
function listOf(a: string[], n: number): string[] {
  switch (n) {
    case 0:
      return [];
    case 1:
      return [a[0]!];
    case 2:
      return [a[0]!, a[1]!];
    case 3:
      return [a[0]!, a[1]!, a[2]!];
    default:
      return a.slice(0, n);
  }
}

/** Where the last `nodeVarint` ended (one module-level cursor: no closure or tuple per call). */
let varintEnd = 0;
function nodeVarint(buf: Buffer, start: number, end: number, what: string): number {
  let value = 0;
  let mul = 1;
  let p = start;
  for (let i = 0; i < 10 && p < end; i++) {
    const b = buf[p++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      varintEnd = p;
      return value;
    }
    mul *= 128;
  }
  throw corrupt(what, `malformed protobuf varint in a node`);
}

/**
 * The attributes of a node without any: one shared frozen empty list, as protobufjs itself gives
 * (its decoded messages share `util.emptyArray` for absent repeated fields).
 */
const NO_ATTRIBUTES: Attribute[] = Object.freeze([]) as unknown as Attribute[];

function decodeAttribute(b: Uint8Array, what: string): Attribute {
  try {
    return onnx.AttributeProto.decode(b);
  } catch (e) {
    throw corrupt(what, `in an attribute: ${(e as Error).message}`);
  }
}

/** Put descended children back among the small ones decoded in one go, in file order. */
function mergeChildren(
  obj: Record<string, unknown>,
  bigs: { prop: string; repeated: boolean; index: number; value: object }[],
): void {
  const byProp = new Map<string, typeof bigs>();
  for (const b of bigs) {
    if (!b.repeated) {
      obj[b.prop] = b.value;
      continue;
    }
    const list = byProp.get(b.prop) ?? [];
    list.push(b);
    byProp.set(b.prop, list);
  }
  for (const [prop, list] of byProp) {
    const small = (obj[prop] as object[] | undefined) ?? [];
    const merged: object[] = [];
    let s = 0;
    let k = 0;
    const total = small.length + list.length;
    for (let i = 0; i < total; i++) {
      if (k < list.length && list[k]!.index === i) merged.push(list[k++]!.value);
      else merged.push(small[s++]!);
    }
    obj[prop] = merged;
  }
}

/**
 * Read a model's structure from `path` in one streaming pass (hashing the whole file). Throws an
 * InputError naming the file for an unreadable, truncated or non-ONNX file.
 */
export function readModelStructure(path: string, options: { chunkBytes?: number } = {}): ModelStructure {
  const { fd, size } = openRegular(path);
  names = new NameTable();
  try {
    if (size === 0) throw new InputError(`${path}: empty file, not an ONNX model`);
    const parser = new StreamParser(fd, size, path, Math.max(1, options.chunkBytes ?? CHUNK_BYTES));
    const proto = parser.message('model', size) as ModelProto;
    if (!parser.finished()) throw new InputError(`${path}: the model message does not span the file (corrupt model?)`);
    const sha256 = parser.digest();
    if (!proto.graph) throw new InputError(`${path}: protobuf decoded but it has no graph: not an ONNX model`);
    if (toNumber(proto.irVersion) === 0 && (proto.opsetImport ?? []).length === 0) {
      throw new InputError(`${path}: protobuf decoded but has neither IR version nor opset imports: not an ONNX model`);
    }
    lazyModels.add(proto);
    return { path, sizeBytes: size, sha256, proto, lazyBytes: parser.lazyBytes };
  } finally {
    names = EMPTY_TABLE; // the strings stay with the nodes; the table's own arrays go
    closeSync(fd);
  }
}
