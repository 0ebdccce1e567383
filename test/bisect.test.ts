import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '../src/onnx/proto.js';
import { loadModel } from '../src/onnx/model.js';
import { bisect } from '../src/bisect/bisect.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { resolveTargets } from '../src/models/catalog.js';
import { topologicalOrder } from '../src/onnx/topo.js';
import { InputError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bisect-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** x -> Mul(x, c1) -> Add(_, c2) -> Relu -> y, with c1 and c2 from Constant nodes. */
function chain(c2: number): Uint8Array {
  const scalar = (name: string, v: number) => ({ opType: 'Constant', name, output: [name], attribute: [{ name: 'value', type: 4, t: { dataType: 1, dims: [], floatData: [v] } }] });
  return onnx.ModelProto.encode({
    irVersion: 8, producerName: 'bisect-test', opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'chain',
      node: [
        scalar('c1', 2),
        scalar('c2', c2),
        { opType: 'Mul', name: 'mul', input: ['x', 'c1'], output: ['m'] },
        { opType: 'Add', name: 'add', input: ['m', 'c2'], output: ['a'] },
        { opType: 'Relu', name: 'relu', input: ['a'], output: ['y'] },
      ],
      input: [vi('x', [2, 3])],
      output: [vi('y', [2, 3])],
    },
  }).finish();
}

describe('bisect', () => {
  const original = join(dir, 'chain.onnx');
  const altered = join(dir, 'chain-altered.onnx');
  writeFileSync(original, chain(0.5));
  writeFileSync(altered, chain(0.75));

  it('names the node whose constant was altered, and shows the error growing to the output', async () => {
    const [target] = resolveTargets([original]);
    const report = await bisect(prepareTarget(target!), { backend: 'cpu', against: 'cpu', againstModel: altered });
    expect(report.firstDivergent?.node).toBe('c2');
    expect(report.firstDivergent?.opType).toBe('Constant');
    expect(report.path.map((n) => n.node)).toEqual(['c2', 'add', 'relu']);
    expect(report.path[1]!.maxAbsError).toBeCloseTo(0.25, 5);
    expect(report.nodes.find((n) => n.node === 'mul')?.ok).toBe(true);
    expect(report.finalOutputsDiffer).toBe(true);
  });

  it('finds no divergence between identical files, and between cpu and wasm on a Caffe2 graph', async () => {
    const [t] = resolveTargets([original]);
    const same = await bisect(prepareTarget(t!), { backend: 'cpu', against: 'cpu', againstModel: original });
    expect(same.firstDivergent).toBeUndefined();
    const [sq] = resolveTargets(['caffe2/light-squeezenet']);
    const r = await bisect(prepareTarget(sq!), { backend: 'wasm', against: 'cpu' });
    expect(r.compared).toBeGreaterThan(50);
    expect(r.firstDivergent).toBeUndefined();
  });

  it('refuses a second file that is not the same graph', async () => {
    const [t] = resolveTargets([original]);
    await expect(bisect(prepareTarget(t!), { backend: 'cpu', against: 'cpu', againstModel: 'models/cntk/mnist-8/model.onnx' })).rejects.toThrow(InputError);
  });

  it('the CLI exits 1 and names the node when the files diverge', async () => {
    const r = await runCli(['bisect', original, '--backend', 'cpu', '--against', 'cpu', '--against-model', altered]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/First divergent node: #\d+ c2 \(Constant\)/);
  });

  it('orders nodes topologically even when the file does not', () => {
    const m = loadModel(original).proto;
    m.graph!.node = [...m.graph!.node!].reverse();
    expect(topologicalOrder(m.graph!).map((x) => x.node.name)).toEqual(['c2', 'c1', 'mul', 'add', 'relu']);
    m.graph!.node![0]!.input = ['y'];
    m.graph!.node!.find((n) => n.name === 'c2')!.input = ['y'];
    expect(() => topologicalOrder(m.graph!)).toThrow(/cycle/);
  });
});
