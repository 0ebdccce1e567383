#!/usr/bin/env node
/**
 * Stability of the headline number: the same bench (one model, one backend) repeated, and the
 * spread of its median across the repeats, (max - min) / median of the medians.
 * Prints the spread; asserts nothing.
 *
 *   node bench/stability.mjs [model] [--backend cpu] [--repeats 5] [--iterations 200] [--warmup 3] [--threads N]
 */
import { parseArgs } from 'node:util';
import { resolveTargets } from '../dist/models/catalog.js';
import { prepareTarget } from '../dist/verify/prepare.js';
import { bench } from '../dist/bench/bench.js';
import { parseBackends } from '../dist/commands/options.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'cpu' },
    repeats: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string' },
  },
});
const [backend] = parseBackends(values.backend);
const modelName = positionals[0] ?? 'caffe2/light-squeezenet';
const repeats = Number(values.repeats);
const plan = { warmup: Number(values.warmup), iterations: Number(values.iterations) };
const threads = values.threads ? Number(values.threads) : undefined;
const prepared = resolveTargets([modelName]).map((t) => prepareTarget(t));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(
  `stability: ${modelName} on ${backend}, ${repeats} bench runs × ${plan.iterations} timed runs (warm-up ${plan.warmup}), each in fresh workers, threads ${threads ?? 'runtime default'}`,
);
const medians = [];
for (let i = 0; i < repeats; i++) {
  const run = await bench(prepared, { backends: [backend], plan, flops: false, ...(threads ? { threads } : {}) });
  const r = run.results.find((x) => x.backend === backend);
  const s = r?.latency?.stats;
  if (!s)
    throw new Error(
      `run ${i + 1} failed on ${backend}: ${r?.status ?? 'backend unavailable'} ${r?.reason ?? run.backends.find((b) => b.id === backend)?.reason ?? ''}`,
    );
  medians.push(s.p50);
  const adapter = r.adapter.kind === 'software' ? ' [software WebGPU, not GPU]' : '';
  console.log(
    `run ${i + 1}: median ${s.p50.toFixed(4)} ms [95% CI ${s.medianCI95[0].toFixed(4)}, ${s.medianCI95[1].toFixed(4)}], n ${s.n}${adapter}`,
  );
}
const mid = median(medians);
const spread = (Math.max(...medians) - Math.min(...medians)) / mid;
console.log(
  `medians: min ${Math.min(...medians).toFixed(4)} ms, median ${mid.toFixed(4)} ms, max ${Math.max(...medians).toFixed(4)} ms`,
);
console.log(`(max-min)/median = ${(spread * 100).toFixed(2)}% (target <= 2%)`);
