/**
 * Validation by the streaming reader's name ids (`nodeNameIds`) gives exactly what validation by
 * names gives (a whole-file protobufjs decode, which has no ids): the same problems, the same
 * first error, on valid graphs, broken ones, subgraphs reading outer names, a node too large to
 * decode in the window, and a node list edited after the read (which must not use stale ids).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx, type ModelProto } from '../src/onnx/proto.js';
import { nodeNameIds, readModelStructure } from '../src/onnx/modelReader.js';
import { validateModel } from '../src/onnx/validate.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'owb-validate-ids-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Node = { opType: string; input: string[]; output: string[]; name?: string; attribute?: object[] };
const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });

/**
 * The reader descends only into a graph over 64 KiB (a smaller one is decoded whole, by names):
 * each graph gets 4000 Identity nodes on a side branch from `x` after its own nodes.
 */
const PAD = Array.from({ length: 4000 }, (_, i) => ({
  opType: 'Identity',
  input: [i === 0 ? 'x' : `pad${i}`],
  output: [`pad${i + 1}`],
}));

function write(name: string, nodes: Node[], inputs: string[], outputs: string[]): string {
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: [...nodes, ...PAD], input: inputs.map(vi), output: outputs.map(vi) },
  }).finish();
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

/** What validation says: the warnings, or the error's message and its problems. */
function outcome(proto: ModelProto, path: string) {
  try {
    return { warnings: validateModel(proto, path) };
  } catch (e) {
    return { error: (e as Error).message, problems: (e as { problems?: unknown }).problems };
  }
}

function both(path: string) {
  const streamed = readModelStructure(path).proto;
  const decoded = onnx.ModelProto.decode(readFileSync(path));
  return { streamed, ids: outcome(streamed, path), names: outcome(decoded, path) };
}

const chain = (n: number): Node[] =>
  Array.from({ length: n }, (_, i) => ({
    opType: 'Add',
    input: [i === 0 ? 'x' : `t${i}`, 'b'],
    output: [`t${i + 1}`],
    name: `add${i}`,
  }));

describe('validation by name ids', () => {
  it('the reader records ids for the node list it decoded, and a valid chain passes both ways', () => {
    const path = write('chain', chain(50), ['x', 'b'], ['t50']);
    const r = both(path);
    const ids = nodeNameIds(r.streamed.graph!.node!);
    expect(ids).toBeDefined();
    expect(ids!.nodes).toBe(50 + PAD.length);
    expect(ids!.names[ids!.outIds[49]!]).toBe('t50'); // one output per node
    expect(ids!.names[ids!.inIds[2]!]).toBe('t1'); // two inputs per node of the chain
    expect(r.ids).toEqual({ warnings: [] });
    expect(r.ids).toEqual(r.names);
  });

  const broken: Array<[string, Node[], string[], string[], RegExp]> = [
    [
      'duplicate producer',
      [...chain(3), { opType: 'Relu', input: ['x'], output: ['t2'], name: 'again' }],
      ['x', 'b'],
      ['t3'],
      /'t2' is produced by node #1 'add1' \(Add\) and again by node #3 'again'/,
    ],
    [
      'output that is a graph input',
      [...chain(2), { opType: 'Relu', input: ['t2'], output: ['b'] }],
      ['x', 'b'],
      ['t2'],
      /'b' is a graph input and also produced by node #2/,
    ],
    [
      'dangling input',
      [...chain(2), { opType: 'Add', input: ['t2', 'nowhere'], output: ['y'] }],
      ['x', 'b'],
      ['y'],
      /'nowhere'/,
    ],
    [
      'cycle',
      [
        { opType: 'Add', input: ['x', 'z'], output: ['y'] },
        { opType: 'Relu', input: ['y'], output: ['z'] },
      ],
      ['x'],
      ['z'],
      /cycle/,
    ],
    [
      'control characters in names',
      [
        ...chain(2),
        { opType: 'Relu', input: ['t2'], output: ['bad\nname'] },
        { opType: 'Relu', input: ['bad\nname'], output: ['y'] },
      ],
      ['x', 'b'],
      ['y'],
      /'bad\\nname' has control characters/,
    ],
    ['missing graph output', chain(3), ['x', 'b'], ['t9'], /graph output 't9' is produced by no node/],
  ];
  for (const [what, nodes, inputs, outputs, message] of broken) {
    it(`${what}: the same error and problems as by names`, () => {
      const r = both(write(what.replace(/ /g, '-'), nodes, inputs, outputs));
      expect(nodeNameIds(r.streamed.graph!.node!)).toBeDefined();
      expect(r.ids.error).toMatch(message);
      expect(r.ids).toEqual(r.names);
    });
  }

  it('unsorted nodes: the same warning', () => {
    const nodes = chain(4);
    const r = both(write('unsorted', [nodes[0]!, nodes[2]!, nodes[1]!, nodes[3]!], ['x', 'b'], ['t4']));
    expect(r.ids.warnings?.[0]?.message).toMatch(/not in topological order/);
    expect(r.ids).toEqual(r.names);
  });

  it('a subgraph reading the main graph’s node outputs, and one reading a name nobody defines', () => {
    const branch = (reads: string) => ({
      name: 'body',
      node: [{ opType: 'Identity', input: [reads], output: ['inner'] }],
      output: [vi('inner')],
    });
    const ifNode = (reads: string): Node => ({
      opType: 'If',
      input: ['cond'],
      output: ['y'],
      attribute: [
        { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch(reads) },
        { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('t1') },
      ],
    });
    const ok = both(
      write(
        'if-ok',
        [...chain(2), { opType: 'Identity', input: ['x'], output: ['cond'] }, ifNode('t2')],
        ['x', 'b'],
        ['y'],
      ),
    );
    expect(ok.ids).toEqual({ warnings: [] });
    expect(ok.ids).toEqual(ok.names);
    const bad = both(
      write(
        'if-bad',
        [...chain(2), { opType: 'Identity', input: ['x'], output: ['cond'] }, ifNode('ghost')],
        ['x', 'b'],
        ['y'],
      ),
    );
    expect(bad.ids.error).toMatch(/'ghost'/);
    expect(bad.ids).toEqual(bad.names);
  });

  it('a node too large to decode in the window gets ids too (from its decoded names)', () => {
    const big: Node = {
      opType: 'Constant',
      input: [],
      output: ['c'],
      attribute: [
        {
          name: 'value',
          type: onnx.AttributeProto.AttributeType.TENSOR,
          t: { dims: [40000], dataType: 1, rawData: new Uint8Array(160000) },
        },
      ],
    };
    const nodes = [...chain(3), big, { opType: 'Add', input: ['t3', 'c'], output: ['t2'] }];
    const r = both(write('big-node', nodes, ['x', 'b'], ['t3']));
    const ids = nodeNameIds(r.streamed.graph!.node!)!;
    expect(ids.names[ids.outIds[3]!]).toBe('c');
    expect(r.ids.error).toMatch(/'t2' is produced by node #1 'add1' \(Add\) and again by node #4/);
    expect(r.ids).toEqual(r.names);
  });

  it('names that are not valid UTF-8 (two byte strings, one decoded name): no ids, validated by names', () => {
    // 'Z1' and 'Z2' are patched to 'a\xff' and 'a\xfe': both decode to 'a\uFFFD', one tensor by name.
    const path = write(
      'lossy',
      [
        ...chain(2),
        { opType: 'Relu', input: ['t2'], output: ['Z1'] },
        { opType: 'Relu', input: ['Z2'], output: ['y'] },
      ],
      ['x', 'b'],
      ['y'],
    );
    const bytes = readFileSync(path);
    for (let i = 0; i + 1 < bytes.length; i++)
      if (bytes[i] === 0x5a && (bytes[i + 1] === 0x31 || bytes[i + 1] === 0x32)) {
        bytes[i + 1] = bytes[i + 1] === 0x31 ? 0xff : 0xfe;
        bytes[i] = 0x61;
      }
    writeFileSync(path, bytes);
    const streamed = readModelStructure(path).proto;
    const nodes = streamed.graph!.node!;
    expect(nodes[2]!.output![0]).toBe(nodes[3]!.input![0]);
    expect(nodeNameIds(nodes)).toBeUndefined();
    const byNames = { ...streamed, graph: { ...streamed.graph, node: [...nodes] } } as ModelProto;
    expect(outcome(streamed, path)).toEqual(outcome(byNames, path));
    expect(outcome(streamed, path)).toEqual({ warnings: [] });
  });

  it('a node list edited after the read is validated by its names, not by the stale ids', () => {
    const path = write('edited', chain(5), ['x', 'b'], ['t5']);
    const streamed = readModelStructure(path).proto;
    const nodes = streamed.graph!.node!;
    nodes[2]!.input = ['gone', 'b'];
    expect(outcome(streamed, path).error).toMatch(/node #2 'add2' \(Add\) reads 'gone'/);
    nodes[2]!.input = ['t2', 'b'];
    nodes.push({ opType: 'Relu', input: ['t5'], output: ['t3'] });
    expect(outcome(streamed, path).error).toMatch(/'t3' is produced by node #2 'add2' \(Add\) and again by node #4005/);
  });
});
