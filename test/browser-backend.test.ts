/**
 * Browser backends (onnxruntime-web in headless Chromium): these really launch Chromium
 * (/usr/bin/chromium or CHROME_PATH); WebGPU runs on SwiftShader where there is no GPU.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import {
  createBrowserBackend,
  classifyAdapter,
  describeAdapter,
  ORT_WEB_BUILDS,
  ortWebBuildFor,
  ortWebPackageVersion,
} from '../src/backends/browser/backend.js';
import { LocalServer } from '../src/util/localServer.js';
import { BackendStageError, SkippedMeasure, type Backend } from '../src/backends/types.js';
import { decodeTensorProtoBytes } from '../src/tensor/tensorProto.js';
import { onnx } from '../src/onnx/proto.js';
import { codeFromDType, type DType } from '../src/onnx/dtypes.js';
import { rawBytes, toFloat64, type Tensor } from '../src/tensor/tensor.js';
import { scratchDir } from './helpers/scratch.js';

// The backends here run in this process, so Chromium's temporary files (its singleton folder, which
// a Chromium killed on purpose below leaves behind) go into this folder, removed after the file.
process.env.TMPDIR = scratchDir('owb-browser-');

const MNIST_DIR = '/work/shared/samples/cntk/mnist-8';
const TEST_TIMEOUT = 600_000;

function loadMnist() {
  const modelPath = join(MNIST_DIR, 'model.onnx');
  const input = decodeTensorProtoBytes(readFileSync(join(MNIST_DIR, 'test_data_set_0', 'input_0.pb')), 'input_0.pb');
  const output = decodeTensorProtoBytes(readFileSync(join(MNIST_DIR, 'test_data_set_0', 'output_0.pb')), 'output_0.pb');
  return {
    model: { path: modelPath, bytes: new Uint8Array(readFileSync(modelPath)) },
    input: input.tensor,
    expected: output.tensor,
  };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = toFloat64(a);
  const y = toFloat64(b);
  expect(x.length).toBe(y.length);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

function bytesOf(t: Tensor): Buffer {
  return Buffer.from(rawBytes(t));
}

/** A model whose outputs are Identity copies of its inputs, one per (name, dtype, dims). */
function identityModel(tensors: { name: string; dtype: DType; dims: number[] }[]): Uint8Array {
  const valueInfo = (name: string, dtype: DType, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: codeFromDType(dtype), shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'onnx-workbench-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'roundtrip',
      node: tensors.map((t) => ({
        opType: 'Identity',
        input: [t.name],
        output: [`${t.name}_out`],
        name: `id_${t.name}`,
      })),
      input: tensors.map((t) => valueInfo(t.name, t.dtype, t.dims)),
      output: tensors.map((t) => valueInfo(`${t.name}_out`, t.dtype, t.dims)),
    },
  }).finish();
}

/** A Loop that would run for ~forever (1e15 iterations of Neg): for the timeout path. */
function foreverModel(): Uint8Array {
  const vi = (name: string, elemType: number, dims: number[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const body = {
    name: 'body',
    node: [
      { opType: 'Identity', input: ['cond_in'], output: ['cond_out'] },
      { opType: 'Neg', input: ['x_in'], output: ['x_out'] },
    ],
    input: [vi('i', 7, []), vi('cond_in', 9, []), vi('x_in', 1, [1])],
    output: [vi('cond_out', 9, []), vi('x_out', 1, [1])],
  };
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'forever',
      initializer: [
        { name: 'M', dataType: 7, dims: [], int64Data: [1e15] },
        { name: 'c', dataType: 9, dims: [], int32Data: [1] },
      ],
      node: [
        { opType: 'Loop', input: ['M', 'c', 'x'], output: ['y'], attribute: [{ name: 'body', type: 5, g: body }] },
      ],
      input: [vi('x', 1, [1])],
      output: [vi('y', 1, [1])],
    },
  }).finish();
}

/** Live (not zombie) Chromium processes started by this process. */
function liveChromiumChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('--remote-debugging-pipe')) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

const backends: Backend[] = [];
function track(b: Backend): Backend {
  backends.push(b);
  return b;
}

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
}, TEST_TIMEOUT);

describe('browser-wasm', () => {
  const backend = track(createBrowserBackend('browser-wasm'));
  const mnist = loadMnist();

  it(
    'is available',
    async () => {
      expect(await backend.checkAvailable()).toEqual({ available: true });
    },
    TEST_TIMEOUT,
  );

  it(
    'runs mnist-8 and matches the reference output',
    async () => {
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 1, iterations: 5 },
        {},
      );
      const out = m.outputs.get('Plus214_Output_0');
      expect(out).toBeDefined();
      expect(out!.dtype).toBe('float32');
      expect(out!.dims).toEqual([1, 10]);
      expect(maxAbsDiff(out!, mnist.expected)).toBeLessThan(1e-3);
      expect(m.sessionCreateMs).toBeGreaterThan(0);
      expect(m.firstRunMs).toBeGreaterThan(0);
      expect(m.timesMs).toHaveLength(5);
      for (const t of m.timesMs) expect(t).toBeGreaterThan(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'stops timed runs at maxDurationMs (but runs at least once)',
    async () => {
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 0, iterations: 100_000, maxDurationMs: 1 },
        {},
      );
      expect(m.timesMs.length).toBeGreaterThanOrEqual(1);
      expect(m.timesMs.length).toBeLessThan(100_000);
    },
    TEST_TIMEOUT,
  );

  it(
    'describes onnxruntime-web on WASM in a cross-origin isolated page',
    async () => {
      const d = await backend.describe();
      expect(d.backend).toBe('browser-wasm');
      expect(d.runtime).toBe('onnxruntime-web');
      expect(d.runtimeVersion).toBe(ortWebPackageVersion());
      expect(d.runtimeVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(d.executionProvider).toBe('wasm');
      expect(d.adapter.kind).toBe('cpu');
      expect(d.userAgent).toMatch(/Chrome\//);
      expect(d.details?.crossOriginIsolated).toBe(true);
      expect(d.details?.wasmThreads).toBeGreaterThanOrEqual(1);
      // What the page loaded and fetched: the WASM-only build, the binary the wasm backend runs in Node.
      expect(d.details?.ortWebBundle).toBe('ort.wasm.min.js');
      expect(d.details?.ortWebWasm).toBe('ort-wasm-simd-threaded.wasm');
    },
    TEST_TIMEOUT,
  );

  it(
    "runs on onnxruntime-web's default build when asked, and says so",
    async () => {
      const other = track(createBrowserBackend('browser-wasm', 'browser-wasm', { ortWebBuild: 'default' }));
      const m = await other.measure(mnist.model, new Map([['Input3', mnist.input]]), { warmup: 0, iterations: 1 }, {});
      expect(maxAbsDiff(m.outputs.get('Plus214_Output_0')!, mnist.expected)).toBeLessThan(1e-3);
      const d = await other.describe();
      expect(d.details?.ortWebBundle).toBe(ORT_WEB_BUILDS.default.script);
      expect(d.details?.ortWebWasm).toBe(ORT_WEB_BUILDS.default.wasm);
      await other.close();
    },
    TEST_TIMEOUT,
  );

  it(
    'applies options.threads to onnxruntime-web',
    async () => {
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 0, iterations: 1 },
        { threads: 1 },
      );
      expect(maxAbsDiff(m.outputs.get('Plus214_Output_0')!, mnist.expected)).toBeLessThan(1e-3);
      expect((await backend.describe()).details?.wasmThreads).toBe(1);
    },
    TEST_TIMEOUT,
  );

  it(
    'passes int64, float16, bool, uint8 and float64 tensors through the page without changing a bit',
    async () => {
      const specs = [
        { name: 'i64', dtype: 'int64' as const, dims: [2, 3] },
        { name: 'f16', dtype: 'float16' as const, dims: [8] },
        { name: 'b', dtype: 'bool' as const, dims: [4] },
        { name: 'u8', dtype: 'uint8' as const, dims: [3] },
        { name: 'f64', dtype: 'float64' as const, dims: [4] },
      ];
      const feeds: Record<string, Tensor> = {
        // Values past 2^53 and the int64 extremes: lossy through JS numbers, exact as bytes.
        i64: {
          dtype: 'int64',
          dims: [2, 3],
          data: new BigInt64Array([
            9223372036854775807n,
            -9223372036854775808n,
            9007199254740993n,
            -1n,
            0n,
            123456789012345678n,
          ]),
        },
        // +0, -0, 1.0, max half, smallest subnormal, +inf, a NaN with payload, -2.5
        f16: {
          dtype: 'float16',
          dims: [8],
          data: new Uint16Array([0x0000, 0x8000, 0x3c00, 0x7bff, 0x0001, 0x7c00, 0x7e01, 0xc100]),
        },
        b: { dtype: 'bool', dims: [4], data: new Uint8Array([1, 0, 1, 1]) },
        u8: { dtype: 'uint8', dims: [3], data: new Uint8Array([0, 128, 255]) },
        f64: { dtype: 'float64', dims: [4], data: new Float64Array([Math.PI, -0, 1e-310, Number.MAX_VALUE]) },
      };
      const model = { path: 'roundtrip.onnx', bytes: identityModel(specs) };
      const m = await backend.measure(model, new Map(Object.entries(feeds)), { warmup: 0, iterations: 1 }, {});
      for (const s of specs) {
        const out = m.outputs.get(`${s.name}_out`);
        expect(out, s.name).toBeDefined();
        expect(out!.dtype).toBe(s.dtype);
        expect(out!.dims).toEqual(s.dims);
        expect(bytesOf(out!).equals(bytesOf(feeds[s.name]!)), `${s.name} bytes`).toBe(true);
      }
      expect(m.outputs.get('i64_out')!.data).toBeInstanceOf(BigInt64Array);
      expect(m.outputs.get('f16_out')!.data).toBeInstanceOf(Uint16Array);
    },
    TEST_TIMEOUT,
  );

  it(
    "reports a model that cannot be loaded as a load error, with onnxruntime's message",
    async () => {
      const bad = { path: 'bad.onnx', bytes: new TextEncoder().encode('this is not an ONNX model') };
      const err = await backend
        .measure(bad, new Map([['Input3', mnist.input]]), { warmup: 0, iterations: 1 }, {})
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('load');
      expect((err as BackendStageError).message.length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'reports a bad input as a run error, and keeps working afterwards',
    async () => {
      const wrong: Tensor = { dtype: 'float32', dims: [1, 1, 28, 27], data: new Float32Array(28 * 27) };
      const err = await backend
        .measure(mnist.model, new Map([['Input3', wrong]]), { warmup: 0, iterations: 1 }, {})
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('run');
      expect((err as BackendStageError).message).toMatch(/dimension|shape/i);
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 0, iterations: 1 },
        {},
      );
      expect(maxAbsDiff(m.outputs.get('Plus214_Output_0')!, mnist.expected)).toBeLessThan(1e-3);
    },
    TEST_TIMEOUT,
  );

  it(
    'queues measures sent together in the page: those sent before a failure was reported do not run, later ones do',
    async () => {
      const wrong: Tensor = { dtype: 'float32', dims: [1, 1, 28, 27], data: new Float32Array(28 * 27) };
      const plan = { warmup: 0, iterations: 1 };
      const good = new Map([['Input3', mnist.input]]);
      const [ok0, bad, queued1, queued2] = await Promise.allSettled([
        backend.measure(mnist.model, good, plan, {}),
        backend.measure(mnist.model, new Map([['Input3', wrong]]), plan, {}),
        backend.measure(mnist.model, good, plan, {}),
        backend.measure(mnist.model, good, plan, {}),
      ]);
      expect(ok0.status).toBe('fulfilled'); // the one before the failure ran
      expect(((bad as PromiseRejectedResult).reason as BackendStageError).stage).toBe('run');
      for (const q of [queued1, queued2]) expect((q as PromiseRejectedResult).reason).toBeInstanceOf(SkippedMeasure);
      const m = await backend.measure(mnist.model, good, plan, {});
      expect(maxAbsDiff(m.outputs.get('Plus214_Output_0')!, mnist.expected)).toBeLessThan(1e-3);
    },
    TEST_TIMEOUT,
  );
});

describe('browser timeouts', () => {
  it(
    'a run that never ends is a timeout after the time limit, and the next model still runs',
    async () => {
      const backend = track(createBrowserBackend('browser-wasm', 'browser-wasm', { timeoutMs: 10_000 }));
      const x: Tensor = { dtype: 'float32', dims: [1], data: new Float32Array([1]) };
      // Chromium's start and onnxruntime-web's initialisation come first (a loaded machine may take longer than
      // the limit for them); the limit under test is the model's.
      expect((await backend.checkAvailable()).available).toBe(true);
      const started = Date.now();
      const err = await backend
        .measure({ path: 'forever.onnx', bytes: foreverModel() }, new Map([['x', x]]), { warmup: 0, iterations: 1 }, {})
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('timeout');
      expect((err as BackendStageError).message).toMatch(/timed out after 10000 ms/);
      // The page told the harness (a console message) that the session exists and the runs began.
      expect((err as BackendStageError).message).toMatch(/while running/);
      expect(Date.now() - started).toBeLessThan(60_000);
      const mnist = loadMnist();
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 0, iterations: 1 },
        {},
      );
      expect(maxAbsDiff(m.outputs.get('Plus214_Output_0')!, mnist.expected)).toBeLessThan(1e-3);
      await backend.close();
    },
    TEST_TIMEOUT,
  );
});

describe('a browser killed under a model', () => {
  it(
    'is a run error (a runtime failure), not a load error, and the next model still runs',
    async () => {
      const backend = track(createBrowserBackend('browser-wasm', 'browser-wasm', { timeoutMs: 60_000 }));
      const x: Tensor = { dtype: 'float32', dims: [1], data: new Float32Array([1]) };
      const before = new Set(liveChromiumChildren());
      expect((await backend.checkAvailable()).available).toBe(true);
      const pending = backend
        .measure({ path: 'forever.onnx', bytes: foreverModel() }, new Map([['x', x]]), { warmup: 0, iterations: 1 }, {})
        .catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 3000));
      const pids = liveChromiumChildren().filter((p) => !before.has(p));
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const err = await pending;
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('run');
      expect((err as BackendStageError).message).toMatch(/browser/);
      expect((err as BackendStageError).message).toMatch(/during the run/);
      const mnist = loadMnist();
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 0, iterations: 1 },
        {},
      );
      expect(maxAbsDiff(m.outputs.get('Plus214_Output_0')!, mnist.expected)).toBeLessThan(1e-3);
      await backend.close();
    },
    TEST_TIMEOUT,
  );
});

describe('browser-webgpu', () => {
  const backend = track(createBrowserBackend('browser-webgpu'));
  const mnist = loadMnist();

  it(
    'is available (hardware GPU or SwiftShader)',
    async () => {
      expect(await backend.checkAvailable()).toEqual({ available: true });
    },
    TEST_TIMEOUT,
  );

  it(
    'runs mnist-8 and matches the reference output',
    async () => {
      const m = await backend.measure(
        mnist.model,
        new Map([['Input3', mnist.input]]),
        { warmup: 1, iterations: 3 },
        {},
      );
      const out = m.outputs.get('Plus214_Output_0');
      expect(out).toBeDefined();
      expect(out!.dims).toEqual([1, 10]);
      expect(maxAbsDiff(out!, mnist.expected)).toBeLessThan(1e-3);
      expect(m.timesMs).toHaveLength(3);
      expect(m.sessionCreateMs).toBeGreaterThan(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'describes the WebGPU adapter and says software for SwiftShader',
    async () => {
      const d = await backend.describe();
      expect(d.backend).toBe('browser-webgpu');
      expect(d.runtime).toBe('onnxruntime-web');
      expect(d.runtimeVersion).toBe(ortWebPackageVersion());
      expect(d.executionProvider).toBe('webgpu');
      expect(d.details?.ortWebBundle).toBe('ort.min.js'); // the only build with the JSEP WebGPU EP
      expect(d.userAgent).toMatch(/Chrome\//);
      expect(['software', 'hardware']).toContain(d.adapter.kind);
      if (d.details?.webgpuAdapterFlag === 'swiftshader') {
        expect(d.adapter.kind).toBe('software');
        expect(d.adapter.architecture).toMatch(/swiftshader/i);
        expect(d.adapter.description).toMatch(/software WebGPU in Chromium/);
      } else {
        expect(d.details?.webgpuAdapterFlag).toBe('none');
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'reports a model that cannot be loaded as a load error',
    async () => {
      const bad = { path: 'bad.onnx', bytes: new Uint8Array([0x08, 0x07, 0xff, 0xff, 0xff]) };
      const err = await backend.measure(bad, new Map(), { warmup: 0, iterations: 1 }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('load');
    },
    TEST_TIMEOUT,
  );
});

describe('browser-webgpu without any adapter', () => {
  it(
    'is unavailable with a reason and a fix when Chromium has no GPU process at all',
    async () => {
      const saved = process.env.ONNX_WORKBENCH_CHROMIUM_ARGS;
      process.env.ONNX_WORKBENCH_CHROMIUM_ARGS = '--disable-gpu --disable-software-rasterizer';
      try {
        const backend = track(createBrowserBackend('browser-webgpu'));
        const a = await backend.checkAvailable();
        expect(a.available).toBe(false);
        expect(a.reason).toMatch(/no SwiftShader WebGPU adapter/);
        expect(a.fix).toMatch(/apt-get install chromium/);
        expect(a.fix).toMatch(/GPU drivers/);
        const err = await backend
          .measure(loadMnist().model, new Map(), { warmup: 0, iterations: 1 }, {})
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BackendStageError);
        expect((err as BackendStageError).stage).toBe('load');
        await backend.close();
      } finally {
        if (saved === undefined) delete process.env.ONNX_WORKBENCH_CHROMIUM_ARGS;
        else process.env.ONNX_WORKBENCH_CHROMIUM_ARGS = saved;
      }
    },
    TEST_TIMEOUT,
  );
});

describe("onnxruntime-web's build for a page", () => {
  it('is the WASM-only build for wasm, the default one for webgpu, and a bad choice is named', async () => {
    expect(ortWebBuildFor('wasm', {})).toBe('wasm');
    expect(ortWebBuildFor('wasm', { ONNX_WORKBENCH_BROWSER_WASM_BUILD: 'default' })).toBe('default');
    expect(ortWebBuildFor('webgpu', { ONNX_WORKBENCH_BROWSER_WASM_BUILD: 'wasm' })).toBe('default');
    expect(() => ortWebBuildFor('wasm', { ONNX_WORKBENCH_BROWSER_WASM_BUILD: 'jsep' })).toThrow(
      "ONNX_WORKBENCH_BROWSER_WASM_BUILD is 'jsep': expected 'wasm' or 'default'",
    );
    // A build that cannot run the EP makes the backend unavailable, with the reason; nothing is launched.
    const webgpu = createBrowserBackend('browser-webgpu', 'browser-webgpu', { ortWebBuild: 'wasm' });
    const a = await webgpu.checkAvailable();
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/browser-webgpu needs onnxruntime-web's default build/);
    await webgpu.close();
    const saved = process.env.ONNX_WORKBENCH_BROWSER_WASM_BUILD;
    process.env.ONNX_WORKBENCH_BROWSER_WASM_BUILD = 'jsep';
    try {
      const wasm = createBrowserBackend('browser-wasm');
      expect(await wasm.checkAvailable()).toEqual({
        available: false,
        reason: "ONNX_WORKBENCH_BROWSER_WASM_BUILD is 'jsep': expected 'wasm' or 'default'",
        fix: 'unset ONNX_WORKBENCH_BROWSER_WASM_BUILD, or set it to wasm or default',
      });
      await wasm.close();
    } finally {
      if (saved === undefined) delete process.env.ONNX_WORKBENCH_BROWSER_WASM_BUILD;
      else process.env.ONNX_WORKBENCH_BROWSER_WASM_BUILD = saved;
    }
  });
});

describe('adapter classification', () => {
  const base = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: null, features: [] };
  it('treats SwiftShader, CPU adapters and forced SwiftShader as software', () => {
    expect(classifyAdapter({ ...base, vendor: 'google', architecture: 'swiftshader' }, false)).toBe('software');
    expect(classifyAdapter({ ...base, description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, false)).toBe('software');
    expect(classifyAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: true }, false)).toBe(
      'software',
    );
    expect(classifyAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere' }, true)).toBe('software');
    expect(
      classifyAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false }, false),
    ).toBe('hardware');
  });

  it('builds a description when Chromium gives none, and keeps one it gives', () => {
    expect(describeAdapter({ ...base, vendor: 'google', architecture: 'swiftshader' }, 'software')).toEqual({
      kind: 'software',
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: 'google swiftshader (software WebGPU in Chromium, on the CPU)',
    });
    expect(describeAdapter({ ...base, vendor: 'nvidia', architecture: 'ampere' }, 'hardware').description).toBe(
      'nvidia ampere',
    );
    expect(describeAdapter({ ...base, description: 'NVIDIA GeForce RTX 3060' }, 'hardware').description).toBe(
      'NVIDIA GeForce RTX 3060',
    );
    expect(describeAdapter(base, 'hardware').description).toBe('unnamed adapter');
  });
});

describe('missing Chromium', () => {
  it(
    'CHROME_PATH=/nonexistent is unavailable with a fix, and measure is a load error',
    async () => {
      const saved = process.env.CHROME_PATH;
      process.env.CHROME_PATH = '/nonexistent';
      try {
        for (const id of ['browser-wasm', 'browser-webgpu'] as const) {
          const backend = track(createBrowserBackend(id));
          const a = await backend.checkAvailable();
          expect(a.available).toBe(false);
          expect(a.reason).toBe('Chromium not found at /nonexistent');
          expect(a.fix).toMatch(/apt-get install chromium/);
          expect(a.fix).toMatch(/CHROME_PATH/);
          const { model, input } = loadMnist();
          const err = await backend
            .measure(model, new Map([['Input3', input]]), { warmup: 0, iterations: 1 }, {})
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(BackendStageError);
          expect((err as BackendStageError).stage).toBe('load');
          expect((err as BackendStageError).message).toMatch(/Chromium not found at \/nonexistent/);
          await backend.close();
        }
      } finally {
        if (saved === undefined) delete process.env.CHROME_PATH;
        else process.env.CHROME_PATH = saved;
      }
    },
    TEST_TIMEOUT,
  );
});

describe('local server', () => {
  function get(
    origin: string,
    path: string,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      // node:http sends the path as given (no normalization), like a hostile client would.
      const req = request(`${origin}${path}`, { method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves its roots and blobs with isolation headers, and nothing outside them', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'wb-server-'));
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'page.html'), '<p>ok</p>');
    writeFileSync(join(root, 'sub', 'a.js'), 'ok()');
    writeFileSync(join(root, 'secret.txt'), 'not an allowed extension');
    writeFileSync(join(tmp, 'outside.html'), 'secret');
    symlinkSync(join(tmp, 'outside.html'), join(root, 'link.html'));
    const server = new LocalServer();
    server.addStaticRoot('/', root, { extensions: ['.html', '.js'] });
    try {
      const origin = await server.start();
      expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await get(origin, '/page.html');
      expect(page.status).toBe(200);
      expect(page.body).toBe('<p>ok</p>');
      expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect((await get(origin, '/sub/a.js')).status).toBe(200);

      for (const bad of [
        '/../outside.html',
        '/sub/../../outside.html',
        '/%2e%2e/outside.html',
        '/sub/%2E%2E/%2e%2e/outside.html',
        '/..%2foutside.html',
        '/..%5coutside.html',
        '/link.html',
        '/secret.txt',
        '/sub',
        '/sub/',
        '/',
        '/page.html%00.js',
        '/%ZZ',
      ]) {
        const r = await get(origin, bad);
        expect(r.status, bad).toBe(404);
        expect(r.body).not.toContain('secret');
      }

      const blobPath = server.addBlob(new Uint8Array([1, 2, 3, 250]), 'model.onnx');
      expect(blobPath).toMatch(/^\/jobs\/[0-9a-f]{32}\/model\.onnx$/);
      const blob = await get(origin, blobPath);
      expect(blob.status).toBe(200);
      expect(Buffer.from(blob.body, 'latin1')).toEqual(Buffer.from([1, 2, 3, 250]));
      server.removeBlob(blobPath);
      expect((await get(origin, blobPath)).status).toBe(404);
    } finally {
      await server.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('cleanup', () => {
  it(
    'close() leaves no Chromium process behind',
    async () => {
      const backend = track(createBrowserBackend('browser-webgpu'));
      expect(await backend.checkAvailable()).toEqual({ available: true });
      expect(liveChromiumChildren().length).toBeGreaterThan(0);
      await Promise.all(backends.map((b) => b.close()));
      const deadline = Date.now() + 10_000;
      while (liveChromiumChildren().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(liveChromiumChildren()).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
