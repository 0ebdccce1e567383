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
import { verify } from '../src/verify/verify.js';
import { seededRandom } from '../src/data/reference.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'bisect-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vi = (name: string, dims: number[]) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

/** x -> Mul(x, c1) -> Add(_, c2) -> Relu -> y, with c1 and c2 from Constant nodes. */
function chain(c2: number): Uint8Array {
  const scalar = (name: string, v: number) => ({
    opType: 'Constant',
    name,
    output: [name],
    attribute: [{ name: 'value', type: 4, t: { dataType: 1, dims: [], floatData: [v] } }],
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'bisect-test',
    opsetImport: [{ domain: '', version: 13 }],
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

/** x -> Relu -> MatMul(_, W[512, 64]) -> Tanh -> y: cpu and wasm sum the 512 products in a different order. */
function matmulChain(): Uint8Array {
  const rand = seededRandom(7);
  const w = Float32Array.from({ length: 512 * 64 }, () => rand() * 2 - 1);
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'bisect-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'mm',
      node: [
        { opType: 'Relu', name: 'relu0', input: ['x'], output: ['r'] },
        { opType: 'MatMul', name: 'mm', input: ['r', 'W'], output: ['m'] },
        { opType: 'Tanh', name: 'tanh', input: ['m'], output: ['y'] },
      ],
      initializer: [{ name: 'W', dataType: 1, dims: [512, 64], rawData: new Uint8Array(w.buffer) }],
      input: [vi('x', [4, 512])],
      output: [vi('y', [4, 64])],
    },
  }).finish();
}

const verifyFolder = async (folder: string, backend: 'cpu' | 'wasm', tolerance?: { atol: number; rtol: number }) => {
  const [t] = resolveTargets([folder]);
  const run = await verify([prepareTarget(t!)], {
    backends: [backend],
    plan: { warmup: 0, iterations: 1 },
    ...(tolerance ? { tolerance } : {}),
  });
  return run.results.find((r) => r.backend === backend)!;
};

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
    await expect(
      bisect(prepareTarget(t!), { backend: 'cpu', against: 'cpu', againstModel: 'models/cntk/mnist-8/model.onnx' }),
    ).rejects.toThrow(InputError);
  });

  it('the CLI exits 1 and names the node when the files diverge', async () => {
    const r = await runCli(['bisect', original, '--backend', 'cpu', '--against', 'cpu', '--against-model', altered]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/First divergent node: #\d+ c2 \(Constant\)/);
  });

  it('--extract writes the divergent node with its real inputs: the folder mismatches on the failing backend and passes on the reference', async () => {
    const model = join(dir, 'mm.onnx');
    writeFileSync(model, matmulChain());
    const out = join(dir, 'extract-mm');
    const [t] = resolveTargets([model]);
    const tolerance = { atol: 0, rtol: 0 }; // exact: the summation order alone makes wasm differ
    const r = await bisect(prepareTarget(t!), { backend: 'wasm', against: 'cpu', tolerance, extractDir: out });
    expect(r.firstDivergent?.node).toBe('mm');
    expect(r.divergentNode).toMatchObject({ opType: 'MatMul', domain: 'ai.onnx', opset: 13, outputs: ['m'] });
    // Its inputs still agreed: the MatMul itself is where the sides part.
    expect(r.divergentNode!.inputs.map((i) => [i.name, i.source, i.ok])).toEqual([
      ['r', '#0 relu0 (Relu)', true],
      ['W', 'initializer', true],
    ]);
    expect(r.extracted?.inputs).toEqual(['r']);
    expect(r.extracted?.initializers).toEqual(['W']);
    expect(r.extracted?.checks.map((c) => [c.backend, c.ok])).toEqual([
      ['wasm', false],
      ['cpu', true],
    ]);
    expect(r.extracted?.commands.reproduce).toBe(`onnx-workbench verify ${out} --backend wasm --atol 0 --rtol 0`);
    const m = loadModel(join(out, 'model.onnx')).proto;
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['MatMul']);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['r']);
    expect(
      existsSync(join(out, 'test_data_set_0', 'input_0.pb')) && existsSync(join(out, 'test_data_set_0', 'output_0.pb')),
    ).toBe(true);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/op `ai.onnx:MatMul`, opset 13/);
    const failing = await verifyFolder(out, 'wasm', tolerance);
    expect(failing.status).toBe('mismatch');
    expect(failing.referenceKind).toBe('user');
    expect((await verifyFolder(out, 'cpu', tolerance)).status).toBe('pass');
  });

  it("--extract with --against-model: the altered Constant as its own model mismatches the other file's output", async () => {
    const out = join(dir, 'extract-c2');
    const [t] = resolveTargets([original]);
    const r = await bisect(prepareTarget(t!), {
      backend: 'cpu',
      against: 'cpu',
      againstModel: altered,
      extractDir: out,
    });
    expect(r.divergentNode?.attributes).toEqual([
      { name: 'value', value: { tensor: 'float32', dims: [], values: [0.5] } },
    ]);
    expect(r.extracted?.commands.pass).toBeUndefined();
    const result = await verifyFolder(out, 'cpu');
    expect(result.status).toBe('mismatch');
    expect(result.comparison?.outputs[0]?.maxAbsError).toBeCloseTo(0.25, 6);
  });

  it('--extract refuses a folder that is not empty before running anything, and bisect needs --backend', async () => {
    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'mine');
    const [t] = resolveTargets([original]);
    await expect(
      bisect(prepareTarget(t!), { backend: 'cpu', against: 'cpu', againstModel: altered, extractDir: busy }),
    ).rejects.toThrow(/not empty/);
    expect(readFileSync(join(busy, 'keep.txt'), 'utf8')).toBe('mine');
    const noBackend = await runCli(['bisect', original, '--against-model', altered]);
    expect(noBackend.code).toBe(2);
    expect(noBackend.stderr).toMatch(/--backend/);
  });

  it("the text names the default --against and the node's opset and attributes", async () => {
    const r = await runCli(['bisect', original, '--backend', 'cpu', '--against-model', altered]);
    expect(r.stdout).toMatch(/op ai.onnx:Constant, opset 13; attributes: value=float32\[\] \(0.5\)/);
    const d = await runCli(['bisect', original, '--backend', 'cpu']);
    expect(d.stdout).toMatch(/cpu against cpu \(the default --against\)/);
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
