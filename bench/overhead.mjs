#!/usr/bin/env node
/**
 * Measurement overhead: the workbench's median latency (the normal bench path: verify(), a worker
 * process, timing inside the worker) against a minimal raw onnxruntime-node loop
 * (`await session.run(feeds)` between two performance.now() calls) in a forked Node process of the
 * same kind, with the same model, the same feeds, the same warm-up and iteration counts.
 * Rounds are interleaved (A B, B A, A B, ...) so drift in machine load cancels out.
 * Prints ratios; asserts nothing.
 *
 *   node bench/overhead.mjs [model] [--backend cpu] [--rounds 12] [--iterations 300] [--warmup 3] [--threads N]
 *
 * With the runtime's default thread count the runtime's threads fill both cores of a 2-core machine
 * and any other activity shows up as noise of a percent or two; `--threads 1` leaves a core free.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);

// ---- raw child: one fresh process per round, like the workbench's fresh worker per bench call ----
if (process.argv[2] === '--raw-child') {
  process.once('message', async ({ modelPath, feeds, warmup, iterations, threads }) => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.dtype, t.data, t.dims)]),
    );
    await session.run(ortFeeds); // first run
    for (let i = 0; i < warmup; i++) await session.run(ortFeeds);
    const times = [];
    for (let i = 0; i < iterations; i++) {
      const s = performance.now();
      await session.run(ortFeeds);
      times.push(performance.now() - s);
    }
    await session.release();
    process.send({ times }, () => process.exit(0));
  });
} else {
  await main();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function rawRound(p, warmup, iterations, threads) {
  return new Promise((resolve, reject) => {
    const child = fork(self, ['--raw-child'], {
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' }, // as the workbench's workers run it
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m.times));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code) reject(new Error(`raw child exited with ${code}`));
    });
    child.send({ modelPath: p.model.path, feeds: p.feeds, warmup, iterations, threads });
  });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      backend: { type: 'string', default: 'cpu' },
      rounds: { type: 'string', default: '12' },
      threads: { type: 'string' },
      iterations: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '3' },
    },
  });
  if (values.backend !== 'cpu')
    throw new Error("the raw loop uses onnxruntime-node's cpu provider: only --backend cpu is comparable");
  const modelName = positionals[0] ?? 'caffe2/light-squeezenet';
  const rounds = Number(values.rounds),
    iterations = Number(values.iterations),
    warmup = Number(values.warmup);
  const threads = values.threads ? Number(values.threads) : undefined;
  const { resolveTargets } = await import('../dist/models/catalog.js');
  const { prepareTarget } = await import('../dist/verify/prepare.js');
  const { bench } = await import('../dist/bench/bench.js');
  const [p] = resolveTargets([modelName]).map((t) => prepareTarget(t));

  const wbMedians = [],
    rawMedians = [];
  const workbenchRound = async () => {
    const run = await bench([p], {
      backends: ['cpu'],
      plan: { warmup, iterations },
      flops: false,
      ...(threads ? { threads } : {}),
    });
    const r = run.results[0];
    if (!r?.latency?.stats) throw new Error(`workbench run failed: ${r?.status} ${r?.reason ?? ''}`);
    return { median: r.latency.stats.p50, n: r.latency.stats.n };
  };
  console.log(
    `overhead: ${modelName} on cpu, ${rounds} interleaved rounds × ${iterations} timed runs (warm-up ${warmup}) per side, threads ${threads ?? 'runtime default'}`,
  );
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ['wb', 'raw'] : ['raw', 'wb'];
    const got = {};
    for (const side of order) {
      if (side === 'wb') got.wb = await workbenchRound();
      else got.raw = median(await rawRound(p, warmup, iterations, threads));
    }
    wbMedians.push(got.wb.median);
    rawMedians.push(got.raw);
    console.log(
      `round ${i + 1} (${order.join(' then ')}): workbench median ${got.wb.median.toFixed(4)} ms, raw median ${got.raw.toFixed(4)} ms, ratio ${(got.wb.median / got.raw).toFixed(4)}`,
    );
  }
  const ratios = wbMedians.map((w, i) => w / rawMedians[i]);
  console.log(
    `median of per-round ratios = ${median(ratios).toFixed(4)} (range ${Math.min(...ratios).toFixed(4)} to ${Math.max(...ratios).toFixed(4)})`,
  );
  console.log(
    `workbench median of medians ${median(wbMedians).toFixed(4)} ms, raw median of medians ${median(rawMedians).toFixed(4)} ms`,
  );
  console.log(`overhead ratio = ${(median(wbMedians) / median(rawMedians)).toFixed(4)} (target <= 1.01 on cpu)`);
}
