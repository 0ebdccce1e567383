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
