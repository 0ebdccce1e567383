/**
 * The streaming model reader and the range reader: the structure matches a whole-file decode,
 * payloads are left in the file and read back by range, truncated and bad files fail with one
 * line, and node order survives a large node in the middle of the graph.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx, type ModelProto, type NodeProto, type TensorProto } from '../src/onnx/proto.js';
import type { Tensor } from '../src/tensor/tensor.js';
import {
  isLazy,
  payloadCount,
  payloadRefs,
  rawDataLength,
  readModelStructure,
  readRawData,
  LAZY_PAYLOAD_BYTES,
} from '../src/onnx/modelReader.js';
import { hashRange, readRange, fileIdentity, sameIdentity } from '../src/onnx/rangeReader.js';
import { openModel } from '../src/onnx/openModel.js';
import { isFileModel, openFileModel, openForRun, withUnchangedFiles, type FileModel } from '../src/onnx/fileModel.js';
import { summarize } from '../src/onnx/inspect.js';
import { loadModel } from '../src/onnx/model.js';
import { InputError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';
import { estimateFlops } from '../src/onnx/flops.js';
import { exposeIntermediates } from '../src/onnx/edit.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'owb-large-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const f32 = (n: number, seed: number) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7 + seed) % 13) / 13;
  return new Uint8Array(a.buffer);
};

/** x -> MatMul(W0) -> Relu -> MatMul(W1) -> ... with raw_data weights, a big Constant node in the middle. */
function chainModel(layers: number, width: number): ModelProto {
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let prev = 'x';
  for (let i = 0; i < layers; i++) {
    inits.push({ name: `W${i}`, dims: [width, width], dataType: 1, rawData: f32(width * width, i) });
    nodes.push({ opType: 'MatMul', input: [prev, `W${i}`], output: [`m${i}`], name: `mm${i}` });
    if (i === 1) {
      // A Constant node over 64 KiB: read by descending into it, not in one decode with its neighbours.
      nodes.push({
        opType: 'Constant',
        output: ['big'],
        name: 'bigconst',
        attribute: [
          { name: 'value', type: 4, t: { dims: [width * width], dataType: 1, rawData: f32(width * width, 99) } },
        ],
      });
      nodes.push({ opType: 'Add', input: [`m${i}`, 'zero'], output: [`a${i}`], name: `add${i}` });
      inits.push({ name: 'zero', dims: [1], dataType: 1, floatData: [0] });
      prev = `a${i}`;
    } else prev = `m${i}`;
    nodes.push({ opType: 'Relu', input: [prev], output: [`r${i}`], name: `relu${i}` });
    prev = `r${i}`;
  }
  return onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'large-model.test',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'chain',
      node: nodes,
      initializer: inits,
      input: [
        { name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: width }] } } } },
      ],
      output: [
        { name: prev, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: width }] } } } },
      ],
    },
  });
}

function save(name: string, proto: ModelProto): { path: string; bytes: Uint8Array } {
  const bytes = onnx.ModelProto.encode(proto).finish();
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('streaming model reader', () => {
  it('reads the same structure as a whole-file decode, at any chunk size, and hashes the file', () => {
    const { path, bytes } = save('chain.onnx', chainModel(3, 200));
    const full = onnx.ModelProto.decode(bytes);
    for (const chunkBytes of [1, 5, 4096, 1 << 22]) {
      const s = readModelStructure(path, { chunkBytes });
      expect(s.sha256).toBe(sha(bytes));
      expect(s.sizeBytes).toBe(bytes.length);
      expect(isLazy(s.proto)).toBe(true);
      const g = s.proto.graph!;
      // Node order and content, the large Constant included.
      expect(g.node!.map((n) => n.name)).toEqual(full.graph!.node!.map((n) => n.name));
      expect(g.node!.map((n) => [...(n.input ?? [])])).toEqual(full.graph!.node!.map((n) => [...(n.input ?? [])]));
      expect(g.initializer!.map((t) => t.name)).toEqual(full.graph!.initializer!.map((t) => t.name));
      // Big payloads stay in the file; their sizes are known; small ones are held.
      const w0 = g.initializer!.find((t) => t.name === 'W0')!;
      expect(w0.rawData?.length ?? 0).toBe(0);
      expect(rawDataLength(w0)).toBe(200 * 200 * 4);
      expect(payloadRefs(w0)).toHaveLength(1);
      const zero = g.initializer!.find((t) => t.name === 'zero')!;
      expect(payloadCount(zero, 'floatData')).toBe(1);
      expect(s.lazyBytes).toBeGreaterThanOrEqual(4 * 200 * 200 * 4);
      // Read back by range: the same bytes as the whole-file decode.
      expect(Buffer.from(readRawData(path, w0)!).equals(Buffer.from(full.graph!.initializer![0]!.rawData!))).toBe(true);
      const big = g.node!.find((n) => n.name === 'bigconst')!.attribute![0]!.t!;
      expect(rawDataLength(big)).toBe(200 * 200 * 4);
    }
  });

  it('leaves a payload of LAZY_PAYLOAD_BYTES or less in memory', () => {
    const n = LAZY_PAYLOAD_BYTES / 4;
    const { path } = save('small.onnx', chainModel(1, Math.floor(Math.sqrt(n))));
    const w = readModelStructure(path).proto.graph!.initializer![0]!;
    expect(payloadRefs(w)).toHaveLength(0);
    expect(w.rawData!.length).toBe(rawDataLength(w));
  });

  it('refuses a truncated file with one line naming it, at every cut', () => {
    const { bytes } = save('whole.onnx', chainModel(2, 100));
    for (const cut of [1, 17, Math.floor(bytes.length / 2), bytes.length - 3]) {
      const p = join(dir, `cut${cut}.onnx`);
      writeFileSync(p, bytes);
      truncateSync(p, cut);
      let err: unknown;
      try {
        readModelStructure(p, { chunkBytes: 4096 });
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(InputError);
      expect((err as Error).message).toContain(p);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('inspect from the streamed structure gives the same summary as the in-memory load', () => {
    const { path } = save('same.onnx', chainModel(3, 120));
    const a = summarize(openModel(path));
    const b = summarize(loadModel(path));
    expect(a).toEqual(b);
    expect(a.parameterBytes).toBe(3 * 120 * 120 * 4 + 4);
  });

  it('validates from the structure: a raw_data size that does not match the shape is refused', () => {
    const m = chainModel(1, 100);
    m.graph!.initializer![0]!.dims = [100, 99];
    const { path } = save('mismatch.onnx', m);
    expect(() => openModel(path)).toThrow(/W0.*40000 bytes of raw data but its shape and type .* need 39600/);
  });
});

describe('FLOPs from the streamed structure', () => {
  it('counts the same work as from the loaded model, and never re-encodes a streamed one', async () => {
    const { path } = save('flops.onnx', chainModel(3, 64));
    const streamed = await estimateFlops(openModel(path).proto);
    const loaded = await estimateFlops(loadModel(path).proto);
    expect(streamed).toEqual(loaded);
    // Intermediate shapes are not in the file: the loaded model observes them in one cpu run;
    // the streamed one (no weights held) must not be re-encoded for that, and says so.
    const feeds = new Map([['x', { dtype: 'float32' as const, dims: [1, 64], data: new Float32Array(64) }]]);
    // The shape run goes to the cpu backend in its worker (never onnxruntime in this process).
    const { startBackends } = await import('../src/isolation/pool.js');
    const set = await startBackends(['cpu']);
    const runner = async (bytes: Uint8Array, f: ReadonlyMap<string, Tensor>) =>
      (await set.backends.get('cpu')!.measure({ path, bytes }, f, { warmup: 0, iterations: 0 }, {})).outputs;
    try {
      expect((await estimateFlops(loadModel(path).proto, feeds, { runner })).macs).toBe(3 * 64 * 64);
    } finally {
      await set.close();
    }
    const est = await estimateFlops(openModel(path).proto, feeds);
    expect(est.macs).toBe('unknown');
    expect(est.note).toMatch(/run from its files/);
    const q = path;
    expect(() => exposeIntermediates(openModel(q).proto)).toThrow(/read by streaming/);
  });
});

/** A two-layer chain whose weights live in `weights.bin` next to the model. */
function externalModel(sub: string): { path: string; weights: string } {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const m = chainModel(2, 64);
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const t of m.graph!.initializer!) {
    if (!t.rawData || t.rawData.length <= 64) continue;
    blobs.push(t.rawData);
    t.externalData = [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(t.rawData.length) },
    ];
    t.dataLocation = 1;
    offset += t.rawData.length;
    t.rawData = new Uint8Array(0);
  }
  const weights = join(d, 'weights.bin');
  writeFileSync(weights, Buffer.concat(blobs));
  const path = join(d, 'model.onnx');
  writeFileSync(path, onnx.ModelProto.encode(m).finish());
  return { path, weights };
}

describe('running from files', () => {
  it('a large model opens to run from its files, with every file hashed; a small one loads into memory', () => {
    const { path, weights } = externalModel('ext-ok');
    const old = process.env.ONNX_WORKBENCH_INLINE_LIMIT;
    try {
      process.env.ONNX_WORKBENCH_INLINE_LIMIT = '1000';
      const m = openForRun(path);
      expect(isFileModel(m)).toBe(true);
      const f = m as FileModel;
      expect(f.source.external.map((e) => e.location)).toEqual(['weights.bin']);
      expect(f.source.external[0]!.sha256).toBe(sha(readFileSync(weights)));
      expect(f.source.model.sha256).toBe(sha(readFileSync(path)));
      expect(f.source.totalBytes).toBe(readFileSync(path).length + readFileSync(weights).length);
      process.env.ONNX_WORKBENCH_INLINE_LIMIT = String(10 ** 9);
      expect(isFileModel(openForRun(path))).toBe(false);
    } finally {
      if (old === undefined) delete process.env.ONNX_WORKBENCH_INLINE_LIMIT;
      else process.env.ONNX_WORKBENCH_INLINE_LIMIT = old;
    }
  });

  it('creates the session only when the files are the validated ones, and checks again after', async () => {
    const { path, weights } = externalModel('ext-change');
    const m = openFileModel(path);
    let created = 0;
    const v = await withUnchangedFiles(
      m.source,
      async () => {
        created++;
        return 'session';
      },
      async () => {},
    );
    expect(v).toBe('session');
    expect(created).toBe(1);
    // Same size, other bytes: the identity (mtime/ctime) and the hash both differ.
    await new Promise((r) => setTimeout(r, 20));
    const bytes = readFileSync(weights);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(weights, bytes);
    await expect(
      withUnchangedFiles(
        m.source,
        async () => {
          created++;
          return 'session';
        },
        async () => {},
      ),
    ).rejects.toThrow(/external data file 'weights.bin' .*was modified or replaced after it was validated/);
    expect(created).toBe(1);
    // A change while the runtime reads: caught after creation, and the session is released.
    const n = openFileModel(path);
    let released = 0;
    await expect(
      withUnchangedFiles(
        n.source,
        async () => {
          writeFileSync(weights, bytes.subarray(0, 100));
          return 's';
        },
        async () => {
          released++;
        },
      ),
    ).rejects.toThrow(/changed size/);
    expect(released).toBe(1);
  });

  it('a truncated external file is refused with one line naming the tensor and the file, before any session', () => {
    const { path, weights } = externalModel('ext-trunc');
    truncateSync(weights, 1000);
    let err: unknown;
    try {
      openForRun(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/tensor 'W0'.*'weights\.bin'/);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('verify of a model over the inline limit (run from its files)', () => {
  it("runs on cpu from the path with its external data, reports the worker's peak, and refuses a truncated external file with exit 2", async () => {
    const { path, weights } = externalModel('ext-verify');
    const env = { ONNX_WORKBENCH_INLINE_LIMIT: '0' };
    const r = await runCli(
      ['verify', path, '--backend', 'cpu,wasm', '--json', '--no-evidence', '-q', '--iterations', '1', '--warmup', '0'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as {
      results: { backend: string; status: string; latency?: { peakRssBytes?: number } }[];
    };
    expect(run.results.map((x) => [x.backend, x.status])).toEqual([
      ['cpu', 'no-reference'],
      ['wasm', 'pass'],
    ]);
    expect(run.results[0]!.latency!.peakRssBytes).toBeGreaterThan(0);
    truncateSync(weights, 100);
    const bad = await runCli(['verify', path, '--backend', 'cpu', '--no-evidence', '-q'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/tensor 'W0'.*'weights\.bin'/);
  });
});

describe('range reader', () => {
  it('reads and hashes ranges, and refuses a range past the end', () => {
    const p = join(dir, 'blob.bin');
    const data = f32(100_000, 3);
    writeFileSync(p, data);
    expect(Buffer.from(readRange(p, 1000, 64)).equals(Buffer.from(data.subarray(1000, 1064)))).toBe(true);
    expect(hashRange(p).sha256).toBe(sha(data));
    expect(hashRange(p, 10, 5000).sha256).toBe(sha(data.subarray(10, 5010)));
    expect(() => readRange(p, data.length - 4, 8)).toThrow(/runs past the end of the file/);
    expect(() => readRange(dir, 0, 1)).toThrow(InputError);
  });

  it('a file identity changes when the file is rewritten', async () => {
    const p = join(dir, 'id.bin');
    writeFileSync(p, 'one');
    const a = fileIdentity(p);
    expect(sameIdentity(a, fileIdentity(p))).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(p, 'two');
    expect(sameIdentity(a, fileIdentity(p))).toBe(false);
    expect(readFileSync(p, 'utf8')).toBe('two');
  });
});
