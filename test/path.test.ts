import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { classifyFailure } from '../src/path/failure.js';

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
  });

  it('an opset-6 PyTorch export fails at the load step and names the missing kernel', async () => {
    const r = await runCli(['path', '--from', 'pytorch', '--to', 'cpu', '--model', 'models/pytorch/pytorch-converted/test_AvgPool1d/model.onnx', '--json', '-q']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const load = report.backends[0].steps.find((s: { step: string }) => s.step === 'load');
    expect(load.status).toBe('fail');
    expect(load.cause.kind).toBe('missing-kernel');
    expect(load.detail).toMatch(/AveragePool/);
  });

  it('a framework with no bundled export fails at the model step', async () => {
    const r = await runCli(['path', '--from', 'mxnet', '--to', 'cpu', '--json', '-q']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).model.status).toBe('fail');
  });

  it('classifies onnxruntime failure messages', () => {
    expect(classifyFailure("Could not find an implementation for Add(6) node with name ''").kind).toBe('missing-kernel');
    expect(classifyFailure('Program Transpose requires f16 but the device does not support it.').kind).toBe('dtype');
    expect(classifyFailure('Missing opset in the model. All ModelProtos MUST have at least one entry').kind).toBe('opset');
    expect(classifyFailure('something else').kind).toBe('other');
  });
});
