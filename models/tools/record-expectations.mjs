#!/usr/bin/env node
// Records, in each bundled model's manifest, the outcome onnxruntime gives today where a historical
// export does not load: expected.status = load-error with onnxruntime's own reason. Input: the JSON
// of a cpu verify run, e.g.
//   node dist/cli.js verify --backend cpu --json --no-evidence > /tmp/run.json
//   node models/tools/record-expectations.mjs /tmp/run.json
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const versions = Object.fromEntries(
  run.backends
    .filter((b) => b.description)
    .map((b) => [b.id, `${b.description.runtime} ${b.description.runtimeVersion}`]),
);
let changed = 0;
for (const r of run.results) {
  if (r.backend !== 'cpu' || r.status !== 'load-error' || !r.path) continue;
  const manifestPath = join(r.path, '..', 'manifest.json');
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  m.expected = { status: 'load-error', reason: `${versions.cpu ?? 'onnxruntime'} refuses this export: ${r.reason}` };
  writeFileSync(manifestPath, `${JSON.stringify(m, null, 2)}\n`);
  changed++;
}
console.log(`recorded ${changed} expected load errors`);
