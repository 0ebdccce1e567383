import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { classifyFailure } from '../src/diagnose/failure.js';
import { describePlacement, parsePlacement } from '../src/verify/placement.js';

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

  it('reports placement on both WebGPU backends: the GRU falls back to the CPU in the browser', async () => {
    // 20 timed runs on the Node WebGPU EP log every shader program: far more than the 64 KiB stderr tail.
    const r = await runCli(
      [
        'path',
        '--from',
        'pytorch',
        '--to',
        'webgpu,browser-webgpu',
        '--model',
        'models/pytorch/fresh-gru/model.onnx',
        '--json',
        '-q',
      ],
      { timeoutMs: 180_000 },
    );
    const report = JSON.parse(r.stdout);
    const placement = (id: string) =>
      report.backends
        .find((b: { backend: string }) => b.backend === id)
        .steps.find((s: { step: string }) => s.step === 'placement');
    expect(placement('webgpu')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^model\.onnx: \d+ node\(s\) on WebGpuExecutionProvider$/),
    });
    expect(placement('browser-webgpu')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /2 node\(s\) on CPUExecutionProvider \(GRU\); 11 node\(s\) on JsExecutionProvider \(/,
      ),
    });
    expect(placement('browser-webgpu').detail).not.toMatch(/Some/);
  }, 200_000);

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
});
