import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './summaryReporter.js';

// Browser and WebGPU (software, SwiftShader) tests are slow on a 2-core machine, and several times slower
// when the machine is busy (a 120 s limit was missed at load 15): timeouts that only catch a real hang,
// and at most two test files at once.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    reporters: [new SummaryLineReporter(), 'default'],
    // Tests that load onnxruntime-node in their own process (not through a worker, which sets it
    // itself): its telemetry off, so it neither reports nor leaves an empty /tmp/mat-debug-<pid>.log.
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
