import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as runCliIn, type RunCliOptions } from './helpers/cli.js';
import { classifyFailure } from '../src/diagnose/failure.js';
import { describePlacement, parsePlacement } from '../src/verify/placement.js';
import {
  classifyPlacement,
  isPlacementLogLine,
  offEpSummary,
  placementFromLog,
  shapeSubgraphNodes,
} from '../src/backends/placement.js';
import { loadModel } from '../src/onnx/model.js';

let tmp: string;
let evidenceDir: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'owb-path-'));
  evidenceDir = join(tmp, 'evidence');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** Every path run here writes its records into a private folder, never the repository's ./evidence. */
const runCli = (args: string[], opts: RunCliOptions = {}) =>
  runCliIn(args, { ...opts, env: { ONNX_WORKBENCH_EVIDENCE: evidenceDir, ...opts.env } });

/** onnxruntime's log line as its verbose session log writes it. */
const ortLine = (sev: string, where: string, body: string) =>
  `2026-12-01 23:26:25.245280 [${sev}:onnxruntime:, ${where}] ${body}`;
const placed = (body: string) => ortLine('V', 'session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp', body);

describe('path', () => {
  it('cntk to cpu and wasm passes with latency and placement', async () => {
    const r = await runCli(['path', '--from', 'cntk', '--to', 'cpu,wasm', '--json', '-q'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('pass');
    expect(report.models).toEqual(['cntk/mnist-8']);
    const cpu = report.backends.find((b: { backend: string }) => b.backend === 'cpu');
    expect(cpu.steps.find((s: { step: string }) => s.step === 'latency').status).toBe('ok');
    expect(cpu.steps.find((s: { step: string }) => s.step === 'placement').detail).toMatch(/CPUExecutionProvider/);
    // onnxruntime-web's WASM backend is its CPU execution provider compiled to WebAssembly.
    const wasm = report.backends.find((b: { backend: string }) => b.backend === 'wasm');
    expect(wasm.steps.find((s: { step: string }) => s.step === 'placement')).toMatchObject({
      status: 'ok',
      detail: 'mnist-8: 6 node(s) on CPUExecutionProvider',
    });
  });

  it('on WebGPU: the GRU that falls back in the browser is the warning; the shape subgraph on the CPU is normal', async () => {
    // 20 timed runs on the Node WebGPU EP log every shader program: far more than the 64 KiB stderr tail.
    const gru = await runCli(
      ['path', '--backend', 'webgpu,browser-webgpu', '--model', 'models/pytorch/fresh-gru/model.onnx', '--no-evidence'],
      { timeoutMs: 180_000, env: { COLUMNS: '200' } },
    );
    expect(gru.code).toBe(0);
    // The table, one row per backend, and the fallback named with the runtime's reason and its copies.
    expect(gru.stdout).toMatch(/backend\s+model\s+adapter\s+loads\s+vs reference\s+vs cpu\s+p50\s+off the EP/);
    expect(gru.stdout).toMatch(
      /\nwebgpu\s+model\.onnx\s+software \(not GPU\)\s+yes\s+match\s+match\s+[\d.]+ ms\s+none\n/,
    );
    expect(gru.stdout).toMatch(
      /\nbrowser-webgpu\s+model\.onnx\s+software \(not GPU\)\s+yes\s+match\s+match\s+[\d.]+ ms\s+2 fell back \(GRU\), 4 Memcpy\n/,
    );
    expect(gru.stdout).toContain(
      'warning: browser-webgpu model.onnx: 2 compute node(s) fell back from JsExecutionProvider to the CPU; 4 Memcpy node(s): 4 host-device copies per run',
    );
    expect(gru.stdout).toContain(
      'GRU (/gru/GRU): no JsExecutionProvider kernel for GRU at ai.onnx opset 17 (type or version not implemented; onnxruntime: "webgpu kernel not found in registries for Op type: GRU")',
    );
    // Software WebGPU: one line saying how to get GPU numbers, in the adapter module's words.
    expect(gru.stdout).toContain(
      'software (not GPU) WebGPU adapter: for GPU latency, run `onnx-workbench serve` and open its page in a browser on a machine with a GPU',
    );

    const shape = await runCli(
      [
        'path',
        '--backend',
        'webgpu',
        '--model',
        'models/pytorch/fresh-transformer-block/model.onnx',
        '--json',
        '-q',
        '--no-evidence',
      ],
      { timeoutMs: 180_000 },
    );
    expect(shape.code).toBe(0);
    const report = JSON.parse(shape.stdout);
    const step = report.backends[0].steps.find((s: { step: string }) => s.step === 'placement');
    expect(step.status).toBe('ok'); // int64 shape arithmetic kept on the CPU on purpose is no warning
    expect(step.detail).toMatch(/off the EP: none; shape subgraph on CPU \(normal\): 28 nodes/);
    expect(report.table[0].placement.analysis).toMatchObject({
      executionProvider: 'WebGpuExecutionProvider',
      fallback: [],
      memcpy: 0,
      shapeOnCpu: { nodes: 28 },
    });
    expect(report.softwareAdapter).toBe(true);
  }, 400_000);

  it('writes an evidence record (placement included) that refresh and evidence list read; --no-evidence writes none', async () => {
    const dir = join(tmp, 'path-evidence');
    const r = await runCli(['path', '--from', 'cntk', '--backend', 'cpu,wasm', '-q', '--evidence-dir', dir]);
    expect(r.code).toBe(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    expect(r.stdout).toContain(`evidence: ${join(dir, files[0]!)}`);
    const record = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
    expect(record.kind).toBe('path');
    expect(record.results.map((x: { backend: string }) => x.backend)).toEqual(['cpu', 'wasm']);
    expect(record.results[1].placement.groups[0].executionProvider).toBe('CPUExecutionProvider');
    const refresh = JSON.parse((await runCli(['refresh', '--evidence-dir', dir, '--json'])).stdout);
    const cntk = refresh.cells.find((c: { framework: string }) => c.framework === 'cntk');
    expect(cntk.records).toEqual([record.id]);
    expect(cntk.basis).toMatch(/^level 1/);
    const list = await runCli(['evidence', 'list', '--evidence-dir', dir], { env: { COLUMNS: '200' } });
    expect(list.stdout).toMatch(new RegExp(`${record.id}\\s+path\\s`));
    const out = join(tmp, 'report');
    const report = await runCli(['report', '--evidence-dir', dir, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`${record.id}</a> — path,`);

    const none = join(tmp, 'no-evidence');
    const n = await runCli([
      'path',
      '--from',
      'cntk',
      '--backend',
      'cpu',
      '-q',
      '--no-evidence',
      '--evidence-dir',
      none,
    ]);
    expect(n.code).toBe(0);
    expect(n.stdout).not.toContain('evidence:');
    expect(() => readdirSync(none)).toThrow();
  });

  it("takes verify's run options: --dim/--seed for generated inputs, --atol/--rtol, --validate, --save-outputs", async () => {
    // The transformer block has symbolic dims; with no data beside a copy it gets generated inputs.
    const model = 'models/pytorch/fresh-transformer-block/model.onnx';
    const saved = join(tmp, 'out.npz');
    const r = await runCli(
      [
        'path',
        '--backend',
        'wasm',
        '--model',
        model,
        '--atol',
        '0',
        '--rtol',
        '0',
        '--validate',
        '--save-outputs',
        saved,
        '--json',
        '-q',
        '--no-evidence',
      ],
      { timeoutMs: 120_000 },
    );
    const report = JSON.parse(r.stdout);
    const result = report.evidence.results.find((x: { backend: string }) => x.backend === 'wasm');
    expect(result.tolerance).toEqual({ atol: 0, rtol: 0 });
    expect(result.validation.ok).toBe(true);
    expect(report.backends[0].steps.find((s: { step: string }) => s.step === 'validate').status).toBe('ok');
    expect(readdirSync(tmp)).toContain('out.npz');
    expect(r.stderr).toMatch(/saved wasm's outputs/);
    // A copy with no data beside it: inputs are generated, with --dim and --seed honoured.
    const copy = join(tmp, 'block.onnx');
    copyFileSync(model, copy);
    const gen = JSON.parse(
      (
        await runCli(
          [
            'path',
            '--backend',
            'cpu',
            '--model',
            copy,
            '--dim',
            'batch=3',
            '--seed',
            '7',
            '--json',
            '-q',
            '--no-evidence',
          ],
          { timeoutMs: 120_000 },
        )
      ).stdout,
    );
    expect(gen.evidence.results[0].inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [3, 12, 32] }]);
    expect(gen.model.detail).toMatch(/no reference data given, the cpu backend is the reference/);
    // A tolerance for an output the model lacks is a usage error before anything runs.
    const typo = await runCli(['path', '--backend', 'cpu', '--model', model, '--atol', 'nosuch:1e-3', '--no-evidence']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--atol\/--rtol name output 'nosuch'/);
    // --inputs without --model has nothing to apply to.
    const stray = await runCli(['path', '--from', 'cntk', '--backend', 'cpu', '--inputs', 'x.npz', '--no-evidence']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--inputs and --manifest apply to --model/);
  });

  it('parses a split placement block and ignores the warning after it', () => {
    const at = (n: number, sev: string, body: string) =>
      `2026-11-25 08:09:33.67${n} [${sev}:onnxruntime:, session_state.cc:13${n} VerifyEachNodeIsAssignedToAnEp] ${body}`;
    const log = [
      at(0, 'V', 'Node placements'),
      at(1, 'V', ' Node(s) placed on [CPUExecutionProvider]. Number of nodes: 1'),
      at(2, 'V', '  GRU (/gru/GRU)'),
      at(3, 'V', ' Node(s) placed on [JsExecutionProvider]. Number of nodes: 2'),
      at(4, 'V', '  Transpose (/gru/Transpose)'),
      at(5, 'V', '  MemcpyToHost (Memcpy_token_1)'),
      `\x1b[0;93m${at(6, 'W', 'Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance.')}\x1b[m`,
      '2026-11-25 08:09:33.690 [V:onnxruntime:, session_state.cc:186 CreateGraphInfo] SaveMLValueNameIndexMapping',
    ].join('\n');
    const p = parsePlacement(log)!;
    expect(p).toEqual({
      allOnOne: false,
      groups: [
        { executionProvider: 'CPUExecutionProvider', nodes: 1, ops: ['GRU (/gru/GRU)'] },
        {
          executionProvider: 'JsExecutionProvider',
          nodes: 2,
          ops: ['Transpose (/gru/Transpose)', 'MemcpyToHost (Memcpy_token_1)'],
        },
      ],
    });
    expect(describePlacement(p)).toBe(
      '1 node(s) on CPUExecutionProvider (GRU); 2 node(s) on JsExecutionProvider (Transpose, MemcpyToHost)',
    );
    expect(parsePlacement('no placement here')).toBeUndefined();
  });

  it('an opset-6 PyTorch export fails at the load step and names the missing kernel', async () => {
    const r = await runCli([
      'path',
      '--from',
      'pytorch',
      '--to',
      'cpu',
      '--model',
      'models/pytorch/pytorch-converted/test_AvgPool1d/model.onnx',
      '--json',
      '-q',
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const load = report.backends[0].steps.find((s: { step: string }) => s.step === 'load');
    expect(load.status).toBe('fail');
    expect(load.cause.kind).toBe('missing-kernel');
    expect(load.detail).toMatch(/AveragePool/);
  });

  it('a framework with no bundled export fails at the model step', async () => {
    const r = await runCli(['path', '--from', 'dl4j', '--to', 'cpu', '--json', '-q']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).model.status).toBe('fail');
  });

  it('MXNet, whose exports carry no reference, is checked with its bundled export across backends', async () => {
    const r = await runCli(['path', '--from', 'mxnet', '--to', 'cpu,wasm', '--json', '-q'], { timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout);
    expect(report.models).toEqual(['mxnet/crazyara_tic_tac_toe_bsize1']);
    expect(report.verdict).toBe('pass');
    const wasm = report.backends.find((b: { backend: string }) => b.backend === 'wasm');
    expect(wasm.steps.find((s: { step: string }) => s.step === 'cross-backend').status).toBe('ok');
  });

  it("infers --from from the model's exporter fingerprint; --from overrides it", async () => {
    const model = 'models/mxnet/crazyara_tic_tac_toe_bsize1/model.onnx';
    const inferred = JSON.parse((await runCli(['path', '--to', 'cpu', '--model', model, '--json', '-q'])).stdout);
    expect(inferred).toMatchObject({ from: 'mxnet', fromInferred: true });
    expect(inferred.model.detail).toMatch(
      /exporter: MXNet \(mx2onnx\), by graph name `mxnet_converted_model`.*\(--from inferred from it\)/,
    );
    const overridden = JSON.parse(
      (await runCli(['path', '--from', 'pytorch', '--to', 'cpu', '--model', model, '--json', '-q'])).stdout,
    );
    expect(overridden.from).toBe('pytorch');
    expect(overridden.fromInferred).toBeUndefined();
    expect(overridden.model).toMatchObject({ status: 'warn' });
    expect(overridden.model.detail).toMatch(/not pytorch's, as --from says/);
    const none = await runCli(['path', '--to', 'cpu']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/path needs --from <framework>, or --model/);
  });

  it('classifies onnxruntime failure messages', () => {
    expect(classifyFailure("Could not find an implementation for Add(6) node with name ''").kind).toBe(
      'missing-kernel',
    );
    expect(classifyFailure('Program Transpose requires f16 but the device does not support it.').kind).toBe('dtype');
    expect(classifyFailure('Missing opset in the model. All ModelProtos MUST have at least one entry').kind).toBe(
      'opset',
    );
    expect(classifyFailure('something else').kind).toBe('other');
  });

  it('tells a compute node that fell back (GRU) from the shape subgraph kept on the CPU, with Memcpy count and reason', () => {
    // The GRU model's real log on browser-webgpu (onnxruntime-web 1.30, JSEP), shortened.
    const gruLog = [
      ortLine('I', 'graph_transformer.cc:15 Apply', 'GraphTransformer ConstantFolding modified: 1 with status: OK'),
      ortLine(
        'I',
        'js_execution_provider.cc:823 GetCapability',
        'webgpu kernel not found in registries for Op type: GRU node name: /gru/GRU',
      ),
      placed('Node placements'),
      placed(' Node(s) placed on [CPUExecutionProvider]. Number of nodes: 1'),
      placed('  GRU (/gru/GRU)'),
      placed(' Node(s) placed on [JsExecutionProvider]. Number of nodes: 4'),
      placed('  Transpose (/gru/Transpose)'),
      placed('  Gemm (/proj/MatMul/MatMulAddFusion)'),
      placed('  MemcpyFromHost (Memcpy)'),
      placed('  MemcpyToHost (Memcpy_token_1)'),
    ].join('\n');
    expect(gruLog.split('\n').every(isPlacementLogLine)).toBe(false); // the transformer line is not kept
    const graph = loadModel('models/pytorch/fresh-gru/model.onnx').proto.graph!;
    const gru = placementFromLog(gruLog, graph)!;
    expect(gru.notTaken).toEqual({ '/gru/GRU': 'webgpu kernel not found in registries for Op type: GRU' });
    expect(gru.analysis).toEqual({
      executionProvider: 'JsExecutionProvider',
      onEp: 2,
      shapeOnCpu: { nodes: 0, ops: [] },
      fallback: [{ op: 'GRU', name: '/gru/GRU', reason: 'webgpu kernel not found in registries for Op type: GRU' }],
      memcpy: 2,
    });
    expect(offEpSummary(gru)).toBe('1 fell back (GRU), 2 Memcpy');

    // The transformer block's int64 shape arithmetic on the Node WebGPU EP: normal, no copies.
    const shapeLog = [
      ortLine(
        'I',
        'webgpu_execution_provider.cc:665 GetCapability',
        'webgpu kernel not found in registries for Op type: Mul node name: /layer/self_attn/Mul_1',
      ),
      ortLine(
        'I',
        'fallback_cpu_capability.cc:89 operator()',
        'Candidate for fallback CPU execution: /layer/self_attn/Gather',
      ),
      placed('Node placements'),
      placed(' Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3'),
      placed('  Gather (/layer/self_attn/Gather)'),
      placed('  Mul (/layer/self_attn/Mul_1)'),
      placed('  Concat (/layer/self_attn/Concat)'),
      placed(' Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 2'),
      placed('  Shape (/layer/self_attn/Shape_2)'),
      placed('  MatMul (/layer/self_attn/MatMul)'),
    ].join('\n');
    const tgraph = loadModel('models/pytorch/fresh-transformer-block/model.onnx').proto.graph!;
    const shapes = shapeSubgraphNodes(tgraph);
    expect(shapes.has('/layer/self_attn/Concat')).toBe(true); // fed by Shape -> Gather -> Unsqueeze
    expect(shapes.has('/layer/self_attn/MatMul')).toBe(false); // tensor data
    const t = placementFromLog(shapeLog, tgraph)!;
    expect(t.cpuPreferred).toEqual(['/layer/self_attn/Gather']);
    expect(t.analysis).toMatchObject({ fallback: [], memcpy: 0, shapeOnCpu: { nodes: 3 } });
    expect(offEpSummary(t)).toBe('none; shape subgraph on CPU (normal): 3 nodes');
    // Without the graph, a CPU node is shape work only when onnxruntime said so itself.
    expect(classifyPlacement(t, undefined)!.fallback.map((f) => f.name)).toEqual([
      '/layer/self_attn/Mul_1',
      '/layer/self_attn/Concat',
    ]);
    // Every node on one provider: nothing to tell apart.
    expect(
      placementFromLog(
        [placed('Node placements'), placed(' All nodes placed on [CPUExecutionProvider]. Number of nodes: 6')].join(
          '\n',
        ),
        graph,
      ),
    ).toEqual({ groups: [{ executionProvider: 'CPUExecutionProvider', nodes: 6, ops: [] }], allOnOne: true });
  });
});
