/**
 * The wasm backend's runtime lives in a worker thread (backends/wasmThreadBackend.ts): a fresh
 * runtime after a failure is a new thread with a fresh onnxruntime-web, which instantiates the
 * WASM module the first thread compiled instead of compiling it again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendStageError } from '../src/backends/types.js';
import { WasmThreadBackend } from '../src/backends/wasmThreadBackend.js';
import { decodeTensorProtoBytes } from '../src/tensor/tensorProto.js';
import type { Tensor } from '../src/tensor/tensor.js';

const MNIST_DIR = '/work/shared/samples/cntk/mnist-8';
const T = 300_000;

function mnist() {
  const read = (f: string) => decodeTensorProtoBytes(readFileSync(join(MNIST_DIR, 'test_data_set_0', f)), f).tensor;
  return {
    // A fresh copy per call, given as the call's own: the backend moves it to the thread.
    model: () => ({
      path: join(MNIST_DIR, 'model.onnx'),
      bytes: new Uint8Array(readFileSync(join(MNIST_DIR, 'model.onnx'))),
      owned: true,
    }),
    feeds: new Map([['Input3', read('input_0.pb')]]),
    expected: read('output_0.pb'),
  };
}

const b = new WasmThreadBackend('wasm (test)');
afterAll(() => b.close());

describe('the wasm runtime thread', () => {
  it(
    'a failure, then reset: a new thread with a fresh onnxruntime-web, from the module compiled once',
    async () => {
      const { model, feeds, expected } = mnist();
      const plan = { warmup: 0, iterations: 1 };
      expect(await b.checkAvailable()).toEqual({ available: true });
      const first = await b.measure(model(), feeds, plan, {});
      expect(
        Math.abs(
          (first.outputs.get('Plus214_Output_0')!.data as Float32Array)[0]! - (expected.data as Float32Array)[0]!,
        ),
      ).toBeLessThan(1e-3);
      expect(b.compiles).toBe(1);
      const thread = b.runtimeThreadId;
      expect(thread).toBeDefined();

      const wrong: Map<string, Tensor> = new Map([
        ['Input3', { dtype: 'float32', dims: [1, 1, 28, 27], data: new Float32Array(28 * 27) }],
      ]);
      const err = await b.measure(model(), wrong, plan, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('run');

      expect(await b.reset()).toBe(true);
      expect(b.runtimeThreadId).toBeDefined();
      expect(b.runtimeThreadId).not.toBe(thread);
      // A new isolate: a fresh onnxruntime-web and fresh WASM memory; the model passes there.
      const fresh = await b.measure(model(), feeds, plan, {});
      const got = fresh.outputs.get('Plus214_Output_0')!.data as Float32Array;
      const want = expected.data as Float32Array;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3);
      // The new thread instantiated the compiled module it was handed: nothing was compiled again.
      expect(b.compiles).toBe(1);
      expect(b.threadStarts).toBe(3); // the first, the fresh one, and the spare started for the next reset
      // The next reset takes the spare (started ahead, also from the shared module).
      const spareStarts = b.threadStarts;
      const second = b.runtimeThreadId;
      expect(await b.reset()).toBe(true);
      expect(b.runtimeThreadId).not.toBe(second);
      expect((await b.measure(model(), feeds, plan, {})).outputs.size).toBe(1);
      expect(b.threadStarts).toBe(spareStarts + 1); // only the next spare
      expect(b.compiles).toBe(1);
    },
    T,
  );

  it(
    "bytes the caller keeps are copied to the thread; the call's own bytes are moved",
    async () => {
      const { model, feeds } = mnist();
      const plan = { warmup: 0, iterations: 1 };
      const kept = { ...model(), owned: false };
      await b.measure(kept, feeds, plan, {});
      expect(kept.bytes.byteLength).toBeGreaterThan(0); // still the caller's
      const own = model();
      await b.measure(own, feeds, plan, {});
      expect(own.bytes.byteLength).toBe(0); // moved (detached here): no second copy of a large model
    },
    T,
  );

  it(
    'a runtime thread that dies fails its request as a run error; the next request gets a new thread',
    async () => {
      const { model, feeds } = mnist();
      const plan = { warmup: 0, iterations: 1 };
      await b.checkAvailable();
      const thread = b.runtimeThreadId;
      // Ending the thread under a request stands for a thread that crashed.
      const running = b.measure(model(), feeds, { warmup: 0, iterations: 100_000, maxDurationMs: 60_000 }, {});
      await new Promise((r) => setTimeout(r, 300));
      await (b as unknown as { thread: { end(): Promise<void> } }).thread.end();
      const err = await running.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('run');
      const after = await b.measure(model(), feeds, plan, {});
      expect(after.outputs.size).toBe(1);
      expect(b.runtimeThreadId).not.toBe(thread);
    },
    T,
  );
});
