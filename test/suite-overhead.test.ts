/**
 * What the suite-overhead work added, each checked where it can fail: the measuring loop records
 * warm-up and session-release time (release is the runtime's, not the harness's), and a run
 * records its cpu yardstick's runtime.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { measureLoop } from '../src/backends/measureLoop.js';
import { verifyWith } from '../src/verify/verify.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { backendSetOf } from '../src/isolation/pool.js';
import type { Backend, BackendId, RunMeasurement } from '../src/backends/types.js';
import { NODE_ROOT, requireTestData } from './helpers/suiteFixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the measuring loop', () => {
  it('records warm-up runs and the session release as their own times', async () => {
    let runs = 0;
    const r = await measureLoop(
      {
        create: async () => ({}),
        run: async () => {
          runs++;
          await sleep(2);
        },
        read: async () => 'out',
        release: async () => {
          await sleep(30);
        },
      },
      { warmup: 3, iterations: 2, maxDurationMs: 60_000 },
    );
    expect(runs).toBe(1 + 3 + 2);
    expect(r.warmupRuns).toBe(3);
    expect(r.warmupMs).toBeGreaterThanOrEqual(5); // three runs of at least 2 ms
    expect(r.timesMs).toHaveLength(2);
    expect(r.sessionReleaseMs).toBeGreaterThanOrEqual(25); // the release's own 30 ms sleep
  });
});

function fakeBackend(id: BackendId, m: Omit<RunMeasurement, 'outputs'>, outputs: RunMeasurement['outputs']): Backend {
  return {
    id,
    title: id,
    checkAvailable: async () => ({ available: true }),
    describe: async () => ({
      backend: id,
      runtime: 'fake',
      runtimeVersion: '0',
      executionProvider: id,
      adapter: { kind: 'cpu' },
    }),
    measure: async () => ({ ...m, outputs: new Map(outputs) }),
    close: async () => {},
  };
}

describe('the cpu yardstick', () => {
  it("is recorded with its runtime when cpu only ran to compare another backend's outputs", async () => {
    requireTestData();
    const p = prepareTarget({ id: 'test_abs', modelPath: join(NODE_ROOT, 'test_abs', 'model.onnx') });
    const outputs = p.reference!;
    const times = { sessionCreateMs: 5, firstRunMs: 2, timesMs: [], warmupMs: 0, warmupRuns: 0, sessionReleaseMs: 3 };
    const set = await backendSetOf([
      fakeBackend('cpu', times, outputs),
      fakeBackend('wasm', { ...times, timesMs: [1, 1] }, outputs),
    ]);
    const run = await verifyWith([p], set, { backends: ['wasm'], plan: { warmup: 0, iterations: 2 } });
    expect(run.results.map((r) => `${r.backend} ${r.status}`)).toEqual(['wasm pass']);
    expect(run.yardstick).toEqual({ backend: 'cpu', models: 1, runtimeMs: 10 });
    expect(run.results[0]!.latency).toMatchObject({ sessionReleaseMs: 3, warmupMs: 0, warmupRuns: 0 });
    // A cpu run reports cpu: no yardstick (and a backend neither reported nor the yardstick does not run).
    const alone = await verifyWith([p], set, { backends: ['cpu'], plan: { warmup: 0, iterations: 1 } });
    expect(alone.yardstick).toBeUndefined();
  });
});

describe('the cpu yardstick alongside the reported pass (overlap)', () => {
  /** A backend whose answer for each case comes after `delayMs(model)`, with outputs `outputsOf(model)`, or a failure. */
  function delayed(
    id: BackendId,
    delayMs: (path: string) => number,
    outputsOf: (path: string) => RunMeasurement['outputs'] | Error,
    seen: string[],
  ): Backend {
    const base = fakeBackend(id, { sessionCreateMs: 1, firstRunMs: 1, timesMs: [1] }, new Map());
    return {
      ...base,
      measure: async (model) => {
        seen.push(`${id} start ${model.path}`);
        await sleep(delayMs(model.path));
        seen.push(`${id} end ${model.path}`);
        const out = outputsOf(model.path);
        if (out instanceof Error) throw out;
        return { sessionCreateMs: 1, firstRunMs: 1, timesMs: [1], outputs: new Map(out) };
      },
    };
  }

  it("judges each case against cpu's outputs of that case, though cpu answers later, and runs the passes at the same time", async () => {
    requireTestData();
    const ids = ['test_abs', 'test_neg', 'test_relu'];
    const ps = ids.map((id) => prepareTarget({ id, modelPath: join(NODE_ROOT, id, 'model.onnx') }));
    const refOf = (path: string) => ps.find((p) => p.model.path === path)!.reference!;
    // cpu is slow on the first case and gives test_neg a wrong output: the wasm result of test_neg
    // (its own outputs right) must be the one that disagrees with cpu, and no other.
    const wrong = (path: string) => {
      const ref = refOf(path);
      if (!path.includes('test_neg')) return ref;
      const [name, t] = [...ref][0]!;
      const data = Float32Array.from(t.data as Float32Array, (v) => v + 1);
      return new Map([[name, { ...t, data }]]);
    };
    const seen: string[] = [];
    const set = await backendSetOf([
      delayed('cpu', (p) => (p.includes('test_abs') ? 150 : 5), wrong, seen),
      delayed('wasm', () => 5, refOf, seen),
    ]);
    const run = await verifyWith(ps, set, { backends: ['wasm'], plan: { warmup: 0, iterations: 1 }, overlap: true });
    expect(run.results.map((r) => `${r.model} ${r.status} ${r.againstCpu?.ok}`)).toEqual([
      'test_abs pass true',
      'test_neg pass false',
      'test_relu pass true',
    ]);
    expect(run.yardstick?.models).toBe(3);
    // wasm started its first case before cpu finished its first one: the passes overlapped.
    expect(seen.indexOf('wasm start ' + ps[0]!.model.path)).toBeLessThan(seen.indexOf('cpu end ' + ps[0]!.model.path));
    // Without overlap, cpu's pass comes first, whole; the statuses are the same.
    const seq: string[] = [];
    const set2 = await backendSetOf([delayed('cpu', () => 5, wrong, seq), delayed('wasm', () => 5, refOf, seq)]);
    const run2 = await verifyWith(ps, set2, { backends: ['wasm'], plan: { warmup: 0, iterations: 1 } });
    expect(run2.results.map((r) => `${r.model} ${r.status} ${r.againstCpu?.ok}`)).toEqual(
      run.results.map((r) => `${r.model} ${r.status} ${r.againstCpu?.ok}`),
    );
    expect(seq.findIndex((s) => s.startsWith('wasm'))).toBe(2 * ps.length);
  });

  it('a case cpu fails on has no comparison with cpu; the other cases still have one', async () => {
    requireTestData();
    const ids = ['test_abs', 'test_neg'];
    const ps = ids.map((id) => prepareTarget({ id, modelPath: join(NODE_ROOT, id, 'model.onnx') }));
    const refOf = (path: string) => ps.find((p) => p.model.path === path)!.reference!;
    const seen: string[] = [];
    const set = await backendSetOf([
      delayed(
        'cpu',
        () => 5,
        (p) => (p.includes('test_abs') ? new Error('cpu refused it') : refOf(p)),
        seen,
      ),
      delayed('wasm', () => 5, refOf, seen),
    ]);
    const run = await verifyWith(ps, set, { backends: ['wasm'], plan: { warmup: 0, iterations: 1 }, overlap: true });
    expect(
      run.results.map((r) => `${r.model} ${r.status} ${r.againstCpu === undefined ? 'none' : r.againstCpu.ok}`),
    ).toEqual(['test_abs pass none', 'test_neg pass true']);
  });
});

describe('backends started before the cases are found', () => {
  it('abandoned once up, they start nothing more: no process for describe, none for a check', async () => {
    const { startBackendsEarly, WorkerBackend } = await import('../src/isolation/pool.js');
    const starting = startBackendsEarly(['cpu']);
    const set = await starting.set;
    const cpu = set.backends.get('cpu') as InstanceType<typeof WorkerBackend>;
    expect(cpu.workerPid).toBeDefined();
    starting.abandon();
    expect(cpu.workerPid).toBeUndefined();
    const starts = cpu.processStarts;
    // A fresh handle abandoned before its first request never starts a process either.
    const never = new WorkerBackend('cpu', 'cpu');
    never.abandon();
    expect((await never.checkAvailable()).available).toBe(false);
    await expect(never.describe()).rejects.toThrow(/closed/);
    expect(never.processStarts).toBe(0);
    expect(cpu.processStarts).toBe(starts);
    await set.close();
  });
});
