#!/usr/bin/env node
/**
 * Does any status of a suite run depend on what ran before it? One `verify <root> --backend B`
 * over the whole root (or its saved --json output, --from FILE), then the cases whose status could
 * depend on earlier ones run again one per process (`verify <root> --filter <that case>`):
 *
 *   - every case that ran and did not pass (load-error, run-error, timeout, crash, mismatch,
 *     nondeterministic): a failure inherited from a runtime left in a bad state shows here;
 *   - the case run right after each of those (in the run's order): what a bad state would hit first;
 *   - --sample N passes chosen at random (--seed S): a sanity check of the rest.
 *
 * `unsupported` and `input-error` are decided before anything runs, so they are not re-run.
 * Prints each case whose status alone differs from its status in the run, and the counts;
 * exit 1 when any differs. Latencies are not compared (a case alone pays a cold start).
 *
 * --statuses S,T re-runs only the failures of those statuses (and the cases after them): on the
 * browser backends, where a case alone costs a browser start, `run-error` is the one that matters most.
 *
 *   node bench/suite-alone.mjs --root DIR --backend B [--from FILE] [--sample 20] [--seed 1]
 *                              [--statuses run-error,...] [--save FILE]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { runNode } from './measuredRun.mjs';
import { seededRandom } from '../dist/data/reference.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '/usr/share/libonnx-testdata/data/node' },
    backend: { type: 'string', default: 'cpu' },
    /** A saved `verify <root> --backend B --json` output to start from, instead of running it. */
    from: { type: 'string' },
    sample: { type: 'string', default: '20' },
    /** Re-run the failures of these statuses only (default: every status but pass). */
    statuses: { type: 'string' },
    seed: { type: 'string', default: '1' },
    /** Keep the whole run's JSON here. */
    save: { type: 'string' },
  },
});
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const backend = values.backend;
if (backend.includes(',')) throw new Error('--backend takes one backend');

/** One `verify <root> ... --json` run, its JSON output (runNode: one child, its output kept whole). */
function verify(args) {
  const r = runNode(undefined, [
    cli,
    'verify',
    values.root,
    ...args,
    '--backend',
    backend,
    '--json',
    '--no-evidence',
    '--warmup',
    '0',
  ]);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`verify ${args.join(' ')} exited ${r.status} without JSON: ${r.stderr.trim().split('\n').pop()}`);
  }
}

const t0 = performance.now();
const run = values.from ? JSON.parse(readFileSync(values.from, 'utf8')) : verify([]);
if (values.save) writeFileSync(values.save, JSON.stringify(run));
const results = run.results.filter((r) => r.backend === backend);
console.log(
  `${backend}: ${results.length} results in the whole-root run${values.from ? ` (${values.from})` : ` (${((performance.now() - t0) / 1000).toFixed(1)} s)`}`,
);

// The workbench's seeded PRNG: the same --seed picks the same passes.
const random = seededRandom(Number(values.seed));

const decidedBeforeRunning = new Set(['unsupported', 'input-error']);
const chosen = new Map(); // case id -> why
const ran = results.filter((r) => !decidedBeforeRunning.has(r.status));
const wanted = values.statuses ? new Set(values.statuses.split(',')) : undefined;
ran.forEach((r, i) => {
  if (r.status === 'pass' || (wanted && !wanted.has(r.status))) return;
  chosen.set(r.model, r.status);
  const next = ran[i + 1];
  if (next && !chosen.has(next.model)) chosen.set(next.model, `after ${r.model}`);
});
const passes = ran.filter((r) => r.status === 'pass' && !chosen.has(r.model));
for (let k = 0; k < Number(values.sample) && passes.length; k++) {
  const [r] = passes.splice(Math.floor(random() * passes.length), 1);
  chosen.set(r.model, 'sampled pass');
}
console.log(`running ${chosen.size} cases one per process ...`);

const inRun = new Map(results.map((r) => [r.model, r]));
const differ = [];
let done = 0;
const t1 = performance.now();
for (const [id, why] of chosen) {
  // An exact match: a pattern with a wildcard is anchored (`test_ab?` is test_abs and not test_abs_x).
  const pattern = id.slice(0, -1) + '?';
  const alone = verify(['--filter', pattern]).results.filter((r) => r.model === id && r.backend === backend);
  const a = alone[0];
  const w = inRun.get(id);
  if (alone.length !== 1) differ.push(`${id}: ${alone.length} results alone`);
  else if (a.status !== w.status)
    differ.push(
      `${id} (${why}): ${w.status} in the run, ${a.status} alone: ${String(a.reason ?? w.reason ?? '').slice(0, 160)}`,
    );
  if (++done % 25 === 0) console.log(`  ${done}/${chosen.size}`);
}
const counts = {};
for (const why of chosen.values()) {
  const k = why.startsWith('after ') ? 'after a failure' : why;
  counts[k] = (counts[k] ?? 0) + 1;
}
console.log(
  `${backend}: ${chosen.size - differ.length} of ${chosen.size} the same alone as in the run (${Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')}) in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
);
for (const d of differ) console.log(`  differs: ${d}`);
process.exitCode = differ.length ? 1 : 0;
