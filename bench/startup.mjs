#!/usr/bin/env node
/**
 * CLI start-up: wall time of `node dist/cli.js --help` against `node -e 0` (bare Node start-up),
 * interleaved over N runs each; prints both medians, the ratio and the difference. Asserts nothing.
 *
 *   node bench/startup.mjs [--runs 20]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function wall(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

wall(['-e', '0']);
wall([cli, '--help']); // warm the file cache
const base = [],
  help = [];
for (let i = 0; i < runs; i++) {
  if (i % 2 === 0) {
    base.push(wall(['-e', '0']));
    help.push(wall([cli, '--help']));
  } else {
    help.push(wall([cli, '--help']));
    base.push(wall(['-e', '0']));
  }
}
const b = median(base),
  h = median(help);
console.log(`startup: ${runs} interleaved runs each, node ${process.version}`);
console.log(`node -e 0:            median ${b.toFixed(1)} ms (min ${Math.min(...base).toFixed(1)})`);
console.log(`node dist/cli.js --help: median ${h.toFixed(1)} ms (min ${Math.min(...help).toFixed(1)})`);
console.log(`ratio = ${(h / b).toFixed(2)}, CLI cost above bare node = ${(h - b).toFixed(1)} ms`);
