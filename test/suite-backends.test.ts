/**
 * The suite slice on every backend: every case one result, the same statuses for what does not
 * depend on the backend (input errors, unsupported types, several data sets, random ops), and the
 * runtime named in `unsupported`. Software WebGPU (SwiftShader) is slow: a smaller slice there.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseJsonOutput, runCli } from './helpers/cli.js';
import { makeSliceRoot, SLICE } from './helpers/suiteFixtures.js';
import { discoverCases } from '../src/suite/discover.js';
import type { VerifyRun } from '../src/verify/verify.js';

const env = { ORT_DISABLE_TELEMETRY: '1' };
const RUNTIME: Record<string, string> = {
  wasm: 'onnxruntime-web',
  webgpu: 'onnxruntime-node',
  'browser-wasm': 'onnxruntime-web',
  'browser-webgpu': 'onnxruntime-web',
};

describe.each([
  ['wasm', Infinity],
  ['browser-wasm', 1],
  ['webgpu', 2],
  ['browser-webgpu', 1],
] as const)('the suite slice on %s', (backend, perStatus) => {
  it('every case one result; backend-independent statuses hold; unsupported names the runtime', async () => {
    const root = makeSliceRoot(undefined, perStatus);
    const r = await runCli(
      ['verify', root, '--backend', backend, '--json', '--no-evidence', '--iterations', '1', '--warmup', '0'],
      { env, timeoutMs: 900_000 },
    );
    const run = parseJsonOutput<VerifyRun>(r);
    const status = run.backends.find((b) => b.id === backend)!;
    // An unavailable backend is a failure here, with its reason and fix: never a silent skip.
    expect(status.available, `${backend}: ${status.reason} (fix: ${status.fix})`).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    const ids = discoverCases(root)
      .cases.map((c) => c.id)
      .sort();
    expect(run.results.map((x) => x.model).sort()).toEqual(ids);
    const by = new Map(run.results.map((x) => [x.model, x]));
    expect(by.get('fixtures/broken-model')!.status).toBe('input-error');
    expect(by.get('fixtures/broken-data')!.status).toBe('input-error');
    expect(by.get('fixtures/run-error')!.status).toBe('run-error');
    expect(by.get('fixtures/multi-set-ok')!).toMatchObject({ status: 'pass', dataSets: 3 });
    expect(by.get('fixtures/multi-set-bad')!.reason).toMatch(/\(test_data_set_2\)/);
    for (const c of SLICE.unsupported!.slice(0, perStatus)) {
      const x = by.get(`node/${c}`)!;
      expect(x.status).toBe('unsupported');
      expect(x.reason).toContain(`are not supported by ${RUNTIME[backend]}'s API`);
    }
    expect(by.get('node/test_bernoulli')!.status).toBe('nondeterministic');
    expect(by.get('node/test_abs')!.status).toBe('pass');
    expect(join(root)).toBeTruthy();
  }, 900_000); // Chromium start-up and software WebGPU on a loaded 2-core machine: no tight limit
});
