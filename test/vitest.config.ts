import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './summaryReporter.js';

// Browser and WebGPU (software, SwiftShader) tests are slow on a 2-core machine: generous timeouts,
// and at most two test files at once.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    reporters: [new SummaryLineReporter(), 'default'],
  },
});
