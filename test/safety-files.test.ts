/**
 * Issue 14, hostile files: the one safe-read helper (FIFOs, devices, size limits), .npz limits
 * from the zip directory, whole-model validation (functions, training_info, sparse tensors), and
 * external data resolved in the model's folder and inlined into `runBytes` (so onnxruntime never
 * resolves a path itself).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../src/onnx/model.js';
import { onnx, type GraphProto, type TensorProto } from '../src/onnx/proto.js';
import { safeReadFile } from '../src/util/safeRead.js';
import { encodeNpy, parseNpz } from '../src/tensor/npy.js';
import { readEvidence } from '../src/evidence/store.js';
import { loadTestDataSet } from '../src/data/reference.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { expectRefused } from './helpers/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'owb-safety-files-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const F32 = 1;
const INT64 = 7;
const vi = (name: string, dims: number[] = [4]) => ({
  name,
  type: { tensorType: { elemType: F32, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const external = (name: string, location: string, dims: number[], more: Record<string, string> = {}): TensorProto => ({
  name,
  dims,
  dataType: F32,
  dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
  externalData: [{ key: 'location', value: location }, ...Object.entries(more).map(([key, value]) => ({ key, value }))],
});

function modelBytes(
  graph: Partial<Record<keyof GraphProto, unknown>>,
  extra: Record<string, unknown> = {},
): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'safety-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      input: [vi('x')],
      output: [vi('y')],
      ...graph,
    } as GraphProto,
    ...extra,
  }).finish();
}

let n = 0;
function writeModel(bytes: Uint8Array, files: Record<string, Uint8Array | string> = {}): string {
  const d = join(dir, `m${++n}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'model.onnx'), bytes);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(resolve(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), content);
  }
  return join(d, 'model.onnx');
}

/** Run a model's bytes in onnxruntime-node from another working directory; returns output y. */
async function runY(bytes: Uint8Array, x: number[]): Promise<number[]> {
  const cwd = process.cwd();
  process.chdir(dir); // an unresolved external path would be looked up here
  try {
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from(x), [x.length]) });
    await s.release();
    return Array.from(out.y!.data as Float32Array);
  } finally {
    process.chdir(cwd);
  }
}

describe('safe reads: a regular file under a limit, or one line at once', () => {
  it('refuses a FIFO, /dev/zero and a directory without blocking, naming the path', () => {
    const fifo = join(dir, 'fifo.onnx');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(expectRefused(() => safeReadFile(fifo), fifo).message).toMatch(/FIFO/);
    expect(expectRefused(() => safeReadFile('/dev/zero'), '/dev/zero').message).toMatch(/character device/);
    expectRefused(() => safeReadFile(dir), dir);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses a file over the size limit before reading it', () => {
    const p = join(dir, 'big.bin');
    writeFileSync(p, Buffer.alloc(4096));
    expect(expectRefused(() => safeReadFile(p, { maxBytes: 1000 }), p).message).toMatch(
      /4096 bytes, over the limit of 1000/,
    );
    expect(safeReadFile(p).length).toBe(4096);
  });

  it('a model folder whose model.onnx is /dev/zero or a FIFO is refused by loadModel and by the CLI', async () => {
    const zero = join(dir, 'zero-model');
    mkdirSync(zero);
    symlinkSync('/dev/zero', join(zero, 'model.onnx'));
    expect(expectRefused(() => loadModel(zero), zero).message).toMatch(/character device/);
    const fifo = join(dir, 'fifo-model');
    mkdirSync(fifo);
    execFileSync('mkfifo', [join(fifo, 'model.onnx')]);
    expect(expectRefused(() => loadModel(fifo), fifo).message).toMatch(/FIFO/);
    const r = await runCli(['verify', '--no-evidence', zero], { timeoutMs: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/character device/);
  });

  it('a FIFO among the evidence records or the test data is refused, not waited on', () => {
    const ev = join(dir, 'evidence-fifo');
    mkdirSync(ev);
    execFileSync('mkfifo', [join(ev, 'x.json')]);
    const read = readEvidence(ev);
    expect(read.records).toEqual([]);
    expect(read.rejected[0]!.reason).toMatch(/FIFO/);
    const set = join(dir, 'set-fifo', 'test_data_set_0');
    mkdirSync(set, { recursive: true });
    execFileSync('mkfifo', [join(set, 'input_0.pb')]);
    expect(
      expectRefused(
        () => loadTestDataSet(set, [{ name: 'x', elemType: 'float32', shape: [4] }], []),
        join(set, 'input_0.pb'),
      ).message,
    ).toMatch(/FIFO/);
  });
});

describe('.npz limits from the zip directory', () => {
  const arr = encodeNpy({ dtype: 'float32', dims: [4], data: new Float32Array([1, 2, 3, 4]) });

  it('a member whose declared uncompressed size is over the limit is refused before inflating', () => {
    const zip = zipSync({ 'a.npy': arr });
    // Patch the central directory's uncompressed size (offset 24 of the 0x02014b50 header).
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    let cd = -1;
    for (let i = zip.length - 22; i >= 0; i--)
      if (view.getUint32(i, true) === 0x02014b50) {
        cd = i;
        break;
      }
    expect(cd).toBeGreaterThan(0);
    view.setUint32(cd + 24, 0xfffffff0, true);
    expect(expectRefused(() => parseNpz(zip, 'bomb.npz'), 'bomb.npz').message).toMatch(
      /declares 4294967280 bytes uncompressed, over the limit/,
    );
    expect(
      expectRefused(() => parseNpz(zipSync({ 'a.npy': arr, 'b.npy': arr }), 'two.npz', arr.length + 10), 'two.npz')
        .message,
    ).toMatch(/together/);
  });

  it('members that are not arrays are skipped unread (a corrupt one does not stop the read)', () => {
    const junk = new TextEncoder().encode('x'.repeat(5000));
    const zip = zipSync({ 'a.npy': [arr, { level: 0 }], 'notes.txt': [junk, { level: 9 }] });
    // Corrupt the deflate stream of notes.txt: inflating it would fail.
    const name = new TextEncoder().encode('notes.txt');
    let at = -1;
    for (let i = 0; i < zip.length - name.length; i++)
      if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 3 && name.every((b, k) => zip[i + 30 + k] === b)) {
        at = i;
        break;
      }
    expect(at).toBeGreaterThanOrEqual(0);
    zip.fill(0xff, at + 30 + name.length, at + 30 + name.length + 8);
    const out = parseNpz(zip, 'mixed.npz');
    expect([...out.keys()]).toEqual(['a']);
  });
});

describe('the whole model is validated', () => {
  it('a function body with a dangling name is refused, naming the function', () => {
    const p = writeModel(
      modelBytes(
        { initializer: [{ name: 'w', dims: [4], dataType: F32, rawData: f32([1, 2, 3, 4]) }] },
        {
          functions: [
            {
              name: 'f',
              domain: 'local',
              input: ['a'],
              output: ['b'],
              node: [{ opType: 'Relu', input: ['nowhere'], output: ['b'] }],
              opsetImport: [{ domain: '', version: 13 }],
            },
          ],
        },
      ),
    );
    expect(expectRefused(() => loadModel(p), p, 'dangling-name').message).toMatch(/function #0 'local\.f'.*'nowhere'/);
  });

  it('training_info graphs are checked, their external data included', () => {
    const p = writeModel(
      modelBytes(
        { initializer: [{ name: 'w', dims: [4], dataType: F32, rawData: f32([1, 2, 3, 4]) }] },
        {
          trainingInfo: [
            {
              initialization: {
                name: 'init',
                node: [],
                initializer: [external('t', '../../etc/passwd', [4])],
                output: [{ name: 't' }],
              },
            },
          ],
        },
      ),
    );
    expect(expectRefused(() => loadModel(p), p, 'external-data').message).toMatch(/leaves the model's folder/);
  });

  it('sparse initializers: indices out of the dense shape, or of the wrong type or shape, are refused', () => {
    const sparse = (indices: TensorProto, dims = [4]) =>
      modelBytes({
        sparseInitializer: [{ values: { name: 'w', dims: [2], dataType: F32, rawData: f32([5, 6]) }, indices, dims }],
      });
    const out = writeModel(sparse({ name: 'i', dims: [2], dataType: INT64, int64Data: [1, 9] }));
    expect(expectRefused(() => loadModel(out), out, 'sparse').message).toMatch(
      /index 9 .* outside the dense shape \[4\]/,
    );
    const type = writeModel(sparse({ name: 'i', dims: [2], dataType: 6, int32Data: [0, 1] }));
    expectRefused(() => loadModel(type), type, 'sparse');
    const shape = writeModel(sparse({ name: 'i', dims: [3], dataType: INT64, int64Data: [0, 1, 2] }));
    expectRefused(() => loadModel(shape), shape, 'sparse');
  });
});

describe('external data: resolved in the model folder, inlined into runBytes', () => {
  it('an initializer: runBytes carry the checked bytes and run from any working directory', async () => {
    const p = writeModel(modelBytes({ initializer: [external('w', 'w.bin', [4], { offset: '4', length: '16' })] }), {
      'w.bin': new Uint8Array([9, 9, 9, 9, ...f32([1, 2, 3, 4])]),
    });
    const m = loadModel(p);
    expect(m.inlinedTensors).toBe(1);
    expect(m.runSha256).not.toBe(m.sha256);
    const t = onnx.ModelProto.decode(m.runBytes).graph!.initializer![0]!;
    expect(t.externalData).toEqual([]);
    expect(t.dataLocation ?? 0).toBe(0);
    expect(Array.from(new Float32Array(Uint8Array.from(t.rawData!).buffer))).toEqual([1, 2, 3, 4]);
    // Replacing the file after loading changes nothing that runs.
    writeFileSync(join(p, '..', 'w.bin'), new Uint8Array(20));
    expect(await runY(m.runBytes, [1, 1, 1, 1])).toEqual([2, 3, 4, 5]);
  });

  it('a sparse initializer with external values: inlined and run; one escaping the folder is refused', async () => {
    const bytes = (location: string) =>
      modelBytes({
        sparseInitializer: [
          {
            values: external('w', location, [2]),
            indices: { name: 'wi', dims: [2], dataType: INT64, int64Data: [0, 3] },
            dims: [4],
          },
        ],
      });
    const p = writeModel(bytes('v.bin'), { 'v.bin': f32([10, 20]) });
    const m = loadModel(p);
    expect(m.inlinedTensors).toBe(1);
    expect(await runY(m.runBytes, [1, 1, 1, 1])).toEqual([11, 1, 1, 21]);
    const secret = join(dir, 'secret.bin');
    writeFileSync(secret, f32([7, 7]));
    const out = writeModel(bytes('../secret.bin'));
    expect(expectRefused(() => loadModel(out), out, 'external-data').message).toMatch(
      /tensor 'w'.*leaves the model's folder/,
    );
    const linked = writeModel(bytes('v.bin'));
    symlinkSync(secret, join(linked, '..', 'v.bin'));
    expect(expectRefused(() => loadModel(linked), linked, 'external-data').message).toMatch(
      /outside the model's folder/,
    );
  });

  it("a function's default attribute (a field the bundled schema does not know) is reached too", () => {
    const fn = onnx.FunctionProto.encode({
      name: 'f',
      domain: 'local',
      input: ['a'],
      output: ['a'],
      opsetImport: [{ domain: '', version: 13 }],
    }).finish();
    const attr = onnx.AttributeProto.encode({
      name: 'k',
      type: onnx.AttributeProto.AttributeType.TENSOR,
      t: external('k', '../k.bin', [1]),
    }).finish();
    // FunctionProto.attribute_proto is field 11 (ONNX 1.15); ModelProto.functions is field 25.
    const withAttr = Buffer.concat([fn, Buffer.from([(11 << 3) | 2, attr.length]), attr]);
    const model = Buffer.concat([
      modelBytes({ initializer: [{ name: 'w', dims: [4], dataType: F32, rawData: f32([1, 2, 3, 4]) }] }),
      Buffer.from([(25 << 3) | 2, 1, withAttr.length]),
      withAttr,
    ]);
    expect(withAttr.length).toBeLessThan(128);
    const p = writeModel(model);
    expect(expectRefused(() => loadModel(p), p).message).toMatch(
      /tensor 'k'.*'\.\.\/k\.bin' leaves the model's folder/,
    );
  });

  it('the model file itself is what sha256 hashes; a model without external data runs its own bytes', () => {
    const p = join(repoRoot, 'models', 'cntk', 'mnist-8', 'model.onnx');
    const m = loadModel(p);
    expect(m.runBytes).toBe(m.bytes);
    expect(m.runSha256).toBe(m.sha256);
    expect(m.bytes.length).toBe(readFileSync(p).length);
  });
});
