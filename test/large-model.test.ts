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
import {
  isFileModel,
  openFileModel,
  openForRun,
  withUnchangedFiles,
  type FileModel,
  type FileSource,
} from '../src/onnx/fileModel.js';
import { browserWasmBytes, measureFromFiles, tooLargeFor, unsafeNamesProblem } from '../src/backends/fromFiles.js';
import { BackendStageError, type Backend } from '../src/backends/types.js';
import { createBrowserBackend } from '../src/backends/browser/backend.js';
import { LocalServer } from '../src/util/localServer.js';
import { execFileSync } from 'node:child_process';
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

/** A FileSource as declared sizes only (what the refusals decide from), no files behind it. */
function declared(modelBytes: number, externalBytes: number[], names = { inputs: ['x'], outputs: ['y'] }): FileSource {
  const id = { dev: '1', ino: '1', size: 0, mtimeNs: '0', ctimeNs: '0' };
  return {
    model: { path: '/m/model.onnx', sizeBytes: modelBytes, sha256: '', identity: id },
    external: externalBytes.map((n, i) => ({
      path: `/m/w${i}.bin`,
      location: `w${i}.bin`,
      sizeBytes: n,
      sha256: '',
      identity: id,
    })),
    totalBytes: modelBytes + externalBytes.reduce((a, b) => a + b, 0),
    ioNames: names,
  };
}

describe('what a backend is given for a model run from its files, decided from declared sizes', () => {
  const GiB = 1024 ** 3;
  it('browser backends: refused over wasm32 4 GiB (or a model file over 2 GiB), with the reason; cpu never', () => {
    expect(tooLargeFor('browser-wasm', declared(1024, [3 * GiB]))).toBeUndefined();
    expect(tooLargeFor('browser-wasm', declared(1024, [2 * GiB, 1.8 * GiB]))).toMatch(
      /needs at least 3\.80 GiB of wasm32 memory.*4 GiB address space.*not tried \(run it on cpu\)/,
    );
    expect(tooLargeFor('browser-webgpu', declared(1.5 * GiB, [1.2 * GiB]))).toMatch(/wasm32 memory/);
    expect(tooLargeFor('browser-wasm', declared(2.5 * GiB, []))).toMatch(/over protobuf's 2 GiB/);
    expect(tooLargeFor('cpu', declared(1024, [8 * GiB]))).toBeUndefined();
    expect(tooLargeFor('wasm', declared(1024, [3 * GiB]))).toMatch(/one buffer in wasm32 memory/);
    expect(browserWasmBytes(declared(100, [1000, 10]))).toBe(1210);
  });

  it('unsafe input/output names are refused (with the names) before any session', async () => {
    expect(unsafeNamesProblem(declared(1, [], { inputs: ['x'], outputs: ['y'] }))).toBeUndefined();
    const why = unsafeNamesProblem(declared(1, [], { inputs: ['constructor'], outputs: ['__proto__'] }));
    expect(why).toMatch(/graph input 'constructor', output '__proto__'.*not tried/);
    let measured = 0;
    const backend = {
      measure: async () => {
        measured++;
        throw new Error('not reached');
      },
    } as unknown as Backend;
    const plan = { warmup: 0, iterations: 1 };
    const big = declared(1024, [5 * GiB]);
    await expect(measureFromFiles('browser-wasm', backend, '/m/model.onnx', big, new Map(), plan, {})).rejects.toThrow(
      /wasm32 memory/,
    );
    const unsafe = declared(1, [], { inputs: ['x'], outputs: ['__proto__'] });
    await expect(measureFromFiles('cpu', backend, '/m/model.onnx', unsafe, new Map(), plan, {})).rejects.toThrow(
      /output '__proto__'/,
    );
    expect(measured).toBe(0);
  });

  it('a browser run whose file changed while the page fetched it says which file changed', async () => {
    const { path, weights } = externalModel('ext-change-browser');
    const m = openFileModel(path);
    const backend = {
      measure: async () => {
        await new Promise((r) => setTimeout(r, 20));
        writeFileSync(weights, readFileSync(weights).reverse());
        throw new BackendStageError('load', 'failed to load external data file: /jobs/x/weights.bin');
      },
    } as unknown as Backend;
    await expect(
      measureFromFiles('browser-wasm', backend, path, m.source, new Map(), { warmup: 0, iterations: 1 }, {}),
    ).rejects.toThrow(/external data file 'weights\.bin' .*was modified or replaced after it was validated/);
  });

  it('a path-run model with an output named __proto__ is a load-error saying why, on cpu', async () => {
    const d = join(dir, 'proto-out');
    mkdirSync(d, { recursive: true });
    const m = chainModel(1, 8);
    const last = m.graph!.output![0]!.name!;
    m.graph!.node!.push({ opType: 'Identity', input: [last], output: ['__proto__'], name: 'out' });
    m.graph!.output![0]!.name = '__proto__';
    writeFileSync(join(d, 'model.onnx'), onnx.ModelProto.encode(m).finish());
    const r = await runCli(
      ['verify', join(d, 'model.onnx'), '--backend', 'cpu', '--json', '--no-evidence', '-q', '--iterations', '1'],
      { env: { ONNX_WORKBENCH_INLINE_LIMIT: '0' } },
    );
    const run = JSON.parse(r.stdout) as { results: { status: string; reason?: string }[] };
    expect(run.results[0]!.status).toBe('load-error');
    expect(run.results[0]!.reason).toMatch(/graph output '__proto__'.*cannot be moved; not tried/);
    // Inlined (under the limit), the same model runs: the name is moved behind an Identity node.
    const small = await runCli([
      'verify',
      join(d, 'model.onnx'),
      '--backend',
      'cpu',
      '--json',
      '--no-evidence',
      '-q',
      '--iterations',
      '1',
    ]);
    expect((JSON.parse(small.stdout) as { results: { status: string }[] }).results[0]!.status).toBe('no-reference');
  });
});

describe('bad external data of a model run from its files: one line naming the tensor and the file, exit 2', () => {
  const limit = { ONNX_WORKBENCH_INLINE_LIMIT: '0' };
  /** The external model of `externalModel` with W0's external_data entries replaced or added. */
  function variant(sub: string, change: (t: TensorProto, d: string) => void): string {
    const { path } = externalModel(sub);
    const m = onnx.ModelProto.decode(readFileSync(path));
    change(
      m.graph!.initializer!.find((t) => t.name === 'W0')!,
      join(path, '..'),
    );
    writeFileSync(path, onnx.ModelProto.encode(m).finish());
    return path;
  }
  const setKey = (t: TensorProto, key: string, value: string) => {
    const e = t.externalData!.find((x) => x.key === key);
    if (e) e.value = value;
    else t.externalData!.push({ key, value });
  };
  const cases: [string, (t: TensorProto, d: string) => void, RegExp][] = [
    [
      'truncated',
      (_t, d) => truncateSync(join(d, 'weights.bin'), 1000),
      /tensor 'W0'.*runs past the end of 'weights\.bin'/,
    ],
    [
      'offset',
      (t) => setKey(t, 'offset', '99999999'),
      /tensor 'W0'.*offset 99999999 is beyond the end of 'weights\.bin'/,
    ],
    ['length', (t) => setKey(t, 'length', '99999999'), /tensor 'W0'.*runs past the end of 'weights\.bin'/],
    [
      'escape',
      (t) => setKey(t, 'location', '../ext-ok/weights.bin'),
      /tensor 'W0'.*'\.\.\/ext-ok\/weights\.bin' leaves the model's folder/,
    ],
    [
      'dir',
      (t, d) => {
        mkdirSync(join(d, 'adir'));
        setKey(t, 'location', 'adir');
      },
      /tensor 'W0'.*'adir' is not a regular file/,
    ],
    [
      'fifo',
      (t, d) => {
        execFileSync('mkfifo', [join(d, 'pipe.bin')]);
        setKey(t, 'location', 'pipe.bin');
      },
      /tensor 'W0'.*'pipe\.bin' is not a regular file/,
    ],
  ];

  it('refused by openForRun over the inline limit, before anything runs', () => {
    externalModel('ext-ok');
    const old = process.env.ONNX_WORKBENCH_INLINE_LIMIT;
    process.env.ONNX_WORKBENCH_INLINE_LIMIT = '0';
    try {
      for (const [sub, change, re] of cases) {
        const path = variant(`bad-${sub}`, change);
        let err: unknown;
        try {
          openForRun(path);
        } catch (e) {
          err = e;
        }
        expect(err, sub).toBeInstanceOf(InputError);
        expect((err as Error).message, sub).toMatch(re);
        expect((err as Error).message, sub).toContain(path);
        expect((err as Error).message).not.toContain('\n');
      }
    } finally {
      if (old === undefined) delete process.env.ONNX_WORKBENCH_INLINE_LIMIT;
      else process.env.ONNX_WORKBENCH_INLINE_LIMIT = old;
    }
  });

  it('verify exits 2 with the one line, on every backend list', async () => {
    for (const [sub, , re] of cases.filter(([s]) => s === 'offset' || s === 'escape' || s === 'fifo')) {
      const path = join(dir, `bad-${sub}`, 'model.onnx');
      const r = await runCli(['verify', path, '--backend', 'cpu,browser-wasm', '--no-evidence', '-q'], { env: limit });
      expect(r.code, sub).toBe(2);
      expect(r.stderr.trim().split('\n'), sub).toHaveLength(1);
      expect(r.stderr, sub).toMatch(re);
    }
  });
});

describe('browser backends run a model over the inline limit from its files (externalData)', () => {
  it('browser-wasm and browser-webgpu: the page fetches the validated model and external file; outputs agree with cpu', async () => {
    const { path } = externalModel('ext-browser');
    const r = await runCli(
      [
        'verify',
        path,
        '--backend',
        'cpu,browser-wasm,browser-webgpu',
        '--json',
        '--no-evidence',
        '-q',
        '--iterations',
        '1',
        '--warmup',
        '0',
      ],
      { env: { ONNX_WORKBENCH_INLINE_LIMIT: '0' } },
    );
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as {
      results: { backend: string; status: string; reason?: string; mainPeakRssBytes?: number }[];
    };
    expect(run.results.map((x) => [x.backend, x.status, x.reason])).toEqual([
      ['cpu', 'no-reference', expect.any(String)],
      ['browser-wasm', 'pass', undefined],
      ['browser-webgpu', 'pass', undefined],
    ]);
    for (const x of run.results) expect(x.mainPeakRssBytes).toBeGreaterThan(10 * 2 ** 20);
  });

  it('the page is given no bytes: a file changed after validation is not served (409), and the run is a load-error', async () => {
    const { path, weights } = externalModel('ext-browser-changed');
    const m = openFileModel(path);
    await new Promise((r) => setTimeout(r, 20));
    const bytes = readFileSync(weights);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(weights, bytes);
    const b = createBrowserBackend('browser-wasm');
    try {
      const x: Tensor = { dtype: 'float32', dims: [1, 64], data: new Float32Array(64).fill(0.5) };
      // Straight to the backend (no identity check before): the server's own check refuses the file.
      await expect(
        b.measure(
          { path, bytes: new Uint8Array(0), files: m.source },
          new Map([['x', x]]),
          { warmup: 0, iterations: 1 },
          {},
        ),
      ).rejects.toThrow(/failed to load external data file: \/.*ext-browser-changed\/weights\.bin$/);
      // With the file as validated, the same call runs.
      const n = openFileModel(path);
      const ok = await b.measure(
        { path, bytes: new Uint8Array(0), files: n.source },
        new Map([['x', x]]),
        { warmup: 0, iterations: 1 },
        {},
      );
      expect([...ok.outputs.keys()]).toEqual([m.proto.graph!.output![0]!.name]);
    } finally {
      await b.close();
    }
  });
});

describe('the local server serves a registered file and nothing else of its folder', () => {
  it('200 while the check accepts, 409 once it refuses, 404 after removal and for a neighbour', async () => {
    const d = join(dir, 'served');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'w.bin'), 'weights');
    writeFileSync(join(d, 'secret.txt'), 'secret');
    const server = new LocalServer();
    await server.start();
    try {
      let accept = true;
      const url = server.addFile(join(d, 'w.bin'), 'w.bin', (st) => accept && st.size === 7n);
      const get = (p: string) => fetch(`${server.origin}${p}`);
      const ok = await get(url);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('weights');
      expect((await get(url.replace('w.bin', 'secret.txt'))).status).toBe(404);
      accept = false;
      expect((await get(url)).status).toBe(409);
      server.removeBlob(url);
      expect((await get(url)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
