/**
 * End-to-end verification on onnxruntime-node's CPU backend, through the library API.
 * The backend runs in a worker forked from dist/isolation/worker.js: build before running.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTargets, type Target } from '../src/models/catalog.js';
import { prepareTarget, type PreparedModel } from '../src/verify/prepare.js';
import { verify, meetsExpectation, toleranceFor, type ModelResult, type VerifyRun } from '../src/verify/verify.js';
import { decodeTensorProtoBytes, encodeTensorProto } from '../src/tensor/tensorProto.js';
import { encodeNpz, parseNpz } from '../src/tensor/npy.js';
import { makeRecord, readEvidence, validateEvidence, writeRecord, type EvidenceRecord } from '../src/evidence/store.js';
import { InputError } from '../src/errors.js';
import type { Tensor } from '../src/tensor/tensor.js';

const PLAN = { warmup: 0, iterations: 2, maxDurationMs: 200 };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'owb-verify-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A copy of mnist-8 in its own folder with a test_data_set_0 built by `edit` from the bundled one. */
function mnistCopy(
  name: string,
  edit: (input: Tensor, output: Tensor) => { input: Tensor; output: Tensor; inputName?: string },
): string {
  const dir = join(tmp, name);
  const set = join(dir, 'test_data_set_0');
  mkdirSync(set, { recursive: true });
  copyFileSync('models/cntk/mnist-8/model.onnx', join(dir, 'model.onnx'));
  const src = 'models/cntk/mnist-8/test_data_set_0';
  const inp = decodeTensorProtoBytes(readFileSync(join(src, 'input_0.pb')), 'input_0.pb');
  const out = decodeTensorProtoBytes(readFileSync(join(src, 'output_0.pb')), 'output_0.pb');
  const edited = edit(inp.tensor, out.tensor);
  writeFileSync(join(set, 'input_0.pb'), encodeTensorProto(edited.inputName ?? inp.name, edited.input));
  writeFileSync(join(set, 'output_0.pb'), encodeTensorProto(out.name, edited.output));
  return join(dir, 'model.onnx');
}

function oneTarget(name: string): Target {
  const targets = resolveTargets([name]);
  expect(targets).toHaveLength(1);
  return targets[0]!;
}

describe('verify on cpu: bundled models', () => {
  const ids = [
    'cntk/mnist-8',
    'caffe2/light-squeezenet',
    'tensorflow/keras-dense-tf2onnx',
    'pytorch/fresh-gru',
    'pytorch/pytorch-converted/test_AvgPool1d',
  ];
  let prepared: PreparedModel[];
  let run: VerifyRun;
  const result = (id: string): ModelResult => {
    const r = run.results.find((x) => x.model === id);
    expect(r, id).toBeDefined();
    return r!;
  };

  beforeAll(async () => {
    prepared = resolveTargets(ids).map((t) => prepareTarget(t));
    run = await verify(prepared, { backends: ['cpu'], plan: PLAN, timeoutMs: 60_000 });
  }, 90_000);

  it('prepares each model from its manifest', () => {
    expect(prepared.map((p) => p.target.id)).toEqual(ids);
    for (const p of prepared) expect(p.warnings, p.target.id).toEqual([]);
    const squeeze = prepared[1]!;
    expect(squeeze.referenceKind).toBe('onnx-reference');
    expect(squeeze.referenceSource).toMatch(/generated inputs: arange\(n\)\/n/);
    const x = squeeze.feeds.get('data_0')!;
    expect(x.dims).toEqual([1, 3, 224, 224]);
    const n = x.data.length;
    expect((x.data as Float32Array)[0]).toBe(0);
    expect((x.data as Float32Array)[n - 1]).toBeCloseTo((n - 1) / n, 6);
    const keras = prepared[2]!;
    expect([...keras.feeds.keys()]).toEqual(['main_input_input']); // npz key 'input' mapped by the manifest
    expect([...keras.reference!.keys()]).toEqual(['dense_1']);
    expect(keras.referenceSource).toBe('io.npz');
  });

  it('reports the cpu backend as available', () => {
    expect(run.backends).toHaveLength(1);
    expect(run.backends[0]).toMatchObject({ id: 'cpu', available: true });
    expect(run.backends[0]!.description).toMatchObject({
      backend: 'cpu',
      runtime: 'onnxruntime-node',
      executionProvider: 'cpu',
      adapter: { kind: 'cpu' },
    });
    expect(run.results).toHaveLength(ids.length);
  });

  for (const id of ['cntk/mnist-8', 'caffe2/light-squeezenet', 'tensorflow/keras-dense-tf2onnx', 'pytorch/fresh-gru']) {
    it(`${id} passes against its reference`, () => {
      const r = result(id);
      expect(r.status, r.reason).toBe('pass');
      expect(r.meetsExpectation).toBe(true);
      expect(r.expectedStatus).toBe('pass');
      expect(r.backend).toBe('cpu');
      expect(r.comparison?.ok).toBe(true);
      expect(r.comparison?.outputs.length).toBeGreaterThan(0);
      for (const o of r.comparison!.outputs) {
        expect(o.mismatches).toBe(0);
        expect(o.cosineSimilarity!).toBeGreaterThan(0.9999);
      }
      expect(r.latency?.stats?.n).toBeGreaterThanOrEqual(1);
      expect(r.latency!.sessionCreateMs).toBeGreaterThan(0);
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.framework).toBe(id.split('/')[0]);
    });
  }

  it('a PyTorch 0.3 export that onnxruntime refuses is a load-error, as expected', () => {
    const r = result('pytorch/pytorch-converted/test_AvgPool1d');
    expect(r.status).toBe('load-error');
    expect(r.expectedStatus).toBe('load-error');
    expect(r.meetsExpectation).toBe(true);
    expect(r.reason).toMatch(/AveragePool/);
    expect(r.reason).not.toContain('\n');
    expect(r.comparison).toBeUndefined();
    expect(r.latency).toBeUndefined();
    expect(r.producerVersion).toBe('0.3');
  });

  it('the whole run met expectations', () => {
    expect(run.ok).toBe(true);
    expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    expect(run.machine.cpuCount).toBeGreaterThan(0);
  });

  describe('evidence', () => {
    let dir: string;
    beforeAll(() => {
      dir = join(tmp, 'evidence');
    });

    it('writeRecord + readEvidence round trip', () => {
      const record = makeRecord('verify', run.machine, run.backends, run.results);
      const path = writeRecord(dir, record);
      expect(path).toBe(join(dir, `${record.id}.json`));
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const { records, rejected } = readEvidence(dir);
      expect(rejected).toEqual([]);
      expect(records).toHaveLength(1);
      expect(records[0]).toEqual(JSON.parse(JSON.stringify(record)));
      expect(records[0]!.results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'load-error']);
    });

    it('records get unique ids', () => {
      const a = makeRecord('verify', run.machine, run.backends, run.results);
      const b = makeRecord('verify', run.machine, run.backends, run.results);
      expect(a.id).not.toBe(b.id);
      expect(a.id).toMatch(/^[A-Za-z0-9._-]{1,200}$/);
    });

    it('a record missing fields is rejected by validateEvidence', () => {
      const record = makeRecord('verify', run.machine, run.backends, run.results) as unknown as Record<string, unknown>;
      const { machine: _m, ...noMachine } = record;
      expect(() => validateEvidence(noMachine, 'r.json')).toThrow(InputError);
      expect(() => validateEvidence(noMachine, 'r.json')).toThrow(
        /^r\.json: does not match the evidence schema: .*machine/,
      );
      const badResult = { ...record, results: [{ ...run.results[0]!, sha256: undefined }] };
      expect(() => validateEvidence(JSON.parse(JSON.stringify(badResult)))).toThrow(/sha256/);
      const badStatus = { ...record, results: [{ ...run.results[0]!, status: 'great' }] };
      expect(() => validateEvidence(badStatus)).toThrow(/status/);
      expect(() => validateEvidence({ ...record, schemaVersion: 99 })).toThrow(InputError);
    });

    it('writeRecord refuses an invalid record and leaves nothing behind', () => {
      const d = join(tmp, 'evidence-invalid');
      const record = {
        ...makeRecord('verify', run.machine, run.backends, run.results),
        kind: 'nonsense',
      } as unknown as EvidenceRecord;
      expect(() => writeRecord(d, record)).toThrow(InputError);
      expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
    });

    it('junk files are reported in rejected without stopping the read; .tmp and hidden files are ignored', () => {
      const d = join(tmp, 'evidence-mixed');
      const good1 = writeRecord(d, makeRecord('verify', run.machine, run.backends, run.results.slice(0, 2)));
      writeFileSync(join(d, '0000-junk.json'), '{ this is not json');
      writeFileSync(join(d, '5555-wrong-shape.json'), JSON.stringify({ hello: 'world' }));
      const good2 = writeRecord(d, makeRecord('bench', run.machine, run.backends, run.results.slice(2)));
      writeFileSync(join(d, 'zzzz-empty.json'), '');
      writeFileSync(join(d, '.20250101T000000Z-host-1-abcdef.1234abcd.tmp'), '{"partial": tr');
      writeFileSync(join(d, 'leftover.json.tmp'), '{');
      writeFileSync(join(d, '.hidden.json'), '{');
      writeFileSync(join(d, 'notes.txt'), 'not evidence');
      const { records, rejected } = readEvidence(d);
      expect(records.map((r) => join(d, `${r.id}.json`)).sort()).toEqual([good1, good2].sort());
      expect(rejected.map((r) => r.file).sort()).toEqual([
        join(d, '0000-junk.json'),
        join(d, '5555-wrong-shape.json'),
        join(d, 'zzzz-empty.json'),
      ]);
      for (const r of rejected) {
        expect(r.reason.length).toBeGreaterThan(0);
        expect(r.reason).not.toContain('\n');
      }
    });

    it('a missing evidence directory is refused (a misspelt --evidence-dir), or read as empty when asked', () => {
      expect(() => readEvidence(join(tmp, 'no-such-dir'))).toThrow(/no such evidence folder/);
      const read = readEvidence(join(tmp, 'no-such-dir'), { missing: 'empty' });
      expect(read.records).toEqual([]);
      expect(read.rejected).toEqual([]);
      expect(read.files.size).toBe(0);
    });
  });
});

describe('verify on cpu: models outside the repository', () => {
  it('a perturbed reference output (+0.1 on one element) is a mismatch with exactly one mismatching element', async () => {
    const path = mnistCopy('mnist-perturbed', (input, output) => {
      const data = (output.data as Float32Array).slice();
      data[3] = data[3]! + 0.1;
      return { input, output: { ...output, data } };
    });
    const p = prepareTarget(oneTarget(path));
    expect(p.referenceKind).toBe('user');
    expect(p.referenceSource).toBe('test_data_set_0');
    expect(p.expected).toBeUndefined();
    const run = await verify([p], { backends: ['cpu'], plan: PLAN, timeoutMs: 60_000 });
    const r = run.results[0]!;
    expect(r.status).toBe('mismatch');
    expect(r.comparison!.outputs[0]!.mismatches).toBe(1);
    expect(r.comparison!.outputs[0]!.maxAbsError).toBeCloseTo(0.1, 5);
    expect(r.reason).toMatch(/^against the user reference: Plus214_Output_0: 1\/10 elements beyond/);
    expect(r.meetsExpectation).toBe(false);
    expect(run.ok).toBe(false);
    // A looser tolerance for the run turns it into a pass.
    const loose = await verify([p], { backends: ['cpu'], plan: PLAN, tolerance: { atol: 0.2 }, timeoutMs: 60_000 });
    expect(loose.results[0]!.status).toBe('pass');
    expect(loose.results[0]!.tolerance).toEqual({ atol: 0.2, rtol: 1e-3 });
  }, 60_000);

  it('a model folder (not the .onnx file) finds its adjacent test_data_set_0 too', () => {
    const path = mnistCopy('mnist-as-folder', (input, output) => ({ input, output }));
    const folder = join(path, '..');
    const p = prepareTarget(oneTarget(folder));
    expect(p.model.path).toBe(path);
    expect(p.referenceKind).toBe('user');
    expect(p.referenceSource).toBe('test_data_set_0');
    expect(p.reference).not.toBeNull();
  });

  it('test data of the wrong element type is refused by prepareTarget', () => {
    const path = mnistCopy('mnist-int64-input', (input, output) => ({
      input: {
        dtype: 'int64',
        dims: input.dims,
        data: BigInt64Array.from(input.data as Float32Array, (v) => BigInt(Math.round(v))),
      },
      output,
    }));
    const target = oneTarget(path);
    expect(() => prepareTarget(target)).toThrow(InputError);
    expect(() => prepareTarget(target)).toThrow(
      /int64.*(but the graph expects |but the graph declares tensor\()float32/,
    );
  });

  it('test data of the wrong shape is refused by prepareTarget', () => {
    const path = mnistCopy('mnist-bad-shape', (input, output) => ({
      input: { dtype: 'float32', dims: [1, 1, 28, 27], data: (input.data as Float32Array).slice(0, 28 * 27) },
      output,
    }));
    expect(() => prepareTarget(oneTarget(path))).toThrow(
      /input 'Input3' has shape \[1, 1, 28, 27\] but the graph expects \[1, 1, 28, 28\]/,
    );
  });

  it('test data for an input the graph does not have is refused', () => {
    const path = mnistCopy('mnist-extra', (input, output) => ({ input, output }));
    writeFileSync(
      join(path, '..', 'test_data_set_0', 'input_1.pb'),
      encodeTensorProto('Bogus', { dtype: 'float32', dims: [1], data: new Float32Array(1) }),
    );
    expect(() => prepareTarget(oneTarget(path))).toThrow(InputError);
  });

  describe('--inputs npz for a copy of the Keras model', () => {
    let modelPath: string;
    let arrays: Map<string, Tensor>;
    beforeAll(() => {
      const dir = join(tmp, 'keras-copy');
      mkdirSync(dir);
      modelPath = join(dir, 'model.onnx');
      copyFileSync('models/tensorflow/keras-dense-tf2onnx/model.onnx', modelPath);
      arrays = parseNpz(readFileSync('models/tensorflow/keras-dense-tf2onnx/io.npz'), 'io.npz');
    });

    it('an npz whose keys are the graph names passes', async () => {
      const npz = join(tmp, 'keras-copy', 'data.npz');
      writeFileSync(npz, encodeNpz({ main_input_input: arrays.get('input')!, dense_1: arrays.get('output')! }));
      const target = oneTarget(modelPath);
      expect(target.manifest).toBeUndefined();
      expect(target.id).toBe(modelPath);
      const p = prepareTarget(target, { inputs: npz });
      expect(p.referenceKind).toBe('user');
      expect(p.referenceSource).toBe('data.npz');
      expect(p.feeds.get('main_input_input')!.dims).toEqual([1, 100]);
      const run = await verify([p], { backends: ['cpu'], plan: PLAN, timeoutMs: 60_000 });
      const r = run.results[0]!;
      expect(r.status, r.reason).toBe('pass');
      expect(r.meetsExpectation).toBe(true);
      expect(r.expectedStatus).toBeUndefined();
      expect(r.producerName).toBe('tf2onnx');
      // A user's file: its framework comes from the exporter fingerprint, and says so.
      expect(r).toMatchObject({ framework: 'tensorflow', frameworkBy: 'fingerprint' });
      expect(r.comparison!.outputs.map((o) => o.name)).toEqual(['dense_1']);
      expect(run.ok).toBe(true);
    }, 60_000);

    it('an npz with only the input runs with no reference', async () => {
      const npz = join(tmp, 'keras-copy', 'inputs-only.npz');
      writeFileSync(npz, encodeNpz({ main_input_input: arrays.get('input')! }));
      const p = prepareTarget(oneTarget(modelPath), { inputs: npz });
      expect(p.reference).toBeNull();
      expect(p.referenceKind).toBe('none');
      const run = await verify([p], { backends: ['cpu'], plan: PLAN, timeoutMs: 60_000 });
      expect(run.results[0]!.status).toBe('no-reference');
      expect(run.results[0]!.meetsExpectation).toBe(true);
    }, 60_000);

    it('an npz whose keys do not match the graph is refused, listing the keys', () => {
      const npz = join(tmp, 'keras-copy', 'wrong-keys.npz');
      writeFileSync(npz, encodeNpz({ x: arrays.get('input')!, y: arrays.get('output')!, z: arrays.get('output')! }));
      expect(() => prepareTarget(oneTarget(modelPath), { inputs: npz })).toThrow(InputError);
      expect(() => prepareTarget(oneTarget(modelPath), { inputs: npz })).toThrow(
        /no array for graph input\(s\) main_input_input \(keys: x, y, z\)/,
      );
    });

    it('missing --inputs data and unsupported data files are refused', () => {
      expect(() => prepareTarget(oneTarget(modelPath), { inputs: join(tmp, 'nope.npz') })).toThrow(
        /nope\.npz: test data not found/,
      );
      const txt = join(tmp, 'keras-copy', 'data.txt');
      writeFileSync(txt, '1 2 3');
      expect(() => prepareTarget(oneTarget(modelPath), { inputs: txt })).toThrow(
        /must be an \.npz file or a test_data_set_N folder/,
      );
    });

    it('without data, inputs are generated with symbolic dims from --dim', () => {
      const p = prepareTarget(oneTarget(modelPath), { dims: { unk__6: 3 }, seed: 5 });
      expect(p.feeds.get('main_input_input')!.dims).toEqual([3, 100]);
      expect(p.reference).toBeNull();
      expect(p.referenceSource).toMatch(/seeded random \(seed 5\)/);
      const again = prepareTarget(oneTarget(modelPath), { dims: { unk__6: 3 }, seed: 5 });
      expect(Array.from(again.feeds.get('main_input_input')!.data as Float32Array)).toEqual(
        Array.from(p.feeds.get('main_input_input')!.data as Float32Array),
      );
    });
  });
});

describe('expectations and tolerances', () => {
  it('meetsExpectation', () => {
    expect(meetsExpectation('pass', undefined)).toBe(true);
    expect(meetsExpectation('no-reference', undefined)).toBe(true);
    expect(meetsExpectation('mismatch', undefined)).toBe(false);
    expect(meetsExpectation('load-error', 'load-error')).toBe(true);
    expect(meetsExpectation('pass', 'load-error')).toBe(false);
    expect(meetsExpectation('pass', 'no-reference')).toBe(true);
    expect(meetsExpectation('run-error', 'load-error')).toBe(false);
  });

  it('toleranceFor: manifest, per-backend override, WebGPU floor, run override', () => {
    const p = {
      tolerance: { atol: 1e-5, rtol: 1e-4 },
      backendTolerance: { wasm: { atol: 0.5, rtol: 0.5 } },
    } as unknown as PreparedModel;
    expect(toleranceFor(p, 'cpu')).toEqual({ atol: 1e-5, rtol: 1e-4 });
    expect(toleranceFor(p, 'wasm')).toEqual({ atol: 0.5, rtol: 0.5 });
    expect(toleranceFor(p, 'webgpu')).toEqual({ atol: 1e-3, rtol: 1e-2 });
    expect(toleranceFor(p, 'cpu', { rtol: 0 })).toEqual({ atol: 1e-5, rtol: 0 });
  });
});
