/**
 * Bench: FLOP counting on hand-built models, the statistics of a bench row, and real bench runs of
 * cntk/mnist-8 on cpu + wasm (and webgpu, which here is SwiftShader) through the CLI command.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { onnx, type ModelProto } from '../src/onnx/proto.js';
import { countFlops, estimateFlops, staticShapes } from '../src/onnx/flops.js';
import { latencyStats } from '../src/stats/latency.js';
import { bench, benchRow, type BenchRow } from '../src/bench/bench.js';
import { benchCsv, CSV_COLUMNS, renderBench, SOFTWARE_FOOTNOTE } from '../src/format/bench.js';
import { registerBenchCommand } from '../src/commands/bench.js';
import { validateEvidence } from '../src/evidence/store.js';
import { resolveTargets } from '../src/models/catalog.js';
import { prepareTarget } from '../src/verify/prepare.js';
import type { ModelResult } from '../src/verify/verify.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { peakRss, resetPeakRss } from '../src/util/procfs.js';
import type { ShapeRunner } from '../src/onnx/flops.js';
import { startBackends, type BackendSet } from '../src/isolation/pool.js';

/** The shape run bench uses: the cpu backend in its worker (never onnxruntime in the test process). */
let cpuSet: BackendSet | undefined;
const cpuRunner: ShapeRunner = async (bytes, feeds) => {
  cpuSet ??= await startBackends(['cpu']);
  return (
    await cpuSet.backends.get('cpu')!.measure({ path: 'flops.onnx', bytes }, feeds, { warmup: 0, iterations: 0 }, {})
  ).outputs;
};
afterAll(async () => {
  await cpuSet?.close();
});

const FLOAT = 1;
const INTS = 7;
const INT = 2;

type Dim = number | string;
const vi_ = (name: string, dims: Dim[]) => ({
  name,
  type: {
    tensorType: {
      elemType: FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
const init = (name: string, dims: number[]) => ({
  name,
  dims,
  dataType: FLOAT,
  floatData: new Array(dims.reduce((a, b) => a * b, 1)).fill(0.01),
});
const feed = (dims: number[]): Tensor => ({
  dtype: 'float32',
  dims,
  data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5),
});

function model(graph: object): ModelProto {
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'test',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  } as never).finish();
  return onnx.ModelProto.decode(bytes);
}

/**
 * x[1,3,8,8] -Conv(W[4,3,3,3], bias, pads 1)-> c[1,4,8,8] -Flatten-> f[1,256]
 *   -Gemm(B[256,10], C[10])-> g[1,10] -MatMul(M[10,5])-> y[1,5]
 * Conv:   MACs 1·4·8·8 outputs × 3·3·3 = 6912;  FLOPs 2·6912 + 256 bias adds = 14080
 * Gemm:   MACs 1·10 × 256 = 2560;             FLOPs 2·2560 + 10 bias adds = 5130
 * MatMul: MACs 1·5 × 10 = 50;                 FLOPs 100
 */
function tinyNet(withValueInfo: boolean): ModelProto {
  return model({
    name: 'tiny',
    node: [
      {
        opType: 'Conv',
        input: ['x', 'W', 'b'],
        output: ['c'],
        name: 'conv',
        attribute: [
          { name: 'pads', type: INTS, ints: [1, 1, 1, 1] },
          { name: 'kernel_shape', type: INTS, ints: [3, 3] },
        ],
      },
      { opType: 'Flatten', input: ['c'], output: ['f'], attribute: [{ name: 'axis', type: INT, i: 1 }] },
      { opType: 'Gemm', input: ['f', 'B', 'C'], output: ['g'], name: 'gemm' },
      { opType: 'MatMul', input: ['g', 'M'], output: ['y'], name: 'matmul' },
    ],
    initializer: [init('W', [4, 3, 3, 3]), init('b', [4]), init('B', [256, 10]), init('C', [10]), init('M', [10, 5])],
    input: [vi_('x', [1, 3, 8, 8])],
    output: [vi_('y', [1, 5])],
    valueInfo: withValueInfo ? [vi_('c', [1, 4, 8, 8]), vi_('f', [1, 256]), vi_('g', [1, 10])] : [],
  });
}

describe('FLOP estimate', () => {
  it('counts Conv, Gemm and MatMul from static shapes', async () => {
    const est = await estimateFlops(tinyNet(true));
    expect(est.shapeSource).toBe('static');
    expect(est.unresolved).toEqual([]);
    expect(est.byOp.Conv).toEqual({ nodes: 1, macs: 6912, flops: 14080 });
    expect(est.byOp.Gemm).toEqual({ nodes: 1, macs: 2560, flops: 5130 });
    expect(est.byOp.MatMul).toEqual({ nodes: 1, macs: 50, flops: 100 });
    expect(est.macs).toBe(6912 + 2560 + 50);
    expect(est.flops).toBe(14080 + 5130 + 100);
  });

  it('observes missing shapes with one cpu run and gets the same counts', async () => {
    const proto = tinyNet(false);
    expect((await estimateFlops(proto)).flops).toBe('unknown'); // no feeds: intermediates unresolved
    const est = await estimateFlops(proto, new Map([['x', feed([1, 3, 8, 8])]]), { runner: cpuRunner });
    expect(est.shapeSource).toBe('observed');
    expect(est.macs).toBe(9522);
    expect(est.flops).toBe(19310);
  });

  it('counts ConvTranspose and LSTM', () => {
    // ConvTranspose X[1,4,8,8], W[4,2,2,2], stride 2 -> Y[1,2,16,16]: each of 512 outputs gets 4 channels × 1 tap = 2048 MACs.
    // LSTM X[5,2,3], W[1,16,3], R[1,16,4]: per step and batch 16·3 + 16·4 = 112 MACs, × 10 = 1120.
    const g = model({
      name: 'g',
      node: [
        {
          opType: 'ConvTranspose',
          input: ['x', 'W'],
          output: ['y'],
          attribute: [{ name: 'strides', type: INTS, ints: [2, 2] }],
        },
        {
          opType: 'LSTM',
          input: ['s', 'Wl', 'Rl'],
          output: ['h'],
          attribute: [{ name: 'hidden_size', type: INT, i: 4 }],
        },
      ],
      initializer: [init('W', [4, 2, 2, 2]), init('Wl', [1, 16, 3]), init('Rl', [1, 16, 4])],
      input: [vi_('x', [1, 4, 8, 8]), vi_('s', [5, 2, 3])],
      output: [vi_('y', [1, 2, 16, 16]), vi_('h', [5, 1, 2, 4])],
    }).graph!;
    const est = countFlops(g, staticShapes(g));
    expect(est.byOp.ConvTranspose?.macs).toBe(2048);
    expect(est.byOp.LSTM?.macs).toBe(1120);
    expect(est.flops).toBe(2 * (2048 + 1120));
  });

  it("is 'unknown' when shapes are symbolic and cannot be resolved, and resolves them from feeds", async () => {
    const proto = model({
      name: 'sym',
      node: [{ opType: 'MatMul', input: ['a', 'B'], output: ['y'], name: 'mm' }],
      initializer: [init('B', [4, 2])],
      input: [vi_('a', ['N', 4])],
      output: [vi_('y', ['N', 2])],
    });
    const est = await estimateFlops(proto);
    expect(est.macs).toBe('unknown');
    expect(est.flops).toBe('unknown');
    expect(est.unresolved).toHaveLength(1);
    expect(est.unresolved[0]).toMatch(/^mm \(MatMul\): no static shape for a, y/);
    const resolved = await estimateFlops(proto, new Map([['a', feed([3, 4])]]), { runner: cpuRunner });
    expect(resolved.macs).toBe(3 * 2 * 4);
  });

  it("is 'unknown' for matrix products inside a subgraph", () => {
    const body = { name: 'body', node: [{ opType: 'MatMul', input: ['p', 'q'], output: ['r'] }] };
    const g = model({
      name: 'loop',
      node: [{ opType: 'Loop', input: ['n', ''], output: ['o'], attribute: [{ name: 'body', type: 5, g: body }] }],
      input: [vi_('n', [1])],
      output: [vi_('o', [1])],
    }).graph!;
    const est = countFlops(g, staticShapes(g));
    expect(est.flops).toBe('unknown');
    expect(est.unresolved[0]).toMatch(/inside a subgraph/);
  });
});

function fakeResult(times: number[], adapter: ModelResult['adapter'] = { kind: 'cpu' }): ModelResult {
  return {
    model: 'm',
    path: '/m.onnx',
    sha256: '0'.repeat(64),
    producerName: 'p',
    producerVersion: '1',
    backend: adapter.kind === 'cpu' ? 'cpu' : 'webgpu',
    adapter,
    status: 'pass',
    meetsExpectation: true,
    referenceKind: 'none',
    referenceSource: '',
    tolerance: { atol: 0, rtol: 0 },
    latency: { sessionCreateMs: 5, firstRunMs: 3, stats: latencyStats(times), peakRssBytes: 1e8 },
  };
}

describe('bench rows', () => {
  it('median CI contains the median; throughput is 1000/median (the headline); GFLOP/s at the median', () => {
    const times = Array.from({ length: 51 }, (_, i) => 2 + ((i * 37) % 51) / 100);
    const row = benchRow(fakeResult(times), { macs: 1e6, flops: 2e6, byOp: {}, unresolved: [], shapeSource: 'static' });
    const s = row.stats!;
    expect(s.n).toBe(51);
    expect(s.medianCI95[0]).toBeLessThanOrEqual(s.p50);
    expect(s.medianCI95[1]).toBeGreaterThanOrEqual(s.p50);
    expect(s.medianCI95[0]).toBeLessThan(s.medianCI95[1]);
    expect(s.min).toBeLessThanOrEqual(s.p50);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(row.throughputPerS).toBeCloseTo(1000 / s.p50, 9);
    expect(row.gflopsPerS).toBeCloseTo(2e6 / (s.p50 * 1e6), 9);
    expect(row.flops).toBe(2e6);
  });

  it('labels software WebGPU as not GPU, in the row, both tables and the footnote', () => {
    const row = benchRow(fakeResult([1, 2, 3], { kind: 'software', vendor: 'google', architecture: 'swiftshader' }));
    expect(row.adapterLabel).toBe('software (not GPU)');
    expect(row.gflopsPerS).toBeNull();
    const text = renderBench(
      {
        startedAt: '',
        finishedAt: '',
        machine: {
          hostname: 'h',
          platform: 'linux',
          arch: 'x64',
          osRelease: '',
          cpuModel: 'cpu',
          cpuCount: 2,
          totalMemoryBytes: 0,
          node: 'v20',
        },
        plan: { warmup: 1, iterations: 3 },
        backends: [],
        results: [],
        rows: [row],
        work: {},
        ok: true,
      },
      { width: 200, colour: false },
    );
    expect(text.split('software (not GPU)').length - 1).toBeGreaterThanOrEqual(3); // two tables + footnote
    expect(text.replace(/\s+/g, ' ')).toContain(SOFTWARE_FOOTNOTE);
  });
});

/** Run `onnx-workbench bench ...` in this process and capture stdout. */
async function runCli(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out.push(`${a.join(' ')}\n`);
  });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const before = process.exitCode;
  try {
    const program = new Command('onnx-workbench').exitOverride();
    registerBenchCommand(program);
    await program.parseAsync(['node', 'onnx-workbench', 'bench', ...args]);
    return { stdout: out.join(''), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    log.mockRestore();
    write.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

describe('bench command on cntk/mnist-8', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const STAT_FIELDS = ['n', 'min', 'mean', 'p50', 'p90', 'p99', 'max', 'stdev', 'medianCI95'] as const;

  it('cpu + wasm: rows with every statistic, and a valid bench evidence record', async () => {
    const evDir = join(dir, 'ev');
    const { stdout, exitCode } = await runCli([
      'cntk/mnist-8',
      '--backend',
      'cpu,wasm',
      '--warmup',
      '1',
      '--iterations',
      '8',
      '--json',
      '--evidence-dir',
      evDir,
      '-q',
    ]);
    expect(exitCode).toBe(0);
    const run = JSON.parse(stdout) as { rows: BenchRow[]; evidence: string };
    expect(run.rows.map((r) => r.backend)).toEqual(['cpu', 'wasm']);
    for (const r of run.rows) {
      expect(r.status).toBe('pass');
      for (const k of STAT_FIELDS) expect(r.stats).toHaveProperty(k);
      expect(r.stats!.n).toBe(8);
      expect(r.sessionCreateMs).toBeGreaterThan(0);
      expect(r.firstRunMs).toBeGreaterThan(0);
      expect(r.peakRssBytes).toBeGreaterThan(1e6);
      expect(r.throughputPerS).toBeCloseTo(1000 / r.stats!.p50, 6);
      expect(r.flops).toBe(1573120); // 2 × (156800 + 627200 + 2560) MACs; mnist-8's Convs have no bias input (separate Adds)
      expect(r.gflopsPerS).toBeGreaterThan(0);
      expect(r.adapterLabel).toBe('cpu');
    }
    const files = readdirSync(evDir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    expect(join(evDir, files[0]!)).toBe(run.evidence);
    const record = validateEvidence(JSON.parse(readFileSync(run.evidence, 'utf8')));
    expect(record.kind).toBe('bench');
    expect(record.results).toHaveLength(2);
    expect(record.results[0]!.latency?.stats?.n).toBe(8);
  });

  it('CSV: a header and one row per model × backend', async () => {
    const { stdout } = await runCli([
      'cntk/mnist-8',
      'caffe2/light-squeezenet',
      '--backend',
      'cpu,wasm',
      '--warmup',
      '0',
      '--iterations',
      '3',
      '--csv',
      '--no-evidence',
      '--no-flops',
      '-q',
    ]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + 2 * 2);
    const rows = lines.slice(1).map((l) => l.split(','));
    for (const cells of rows) expect(cells).toHaveLength(CSV_COLUMNS.length);
    expect(rows.map((c) => `${c[0]}@${c[1]}`)).toEqual([
      'cntk/mnist-8@cpu',
      'cntk/mnist-8@wasm',
      'caffe2/light-squeezenet@cpu',
      'caffe2/light-squeezenet@wasm',
    ]);
    expect(rows.every((c) => c[CSV_COLUMNS.indexOf('n')] === '3')).toBe(true);
    expect(rows.every((c) => c[CSV_COLUMNS.indexOf('flops')] === 'unknown')).toBe(true);
    expect(rows.every((c) => c[CSV_COLUMNS.indexOf('median_ci95_low_ms')] === '')).toBe(true); // n < 6: no CI
  });

  it('webgpu on SwiftShader is labelled software (not GPU)', async () => {
    const prepared = resolveTargets(['cntk/mnist-8']).map((t) => prepareTarget(t));
    const run = await bench(prepared, { backends: ['webgpu'], plan: { warmup: 0, iterations: 2 }, flops: false });
    const status = run.backends.find((b) => b.id === 'webgpu')!;
    if (!status.available) return; // no WebGPU here: nothing to label
    const row = run.rows.find((r) => r.backend === 'webgpu')!;
    expect(row.adapter.kind).toBe(status.description!.adapter.kind);
    if (row.adapter.kind === 'software') {
      expect(row.adapterLabel).toBe('software (not GPU)');
      expect(renderBench(run).replace(/\s+/g, ' ')).toContain(SOFTWARE_FOOTNOTE);
      expect(benchCsv(run.rows).split('\n')[1]).toContain(',software (not GPU),');
    } else {
      expect(row.adapterLabel).not.toContain('software');
    }
  });
});

describe('peak memory per model', () => {
  it("a process's peak RSS can be reset and read, so a reused worker reports each model's own peak", () => {
    // Linux /proc (CI and this project's machines): clear_refs 5 resets VmHWM to the current RSS.
    expect(resetPeakRss('self')).toBe(true);
    const before = peakRss('self')!;
    const held = Buffer.alloc(96 * 2 ** 20, 1);
    const after = peakRss('self')!;
    expect(after - before).toBeGreaterThan(90 * 2 ** 20);
    expect(resetPeakRss('self')).toBe(true);
    expect(peakRss('self')!).toBeLessThanOrEqual(after + 8 * 2 ** 20);
    expect(held[held.length - 1]).toBe(1);
    expect(peakRss(2 ** 22 + 12345)).toBeUndefined(); // no such process
  });
});
