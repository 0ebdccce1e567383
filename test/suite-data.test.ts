/**
 * Reference data of every kind ONNX test sets hold: TensorProto of every element type, and
 * SequenceProto / MapProto / OptionalProto chosen by the port's declared type; and the claims about
 * what onnxruntime's JavaScript APIs can pass, checked against the installed runtimes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from '../src/onnx/proto.js';
import { decodeTensorProtoBytes, encodeTensorProto } from '../src/tensor/tensorProto.js';
import { toFloat64, type Tensor } from '../src/tensor/tensor.js';
import { decodeValueBytes, encodeValue, type Value } from '../src/tensor/valueProto.js';
import { loadTestDataSet } from '../src/data/reference.js';
import { modelPortTypes } from '../src/data/ports.js';
import { findUnsupported, unsupportedByApi, unsupportedReason } from '../src/data/apiSupport.js';
import { summarize } from '../src/onnx/inspect.js';
import { loadModel } from '../src/onnx/model.js';
import { compareTensors } from '../src/compare/compare.js';
import { NODE_ROOT, requireTestData } from './helpers/suiteFixtures.js';
import { InputError } from '../src/errors.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseJsonOutput, repoRoot, runCli } from './helpers/cli.js';

const proto = (fields: Record<string, unknown>) => onnx.TensorProto.encode(fields as never).finish();

describe('TensorProto of every element type', () => {
  it('reads typed fields: bfloat16, float8 (5 kinds), int4/uint4, int2/uint2, bool, string, complex, uint64', () => {
    const cases: [number, Record<string, unknown>, number[], number[]][] = [
      [16, { int32Data: [0x3f80, 0xc000] }, [2], [1, -2]], // bfloat16
      [17, { int32Data: [0x38, 0xc0] }, [2], [1, -2]], // float8e4m3fn: bias 7
      [18, { int32Data: [0x40, 0x80] }, [2], [1, Number.NaN]], // float8e4m3fnuz: bias 8, 0x80 is NaN
      [19, { int32Data: [0x3c, 0x7c] }, [2], [1, Number.POSITIVE_INFINITY]], // float8e5m2
      [20, { int32Data: [0x40] }, [1], [1]], // float8e5m2fnuz: bias 16
      [22, { int32Data: [0x7f, 0x08] }, [3], [-1, 7, -8]], // int4, low nibble first
      [21, { int32Data: [0x2f] }, [2], [15, 2]], // uint4
      [24, { int32Data: [127, 130, 0xff] }, [3], [1, 8, Number.NaN]], // float8e8m0 (ONNX 1.18): 2^(bits - 127)
      [25, { int32Data: [0b11_10_01_00, 0b01] }, [5], [0, 1, 2, 3, 1]], // uint2 (ONNX 1.20), lowest bits first
      [26, { int32Data: [0b11_10_01_00] }, [4], [0, 1, -2, -1]], // int2
      [9, { int32Data: [1, 0, 1] }, [3], [1, 0, 1]], // bool
      [14, { floatData: [1, 2, 3, 4] }, [2], [1, 2, 3, 4]], // complex64: (re, im) pairs
      [13, { uint64Data: ['18446744073709551615'] }, [1], [18446744073709551615]],
    ];
    for (const [dataType, fields, dims, expected] of cases) {
      const { tensor } = decodeTensorProtoBytes(proto({ dataType, dims, ...fields }), `type ${dataType}`);
      expect([...toFloat64(tensor)], `type ${dataType}`).toEqual(expected);
    }
  });

  it('reads raw_data for packed and minifloat types, and refuses a wrong byte count', () => {
    const { tensor } = decodeTensorProtoBytes(
      proto({ dataType: 22, dims: [3], rawData: new Uint8Array([0x7f, 0x08]) }),
      'int4',
    );
    expect([...toFloat64(tensor)]).toEqual([-1, 7, -8]);
    expect(() =>
      decodeTensorProtoBytes(proto({ dataType: 22, dims: [3], rawData: new Uint8Array([1]) }), 'short int4'),
    ).toThrow(/1 bytes of data for 3 int4 elements \(expected 2\)/);
    const int2 = decodeTensorProtoBytes(
      proto({ dataType: 26, dims: [5], rawData: Uint8Array.from([0xe4, 0x03]) }),
      'int2',
    );
    expect([...toFloat64(int2.tensor)]).toEqual([0, 1, -2, -1, -1]);
    expect(() =>
      decodeTensorProtoBytes(proto({ dataType: 25, dims: [5], rawData: new Uint8Array([1]) }), 'short uint2'),
    ).toThrow(/1 bytes of data for 5 uint2 elements \(expected 2\)/);
  });

  it('strings round-trip through string_data and compare exactly', () => {
    const t: Tensor = { dtype: 'string', dims: [2], data: ['monday', 'vendredi ü'] };
    const back = decodeTensorProtoBytes(encodeTensorProto('s', t), 's').tensor;
    expect(back).toEqual(t);
    expect(compareTensors('s', back, t, { atol: 0, rtol: 0 }).ok).toBe(true);
    const other = compareTensors('s', { ...t, data: ['monday', 'x'] }, t, { atol: 1, rtol: 1 });
    expect(other.ok).toBe(false);
    expect(other.problem).toMatch(/1\/2 strings differ/);
  });

  it('a count that does not fit the shape is an input error naming the field', () => {
    expect(() => decodeTensorProtoBytes(proto({ dataType: 16, dims: [3], int32Data: [1] }), 'f.pb')).toThrow(
      /f\.pb: int32_data has 1 values for shape \[3\] \(3 bfloat16 elements\)/,
    );
  });
});

describe('SequenceProto, MapProto, OptionalProto', () => {
  const tensor = (v: number[]): Value => ({
    kind: 'tensor',
    tensor: { dtype: 'float32', dims: [v.length], data: Float32Array.from(v) },
  });

  it('round-trips nested values and reads them by the declared type', () => {
    const seqType = { kind: 'sequence', elem: { kind: 'tensor', elemType: 'float32' } } as const;
    const seq: Value = { kind: 'sequence', items: [tensor([1, 2]), tensor([3])] };
    expect(decodeValueBytes(encodeValue('s', seq, encodeTensorProto), seqType, 's').value).toEqual(seq);
    const opt: Value = { kind: 'optional', value: seq };
    expect(
      decodeValueBytes(encodeValue('o', opt, encodeTensorProto), { kind: 'optional', elem: seqType }, 'o').value,
    ).toEqual(opt);
    const empty: Value = { kind: 'optional', value: null };
    expect(
      decodeValueBytes(
        encodeValue('e', empty, encodeTensorProto),
        { kind: 'optional', elem: { kind: 'tensor', elemType: 'int32' } },
        'e',
      ).value,
    ).toEqual(empty);
    const map: Value = { kind: 'map', keys: [1n, 5n], values: [tensor([1]), tensor([2])] };
    expect(
      decodeValueBytes(
        encodeValue('m', map, encodeTensorProto),
        { kind: 'map', keyType: 'int64', value: { kind: 'tensor', elemType: 'float32' } },
        'm',
      ).value,
    ).toEqual(map);
  });

  it('reads the backend test data sets that hold sequences and optionals (not as TensorProto)', () => {
    requireTestData();
    const load = (name: string) => {
      const model = loadModel(join(NODE_ROOT, name, 'model.onnx'));
      const s = summarize(model);
      return loadTestDataSet(
        join(NODE_ROOT, name, 'test_data_set_0'),
        s.inputs,
        s.outputs,
        modelPortTypes(model.proto),
      );
    };
    const seq = load('test_identity_sequence').values!.inputs.get('x')!;
    expect(seq.kind).toBe('sequence');
    expect(
      (seq as Extract<Value, { kind: 'sequence' }>).items.map(
        (i) => (i as Extract<Value, { kind: 'tensor' }>).tensor.dims,
      ),
    ).toEqual([
      [1, 1, 2, 2],
      [1, 1, 2, 2],
    ]);
    expect(load('test_optional_has_element_empty').values!.inputs.get('optional_input')).toEqual({
      kind: 'optional',
      value: null,
    });
    // An optional holding a tensor is fed as the tensor.
    expect(load('test_optional_get_element').inputs.get('optional_input')!.dims).toEqual([4]);
    const str = load('test_strnormalizer_export_monday_casesensintive_lower');
    expect(str.inputs.get('x')!.data).toEqual(['monday', 'tuesday', 'wednesday', 'thursday']);
    // ONNX 1.12 stores bfloat16 outputs as uint16 bit patterns: read as the declared bfloat16.
    expect(load('test_cast_FLOAT_to_BFLOAT16').outputs!.get('output')!.dtype).toBe('bfloat16');
  });

  it('a file whose message does not fit the declared type is an input error naming the file', () => {
    requireTestData();
    const file = join(NODE_ROOT, 'test_identity_sequence', 'test_data_set_0', 'input_0.pb');
    expect(() => decodeValueBytes(readFileSync(file), { kind: 'tensor', elemType: 'float32' }, file)).toThrow(
      InputError,
    );
    const tensorFile = join(NODE_ROOT, 'test_abs', 'test_data_set_0', 'input_0.pb');
    expect(() =>
      decodeValueBytes(
        readFileSync(tensorFile),
        { kind: 'sequence', elem: { kind: 'tensor', elemType: 'float32' } },
        tensorFile,
      ),
    ).toThrow(new RegExp(`${tensorFile.replace(/[/.]/g, '\\$&')}: `));
  });
});

describe("what onnxruntime's JavaScript APIs pass (checked against the installed runtimes)", () => {
  const runtimes = ['onnxruntime-node', 'onnxruntime-web'] as const;
  type Ort = typeof import('onnxruntime-common') & {
    InferenceSession: { create(b: Uint8Array): Promise<import('onnxruntime-common').InferenceSession> };
  };
  const load = async (rt: string) => (await import(rt)) as Ort;

  it.each(runtimes)(
    '%s refuses bfloat16 models and sequence feeds, and takes an optional input as a tensor',
    async (rt) => {
      requireTestData();
      const ort = await load(rt);
      const bytes = (c: string) => readFileSync(join(NODE_ROOT, c, 'model.onnx'));
      await expect(ort.InferenceSession.create(bytes('test_cast_FLOAT_to_BFLOAT16'))).rejects.toThrow(
        /nsupported data type: 16/,
      );
      const seq = await ort.InferenceSession.create(bytes('test_identity_sequence'));
      await expect(seq.run({})).rejects.toThrow(/missing in 'feeds'/);
      const opt = await ort.InferenceSession.create(bytes('test_optional_get_element'));
      const out = await opt.run({ optional_input: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
      expect([...(out.output!.data as Float32Array)]).toEqual([1, 2, 3, 4]);
    },
  );

  it('onnxruntime-web takes an int4/uint4 input and refuses an int4 output; onnxruntime-node refuses an int4 input', async () => {
    const web = await load('onnxruntime-web');
    const node = await load('onnxruntime-node');
    const packed = Uint8Array.from([0x21, 0xf7]); // low nibble first: 1, 2, 7, -1 (int4) or 15 (uint4)
    for (const [type, code, want] of [
      ['int4', INT4, [1, 2, 7, -1]],
      ['uint4', UINT4, [1, 2, 7, 15]],
    ] as const) {
      const s = await web.InferenceSession.create(castModel(code, FLOAT));
      const out = await s.run({ x: new web.Tensor(type, packed, [4]) });
      expect([...(out.y!.data as Float32Array)], type).toEqual(want);
      const n = await node.InferenceSession.create(castModel(code, FLOAT));
      await expect(n.run({ x: new node.Tensor(type, packed, [4]) })).rejects.toThrow(
        new RegExp(`Tensor.type is not supported: ${type}`),
      );
    }
    const toInt4 = await web.InferenceSession.create(castModel(FLOAT, INT4));
    await expect(toInt4.run({ x: new web.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) })).rejects.toThrow(
      /unsupported type: int4/,
    );
  });

  it('onnxruntime-node aborts its process on an int4 output (why it is never run)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-int4-'));
    try {
      writeFileSync(join(dir, 'm.onnx'), castModel(FLOAT, INT4));
      const script = `const ort = require('onnxruntime-node');
        ort.InferenceSession.create(require('fs').readFileSync(process.argv[1])).then((s) =>
          s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) }))
          .then(() => console.log('returned'), (e) => console.log('threw', e.message));`;
      const r = spawnSync(process.execPath, ['-e', script, join(dir, 'm.onnx')], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      });
      expect(r.stdout).not.toMatch(/returned|threw/);
      expect(r.signal ?? r.status).not.toBe(0);
      expect(r.stderr).toMatch(/ArrayBuffer::New Allocation failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the unsupported type and the runtime', () => {
    requireTestData();
    const types = modelPortTypes(loadModel(join(NODE_ROOT, 'test_identity_sequence', 'model.onnx')).proto);
    expect(unsupportedReason(findUnsupported(types, 'onnxruntime-node')!, 'onnxruntime-node')).toBe(
      "sequence inputs are not supported by onnxruntime-node's API (input 'x': seq(tensor(float32)))",
    );
    expect(
      unsupportedByApi(modelPortTypes(loadModel(join(NODE_ROOT, 'test_abs', 'model.onnx')).proto)),
    ).toBeUndefined();
    const int4In = unsupportedByApi(modelPortTypes(onnx.ModelProto.decode(castModel(INT4, FLOAT))));
    expect(int4In).toEqual({ 'onnxruntime-node': { what: 'int4 tensors', port: "input 'x': tensor(int4)" } });
    const int4Out = unsupportedByApi(modelPortTypes(onnx.ModelProto.decode(castModel(FLOAT, INT4))));
    expect(Object.keys(int4Out ?? {}).sort()).toEqual(['onnxruntime-node', 'onnxruntime-web']);
  });

  it('verify: an int4 input is unsupported on cpu and runs on the onnxruntime-web backends; an int4 output is unsupported on all', async () => {
    const root = mkdtempSync(join(tmpdir(), 'owb-int4-root-'));
    try {
      const write = (name: string, from: number, to: number, x: Tensor, y: Tensor) => {
        mkdirSync(join(root, name, 'test_data_set_0'), { recursive: true });
        writeFileSync(join(root, name, 'model.onnx'), castModel(from, to));
        writeFileSync(join(root, name, 'test_data_set_0', 'input_0.pb'), encodeTensorProto('x', x));
        writeFileSync(join(root, name, 'test_data_set_0', 'output_0.pb'), encodeTensorProto('y', y));
      };
      const f32 = (v: number[]): Tensor => ({ dtype: 'float32', dims: [4], data: Float32Array.from(v) });
      const i4: Tensor = { dtype: 'int4', dims: [4], data: Uint8Array.from([0x21, 0xf7]) };
      write('int4_in', INT4, FLOAT, i4, f32([1, 2, 7, -1]));
      write('int4_out', FLOAT, INT4, f32([1, 2, 7, -1]), i4);
      const r = await runCli([
        'verify',
        root,
        '--backend',
        'cpu,wasm,browser-wasm',
        '--json',
        '--no-evidence',
        '--warmup',
        '0',
        '--iterations',
        '1',
      ]);
      const run = parseJsonOutput<{ results: { model: string; backend: string; status: string; reason?: string }[] }>(
        r,
      );
      const got = Object.fromEntries(run.results.map((x) => [`${x.model} ${x.backend}`, x.status]));
      expect(got).toEqual({
        'int4_in cpu': 'unsupported',
        'int4_in wasm': 'pass',
        'int4_in browser-wasm': 'pass',
        'int4_out cpu': 'unsupported',
        'int4_out wasm': 'unsupported',
        'int4_out browser-wasm': 'unsupported',
      });
      expect(run.results.find((x) => x.model === 'int4_in' && x.backend === 'cpu')!.reason).toBe(
        "int4 tensors are not supported by onnxruntime-node's API (input 'x': tensor(int4))",
      );
      expect(run.results.find((x) => x.model === 'int4_out' && x.backend === 'wasm')!.reason).toBe(
        "int4 tensors are not supported by onnxruntime-web's API (output 'y': tensor(int4))",
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const FLOAT = 1;
const UINT4 = 21;
const INT4 = 22;

/** A one-node model: Cast of a [4] input `x` to the element type `to`, output `y` (opset 21: 4-bit Cast). */
function castModel(from: number, to: number): Uint8Array {
  const vi = (name: string, elemType: number) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimValue: 4 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 10,
    producerName: 'onnx-workbench-test',
    opsetImport: [{ domain: '', version: 21 }],
    graph: {
      name: 'cast',
      node: [{ opType: 'Cast', input: ['x'], output: ['y'], attribute: [{ name: 'to', type: 2, i: to }] }],
      input: [vi('x', from)],
      output: [vi('y', to)],
    },
  } as never).finish();
}
