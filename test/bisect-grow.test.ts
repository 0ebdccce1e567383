/**
 * bisect --extract grows the extracted subgraph backwards until it reproduces. The failing backend
 * is a deterministic fake behind the Backend interface: the real cpu backend (in its worker) running
 * a perturbed copy of each model it is given, so a divergence appears only where the perturbed node
 * is part of the model, the way a backend's drift upstream makes a node downstream diverge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx, type ModelProto } from '../src/onnx/proto.js';
import { bisectWith } from '../src/bisect/bisect.js';
import { extractSubgraph, growBackwards } from '../src/bisect/extract.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { resolveTargets } from '../src/models/catalog.js';
import { startBackends, type BackendSet } from '../src/isolation/pool.js';
import type { Backend } from '../src/backends/types.js';
import { renderBisect } from '../src/format/bisect.js';

const dir = mkdtempSync(join(tmpdir(), 'bisect-grow-'));
let cpuSet: BackendSet;
beforeAll(async () => {
  cpuSet = await startBackends(['cpu']);
});
afterAll(async () => {
  await cpuSet?.close();
  rmSync(dir, { recursive: true, force: true });
});

const vi = (name: string, dims: number[]) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});
const scalar = (name: string, v: number) => ({ name, dataType: 1, dims: [], floatData: [v] });

/** x -A: Mul(x, one_a)-> a -P: Mul(a, one_p)-> p -N: Mul(p, k)-> y (k = 1000 amplifies p's drift). */
function chain(): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'bisect-grow-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'chain',
      node: [
        { opType: 'Mul', name: 'A', input: ['x', 'one_a'], output: ['a'] },
        { opType: 'Mul', name: 'P', input: ['a', 'one_p'], output: ['p'] },
        { opType: 'Mul', name: 'N', input: ['p', 'k'], output: ['y'] },
      ],
      initializer: [scalar('one_a', 1), scalar('one_p', 1), scalar('k', 1000)],
      input: [vi('x', [2, 3])],
      output: [vi('y', [2, 3])],
    },
  }).finish();
}

/**
 * A fake 'wasm': cpu on a copy of the model whose `one_p` is 1.00001 when `when(model)` holds: P's
 * output then drifts by 1e-5 (inside atol 1e-3) and N's by 1e-2 (beyond it).
 */
function driftingBackend(cpu: Backend, when: (m: ModelProto) => boolean): Backend {
  return {
    id: 'wasm',
    title: 'fake drifting backend',
    checkAvailable: async () => ({ available: true }),
    describe: () => cpu.describe(),
    close: async () => {},
    measure: (model, feeds, plan, options) => {
      const m = onnx.ModelProto.decode(model.bytes);
      const init = (m.graph?.initializer ?? []).find((t) => t.name === 'one_p');
      if (init && when(m)) {
        init.floatData = [];
        init.rawData = new Uint8Array(new Float32Array([1.00001]).buffer);
      }
      return cpu.measure({ ...model, bytes: onnx.ModelProto.encode(m).finish() }, feeds, plan, options);
    },
  };
}

function fakeSet(when: (m: ModelProto) => boolean): BackendSet {
  const cpu = cpuSet.backends.get('cpu')!;
  const status = cpuSet.statuses.find((s) => s.id === 'cpu')!;
  return {
    backends: new Map([
      ['cpu', cpu],
      ['wasm', driftingBackend(cpu, when)],
    ]),
    statuses: [status, { ...status, id: 'wasm' }],
    close: async () => {},
  } as unknown as BackendSet;
}

function prepared() {
  const file = join(dir, 'chain.onnx');
  writeFileSync(file, chain());
  return prepareTarget(resolveTargets([file])[0]!);
}

const hasNode = (name: string) => (m: ModelProto) => (m.graph?.node ?? []).some((n) => n.name === name);
const tolerance = { atol: 1e-3, rtol: 0 };

describe('growing the extracted subgraph backwards', () => {
  it('one step adds the producers of the inputs read from outside; nothing upstream of graph inputs', () => {
    const proto = onnx.ModelProto.decode(chain());
    expect(growBackwards(proto, [2])).toEqual([1, 2]);
    expect(growBackwards(proto, [1, 2])).toEqual([0, 1, 2]);
    expect(growBackwards(proto, [0, 1, 2])).toEqual([0, 1, 2]);
    const a = { dtype: 'float32' as const, dims: [2, 3], data: new Float32Array(6).fill(2) };
    const x = extractSubgraph(proto, [1, 2], 2, (n) => (n === 'a' || n === 'y' ? a : undefined));
    expect(x.inputs.map(([n]) => n)).toEqual(['a']); // p is produced inside
    expect(x.initializers).toEqual(['one_p', 'k']);
    expect(x.outputs.map(([n]) => n)).toEqual(['y']);
    expect(onnx.ModelProto.decode(x.model).graph!.node!.map((n) => n.name)).toEqual(['P', 'N']);
  });

  it('the node alone matches; grown one step (with its producer P) it reproduces, cpu passing', async () => {
    const out = join(dir, 'x1');
    const r = await bisectWith(prepared(), fakeSet(hasNode('P')), {
      backend: 'wasm',
      against: 'cpu',
      tolerance,
      extractDir: out,
    });
    expect(r.firstDivergent?.node).toBe('N');
    const x = r.extracted!;
    expect(x.attempts.map((a) => [a.nodes, a.reproduced])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(x.reproduced).toBe(true);
    expect(x.nodes).toEqual(['#1 P (Mul)', '#2 N (Mul)']);
    expect(x.checks.map((c) => [c.backend, c.ok])).toEqual([
      ['wasm', false],
      ['cpu', true],
    ]);
    const model = onnx.ModelProto.decode(readFileSync(join(out, 'model.onnx')));
    expect(model.graph!.node!.map((n) => n.name)).toEqual(['P', 'N']);
    expect(model.graph!.input!.map((i) => i.name)).toEqual(['a']);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/grew backwards from the node .* until it reproduced/);
    expect(renderBisect(r)).toMatch(/grown 1 step\(s\), 2 nodes: .*wasm differs.*: reproduces/);
  });

  it('says it never reproduced within N steps, and stops at the graph inputs', async () => {
    // The drift needs A in the model too: one step is not enough.
    const r1 = await bisectWith(prepared(), fakeSet(hasNode('A')), {
      backend: 'wasm',
      against: 'cpu',
      tolerance,
      extractDir: join(dir, 'x2'),
      growSteps: 1,
    });
    expect(r1.extracted!.reproduced).toBe(false);
    expect(r1.extracted!.attempts.map((a) => a.nodes)).toEqual([1, 2]);
    expect(r1.extracted!.stoppedBecause).toMatch(/^1 growth step\(s\)/);
    expect(renderBisect(r1)).toMatch(/did not reproduce in any extracted subgraph \(stopped: 1 growth step/);
    expect(readFileSync(join(dir, 'x2', 'README.md'), 'utf8')).toMatch(/\*\*Did not reproduce\*\*/);

    // With room to grow it reproduces at the whole chain.
    const r2 = await bisectWith(prepared(), fakeSet(hasNode('A')), {
      backend: 'wasm',
      against: 'cpu',
      tolerance,
      extractDir: join(dir, 'x3'),
    });
    expect(r2.extracted!.attempts.map((a) => [a.nodes, a.reproduced])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);

    // A drift only with every intermediate exposed (many graph outputs) never reproduces in a subgraph.
    const r3 = await bisectWith(
      prepared(),
      fakeSet((m) => (m.graph?.output ?? []).length > 1),
      { backend: 'wasm', against: 'cpu', tolerance, extractDir: join(dir, 'x4') },
    );
    expect(r3.firstDivergent?.node).toBe('N');
    expect(r3.extracted!.reproduced).toBe(false);
    expect(r3.extracted!.stoppedBecause).toBe('the subgraph reached the graph inputs');
    expect(r3.extracted!.attempts.map((a) => a.nodes)).toEqual([1, 2, 3]);
  });
});
