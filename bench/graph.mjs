#!/usr/bin/env node
/**
 * Big graphs: `inspect` of graphs of many small nodes, built on the spot (nothing is committed).
 * Builds chains of N Add nodes (each adding a one-element initializer-free input, so every node
 * has two inputs and one output, and names are all distinct) and prints, for each N, the wall and
 * CPU time of `inspect --json` in a fresh process, CPU microseconds per node, and peak RSS. Linear
 * time shows as a flat µs/node column.
 *
 *   node bench/graph.mjs [--nodes 250k,500k,1M] [--keep DIR]
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { header } from './protoHeader.mjs';
import { usageHook, runNode } from './measuredRun.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench/graph.mjs: build first (npm run build)');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const counts = opt('--nodes', '250k,500k,1M')
  .split(',')
  .map((s) => {
    const m = /^(\d+)([kM]?)$/.exec(s);
    if (!m) throw new Error(`--nodes ${s}: write e.g. 250k or 1M`);
    return Number(m[1]) * (m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1);
  });
const keep = opt('--keep', undefined);

/** x -> Add(x, b) -> Add(., b) -> ... N nodes; written node by node (a 1M-node graph is ~50 MB). */
function build(path, n) {
  const vi = (name) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } },
  });
  const head = onnx.GraphProto.encode({ name: 'adds', input: [vi('x'), vi('b')], output: [vi(`t${n}`)] }).finish();
  const nodes = [];
  let len = head.length;
  for (let i = 0; i < n; i++) {
    const node = onnx.NodeProto.encode({
      opType: 'Add',
      input: [i === 0 ? 'x' : `t${i}`, 'b'],
      output: [`t${i + 1}`],
      name: `add${i}`,
    }).finish();
    const h = header(1, node.length);
    nodes.push(h, node);
    len += h.length + node.length;
  }
  const model = onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'bench/graph.mjs',
    opsetImport: [{ domain: '', version: 17 }],
  }).finish();
  const fd = openSync(path, 'w');
  writeSync(fd, model);
  writeSync(fd, header(7, len));
  writeSync(fd, head);
  for (let i = 0; i < nodes.length; i += 4096) writeSync(fd, Buffer.concat(nodes.slice(i, i + 4096)));
  closeSync(fd);
}

const base = keep ?? mkdtempSync(join(tmpdir(), 'owb-graph-bench-'));
mkdirSync(base, { recursive: true });
const hookPath = usageHook(base);
const results = [];
try {
  for (const n of counts) {
    const path = join(base, `adds-${n}.onnx`);
    if (!existsSync(path)) build(path, n);
    const r = runNode(hookPath, [cli, 'inspect', '--json', path]);
    const wallMs = r.wall;
    const peak = r.peak;
    const cpuMs = r.cpu;
    if (r.status !== 0) console.error(`inspect failed (${r.status}): ${r.stderr.trim().split('\n')[0]}`);
    const row = { nodes: n, wallMs, cpuMs, peakBytes: peak, status: r.status };
    results.push(row);
    console.log(
      `${n} nodes: inspect wall ${(wallMs / 1000).toFixed(2)} s, CPU ${((cpuMs ?? NaN) / 1000).toFixed(2)} s = ${(((cpuMs ?? NaN) * 1000) / n).toFixed(2)} µs/node, peak ${((peak ?? NaN) / 1024 ** 2).toFixed(0)} MiB`,
    );
  }
  console.log(JSON.stringify({ bench: 'graph', results }));
} finally {
  if (!keep) rmSync(base, { recursive: true, force: true });
}
