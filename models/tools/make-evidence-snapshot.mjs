#!/usr/bin/env node
// Makes the evidence snapshot shipped with the package (models/evidence/shipped-snapshot.json): every
// bundled model on the cpu and wasm backends, as one ordinary evidence record, stripped of what
// refresh, report and frameworks do not read (per-output comparison details, machine paths) to stay
// small. `refresh`, `report` and `frameworks` use it, labelled as shipped, when the user's evidence
// folder holds no record. The record keeps the machine it ran on and its date.
// Usage (after npm run build): ORT_DISABLE_TELEMETRY=1 node models/tools/make-evidence-snapshot.mjs [out.json]
import { writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCatalog } from '../../dist/models/catalog.js';
import { prepareTarget } from '../../dist/verify/prepare.js';
import { verify } from '../../dist/verify/verify.js';
import { makeRecord, validateEvidence } from '../../dist/evidence/store.js';

process.env.ORT_DISABLE_TELEMETRY = '1';
const out = resolve(process.argv[2] ?? join(import.meta.dirname, '../evidence/shipped-snapshot.json'));
const catalog = loadCatalog().filter((e) => !e.manifest.id.startsWith('zoo/'));
const prepared = catalog.map((e) =>
  prepareTarget({ id: e.manifest.id, modelPath: e.modelPath, manifest: e.manifest, dir: e.dir }),
);
const started = Date.now();
const run = await verify(prepared, {
  backends: ['cpu', 'wasm'],
  plan: { warmup: 1, iterations: 5, maxDurationMs: 500 },
  onEvent: (e) => {
    if (e.type === 'result')
      process.stderr.write(`[${e.index}/${e.total}] ${e.result.backend} ${e.result.model}: ${e.result.status}\n`);
  },
});
// Per output: name, verdict and the largest errors (the full comparison holds much more).
const strip = (c) => ({
  ok: c.ok,
  missing: c.missing,
  outputs: c.outputs.map((o) => ({
    name: o.name,
    ok: o.ok,
    maxAbsError: o.maxAbsError,
    maxRelError: o.maxRelError,
    ...(o.problem ? { problem: o.problem } : {}),
  })),
});
const results = run.results.map((r) => {
  const { path: _path, comparison, againstCpu, placement: _placement, ...rest } = r;
  return {
    ...rest,
    path: r.model,
    ...(comparison ? { comparison: strip(comparison) } : {}),
    ...(againstCpu ? { againstCpu: strip(againstCpu) } : {}),
    ...(r.latency
      ? {
          latency: {
            sessionCreateMs: r.latency.sessionCreateMs,
            firstRunMs: r.latency.firstRunMs,
            stats: r.latency.stats,
          },
        }
      : {}),
  };
});
const record = makeRecord('verify', run.machine, run.backends, results);
validateEvidence(record, out);
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, `${JSON.stringify(record)}\n`);
renameSync(tmp, out);
const bad = run.results.filter((r) => !r.meetsExpectation).map((r) => `${r.backend} ${r.model}: ${r.status}`);
console.log(
  `${out}: ${results.length} results of ${catalog.length} models on cpu, wasm in ${((Date.now() - started) / 1000).toFixed(0)} s; ${bad.length} not as expected${bad.length ? `: ${bad.join('; ')}` : ''}`,
);
