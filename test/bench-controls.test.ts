/**
 * bench's controls: the default plan's 6-run floor, up-front notes, x cpu, pasteable markdown in
 * human units, threads per row (the browser page cross-origin isolated, WASM threads), onnxruntime
 * session knobs recorded, --profile beside the record, raw samples in --json, --plot never
 * overwriting a file. Real runs use cntk/mnist-8 (small: WebGPU here is software).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureLoop } from '../src/backends/measureLoop.js';
import {
  addCpuRatios,
  benchRow,
  DEFAULT_BENCH_PLAN,
  planWarnings,
  type BenchRow,
  type BenchRun,
} from '../src/bench/bench.js';
import { summarizeProfile, profileDirFor } from '../src/bench/profile.js';
import { benchMarkdown, humanMs, perSecond, ratio, renderBench } from '../src/format/bench.js';
import { epOptionsFor, executionProvider, parseEpOption, sessionKnobs } from '../src/backends/sessionKnobs.js';
import { isBackendId } from '../src/backends/types.js';
import { latencyStats } from '../src/stats/latency.js';
import { validateEvidence } from '../src/evidence/store.js';
import { startBackends } from '../src/isolation/pool.js';
import { resolveTargets } from '../src/models/catalog.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { modelInput } from '../src/verify/verify.js';
import type { ModelResult } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-controls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the timing plan', () => {
  it('makes at least minIterations timed runs past the budget, and only one without it', async () => {
    const steps = {
      create: async () => 's',
      run: async () => sleep(3),
      read: async () => 'out',
      release: async () => {},
    };
    const floor = await measureLoop(steps, { warmup: 0, iterations: 100, maxDurationMs: 1, minIterations: 6 });
    expect(floor.timesMs).toHaveLength(6);
    const plain = await measureLoop(steps, { warmup: 0, iterations: 100, maxDurationMs: 1 });
    expect(plain.timesMs).toHaveLength(1);
    const capped = await measureLoop(steps, { warmup: 0, iterations: 4, maxDurationMs: 1, minIterations: 6 });
    expect(capped.timesMs).toHaveLength(4);
  });

  it('the default plan has the 6-run floor; a plan that cannot give a CI says so up front', () => {
    expect(DEFAULT_BENCH_PLAN.minIterations).toBe(6);
    expect(planWarnings(DEFAULT_BENCH_PLAN)).toEqual([]);
    expect(planWarnings({ warmup: 0, iterations: 3 })[0]).toMatch(/3 timed run\(s\) per row: below 6 .* no 95% CI/);
    expect(planWarnings({ warmup: 0, iterations: 1e6, maxDurationMs: 3000 })[0]).toMatch(
      /--duration 3 s is a hard budget: rows slower than 500 ms per run get fewer than 6/,
    );
    expect(planWarnings({ warmup: 0, iterations: 50 })).toEqual([]);
  });
});

function result(backend: ModelResult['backend'], times: number[], model = 'm'): ModelResult {
  return {
    model,
    path: '/m.onnx',
    sha256: '0'.repeat(64),
    producerName: 'p',
    producerVersion: '1',
    backend,
    adapter: { kind: 'cpu' },
    status: 'pass',
    meetsExpectation: true,
    referenceKind: 'none',
    referenceSource: '',
    tolerance: { atol: 0, rtol: 0 },
    latency: {
      sessionCreateMs: 50,
      firstRunMs: 2,
      stats: latencyStats(times),
      samplesMs: times,
      threads: { intraOp: backend === 'cpu' ? 'default' : 1 },
    },
  };
}

describe('rows and markdown', () => {
  const rows: BenchRow[] = [
    benchRow(result('cpu', [0.1, 0.2, 0.2, 0.2, 0.3, 0.4, 0.5])),
    benchRow(result('wasm', [0.5, 0.6, 0.6, 0.6, 0.7, 0.8, 0.9])),
    benchRow(result('wasm', [3, 3, 3, 3, 3, 3], 'other')),
  ];
  addCpuRatios(rows);

  it('x cpu is the median over the cpu median of the same model; none without a cpu row', () => {
    expect(rows[0]!.xCpu).toBe(1);
    expect(rows[1]!.xCpu).toBeCloseTo(0.6 / 0.2, 9);
    expect(rows[2]!.xCpu).toBeNull();
    expect(rows[1]!.throughputPerS).toBeCloseTo(1000 / 0.6, 9);
    expect(rows[1]!.samplesMs).toEqual([0.5, 0.6, 0.6, 0.6, 0.7, 0.8, 0.9]);
    expect(rows[0]!.threads).toEqual({ intraOp: 'default' });
  });

  it('human units', () => {
    expect(humanMs(0.165)).toBe('165 µs');
    expect(humanMs(1.264)).toBe('1.26 ms');
    expect(humanMs(1502)).toBe('1.50 s');
    expect(perSecond(6060)).toBe('6.06 k/s');
    expect(perSecond(226.4)).toBe('226 /s');
    expect(ratio(3)).toBe('3.00×');
  });

  it('markdown: one row per model × backend, with threads, median and CI in one unit, x cpu', () => {
    const md = benchMarkdown({
      startedAt: '',
      finishedAt: '',
      machine: { cpuCount: 2, cpuModel: 'cpu', node: 'v20' } as never,
      plan: DEFAULT_BENCH_PLAN,
      backends: [],
      results: [],
      rows,
      work: {},
      ok: true,
    });
    const body = md.split('\n').filter((l) => /^\| (m|other) \|/.test(l));
    expect(body).toHaveLength(3);
    expect(body[0]).toMatch(/^\| m \| cpu \| cpu \| default \| pass \| 7 \| 200 \[100, 500\] µs \|/);
    expect(body[1]).toMatch(/\| 600 \[500, 900\] µs \| [^|]+ \| 3\.00× \| 1\.67 k\/s \|/);
    expect(body[2]).toMatch(/\| 3\.00 ms \[3\.00, 3\.00\] ms|\| 3\.00 \[3\.00, 3\.00\] ms \| .* \| - \|/);
    expect(md).toContain('at least 6 runs, past the budget if runs are slow');
  });
});

describe('session knobs', () => {
  it('EP options: a bare key goes to the backends that read it; unknown keys and values are refused', () => {
    const args = [parseEpOption('preferredLayout=NHWC', isBackendId)];
    expect([...epOptionsFor(args, ['cpu', 'webgpu', 'browser-webgpu'])]).toEqual([
      ['webgpu', { preferredLayout: 'NHWC' }],
      ['browser-webgpu', { preferredLayout: 'NHWC' }],
    ]);
    expect(() => epOptionsFor(args, ['cpu'])).toThrow(
      /not an option the execution provider of cpu reads \(cpu: none\)/,
    );
    expect(() => epOptionsFor([parseEpOption('webgpu:validationMode=loud', isBackendId)], ['webgpu'])).toThrow(
      /validationMode=loud: webgpu takes one of disabled, wgpuOnly, basic, full/,
    );
    expect(() => parseEpOption('gpu:x=1', isBackendId)).toThrow(/unknown backend gpu/);
    expect(executionProvider('webgpu', 'webgpu', { enableRobustness: 'true', preferredLayout: 'NCHW' })).toEqual({
      name: 'webgpu',
      enableRobustness: true,
      preferredLayout: 'NCHW',
    });
    expect(sessionKnobs({ graphOptimization: 'basic', interOpThreads: 2 })).toEqual({
      graphOptimizationLevel: 'basic',
      executionMode: 'parallel',
      interOpNumThreads: 2,
    });
  });

  it('a profile trace is summed per node, per session run', () => {
    const ev = (name: string, dur: number, op = 'Conv') => ({
      cat: 'Node',
      name: `${name}_kernel_time`,
      dur,
      args: { op_name: op, provider: 'CPUExecutionProvider' },
    });
    const run = { cat: 'Session', name: 'model_run', dur: 100 };
    const s = summarizeProfile(
      JSON.stringify([run, ev('a', 30), ev('b', 10, 'Relu'), run, ev('a', 50), ev('b', 10, 'Relu')]),
    );
    expect(s.runs).toBe(2);
    expect(s.nodes).toBe(2);
    expect(s.top.map((n) => [n.node, n.op, n.usPerRun])).toEqual([
      ['a', 'Conv', 40],
      ['b', 'Relu', 10],
    ]);
    expect(s.top[0]!.share).toBeCloseTo(0.8, 9);
    expect(() => summarizeProfile('{}')).toThrow(/not an onnxruntime profile/);
  });
});

describe('bench on cntk/mnist-8 (real runs)', () => {
  it('--profile: the trace beside the record; the top nodes in the table; knobs and raw samples recorded', async () => {
    const ev = join(dir, 'ev');
    const { stdout, code, stderr } = await runCli([
      'bench',
      'cntk/mnist-8',
      '--backend',
      'cpu,wasm',
      '--iterations',
      '8',
      '--warmup',
      '1',
      '--graph-optimization',
      'basic',
      '--profile',
      '--no-flops',
      '--json',
      '-q',
      '--evidence-dir',
      ev,
    ]);
    expect(code, stderr).toBe(0);
    const run = JSON.parse(stdout) as { rows: BenchRow[]; evidence: string; session: object };
    expect(run.session).toEqual({ graphOptimization: 'basic', profile: true });
    const cpu = run.rows.find((r) => r.backend === 'cpu')!;
    const wasm = run.rows.find((r) => r.backend === 'wasm')!;
    // Raw samples: the statistics come from exactly these.
    expect(cpu.samplesMs).toHaveLength(8);
    expect(latencyStats(cpu.samplesMs!)!.p50).toBeCloseTo(cpu.stats!.p50, 9);
    // The profile: onnxruntime's own trace in <record>.profile/, the heaviest node of mnist-8 a Conv.
    const p = cpu.profile as { file: string; top: { op: string }[]; runs: number };
    expect(p.file.startsWith(profileDirFor(run.evidence))).toBe(true);
    expect(p.runs).toBe(1 + 1 + 8); // first run, warm-up, timed
    expect(['Conv', 'Gemm', 'MatMul', 'MaxPool']).toContain(p.top[0]!.op);
    expect(Array.isArray(JSON.parse(readFileSync(p.file, 'utf8')))).toBe(true);
    expect((wasm.profile as { unsupported: string }).unsupported).toMatch(/onnxruntime-web/);
    // The record: knobs, samples and threads per result; the profile folder is not read as a record.
    const record = validateEvidence(JSON.parse(readFileSync(run.evidence, 'utf8')));
    expect(record.results.map((r) => r.session)).toEqual([
      { graphOptimization: 'basic', profile: true },
      { graphOptimization: 'basic', profile: true },
    ]);
    expect(record.results[0]!.latency?.samplesMs).toEqual(cpu.samplesMs);
    expect(record.results[1]!.latency?.threads?.intraOp).toBe(1);
    expect(readdirSync(ev).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(statSync(profileDirFor(run.evidence)).isDirectory()).toBe(true);
    // The table shows the top nodes.
    const table = renderBench(run as unknown as BenchRun, { width: 140, colour: false });
    expect(table).toMatch(/Top nodes by time \(onnxruntime profile\):\n/);
    expect(table).toMatch(/cntk\/mnist-8 +cpu +\S+ +(Conv|Gemm|MatMul|MaxPool) +CPU +[\d.]+ (µs|ms) +[\d.]+%/);
  });

  it('--plot writes an SVG with a row per backend, and refuses a file that exists (left untouched)', async () => {
    const svg = join(dir, 'plot.svg');
    const ok = await runCli([
      'bench',
      'cntk/mnist-8',
      '--backend',
      'cpu,wasm',
      '--iterations',
      '6',
      '--no-flops',
      '--no-evidence',
      '-q',
      '--plot',
      svg,
    ]);
    expect(ok.code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toContain('cntk/mnist-8 · cpu');
    expect(text).toContain('cntk/mnist-8 · wasm');
    const mine = join(dir, 'mine.svg');
    writeFileSync(mine, 'keep me');
    const refused = await runCli(['bench', 'cntk/mnist-8', '--no-evidence', '-q', '--plot', mine]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mine\.svg: exists; --plot never overwrites a file/);
    expect(readFileSync(mine, 'utf8')).toBe('keep me');
    const noEvidence = await runCli(['bench', 'cntk/mnist-8', '--no-evidence', '-q', '--profile']);
    expect(noEvidence.code).toBe(2);
    expect(noEvidence.stderr).toMatch(/--profile writes the profiles beside the evidence record/);
    expect(existsSync(join(dir, 'ev2'))).toBe(false);
  });

  it('browser-wasm: the page is crossOriginIsolated and runs the WASM threads asked for', async () => {
    const set = await startBackends(['browser-wasm']);
    try {
      const status = set.statuses.find((s) => s.id === 'browser-wasm')!;
      expect(status.available, status.reason).toBe(true);
      expect(status.description?.details?.crossOriginIsolated).toBe(true);
      const p = prepareTarget(resolveTargets(['cntk/mnist-8'])[0]!);
      const m = await set.backends
        .get('browser-wasm')!
        .measure(modelInput(p), p.feeds, { warmup: 0, iterations: 2 }, { threads: 2 });
      expect(m.threads?.intraOp).toBe(2);
      expect(m.threads?.note ?? '').not.toMatch(/not crossOriginIsolated/);
      expect(m.timesMs).toHaveLength(2);
    } finally {
      await set.close();
    }
  });
});
