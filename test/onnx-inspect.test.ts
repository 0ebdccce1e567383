import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, decodeModel } from '../src/onnx/model.js';
import { summarize, portInfo } from '../src/onnx/inspect.js';
import { elementTypeName, dtypeFromCode, codeFromDType, ELEMENT_TYPES } from '../src/onnx/dtypes.js';
import { onnx } from '../src/onnx/proto.js';

// ---- A minimal protobuf wire-format reader, independent of protobufjs and onnx-proto. ----
type Field = { field: number; wire: number; value: bigint | Uint8Array };

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, p] = readVarint(buf, pos);
      pos = p;
      out.push({ field, wire, value: v });
    } else if (wire === 2) {
      const [len, p] = readVarint(buf, pos);
      pos = p + Number(len);
      out.push({ field, wire, value: buf.subarray(p, pos) });
    } else if (wire === 1) {
      out.push({ field, wire, value: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else if (wire === 5) {
      out.push({ field, wire, value: buf.subarray(pos, pos + 4) });
      pos += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

// A protobuf tag + length-delimited payload for an unknown field number.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
function unknownField(fieldNumber: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint((fieldNumber << 3) | 2), ...varint(payload.length), ...payload]);
}
function unknownVarintField(fieldNumber: number, value: number): Uint8Array {
  return Uint8Array.from([...varint((fieldNumber << 3) | 0), ...varint(value)]);
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const MNIST = 'models/cntk/mnist-8';
const MNIST_FILE = 'models/cntk/mnist-8/model.onnx';

describe('summarize: cntk/mnist-8', () => {
  const s = summarize(loadModel(MNIST));

  it('reads producer and IR version', () => {
    expect(s.producerName).toBe('CNTK');
    expect(s.producerVersion).toBe('2.5.1');
    expect(s.irVersion).toBe(3);
    expect(s.path).toBe(MNIST_FILE);
  });

  it('reports opset 8 of the default domain, as the raw protobuf says', () => {
    expect(s.opsets).toEqual([{ domain: 'ai.onnx', version: 8 }]);
    // Cross-check against the bytes: ModelProto.opset_import is field 8; OperatorSetIdProto has domain=1, version=2.
    const top = fields(readFileSync(MNIST_FILE));
    const opsets = top.filter((f) => f.field === 8).map((f) => fields(f.value as Uint8Array));
    expect(opsets).toHaveLength(1);
    const domain = opsets[0]!.find((f) => f.field === 1);
    const version = opsets[0]!.find((f) => f.field === 2);
    expect(domain === undefined || text(domain.value) === '').toBe(true);
    expect(version?.value).toBe(8n);
    // And producer_name (2), producer_version (3), ir_version (1).
    expect(text(top.find((f) => f.field === 2)!.value)).toBe('CNTK');
    expect(text(top.find((f) => f.field === 3)!.value)).toBe('2.5.1');
    expect(top.find((f) => f.field === 1)!.value).toBe(3n);
  });

  it('lists only the real input (initializers excluded) and the output', () => {
    const raw = loadModel(MNIST).proto.graph!;
    expect(raw.input!.length).toBeGreaterThan(1); // IR 3: initializers are also graph inputs
    expect(s.inputs).toEqual([{ name: 'Input3', elemType: 'float32', shape: [1, 1, 28, 28] }]);
    expect(s.outputs).toEqual([{ name: 'Plus214_Output_0', elemType: 'float32', shape: [1, 10] }]);
  });

  it('counts ops by domain:type and parameters', () => {
    expect(s.opCounts['ai.onnx:Conv']).toBe(2);
    expect(s.opCounts['ai.onnx:MaxPool']).toBe(2);
    expect(Object.values(s.opCounts).reduce((a, b) => a + b, 0)).toBe(s.nodeCount);
    expect(s.nodeCount).toBe(12);
    expect(s.parameterCount).toBeGreaterThan(0);
    // 8x1x5x5 + 8 + 16x8x5x5 + 16 + 256x10 + 10, plus two 2-element reshape shapes
    expect(s.parameterCount).toBe(200 + 8 + 3200 + 16 + 2560 + 10 + 2 + 2);
    expect(s.externalData).toEqual([]);
  });

  it('hashes and sizes the file', () => {
    const bytes = readFileSync(MNIST_FILE);
    expect(s.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(s.sizeBytes).toBe(bytes.length);
  });

  it('loads a model folder and the file inside it identically', () => {
    expect(summarize(loadModel(MNIST_FILE))).toEqual(s);
  });
});

describe('summarize: symbolic dims (tensorflow/keras-dense-tf2onnx)', () => {
  it('returns symbolic dims by name', () => {
    const s = summarize(loadModel('models/tensorflow/keras-dense-tf2onnx'));
    expect(s.producerName).toBe('tf2onnx');
    expect(s.inputs).toEqual([{ name: 'main_input_input', elemType: 'float32', shape: ['unk__6', 100] }]);
    expect(s.outputs).toEqual([{ name: 'dense_1', elemType: 'float32', shape: ['unk__7', 1] }]);
    expect(s.opsets).toContainEqual({ domain: 'ai.onnx.ml', version: 2 });
  });
});

describe('element type names', () => {
  it('names newer and unknown types', () => {
    expect(elementTypeName(1)).toBe('float32');
    expect(elementTypeName(16)).toBe('bfloat16');
    expect(elementTypeName(17)).toBe('float8e4m3fn');
    expect(elementTypeName(22)).toBe('int4');
    expect(elementTypeName(23)).toBe('float4e2m1');
    expect(elementTypeName(99)).toBe('type(99)');
  });
  it('maps supported dtypes both ways and refuses unsupported ones', () => {
    for (const dt of [
      'float32',
      'float64',
      'float16',
      'int8',
      'uint8',
      'int16',
      'uint16',
      'int32',
      'uint32',
      'int64',
      'uint64',
      'bool',
    ] as const) {
      expect(dtypeFromCode(codeFromDType(dt))).toBe(dt);
    }
    // Every element type onnxruntime 1.30 has is held (string, bfloat16, float8: the suites issue);
    // a code ONNX does not define is refused.
    expect(dtypeFromCode(8)).toBe('string');
    expect(dtypeFromCode(16)).toBe('bfloat16');
    expect(dtypeFromCode(17)).toBe('float8e4m3fn');
    expect(dtypeFromCode(99)).toBeUndefined();
    // ONNX 1.23 defines codes 0-26 (24-26: float8e8m0, uint2, int2, which its backend test data holds).
    expect(Object.keys(ELEMENT_TYPES)).toHaveLength(27);
    expect([24, 25, 26].map(dtypeFromCode)).toEqual(['float8e8m0', 'uint2', 'int2']);
  });
});

describe('models written by newer exporters', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'owb-inspect-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const vi = (name: string, elemType: number, dim?: { dimValue?: number; dimParam?: string }[]) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, ...(dim ? { shape: { dim } } : {}) } } });

  function newerModel(): Uint8Array {
    const encoded = onnx.ModelProto.encode({
      irVersion: 10,
      producerName: 'future-exporter',
      producerVersion: '9.9',
      opsetImport: [
        { domain: '', version: 23 },
        { domain: 'com.example', version: 1 },
      ],
      graph: {
        name: 'g',
        node: [
          { opType: 'Identity', input: ['x8'], output: ['y'] },
          {
            opType: 'Cast',
            input: ['x4'],
            output: ['z'],
            attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
          },
          { opType: 'Custom', domain: 'com.example', input: ['y'], output: ['w'] },
        ],
        input: [vi('x8', 17, [{ dimValue: 2 }, { dimParam: 'batch' }]), vi('x4', 22, [{}]), vi('xu', 99)],
        output: [vi('y', 17, [{ dimValue: 2 }]), vi('z', 1), vi('w', 99)],
      },
    }).finish();
    // Unknown top-level fields: a length-delimited field 99 and a varint field 98.
    return concat(
      encoded,
      unknownField(99, new TextEncoder().encode('from the future')),
      unknownVarintField(98, 12345),
    );
  }

  it('reads newer element types by name and skips unknown fields', () => {
    const bytes = newerModel();
    const path = join(dir, 'newer.onnx');
    writeFileSync(path, bytes);
    const s = summarize(loadModel(path));
    expect(s.producerName).toBe('future-exporter');
    expect(s.irVersion).toBe(10);
    expect(s.opsets).toEqual([
      { domain: 'ai.onnx', version: 23 },
      { domain: 'com.example', version: 1 },
    ]);
    expect(s.inputs).toEqual([
      { name: 'x8', elemType: 'float8e4m3fn', shape: [2, 'batch'] },
      { name: 'x4', elemType: 'int4', shape: ['?'] },
      { name: 'xu', elemType: 'type(99)', shape: null },
    ]);
    expect(s.outputs.map((o) => o.elemType)).toEqual(['float8e4m3fn', 'float32', 'type(99)']);
    expect(s.opCounts).toEqual({ 'ai.onnx:Cast': 1, 'ai.onnx:Identity': 1, 'com.example:Custom': 1 });
    expect(s.sizeBytes).toBe(bytes.length);
  });

  it('describes non-tensor types by kind', () => {
    const seq = portInfo(
      onnx.ValueInfoProto.create({ name: 's', type: { sequenceType: { elemType: { tensorType: { elemType: 1 } } } } }),
    );
    expect(seq).toEqual({ name: 's', elemType: 'sequence', shape: null });
    const map = portInfo(
      onnx.ValueInfoProto.create({
        name: 'm',
        type: { mapType: { keyType: 7, valueType: { tensorType: { elemType: 1 } } } },
      }),
    );
    expect(map.elemType).toBe('map');
    expect(portInfo(onnx.ValueInfoProto.create({ name: 'n' })).elemType).toBe('unknown');
  });

  it('counts ops inside subgraphs', () => {
    const body = {
      name: 'body',
      node: [
        { opType: 'Relu', input: ['a'], output: ['b'] },
        { opType: 'Relu', input: ['b'], output: ['c'] },
      ],
    };
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [
          {
            opType: 'If',
            input: ['cond'],
            output: ['out'],
            attribute: [
              { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body },
              {
                name: 'else_branch',
                type: onnx.AttributeProto.AttributeType.GRAPH,
                g: { name: 'e', node: [{ opType: 'Neg', input: ['a'], output: ['c'] }] },
              },
            ],
          },
        ],
        input: [vi('cond', 9, [])],
        output: [vi('out', 1)],
      },
    }).finish();
    const s = summarize({
      path: 'mem',
      bytes,
      sha256: 'x',
      proto: decodeModel(bytes, 'mem'),
      runBytes: bytes,
      runSha256: 'x',
      inlinedTensors: 0,
    });
    expect(s.opCounts).toEqual({ 'ai.onnx:If': 1, 'ai.onnx:Neg': 1, 'ai.onnx:Relu': 2 });
    expect(s.nodeCount).toBe(1); // main graph only
    expect(s.inputs).toEqual([{ name: 'cond', elemType: 'bool', shape: [] }]);
  });

  it('lists external data references', () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      producerName: 'big-exporter',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [{ opType: 'MatMul', input: ['x', 'W'], output: ['y'] }],
        initializer: [
          {
            name: 'W',
            dims: [10, 10],
            dataType: 1,
            dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: [
              { key: 'location', value: 'weights.bin' },
              { key: 'offset', value: '4096' },
              { key: 'length', value: '400' },
            ],
          },
          {
            name: 'V',
            dims: [3],
            dataType: 7,
            dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: [{ key: 'location', value: 'v.bin' }],
          },
          { name: 'b', dims: [2], dataType: 1, floatData: [1, 2] },
        ],
        input: [vi('x', 1, [{ dimValue: 1 }, { dimValue: 10 }])],
        output: [vi('y', 1)],
      },
    }).finish();
    const path = join(dir, 'external.onnx');
    writeFileSync(path, bytes);
    // The data files exist beside the model (loadModel may check their location and size).
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(4096 + 400));
    writeFileSync(join(dir, 'v.bin'), new Uint8Array(24));
    const s = summarize(loadModel(path));
    expect(s.externalData).toEqual([
      { tensor: 'W', location: 'weights.bin', offset: 4096, length: 400 },
      { tensor: 'V', location: 'v.bin' },
    ]);
    expect(s.parameterCount).toBe(100 + 3 + 2);
    expect(s.parameterBytes).toBe(400 + 24 + 8);
    expect(s.inputs.map((i) => i.name)).toEqual(['x']);
  });
});
