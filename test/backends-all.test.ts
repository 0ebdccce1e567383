/**
 * The five backends end to end through the CLI: availability with adapters, small real models on
 * every backend (software WebGPU is slow, so only small ones), an unavailable browser, and a hang.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import type { VerifyRun } from '../src/verify/verify.js';
import type { BackendStatus } from '../src/verify/verify.js';
import { BACKEND_IDS } from '../src/backends/types.js';

describe('all backends', () => {
  it('backends lists five, each available, WebGPU adapters labelled software or hardware', async () => {
    const r = await runCli(['backends', '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const statuses = JSON.parse(r.stdout) as BackendStatus[];
    expect(statuses.map((s) => s.id)).toEqual([...BACKEND_IDS]);
    for (const s of statuses) {
      expect(s.available, `${s.id}: ${s.reason}`).toBe(true);
      expect(s.description?.runtimeVersion).toMatch(/^\d+\.\d+\.\d+/);
    }
    for (const id of ['webgpu', 'browser-webgpu']) {
      const kind = statuses.find((s) => s.id === id)!.description!.adapter.kind;
      expect(['software', 'hardware']).toContain(kind);
    }
    const table = await runCli(['backends'], { timeoutMs: 120_000 });
    if (statuses.some((s) => s.description?.adapter.kind === 'software'))
      expect(table.stdout).toMatch(/software \(not GPU\)/);
  });

  it('mnist-8, a Caffe2 graph and the Keras model verify on every backend, with adapter and versions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'all-backends-'));
    try {
      const r = await runCli(
        [
          'verify',
          'cntk/mnist-8',
          'caffe2/light-shufflenet',
          'tensorflow/keras-dense-tf2onnx',
          '--backend',
          'all',
          '--json',
          '-q',
          '--iterations',
          '2',
          '--evidence-dir',
          dir,
        ],
        { timeoutMs: 590_000 },
      );
      const run = JSON.parse(r.stdout) as VerifyRun;
      expect(r.code, r.stderr).toBe(0);
      expect(run.results).toHaveLength(15);
      for (const res of run.results) {
        expect(res.meetsExpectation, `${res.backend} ${res.model}: ${res.status} ${res.reason ?? ''}`).toBe(true);
        expect(['cpu', 'software', 'hardware']).toContain(res.adapter.kind);
      }
      const mnist = run.results.filter((x) => x.model === 'cntk/mnist-8');
      expect(mnist.map((x) => x.backend).sort()).toEqual([...BACKEND_IDS].sort());
      for (const x of mnist) {
        expect(x.status).toBe('pass');
        expect(x.referenceKind).toBe('exporter');
        if (x.backend !== 'cpu') expect(x.againstCpu?.ok).toBe(true);
      }
      expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000); // software WebGPU on a loaded 2-core machine: minutes, not seconds

  it('with CHROME_PATH pointing at nothing the browser backends are unavailable with the fix, and the others run', async () => {
    const r = await runCli(['verify', 'cntk/mnist-8', '--backend', 'all', '--json', '-q', '--no-evidence'], {
      env: { CHROME_PATH: '/nonexistent/chromium' },
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as VerifyRun;
    for (const id of ['browser-wasm', 'browser-webgpu']) {
      const s = run.backends.find((b) => b.id === id)!;
      expect(s.available).toBe(false);
      expect(s.fix).toMatch(/CHROME_PATH|apt-get install chromium/);
    }
    expect(run.results.map((x) => x.backend).sort()).toEqual(['cpu', 'wasm', 'webgpu']);
    expect(r.stderr).toMatch(/backend browser-wasm unavailable/);
    const only = await runCli(['verify', 'cntk/mnist-8', '--backend', 'browser-wasm', '--no-evidence'], {
      env: { CHROME_PATH: '/nonexistent/chromium' },
    });
    expect(only.code).toBe(2);
    expect(only.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a model that hangs the runtime is reported as timeout and the run goes on', async () => {
    const r = await runCli(
      [
        'verify',
        'test/fixtures/hang/forever.onnx',
        'cntk/mnist-8',
        '--backend',
        'cpu',
        '--timeout',
        '3',
        '--json',
        '-q',
        '--no-evidence',
      ],
      { timeoutMs: 60_000 },
    );
    const run = JSON.parse(r.stdout) as VerifyRun;
    expect(run.results.map((x) => x.status)).toEqual(['timeout', 'pass']);
    expect(run.results[0]!.reason).toMatch(/within 3 s/);
    expect(r.code).toBe(1); // the hang is not an expected outcome
  });
});
