/** `inspect --show nodes [--attrs]`: every node with its inputs, outputs and attributes. */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('inspect --show nodes', () => {
  it('lists every node with inputs and outputs; --attrs adds attributes; --json has them whole', async () => {
    const t = await runCli(['inspect', 'caffe2/light-squeezenet', '--show', 'nodes', '--attrs'], {
      env: { COLUMNS: '200' },
    });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/: 105 nodes/);
    expect(t.stdout).toMatch(/^\s*104\s+n65\s+Softmax\s+r65\s+softmaxout_1/m);
    expect(t.stdout).toMatch(/^\s*39\s+n0\s+Conv\s+data_0, conv1_w_0, conv1_b_0\s+r0\s+strides=\[2, 2\]/m);
    const j = await runCli(['inspect', 'caffe2/light-squeezenet', '--show', 'nodes', '--attrs', '--json']);
    const nodes = JSON.parse(j.stdout) as {
      index: number;
      opType: string;
      attributes: { name: string; value: unknown }[];
    }[];
    expect(nodes).toHaveLength(105);
    expect(nodes.find((n) => n.index === 39)!.attributes).toContainEqual({ name: 'kernel_shape', value: [3, 3] });
    const bad = await runCli(['inspect', 'caffe2/light-squeezenet', '--show', 'edges']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--show takes 'nodes'/);
  });
});
