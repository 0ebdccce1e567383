#!/usr/bin/env node
/**
 * Large models: `inspect` and `verify --backend cpu` on models built on the spot (nothing large is
 * committed). Builds, in a temporary folder, MatMul chains of 256 MiB and 1 GiB in one file and of
 * 3 GiB with external data (one 3 GiB weights file, so offsets pass 2 GiB), then prints for each:
 *
 *   inspect  wall / bare sha256 of the same bytes, main-process peak RSS / model size
 *   verify   wall / bare sha256, main-process peak RSS / model size,
 *            worker peak RSS / a bare onnxruntime-node session's peak RSS on the same file
 *
 * Targets (issue 18): inspect wall ≤ 1.5x the hash floor and main peak < 300 MB at every size;
 * verify main peak < 500 MB, worker peak ≤ 1.2x bare onnxruntime.
 *
 *   node bench/large.mjs [--sizes 256M,1G,3G] [--rounds 1] [--keep DIR] [--skip-verify]
 *
 * With --rounds N > 1 each size also gets the median of its rounds' inspect ratios (wall and CPU).
 *
 * Peak RSS of a child process is its `ru_maxrss`, printed at exit by a `--require`d hook; the
 * worker's comes from the verify result (`peakRssBytes`, VmHWM reset before the model). Needs about
 * 2x the largest model in free disk under the temp folder, and memory for one onnxruntime session.
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, mkdirSync, openSync, readSync, rmSync, writeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { header } from './protoHeader.mjs';
import { usageHook, runNode } from './measuredRun.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench/large.mjs: build first (npx tsc -p tsconfig.json)');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = opt('--sizes', '256M,1G,3G').split(',');
const rounds = Number(opt('--rounds', '1'));
const keep = opt('--keep', undefined);
const skipVerify = args.includes('--skip-verify');

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const WIDTH = 2048; // a [2048, 2048] float32 weight is 16 MiB
const LAYER = WIDTH * WIDTH * 4;
const parseSize = (s) => {
  const m = /^(\d+)([MG])$/.exec(s);
  if (!m) throw new Error(`size ${s}: write e.g. 256M or 3G`);
  return Number(m[1]) * (m[2] === 'G' ? GiB : MiB);
};

// One layer's worth of small random floats (±0.008..0.016), reused for every layer.
const pattern = Buffer.allocUnsafe(LAYER);
randomFillSync(pattern);
for (let i = 3; i < pattern.length; i += 4) pattern[i] = (pattern[i] & 0x80) | 0x3c;

/**
 * Write a MatMul chain of `layers` [WIDTH, WIDTH] weights. Single file: raw_data streamed into the
 * model file. External: one weights file, each tensor's location/offset/length pointing into it.
 */
function buildModel(dir, layers, external) {
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, 'model.onnx');
  const nodes = [];
  let prev = 'x';
  for (let i = 0; i < layers; i++) {
    nodes.push({ opType: 'MatMul', input: [prev, `W${i}`], output: [`y${i}`], name: `mm${i}` });
    prev = `y${i}`;
  }
  const vi = (name) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: WIDTH }] } } },
  });
  const graphHead = onnx.GraphProto.encode({
    name: 'chain',
    node: nodes,
    input: [vi('x')],
    output: [vi(prev)],
  }).finish();
  const tensorMeta = (i) =>
    external
      ? onnx.TensorProto.encode({
          name: `W${i}`,
          dims: [WIDTH, WIDTH],
          dataType: 1,
          dataLocation: 1,
          externalData: [
            { key: 'location', value: 'weights.bin' },
            { key: 'offset', value: String(i * LAYER) },
            { key: 'length', value: String(LAYER) },
          ],
        }).finish()
      : Buffer.concat([
          onnx.TensorProto.encode({ name: `W${i}`, dims: [WIDTH, WIDTH], dataType: 1 }).finish(),
          header(9, LAYER),
        ]);
  const inits = [];
  let graphLen = graphHead.length;
  for (let i = 0; i < layers; i++) {
    const meta = tensorMeta(i);
    const tensorLen = meta.length + (external ? 0 : LAYER);
    inits.push({ meta, tensorLen });
    graphLen += header(5, tensorLen).length + tensorLen;
  }
  const modelHead = onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'bench/large.mjs',
    opsetImport: [{ domain: '', version: 17 }],
  }).finish();
  const fd = openSync(modelPath, 'w');
  writeSync(fd, modelHead);
  writeSync(fd, header(7, graphLen));
  writeSync(fd, graphHead);
  const wfd = external ? openSync(join(dir, 'weights.bin'), 'w') : undefined;
  for (const { meta, tensorLen } of inits) {
    writeSync(fd, header(5, tensorLen));
    writeSync(fd, meta);
    writeSync(wfd ?? fd, pattern);
  }
  closeSync(fd);
  if (wfd !== undefined) closeSync(wfd);
  return { modelPath, files: external ? [modelPath, join(dir, 'weights.bin')] : [modelPath], bytes: layers * LAYER };
}

/** The floor: sha256 of every byte of the model's files, 4 MiB reads, in a fresh process. */
const hashScript = `
const { createHash } = require('crypto'); const fs = require('fs');
const buf = Buffer.allocUnsafe(4 << 20);
for (const f of process.argv.slice(1)) { const fd = fs.openSync(f, 'r'); const h = createHash('sha256'); let n, at = 0;
  while ((n = fs.readSync(fd, buf, 0, buf.length, at)) > 0) { h.update(buf.subarray(0, n)); at += n; } fs.closeSync(fd); console.log(h.digest('hex')); }`;

/** A bare onnxruntime-node session on the same file: create, run once, report peak RSS. */
const bareScript = (width) => `
const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
(async () => { const s = await ort.InferenceSession.create(process.argv[1], { executionProviders: ['cpu'] });
  const x = new ort.Tensor('float32', new Float32Array(${width}).fill(0.5), [1, ${width}]);
  await s.run({ [s.inputNames[0]]: x }); await s.release(); })().catch((e) => { console.error(e.message); process.exit(1); });`;

const fmtB = (b) => (b === undefined ? '?' : b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(0)} MiB`);
const ratio = (a, b) => (a === undefined || b === undefined ? '?' : (a / b).toFixed(2));

const base = keep ?? mkdtempSync(join(tmpdir(), 'owb-large-bench-'));
mkdirSync(base, { recursive: true });
const hookPath = usageHook(base);
const results = [];
try {
  for (const size of sizes) {
    const bytes = parseSize(size);
    // Over protobuf's 2 GiB a model must keep its weights outside: external data (one file).
    const external = bytes > 2 * GiB - 64 * MiB;
    const layers = Math.max(1, Math.round(bytes / LAYER));
    const dir = join(base, `chain-${size}${external ? '-external' : ''}`);
    const t0 = performance.now();
    const m = existsSync(join(dir, 'model.onnx'))
      ? {
          modelPath: join(dir, 'model.onnx'),
          files: external ? [join(dir, 'model.onnx'), join(dir, 'weights.bin')] : [join(dir, 'model.onnx')],
          bytes: layers * LAYER,
        }
      : buildModel(dir, layers, external);
    console.error(
      `built ${size} (${layers} layers, ${external ? 'external data' : 'one file'}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    for (let r = 0; r < rounds; r++) {
      runNode(hookPath, ['-e', hashScript, ...m.files]); // warm the page cache: every side reads from memory
      const floor = runNode(hookPath, ['-e', hashScript, ...m.files]);
      const ins = runNode(hookPath, [cli, 'inspect', '--json', m.modelPath]);
      if (ins.status !== 0) console.error(`inspect failed (${ins.status}): ${ins.stderr.trim().split('\n')[0]}`);
      const row = {
        size,
        external,
        modelBytes: m.bytes,
        floorMs: floor.wall,
        floorCpuMs: floor.cpu,
        inspectMs: ins.wall,
        inspectCpuMs: ins.cpu,
        inspectPeak: ins.peak,
        inspectStatus: ins.status,
      };
      if (!skipVerify) {
        const bare = runNode(hookPath, ['-e', bareScript(WIDTH), m.modelPath]);
        const ver = runNode(hookPath, [
          cli,
          'verify',
          m.modelPath,
          '--backend',
          'cpu',
          '--json',
          '--no-evidence',
          '--iterations',
          '1',
          '--warmup',
          '0',
          '-q',
        ]);
        let worker;
        let resultMain;
        let status = `exit ${ver.status}`;
        try {
          const run = JSON.parse(ver.stdout);
          const res = (run.results ?? [])[0] ?? {};
          worker = res.latency?.peakRssBytes ?? res.peakRssBytes;
          resultMain = res.mainPeakRssBytes;
          status = res.status ?? status;
        } catch {
          status = `${status}: ${
            ver.stderr
              .trim()
              .split('\n')
              .filter((l) => !l.startsWith('OWB_MAXRSS'))
              .slice(-1)[0] ?? ''
          }`;
        }
        Object.assign(row, {
          verifyMs: ver.wall,
          verifyPeak: ver.peak,
          resultMainPeak: resultMain,
          verifyStatus: status,
          workerPeak: worker,
          barePeak: bare.peak,
          bareStatus: bare.status,
        });
      }
      results.push(row);
      console.log(
        [
          `${size}${external ? ' (external data)' : ''}: inspect ${ratio(row.inspectMs, row.floorMs)}x hash floor (${(row.inspectMs / 1000).toFixed(2)} s vs ${(row.floorMs / 1000).toFixed(2)} s; CPU ${ratio(row.inspectCpuMs, row.floorCpuMs)}x: ${((row.inspectCpuMs ?? NaN) / 1000).toFixed(2)} s vs ${((row.floorCpuMs ?? NaN) / 1000).toFixed(2)} s), main peak ${fmtB(row.inspectPeak)} = ${ratio(row.inspectPeak, m.bytes)}x model`,
          ...(skipVerify
            ? []
            : [
                `    verify cpu [${row.verifyStatus}]: ${ratio(row.verifyMs, row.floorMs)}x hash floor (${(row.verifyMs / 1000).toFixed(1)} s), main peak ${fmtB(row.verifyPeak)} = ${ratio(row.verifyPeak, m.bytes)}x model (result's mainPeakRssBytes ${fmtB(row.resultMainPeak)}), worker peak ${fmtB(row.workerPeak)} = ${ratio(row.workerPeak, row.barePeak)}x bare onnxruntime (${fmtB(row.barePeak)})`,
              ]),
        ].join('\n'),
      );
    }
    if (rounds > 1) {
      // One round on a loaded machine can catch the other processes' burst: the median of the rounds' ratios.
      const mine = results.filter((r) => r.size === size);
      const median = (xs) => {
        const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
        return v.length ? v[Math.floor((v.length - 1) / 2)] : undefined;
      };
      const wall = median(mine.map((r) => r.inspectMs / r.floorMs));
      const cpu = median(mine.map((r) => r.inspectCpuMs / r.floorCpuMs));
      console.log(
        `${size}: median of ${mine.length} rounds: inspect ${wall?.toFixed(2) ?? '?'}x hash floor (wall), ${cpu?.toFixed(2) ?? '?'}x (CPU)`,
      );
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ bench: 'large', results }));
} finally {
  if (!keep) rmSync(base, { recursive: true, force: true });
}
