/**
 * Output people read: tables that fit 80/100/120 columns, failures first, one classifier, markdown,
 * colour only on a terminal without NO_COLOR, and no raw control character from a model or a runtime
 * on stdout or stderr.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable, layoutTable } from '../src/format/table.js';
import { colourEnabled, hasRawControl, safeText, terminalWidth, wrap } from '../src/format/terminal.js';
import {
  failureSummary,
  matrixTable,
  renderVerify,
  resultDetail,
  resultsTable,
  verifyMarkdown,
  positionOf,
} from '../src/format/verify.js';
import { benchMarkdown, renderBench } from '../src/format/bench.js';
import { classifyFailure, stripSourceLocation } from '../src/diagnose/failure.js';
import { formatTable } from '../src/format/scorecard.js';
import { computeScorecard } from '../src/scorecard/scores.js';
import { onnx, type GraphProto } from '../src/onnx/proto.js';
import { runCli, parseJsonOutput } from './helpers/cli.js';
import type { ModelResult, VerifyRun } from '../src/verify/verify.js';
import type { BenchRun } from '../src/bench/bench.js';

const WIDTHS = [80, 100, 120];
const longest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

function result(over: Partial<ModelResult>): ModelResult {
  return {
    model: 'caffe2/light-squeezenet',
    path: '/m.onnx',
    sha256: '0'.repeat(64),
    producerName: 'onnx-caffe2',
    producerVersion: '',
    framework: 'caffe2',
    backend: 'cpu',
    adapter: { kind: 'cpu' },
    status: 'pass',
    expectedStatus: 'pass',
    meetsExpectation: true,
    referenceKind: 'exporter',
    referenceSource: 'test_data_set_0',
    tolerance: { atol: 1e-4, rtol: 1e-3 },
    latency: {
      sessionCreateMs: 40,
      firstRunMs: 3,
      stats: {
        n: 10,
        min: 1,
        mean: 1.2,
        p50: 1.1,
        p90: 1.5,
        p99: 1.6,
        max: 1.7,
        stdev: 0.1,
        medianCI95: [1, 1.2],
        medianCICoverage: 0.98,
      } as never,
    },
    ...over,
  };
}

const softmaxCause =
  'onnxruntime-web 1.30 WebGPU (JSEP) Softmax: bisect names node n65 (Softmax, opset 9, input [1,1000,1,1]); it outputs 1.0 everywhere';
const results: ModelResult[] = [
  result({
    model: 'pytorch/pytorch-converted/test_AvgPool2d_with_a_rather_long_name_indeed',
    framework: 'pytorch',
    status: 'load-error',
    expectedStatus: 'load-error',
    reason:
      "onnxruntime-node 1.30.0 refuses this export: /onnxruntime_src/onnxruntime/core/session/inference_session.cc:1234 onnxruntime::InferenceSession::Initialize() Could not find an implementation for AveragePool(1) node with name ''",
    expectedReason:
      "onnxruntime-node 1.30.0 refuses this export: Could not find an implementation for AveragePool(1) node with name ''",
    latency: undefined,
  }),
  result({
    backend: 'browser-webgpu',
    adapter: { kind: 'software', description: 'SwiftShader' },
    status: 'mismatch',
    expectedStatus: 'mismatch',
    reason:
      'against the exporter reference: softmaxout_1: 999/1000 elements beyond atol 0.001 + rtol 0.01, max abs error 9.99e-1',
    expectedReason: softmaxCause,
  }),
  result({
    model: 'cntk/mnist-8',
    framework: 'cntk',
    backend: 'wasm',
    status: 'mismatch',
    expectedStatus: 'pass',
    meetsExpectation: false,
    reason:
      'against the exporter reference: Plus214_Output_0: 1/10 elements beyond atol 0.0001 + rtol 0.001, max abs error 5.00e-1',
  }),
  result({ model: 'cntk/mnist-8', framework: 'cntk' }),
  result({ backend: 'wasm' }),
];
const run: VerifyRun = { startedAt: '', finishedAt: '', machine: {} as never, backends: [], results, ok: false };

describe('tables fit the terminal', () => {
  it('no line over the width at 80, 100 and 120 columns, and no row separators', () => {
    const rows = Array.from({ length: 5 }, (_, i) => [
      `model-${i}-${'x'.repeat(40)}`,
      'cpu',
      'pass',
      'a long free-text reason that goes on and on '.repeat(3),
    ]);
    for (const width of WIDTHS) {
      const text = renderTable(
        [
          { header: 'model', flex: true },
          { header: 'backend' },
          { header: 'status' },
          { header: 'reason', flex: true, note: true },
        ],
        rows,
        { width },
      );
      expect(longest(text), text).toBeLessThanOrEqual(width);
      const lines = text.split('\n');
      // header, one rule, then one line per row: no separator between rows
      expect(lines.filter((l) => /^─/.test(l))).toHaveLength(1);
      expect(lines.slice(2, 7).every((l) => l.startsWith('model-'))).toBe(true);
    }
  });

  it('a cut note cell moves its whole text below the table as a numbered note (repeated text: one note)', () => {
    const long = 'this reason is far too long for the space that is left in a narrow terminal window';
    const t = layoutTable(
      [{ header: 'id' }, { header: 'reason', flex: true, note: true }],
      [
        ['a', long],
        ['b', long],
        ['c', 'short'],
      ],
      { width: 40 },
    );
    expect(t.lines[2]).toMatch(/\[1\]$/);
    expect(t.lines[3]).toMatch(/\[1\]$/);
    expect(t.lines[4]).toMatch(/short$/);
    expect(t.notes.join(' ').replace(/\s+/g, ' ')).toContain(`[1] ${long}`);
    expect(t.notes.every((l) => [...l].length <= 40)).toBe(true);
  });

  it('width: the TTY columns, else COLUMNS, else 80', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: '90' })).toBe(132);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '90' })).toBe(90);
    expect(terminalWidth({ isTTY: false }, {})).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBe(80);
  });

  it('verify, bench and scores output stay within 80, 100 and 120 columns', () => {
    const bench = {
      startedAt: '',
      finishedAt: '',
      machine: { cpuCount: 2, cpuModel: 'cpu', node: 'v20' } as never,
      plan: { warmup: 1, iterations: 10 },
      backends: [],
      results: [],
      work: {},
      ok: true,
      rows: results.map((r) => ({
        model: r.model,
        backend: r.backend,
        adapter: r.adapter,
        adapterLabel: r.adapter.kind === 'software' ? 'software (not GPU)' : 'cpu',
        status: r.status,
        meetsExpectation: r.meetsExpectation,
        ...(r.reason ? { reason: r.reason } : {}),
        sessionCreateMs: 40,
        firstRunMs: 3,
        stats: r.latency?.stats ?? null,
        peakRssBytes: 1e8,
        throughputPerS: 900,
        flops: 1e9,
        gflopsPerS: 3,
      })),
    } as unknown as BenchRun;
    const card = computeScorecard({ view: 'corrected' });
    for (const width of WIDTHS) {
      const ctx = { width, colour: false };
      for (const text of [
        renderVerify(run, ctx),
        resultsTable(
          results.filter((r) => r.backend === 'cpu'),
          ctx,
        ),
        renderBench(bench, ctx),
        formatTable(card, ctx),
        resultDetail(results[1]!, ctx),
      ]) {
        expect(longest(text), `${width}:\n${text}`).toBeLessThanOrEqual(width);
      }
    }
  });

  it('below 100 columns a single-backend verify lists one line per result; from 100 it is a table', () => {
    const cpu = [results[0]!, results[3]!];
    expect(resultsTable(cpu, { width: 80, colour: false }).split('\n')).toHaveLength(2);
    expect(resultsTable(cpu, { width: 120, colour: false }).split('\n')[0]).toMatch(/^model\s+backend\s+status/);
  });
});

describe('failures first', () => {
  it('non-passes lead the table, unexpected before expected', () => {
    const lines = resultsTable(results, { width: 160, colour: false }).split('\n').slice(2);
    expect(lines[0]).toMatch(/cntk\/mnist-8\s+wasm\s+mismatch !/);
    expect(lines.slice(1, 3).join('\n')).toMatch(/load-error/);
    expect(lines.slice(1, 3).join('\n')).toMatch(/mismatch/);
    expect(lines.slice(3, 5).every((l) => /\bpass\b/.test(l))).toBe(true);
  });

  it("the summary names every non-pass: known ones with the manifest's recorded cause, unexpected ones with a cause and a fix", () => {
    const text = failureSummary(results, { width: 100, colour: false }).join('\n');
    const flat = text.replace(/\s+/g, ' ');
    expect(text.indexOf('1 unexpected result')).toBeLessThan(text.indexOf('2 known failures'));
    expect(flat).toContain(`mismatch on browser-webgpu, caffe2/light-squeezenet: ${softmaxCause}`);
    expect(flat).toContain(
      'load-error on cpu, pytorch/pytorch-converted/test_AvgPool2d_with_a_rather_long_name_indeed: onnxruntime-node 1.30.0 refuses this export: Could not find an implementation for AveragePool(1)',
    );
    expect(flat).toMatch(/mismatch on wasm, cntk\/mnist-8: .*onnx-workbench bisect/);
    expect(flat).toMatch(/2 of 5 pass; 2 known failures, 1 unexpected result\. Not as expected/);
    // an all-expected run still names its known failures before "as expected"
    const expected = failureSummary(
      results.filter((r) => r.meetsExpectation),
      { width: 100, colour: false },
    ).join('\n');
    expect(expected).toMatch(/2 known failures/);
    expect(expected.split('\n').pop()).toMatch(/All 4 results as expected/);
  });

  it('several backends read as a model × backend matrix; a software adapter is starred', () => {
    const text = matrixTable(results, { width: 100, colour: false });
    const [head, , ...rows] = text.split('\n');
    expect(head).toMatch(/^model\s+cpu\s+browser-webgpu\*\s+wasm$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^cntk\/mnist-8\s+pass\s+-\s+mismatch !$/);
  });
});

describe('one failure classifier', () => {
  it("names the cause and a fix, without onnxruntime's source path", () => {
    const k = classifyFailure(
      "onnxruntime-node refuses: /onnxruntime_src/onnxruntime/core/graph/model.cc:191 onnxruntime::Model::Model(onnx::ModelProto&&) Could not find an implementation for AveragePool(1) node with name ''",
    );
    expect(k).toMatchObject({ kind: 'missing-kernel', detail: 'no kernel for AveragePool at opset 1' });
    expect(k.fix).toMatch(/re-export with opset >= 7/);
    // At a current opset the missing kernel is for the node's types (Max on int16), not an old opset.
    const typed = classifyFailure("Could not find an implementation for Max(13) node with name ''", 'load-error');
    expect(typed.detail).toBe("no kernel for Max at opset 13 with this node's input types");
    expect(typed.fix).not.toMatch(/re-export with opset/);
    expect(typed.fix).toMatch(/OperatorKernels\.md/);
    // onnxruntime-web's build paths are dropped too; a node no provider took is a missing kernel.
    const web = classifyFailure(
      "Can't create a session. ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/optimizer/transformer_memcpy.cc:254 bool onnxruntime::TransformerMemcpyImpl::IsNodeCompatibleWithProvider(const onnxruntime::Node &) const !node_provider_type.empty() was false. Provider type for RandomUniformLike node with name '' is not set.",
      'load-error',
    );
    expect(web).toMatchObject({
      kind: 'missing-kernel',
      detail:
        'no execution provider of this runtime has a kernel for this RandomUniformLike node (its opset and input types)',
    });
    expect(
      stripSourceLocation(
        'ERROR_MESSAGE: /mnt/x/_work/1/s/onnxruntime/core/providers/cpu/rnn/lstm_base.h:53 onnxruntime::LSTMBase::LSTMBase(const OpKernelInfo &) layout_ == 0 was false.',
      ),
    ).toBe('ERROR_MESSAGE: layout_ == 0 was false.');
    // A shape-inference refusal at load time is the model's and the runtime's, not the inputs'.
    const inferred = classifyFailure(
      "Can't create a session. ERROR_CODE: 6, ERROR_MESSAGE: [ShapeInferenceError] Can't merge shape info. Both inferred and declared dimension have values but they differ.",
      'load-error',
    );
    expect(inferred.kind).toBe('shape');
    expect(inferred.fix).not.toMatch(/--dim/);
    expect(inferred.fix).toMatch(/shape inference rejects the model as it loads it/);
    const f16 = classifyFailure('Program Transpose requires f16 but the device does not support it.');
    expect(f16.kind).toBe('dtype');
    expect(f16.detail).toMatch(/f16 not supported by this adapter/);
    expect(f16.fix).toMatch(/convert the model to float32, or use a GPU with shader-f16/);
    expect(classifyFailure('Missing opset in the model. All ModelProtos MUST').kind).toBe('opset');
    expect(classifyFailure('x: 3/10 elements beyond atol 0.001', 'mismatch')).toMatchObject({ kind: 'tolerance' });
    expect(classifyFailure('no answer from the worker within 3 s', 'timeout').fix).toMatch(/--timeout/);
    expect(classifyFailure('worker killed by SIGSEGV').kind).toBe('crash');
    expect(classifyFailure('something else').kind).toBe('other');
    expect(
      stripSourceLocation(
        '/onnxruntime_src/onnxruntime/core/graph/model.cc:191 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&) Missing opset',
      ),
    ).toBe('Missing opset');
  });
});

describe('one model, one backend: a per-output block', () => {
  it('name, dtype, shape, tolerance, mismatches/elements, max abs error and where, max rel, cosine, passing tolerance, PASS/FAIL', () => {
    const r = result({
      model: 'cntk/mnist-8',
      status: 'mismatch',
      meetsExpectation: false,
      reason: 'x',
      comparison: {
        ok: false,
        missing: [],
        outputs: [
          {
            name: 'Plus214_Output_0',
            ok: false,
            dtype: 'float32',
            referenceDtype: 'float32',
            shape: [1, 10],
            referenceShape: [1, 10],
            elements: 10,
            mismatches: 1,
            maxAbsError: 0.5,
            maxRelError: 0.25,
            meanAbsError: 0.05,
            nonFiniteMismatches: 0,
            cosineSimilarity: 0.9991,
            maxAbsIndex: 7,
            passingAtol: 0.498,
            tolerance: { atol: 1e-4, rtol: 1e-3 },
          },
        ],
      },
    });
    const text = resultDetail(r, { width: 100, colour: false });
    expect(text).toMatch(/output Plus214_Output_0 \(float32 \[1, 10\]\) against the exporter reference: FAIL/);
    expect(text).toMatch(/tolerance\s+atol 0.0001, rtol 0.001/);
    expect(text).toMatch(/mismatches\s+1 \/ 10 elements/);
    expect(text).toMatch(/max abs error\s+5\.0e-1 at \[0, 7\]/);
    expect(text).toMatch(/max rel error\s+2\.5e-1/);
    expect(text).toMatch(/cosine similarity\s+0\.999100/);
    expect(text).toMatch(/would pass at\s+atol 5\.0e-1 \(rtol 0\.001\)/);
    expect(positionOf(13, [2, 3, 4])).toBe('[1, 0, 1]');
  });
});

describe('markdown and colour', () => {
  it('verify --format markdown is a pipe table, failures first, each non-pass with its cause', () => {
    const md = verifyMarkdown(run);
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^\| model \| backend \| adapter \| status/);
    expect(lines[1]).toMatch(/^\|---\|/);
    expect(lines[2]).toMatch(/cntk\/mnist-8 \| wasm \| cpu \| \*\*mismatch\*\* \(not as expected\)/);
    expect(md).toContain(`- known: browser-webgpu \`caffe2/light-squeezenet\` mismatch: ${softmaxCause}`);
    expect(md).toMatch(/software \(not GPU\)/);
  });

  it('bench --format markdown is one table, a row per model × backend, with threads, x cpu and human units', () => {
    const bench = {
      machine: { cpuCount: 2, cpuModel: 'cpu', node: 'v20' },
      plan: { warmup: 1, iterations: 10 },
      work: {},
      rows: [
        {
          model: 'm',
          backend: 'cpu',
          adapter: { kind: 'cpu' },
          adapterLabel: 'cpu',
          status: 'pass',
          meetsExpectation: true,
          sessionCreateMs: 4,
          firstRunMs: 1,
          stats: results[3]!.latency!.stats,
          peakRssBytes: null,
          throughputPerS: 800,
          flops: 'unknown',
          gflopsPerS: null,
        },
      ],
    } as unknown as BenchRun;
    const md = benchMarkdown(bench);
    expect(md).toMatch(
      /### Benchmark\n\n\| model \| backend \| adapter \| threads \| status \| n \| median \[95% CI\] \| p90 \| x cpu \| throughput/,
    );
    expect(md.match(/^\| m \|/gm)).toHaveLength(1);
    expect(md).toMatch(/\| m \| cpu \| cpu \| - \| pass \| 10 \| [^|]* (µs|ms|s) [^|]*\|/);
  });

  it('colour only on a terminal, never with NO_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(renderVerify(run, { width: 100, colour: true })).toMatch(/\x1b\[31m/);
    expect(hasRawControl(renderVerify(run, { width: 100, colour: false }))).toBe(false);
  });
});

describe('control characters from a model never reach the terminal raw', () => {
  const evil = '\x1b]0;pwned\x07\x1b[2J\x1b[H\rAll 99 results as expected\x1b]52;c;ZXZpbA==\x07\u202e';
  it('safeText shows them as escapes', () => {
    expect(safeText('a\x1b[31mb\rc\n')).toBe('a\\e[31mb\\rc\\n');
    expect(safeText('\u202etxt')).toBe('\\u202etxt');
    expect(hasRawControl(safeText(evil))).toBe(false);
    expect(wrap(safeText(evil), 20).every((l) => !hasRawControl(l))).toBe(true);
  });

  let tmp: string;
  let modelPath: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'owb-output-'));
    const vi = (name: string) => ({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } },
    });
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      producerName: `evil${evil}`,
      producerVersion: `1${evil}`,
      docString: evil,
      opsetImport: [{ domain: '', version: 13 }],
      metadataProps: [{ key: `k${evil}`, value: `v${evil}` }],
      graph: {
        name: 'g',
        docString: evil,
        node: [{ opType: 'Relu', input: ['x'], output: ['y'], docString: evil }],
        input: [vi('x')],
        output: [vi('y')],
      } as GraphProto,
    }).finish();
    mkdirSync(join(tmp, 'm'));
    modelPath = join(tmp, 'm', 'model.onnx');
    writeFileSync(modelPath, bytes);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const clean = (r: { stdout: string; stderr: string }) => {
    expect(hasRawControl(r.stdout), JSON.stringify(r.stdout)).toBe(false);
    expect(hasRawControl(r.stderr), JSON.stringify(r.stderr)).toBe(false);
  };

  it('inspect, verify and evidence show print them escaped (text), JSON keeps them as \\u escapes', async () => {
    const env = { ONNX_WORKBENCH_EVIDENCE: join(tmp, 'evidence'), COLUMNS: '100' };
    const inspect = await runCli(['inspect', modelPath], { env, timeoutMs: 60_000 });
    expect(inspect.code, inspect.stderr).toBe(0);
    clean(inspect);
    expect(inspect.stdout).toContain('evil\\e]0;pwned\\x07\\e[2J');
    expect(inspect.stdout).toMatch(/metadata\s+k\\e\]0;pwned/);

    const verify = await runCli(['verify', modelPath, '--backend', 'cpu', '--iterations', '1', '--warmup', '0'], {
      env,
      timeoutMs: 120_000,
    });
    clean(verify);
    expect(verify.stdout).toContain('producer evil\\e]0;pwned');

    const json = await runCli(['inspect', modelPath, '--json'], { env, timeoutMs: 60_000 });
    clean(json);
    expect(parseJsonOutput<{ producerName: string }>(json).producerName).toBe(`evil${evil}`);

    const id = readdirSync(join(tmp, 'evidence'))
      .find((f) => f.endsWith('.json'))!
      .replace(/\.json$/, '');
    const show = await runCli(['evidence', 'show', id, '--dir', join(tmp, 'evidence')], { env, timeoutMs: 60_000 });
    expect(show.code, show.stderr).toBe(0);
    clean(show);
    expect(show.stdout).toContain('producer evil\\e]0;pwned');
  }, 240_000);

  it('the one-line error escapes what the user or a file gave it', async () => {
    const r = await runCli(['inspect', `no-such\x1b]0;t\x07file.onnx`], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    clean(r);
    expect(r.stderr).toContain('no-such\\e]0;t\\x07file.onnx');
  });
});
