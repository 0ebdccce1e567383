/**
 * What the suite-overhead work added, each checked where it can fail: the measuring loop records
 * warm-up and session-release time (release is the runtime's, not the harness's), a run records
 * its cpu yardstick's runtime, and workers prestarted while a root is read are the ones the run
 * uses, and never keep a command alive that ends before its run.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureLoop } from '../src/backends/measureLoop.js';
import { verifyWith } from '../src/verify/verify.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { backendSetOf, prestartBackends, startBackends, dropPrestarted } from '../src/isolation/pool.js';
import type { Backend, BackendId, RunMeasurement } from '../src/backends/types.js';
import { NODE_ROOT, requireTestData } from './helpers/suiteFixtures.js';
import { repoRoot } from './helpers/cli.js';

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

describe('prestarted workers', () => {
  it('are the ones the run takes (one process start)', async () => {
    const early = prestartBackends(['cpu'], { timeoutMs: 300_000 });
    const set = await startBackends(['cpu'], { timeoutMs: 300_000 });
    try {
      expect(set.backends.get('cpu')).toBe(early[0]);
      expect(early[0]!.processStarts).toBe(1);
      expect(set.statuses[0]!.available).toBe(true);
    } finally {
      await set.close();
      await dropPrestarted();
    }
  }, 300_000);

  it('do not keep a process alive that ends before its run, and are stopped when it exits', async () => {
    const pool = pathToFileURL(join(repoRoot, 'dist', 'isolation', 'pool.js')).href;
    // The script prestarts a cpu worker (its check request in flight), prints its pid and returns:
    // it must exit by itself, with code 0 (not hang on the worker).
    const script = `
      const { prestartBackends } = await import(${JSON.stringify(pool)});
      const [b] = prestartBackends(['cpu'], { timeoutMs: 300000 });
      console.log(b.workerPid);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    // The exit hook stopped the worker with the process.
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        await sleep(100);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  }, 300_000);
});
