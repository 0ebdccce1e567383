#!/usr/bin/env node
/**
 * What replacing a suspect runtime costs (needs a build: it imports dist/).
 *
 *   node bench/recycle.mjs [model] [--backend cpu,wasm,browser-wasm] [--rounds 3] [--after-failure] [--pause MS]
 *
 * After a failure that can leave a runtime in a bad state (a run error, a timeout, a crash, a load
 * error from a kernel) the workbench replaces the worker process, so the next model starts in a
 * fresh runtime (isolation/workerBackend.ts). For each backend this times one measure of `model`
 * (default cntk/mnist-8, one run, no warm-up) in a warm worker and one right after `recycle()`,
 * alternating, and prints the medians and their difference: the price of one replacement. With
 * --after-failure the replacement comes from a failing run (a wrong input shape), as in verify:
 * a browser backend then opens a fresh page in its Chromium instead of being relaunched.
 */
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu,wasm,browser-wasm' },
    rounds: { type: 'string', default: '3' },
    // Replace the runtime the way verify does, through a failing run (a wrong input shape), instead
    // of recycle(): a browser backend then opens a fresh page rather than relaunching Chromium.
    'after-failure': { type: 'boolean', default: false },
    // Milliseconds of other work between rounds, as between two failing cases of a suite: a backend
    // that opens its next runtime ahead (a spare worker, a browser page) has it ready by then.
    pause: { type: 'string', default: '0' },
  },
  allowPositionals: true,
});
const { resolveTargets, prepareTarget, isolatedBackends, backendSetOf } = await import('../dist/index.js');
const { modelInput } = await import('../dist/verify/verify.js');
const model = positionals[0] ?? 'cntk/mnist-8';
const p = prepareTarget(resolveTargets([model])[0]);
const rounds = Number(opts.rounds);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const plan = { warmup: 0, iterations: 1 };

for (const id of opts.backend.split(',')) {
  const set = await backendSetOf(isolatedBackends([id]));
  const b = set.backends.get(id);
  if (!b) {
    console.log(`${id}: unavailable (${set.statuses[0].reason})`);
    continue;
  }
  try {
    await b.measure(modelInput(p), p.feeds, plan, {}); // first start, not counted
    const warm = [];
    const fresh = [];
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      await b.measure(modelInput(p), p.feeds, plan, {});
      warm.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, Number(opts.pause)));
      if (opts['after-failure']) {
        const [[name, x]] = [...p.feeds];
        const wrong = new Map([
          [
            name,
            {
              ...x,
              dims: [...x.dims.slice(0, -1), x.dims.at(-1) - 1],
              data: x.data.slice(0, x.data.length - x.data.length / x.dims.at(-1)),
            },
          ],
        ]);
        await b.measure(modelInput(p), wrong, plan, {}).then(
          () => {
            throw new Error('the wrong input did not fail');
          },
          () => undefined,
        );
      } else await b.recycle();
      t = performance.now();
      await b.measure(modelInput(p), p.feeds, plan, {});
      fresh.push(performance.now() - t);
    }
    const w = median(warm);
    const f = median(fresh);
    console.log(
      `${id}: warm ${w.toFixed(0)} ms, after a replacement ${f.toFixed(0)} ms: one replacement costs ${(f - w).toFixed(0)} ms (${(f / w).toFixed(1)}x), ${rounds} rounds${Number(opts.pause) ? `, ${opts.pause} ms apart` : ''}`,
    );
  } finally {
    await set.close();
  }
}
