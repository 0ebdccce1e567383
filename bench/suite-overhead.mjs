#!/usr/bin/env node
/**
 * The harness's share of a suite run: `onnx-workbench verify <root> --backend B` over a whole test
 * data root (default: Debian's libonnx-testdata node/, 932 cases), one process per backend, as a
 * user runs it. Per backend it prints the wall time and
 *
 *   harness share = 1 - (session creation + first run + warm-up + timed runs) / wall
 *
 * where the runtime's part is summed over every result from what the results record. Warm-up runs
 * are not timed one by one, so the run uses --warmup 0 (the sum is then exact), the default
 * 10 timed runs and the default 1 s budget. It also times reading the root (discovery, model parse,
 * validation, hash, reference data) in this process, to say where the harness's share goes.
 * Asserts nothing.
 *
 *   node bench/suite-overhead.mjs [--root DIR] [--backend cpu,wasm,...] [--filter PATTERN] [--iterations N] [--save DIR]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { discoverCases } from '../dist/suite/discover.js';
import { prepareCases } from '../dist/suite/prepareCases.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '/usr/share/libonnx-testdata/data/node' },
    backend: { type: 'string', default: 'cpu,wasm,webgpu,browser-wasm,browser-webgpu' },
    filter: { type: 'string' },
    iterations: { type: 'string', default: '10' },
    /** Keep each backend's verify --json output here (DIR/<backend>.json). */
    save: { type: 'string' },
  },
});
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x) => `${(100 * x).toFixed(1)}%`;

// Reading the root: what every run pays before any backend starts.
const t0 = performance.now();
const found = discoverCases(values.root, values.filter);
const t1 = performance.now();
const { prepared, failures } = prepareCases(found.cases, { seed: 0 });
const t2 = performance.now();
console.log(
  `root ${values.root}${values.filter ? ` (--filter ${values.filter})` : ''}: ${found.cases.length} cases (${found.skipped.length} skipped); discovery ${sec(t1 - t0)}, reading models and data ${sec(t2 - t1)} (${prepared.length} prepared, ${failures.length} input errors)`,
);

function runVerify(backend) {
  const args = [
    cli,
    'verify',
    values.root,
    '--backend',
    backend,
    '--json',
    '--no-evidence',
    '--warmup',
    '0',
    '--iterations',
    values.iterations,
  ];
  if (values.filter) args.push('--filter', values.filter);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - started;
      if (values.save) {
        mkdirSync(values.save, { recursive: true });
        writeFileSync(join(values.save, `${backend}.json`), out);
      }
      try {
        resolve({ code, wall, run: JSON.parse(out) });
      } catch {
        reject(new Error(`${backend}: exit ${code}, no JSON: ${err.slice(-500)}`));
      }
    });
  });
}

const rows = [];
for (const backend of values.backend
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)) {
  process.stderr.write(`running ${backend} ...\n`);
  const { code, wall, run } = await runVerify(backend);
  const mine = run.results.filter((r) => r.backend === backend);
  let runtime = 0;
  for (const r of mine) {
    const l = r.latency;
    if (!l) continue;
    runtime += l.sessionCreateMs + l.firstRunMs + (l.stats ? l.stats.mean * l.stats.n : 0);
  }
  const counts = {};
  for (const r of mine) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const b = run.backends.find((x) => x.id === backend);
  rows.push({
    backend,
    code,
    wall,
    runtime,
    results: mine.length,
    counts,
    adapter: b?.description?.adapter?.kind ?? (b?.available ? '?' : `unavailable: ${b?.reason}`),
  });
  const row = rows.at(-1);
  console.log(
    `${backend}: wall ${sec(wall)}, runtime ${sec(runtime)}, harness share ${pct(1 - runtime / wall)}; ${row.results} results (${Object.entries(
      counts,
    )
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}); adapter ${row.adapter}; exit ${code}`,
  );
}

console.log('\n| backend | results | wall | runtime (session + first + timed) | harness share |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.backend} | ${r.results} | ${sec(r.wall)} | ${sec(r.runtime)} | ${pct(1 - r.runtime / r.wall)} |`);
