/**
 * The Backend contract, the same cases over all five backends, each isolated in its worker as the
 * commands run them (isolation/pool.ts): a real model and its reference, graph input and output
 * names that are Object.prototype's (`__proto__`, `constructor`, `toString`), a model the runtime
 * refuses (load), a failing run (run) followed by a passing one on a fresh runtime, availability
 * decided once. Software WebGPU is slow: only tiny models and mnist-8 run there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BACKEND_IDS,
  BackendStageError,
  type BackendId,
  type RunMeasurement,
  type TensorMap,
} from '../src/backends/types.js';
import { isolatedBackends, backendSetOf, type BackendSet } from '../src/isolation/pool.js';
import type { WorkerBackend } from '../src/isolation/workerBackend.js';
import { decodeTensorProtoBytes } from '../src/tensor/tensorProto.js';
import { onnx } from '../src/onnx/proto.js';
import type { Tensor } from '../src/tensor/tensor.js';

const MNIST_DIR = '/work/shared/samples/cntk/mnist-8';
const T = 300_000;

function mnist() {
  const bytes = new Uint8Array(readFileSync(join(MNIST_DIR, 'model.onnx')));
  const input = decodeTensorProtoBytes(
    readFileSync(join(MNIST_DIR, 'test_data_set_0', 'input_0.pb')),
    'input_0.pb',
  ).tensor;
  const output = decodeTensorProtoBytes(
    readFileSync(join(MNIST_DIR, 'test_data_set_0', 'output_0.pb')),
    'output_0.pb',
  ).tensor;
  return {
    model: { path: join(MNIST_DIR, 'model.onnx'), bytes },
    feeds: new Map([['Input3', input]]),
    expected: output,
  };
}

/** mnist-8's input one column short: a run error on every backend. */
function wrongInput(): Map<string, Tensor> {
  return new Map([['Input3', { dtype: 'float32' as const, dims: [1, 1, 28, 27], data: new Float32Array(28 * 27) }]]);
}

/** The measurement's output agrees with mnist-8's reference. */
function expectMnistOutput(m: RunMeasurement, expected: Tensor): void {
  const got = m.outputs.get('Plus214_Output_0')!.data as Float32Array;
  const want = expected.data as Float32Array;
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3);
}

const vi = (name: string, dims: number[]) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

/** Inputs `__proto__` and `constructor`; outputs `toString` (= __proto__), `valueOf` (= -constructor) and `__proto__`'s double as `hasOwnProperty`. */
function prototypeNamesModel(): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'onnx-workbench-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'names',
      node: [
        { opType: 'Identity', input: ['__proto__'], output: ['toString'] },
        { opType: 'Neg', input: ['constructor'], output: ['valueOf'] },
        { opType: 'Add', input: ['__proto__', '__proto__'], output: ['hasOwnProperty'] },
      ],
      input: [vi('__proto__', [2]), vi('constructor', [2])],
      output: [vi('toString', [2]), vi('valueOf', [2]), vi('hasOwnProperty', [2])],
    },
  }).finish();
}

/** Input `x`, output named `__proto__`. */
function protoOutputModel(): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'onnx-workbench-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'out',
      node: [{ opType: 'Relu', input: ['x'], output: ['__proto__'] }],
      input: [vi('x', [3])],
      output: [vi('__proto__', [3])],
    },
  }).finish();
}

const f32 = (values: number[]): Tensor => ({ dtype: 'float32', dims: [values.length], data: new Float32Array(values) });
const values = (m: TensorMap, name: string) => Array.from(m.get(name)!.data as Float32Array);

let set: BackendSet;
const workers = new Map<BackendId, WorkerBackend>();

beforeAll(async () => {
  const list = isolatedBackends(BACKEND_IDS, { timeoutMs: 240_000 });
  for (const b of list) workers.set(b.id, b);
  set = await backendSetOf(list);
}, T);

afterAll(async () => {
  await set?.close();
}, T);

describe.each([...BACKEND_IDS])('the Backend contract on %s', (id) => {
  it(
    'is available, decided once, and described with its runtime and adapter',
    async () => {
      const status = set.statuses.find((s) => s.id === id)!;
      expect(status.available, status.reason).toBe(true);
      expect(status.description?.backend).toBe(id);
      expect(status.description?.runtimeVersion).toMatch(/^\d+\.\d+\.\d+/);
      const b = workers.get(id)!;
      expect(b.checkAvailable()).toBe(b.checkAvailable()); // the remembered decision, not a new check
    },
    T,
  );

  it(
    'runs mnist-8: outputs match the reference, timings follow the plan',
    async () => {
      const { model, feeds, expected } = mnist();
      const m = await set.backends.get(id)!.measure(model, feeds, { warmup: 1, iterations: 3 }, {});
      expect(m.outputs).toBeInstanceOf(Map);
      const out = m.outputs.get('Plus214_Output_0')!;
      expect(out.dims).toEqual([1, 10]);
      const got = out.data as Float32Array;
      const want = expected.data as Float32Array;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3);
      expect(m.timesMs).toHaveLength(3);
      expect(m.sessionCreateMs).toBeGreaterThan(0);
    },
    T,
  );

  it(
    'takes graph inputs and outputs named __proto__, constructor, toString as plain names',
    async () => {
      const b = set.backends.get(id)!;
      const feeds = new Map([
        ['__proto__', f32([1, 2])],
        ['constructor', f32([3, -4])],
      ]);
      const m = await b.measure(
        { path: 'names.onnx', bytes: prototypeNamesModel() },
        feeds,
        { warmup: 0, iterations: 1 },
        {},
      );
      expect([...m.outputs.keys()].sort()).toEqual(['hasOwnProperty', 'toString', 'valueOf']);
      expect(values(m.outputs, 'toString')).toEqual([1, 2]);
      expect(values(m.outputs, 'valueOf')).toEqual([-3, 4]);
      expect(values(m.outputs, 'hasOwnProperty')).toEqual([2, 4]);
      const o = await b.measure(
        { path: 'out.onnx', bytes: protoOutputModel() },
        new Map([['x', f32([-1, 0, 5])]]),
        { warmup: 0, iterations: 1 },
        {},
      );
      expect([...o.outputs.keys()]).toEqual(['__proto__']);
      expect(values(o.outputs, '__proto__')).toEqual([0, 0, 5]);
    },
    T,
  );

  it(
    'reports bytes that are not a model as a load error, without replacing the runtime',
    async () => {
      const b = workers.get(id)!;
      const before = b.recycled;
      const err = await b
        .measure(
          { path: 'bad.onnx', bytes: new TextEncoder().encode('not an ONNX model') },
          new Map(),
          { warmup: 0, iterations: 1 },
          {},
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('load');
      expect(b.recycled).toBe(before);
    },
    T,
  );

  it(
    'after a failing run the next model gets a fresh runtime and passes',
    async () => {
      const b = workers.get(id)!;
      const { model, feeds, expected } = mnist();
      const wrong = wrongInput();
      const startsBefore = b.processStarts;
      const recycledBefore = b.recycled;
      const resetsBefore = b.resets;
      const pidBefore = b.workerPid;
      const err = await b.measure(model, wrong, { warmup: 0, iterations: 1 }, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendStageError);
      expect((err as BackendStageError).stage).toBe('run');
      expect(b.recycled).toBe(recycledBefore + 1); // the suspect runtime is gone
      // A fresh runtime in place: a new page in the same Chromium, a new wasm runtime thread in the same worker.
      const inPlace = id.startsWith('browser-') || id === 'wasm';
      if (inPlace) {
        // A runtime error the runtime reported: a fresh page (browser) or thread (wasm), not a new process.
        expect(b.resets).toBe(resetsBefore + 1);
        expect(b.workerPid).toBe(pidBefore);
      } else {
        expect(b.resets).toBe(resetsBefore);
        expect(b.workerPid).toBeUndefined();
      }
      const m = await b.measure(model, feeds, { warmup: 0, iterations: 1 }, {});
      // cpu, which needed a new process, keeps a started spare for the next one.
      expect(b.processStarts).toBe(inPlace ? startsBefore : startsBefore + 2);
      expect(b.hasSpare).toBe(!inPlace);
      expectMnistOutput(m, expected);
    },
    T,
  );

  it(
    'a second failing run swaps in the spare runtime (cpu), and the next model passes there',
    async () => {
      const b = workers.get(id)!;
      const { model, feeds, expected } = mnist();
      const wrong = wrongInput();
      const inPlace = id.startsWith('browser-') || id === 'wasm';
      const pidBefore = b.workerPid;
      const recycledBefore = b.recycled;
      const startsBefore = b.processStarts;
      const err = await b.measure(model, wrong, { warmup: 0, iterations: 1 }, {}).catch((e: unknown) => e);
      expect((err as BackendStageError).stage).toBe('run');
      expect(b.recycled).toBe(recycledBefore + 1);
      if (!inPlace) {
        // The spare (started after the first replacement) is the worker now: a different, running process.
        expect(b.workerPid).toBeDefined();
        expect(b.workerPid).not.toBe(pidBefore);
        expect(b.hasSpare).toBe(true); // and a new spare is starting
      }
      const m = await b.measure(model, feeds, { warmup: 0, iterations: 1 }, {});
      expect(b.processStarts).toBe(inPlace ? startsBefore : startsBefore + 1); // only the new spare
      expectMnistOutput(m, expected);
    },
    T,
  );

  it(
    'measures sent together behind a failing one run afterwards on a fresh runtime, never in the failed one',
    async () => {
      const b = workers.get(id)!;
      const { model, feeds, expected } = mnist();
      const wrong = wrongInput();
      const recycledBefore = b.recycled;
      const plan = { warmup: 0, iterations: 1 };
      // All three are in the worker's queue before the first has failed.
      const [bad, ok1, ok2] = await Promise.allSettled([
        b.measure(model, wrong, plan, {}),
        b.measure(model, feeds, plan, {}),
        b.measure(model, feeds, plan, {}),
      ]);
      expect(bad.status).toBe('rejected');
      expect(((bad as PromiseRejectedResult).reason as BackendStageError).stage).toBe('run');
      expect(b.recycled).toBe(recycledBefore + 1); // one replacement, before the queued ones ran
      for (const r of [ok1, ok2]) {
        expect(r.status, String((r as PromiseRejectedResult).reason)).toBe('fulfilled');
        expectMnistOutput((r as PromiseFulfilledResult<RunMeasurement>).value, expected);
      }
    },
    T,
  );

  it(
    'a refused model queued before a passing one: the passing one runs in the same runtime',
    async () => {
      const b = workers.get(id)!;
      const { model, feeds } = mnist();
      const recycledBefore = b.recycled;
      const pid = b.workerPid;
      const plan = { warmup: 0, iterations: 1 };
      const [refused, ok] = await Promise.allSettled([
        b.measure({ path: 'bad.onnx', bytes: new TextEncoder().encode('not an ONNX model') }, new Map(), plan, {}),
        b.measure(model, feeds, plan, {}),
      ]);
      expect(((refused as PromiseRejectedResult).reason as BackendStageError).stage).toBe('load');
      expect(ok.status, String((ok as PromiseRejectedResult).reason)).toBe('fulfilled');
      expect(b.recycled).toBe(recycledBefore);
      expect(b.workerPid).toBe(pid);
    },
    T,
  );
});

// A process kill in the middle of a measure, on the Node backends (a browser backend's crash relaunches Chromium: slow).
describe.each(['cpu', 'wasm'] as const)('a crash with measures queued, on %s', (id) => {
  it(
    'a worker killed while it runs one measure: that one is a run-error, the one queued behind it passes on a fresh runtime',
    async () => {
      const b = workers.get(id)!;
      const { model, feeds } = mnist();
      const running = b.measure(model, feeds, { warmup: 0, iterations: 100_000, maxDurationMs: 60_000 }, {});
      const queued = b.measure(model, feeds, { warmup: 0, iterations: 1 }, {});
      const pid = b.workerPid!;
      await new Promise((r) => setTimeout(r, 300));
      process.kill(pid, 'SIGKILL');
      const [killed, after] = await Promise.allSettled([running, queued]);
      expect(((killed as PromiseRejectedResult).reason as BackendStageError).stage).toBe('run');
      expect(String((killed as PromiseRejectedResult).reason)).toMatch(/killed by SIGKILL/);
      expect(after.status, String((after as PromiseRejectedResult).reason)).toBe('fulfilled');
      expect(b.workerPid).not.toBe(pid);
    },
    T,
  );

  it(
    'a measure that times out: the one queued behind it gets its own time limit, counted from its start, and passes',
    async () => {
      const b = workers.get(id)!;
      const { model, feeds } = mnist();
      // The first runs for up to 60 s but may take 2 s; the second, queued behind it, takes well under a second.
      const slow = b.measure(
        model,
        feeds,
        { warmup: 0, iterations: 1_000_000, maxDurationMs: 60_000 },
        { timeoutMs: 2000 },
      );
      const queued = b.measure(model, feeds, { warmup: 0, iterations: 1 }, { timeoutMs: 2000 });
      const [timedOut, after] = await Promise.allSettled([slow, queued]);
      expect(((timedOut as PromiseRejectedResult).reason as BackendStageError).stage).toBe('timeout');
      // Had its limit started when it was sent, it would have expired while the first one still ran.
      expect(after.status, String((after as PromiseRejectedResult).reason)).toBe('fulfilled');
    },
    T,
  );
});
