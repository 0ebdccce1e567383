/**
 * The run path's pure parts: the one measuring loop's rules, the tolerance policy verify and bisect
 * share (WebGPU floor included), failure stages as statuses, which failures replace a runtime, and
 * moving unsafe graph input/output names out of onnxruntime's way.
 */
import { describe, expect, it } from 'vitest';
import { measureLoop, LoopStageError } from '../src/backends/measureLoop.js';
import { runtimeIo, isUnsafeName } from '../src/backends/ioNames.js';
import { statusFromFailure, toleranceBetween, toleranceFor, type TolerancePolicy } from '../src/verify/result.js';
import { BackendStageError } from '../src/backends/types.js';
import { isSuspectFailure } from '../src/isolation/workerBackend.js';
import { onnx } from '../src/onnx/proto.js';
import type { Tensor } from '../src/tensor/tensor.js';

function steps(runMs: number[], fail?: { create?: boolean; runAt?: number }) {
  let i = 0;
  const calls: string[] = [];
  return {
    calls,
    s: {
      create: async () => {
        calls.push('create');
        if (fail?.create) throw new Error('no session');
        return 'S';
      },
      run: async () => {
        const n = i++;
        calls.push(`run${n}`);
        if (fail?.runAt === n) throw 42; // a bare number, as onnxruntime-web's WASM can throw
        const until = performance.now() + (runMs[n] ?? runMs[runMs.length - 1]!);
        while (performance.now() < until) {
          /* busy */
        }
        return n;
      },
      read: async (first: number) => {
        calls.push('read');
        return first;
      },
      release: async () => {
        calls.push('release');
      },
    },
  };
}

describe('measureLoop', () => {
  it('times the session, one first run (its outputs are read), warm-up, then the timed runs', async () => {
    const { s, calls } = steps([1]);
    const r = await measureLoop(s, { warmup: 2, iterations: 3 });
    expect(calls).toEqual(['create', 'run0', 'read', 'run1', 'run2', 'run3', 'run4', 'run5', 'release']);
    expect(r.outputs).toBe(0);
    expect(r.timesMs).toHaveLength(3);
    expect(r.firstRunMs).toBeGreaterThan(0);
  });

  it('stops at the time budget, after at least one timed run, and skips warm-up when the first run exceeds the budget', async () => {
    const { s, calls } = steps([20, 5]);
    const r = await measureLoop(s, { warmup: 5, iterations: 1000, maxDurationMs: 10 });
    expect(calls.filter((c) => c.startsWith('run'))).toHaveLength(1 + r.timesMs.length); // no warm-up
    expect(r.timesMs.length).toBeGreaterThanOrEqual(1);
    expect(r.timesMs.length).toBeLessThan(10);
  });

  it('says which stage failed and always releases the session', async () => {
    const load = await measureLoop(steps([1], { create: true }).s, { warmup: 0, iterations: 1 }).catch(
      (e: unknown) => e,
    );
    expect(load).toBeInstanceOf(LoopStageError);
    expect((load as LoopStageError).stage).toBe('load');
    const t = steps([1], { runAt: 2 });
    const run = await measureLoop(t.s, { warmup: 1, iterations: 3 }).catch((e: unknown) => e);
    expect((run as LoopStageError).stage).toBe('run');
    expect((run as LoopStageError).message).toMatch(/bare number \(42\)/);
    expect(t.calls.at(-1)).toBe('release');
  });
});

describe('the tolerance policy', () => {
  const p: TolerancePolicy = { tolerance: { atol: 1e-5, rtol: 1e-4 }, backendTolerance: {} };
  it('gives WebGPU its floor, and bisect the looser of the two sides', () => {
    expect(toleranceFor(p, 'cpu')).toEqual({ atol: 1e-5, rtol: 1e-4 });
    expect(toleranceFor(p, 'browser-webgpu')).toEqual({ atol: 1e-3, rtol: 1e-2 });
    expect(toleranceBetween(p, 'webgpu', 'cpu')).toEqual({ atol: 1e-3, rtol: 1e-2 });
    expect(toleranceBetween(p, 'wasm', 'cpu')).toEqual({ atol: 1e-5, rtol: 1e-4 });
    expect(toleranceBetween(p, 'webgpu', 'cpu', { atol: 0.5 })).toEqual({ atol: 0.5, rtol: 1e-2 });
    expect(toleranceFor({ ...p, backendTolerance: { webgpu: { atol: 1e-6, rtol: 1e-6 } } }, 'webgpu')).toEqual({
      atol: 1e-6,
      rtol: 1e-6,
    });
  });
});

describe('failures', () => {
  it('map to statuses by stage', () => {
    expect(statusFromFailure(new BackendStageError('load', 'x')).status).toBe('load-error');
    expect(statusFromFailure(new BackendStageError('run', 'x')).status).toBe('run-error');
    expect(statusFromFailure(new BackendStageError('timeout', 'x')).status).toBe('timeout');
  });
  it('replace the runtime unless onnxruntime merely refused the file', () => {
    expect(isSuspectFailure(new BackendStageError('run', 'Got invalid dimensions'))).toBe(true);
    expect(isSuspectFailure(new BackendStageError('timeout', 'no answer'))).toBe(true);
    expect(isSuspectFailure(new BackendStageError('load', 'the cpu worker was killed by SIGSEGV'))).toBe(true);
    expect(isSuspectFailure(new BackendStageError('load', 'webgpu: failed to compile shader for node Conv_3'))).toBe(
      true,
    );
    expect(
      isSuspectFailure(new BackendStageError('load', 'Load model from memory failed:Protobuf parsing failed.')),
    ).toBe(false);
    expect(
      isSuspectFailure(
        new BackendStageError(
          'load',
          '/onnxruntime_src/onnxruntime/core/graph/model.cc:191 onnxruntime::Model::Model(onnx::ModelProto&&, ...) Unknown model file format version.',
        ),
      ),
    ).toBe(false);
    expect(
      isSuspectFailure(
        new BackendStageError(
          'load',
          "[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : Could not find an implementation for AveragePool(1) node with name ''",
        ),
      ),
    ).toBe(false);
  });
});

describe('unsafe graph names', () => {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } });
  const model = (inputs: string[], outputs: string[], node: { opType: string; input: string[]; output: string[] }[]) =>
    onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: 'g', node, input: inputs.map(vi), output: outputs.map(vi) },
    }).finish();
  const t: Tensor = { dtype: 'float32', dims: [1], data: new Float32Array([1]) };

  it("are Object.prototype's names", () => {
    for (const n of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(isUnsafeName(n)).toBe(true);
    for (const n of ['x', 'input_0', 'proto']) expect(isUnsafeName(n)).toBe(false);
  });

  it('leave a model without them untouched', async () => {
    const bytes = model(['x'], ['y'], [{ opType: 'Relu', input: ['x'], output: ['y'] }]);
    const io = await runtimeIo(bytes, new Map([['x', t]]));
    expect(io.bytes).toBe(bytes);
  });

  it('are moved behind Identity nodes, and the outputs mapped back', async () => {
    const bytes = model(
      ['__proto__'],
      ['constructor'],
      [{ opType: 'Relu', input: ['__proto__'], output: ['constructor'] }],
    );
    const io = await runtimeIo(bytes, new Map([['__proto__', t]]));
    const g = onnx.ModelProto.decode(io.bytes).graph!;
    expect(g.input!.map((v) => v.name)).toEqual(['owb_input_0']);
    expect(g.output!.map((v) => v.name)).toEqual(['owb_output_0']);
    expect(g.node!.map((n) => `${n.opType}(${n.input!.join(',')})->${n.output!.join(',')}`)).toEqual([
      'Identity(owb_input_0)->__proto__',
      'Relu(__proto__)->constructor',
      'Identity(constructor)->owb_output_0',
    ]);
    expect([...io.feeds.keys()]).toEqual(['owb_input_0']);
    expect([...io.restore(new Map([['owb_output_0', t]])).keys()]).toEqual(['constructor']);
  });
});
