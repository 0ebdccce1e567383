/**
 * Issue 8: every bad input ends in a result or one clear line (exit 2), never a stack trace, a
 * hang or an allocation beyond the limit. Library checks (loadModel → validateModel,
 * resolveExternalData, prepareTarget) and the same inputs through the built CLI.
 * Fixtures: test/fixtures/robustness/ (generate.py), plus models built here in a temp folder.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadModel } from '../src/onnx/model.js';
import { summarize } from '../src/onnx/inspect.js';
import { onnx, type GraphProto, type TensorProto } from '../src/onnx/proto.js';
import { validateModel } from '../src/onnx/validate.js';
import { resolveExternalData } from '../src/onnx/externalData.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { loadCatalog } from '../src/models/catalog.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { expectRefused } from './helpers/errors.js';

const FIX = join(repoRoot, 'test', 'fixtures', 'robustness');
const MNIST = join(repoRoot, 'models', 'cntk', 'mnist-8', 'model.onnx');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'owb-robust-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// ---- building models -------------------------------------------------------------------------

const F32 = 1;
const vi = (name: string, dims: (number | string)[] = [4], elemType = F32) => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
const floats = (name: string, values: number[], dims = [values.length]): TensorProto => ({
  name,
  dims,
  dataType: F32,
  rawData: new Uint8Array(new Float32Array(values).buffer),
});
const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => ({
  opType,
  input,
  output,
  attribute,
});

/** y = x + w; `graph` overrides fields of the graph. */
function modelBytes(
  graph: Partial<Record<keyof GraphProto, unknown>> = {},
  extra: Record<string, unknown> = {},
): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'robustness-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [node('Add', ['x', 'w'], ['y'])],
      input: [vi('x')],
      output: [vi('y')],
      initializer: [floats('w', [1, 2, 3, 4])],
      ...graph,
    } as GraphProto,
    ...extra,
  }).finish();
}

let n = 0;
/** Write a model into its own folder (with optional extra files); returns the model path. */
function writeModel(bytes: Uint8Array, files: Record<string, Uint8Array | string> = {}): string {
  const d = join(dir, `m${++n}`);
  mkdirSync(d, { recursive: true });
  const p = join(d, 'model.onnx');
  writeFileSync(p, bytes);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(resolve(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), content);
  }
  return p;
}

const refused = expectRefused;

const extTensor = (location: string | undefined, more: Record<string, string> = {}): TensorProto => ({
  name: 'w',
  dims: [4],
  dataType: F32,
  dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
  externalData: [
    ...(location !== undefined ? [{ key: 'location', value: location }] : []),
    ...Object.entries(more).map(([key, value]) => ({ key, value })),
  ],
});
const W_BYTES = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);

// ---- library ---------------------------------------------------------------------------------

describe('unreadable files', () => {
  it('empty file, random bytes, truncated model, a TensorProto, no graph', () => {
    refused(() => loadModel(writeModel(new Uint8Array(0))), dir);
    const rand = Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 251);
    refused(() => loadModel(writeModel(rand)), dir);
    const mnist = readFileSync(MNIST);
    for (const cut of [1, 100, mnist.length >> 1, mnist.length - 3])
      refused(() => loadModel(writeModel(mnist.subarray(0, cut))), dir);
    refused(() => loadModel(join(FIX, 'not-a-model.onnx')), 'not-a-model.onnx');
    refused(() => loadModel(join(FIX, 'no-graph.onnx')), 'no-graph.onnx');
  });
});

describe('tensor names', () => {
  it('a dangling node input is refused', () => {
    refused(() => loadModel(join(FIX, 'dangling.onnx')), 'dangling.onnx', 'dangling-name');
    const p = writeModel(modelBytes({ node: [node('Relu', ['x'], ['a']), node('Add', ['a', 'typo'], ['y'])] }));
    expect(refused(() => loadModel(p), p, 'dangling-name').message).toMatch(/node #1 \(Add\) reads 'typo'/);
  });

  it('an optional input left out ("") is not dangling', () => {
    const p = writeModel(
      modelBytes({ node: [node('Clip', ['x', '', 'w'], ['y'])], initializer: [floats('w', [1], [])] }),
    );
    expect(summarize(loadModel(p)).nodeCount).toBe(1);
  });

  it('duplicate names are refused: node outputs, initializers, graph inputs, an output that is also an input', () => {
    refused(() => loadModel(join(FIX, 'duplicate-output.onnx')), 'duplicate-output.onnx', 'duplicate-name');
    const twice = [floats('w', [1, 2, 3, 4]), floats('w', [1, 2, 3, 4])];
    let p = writeModel(modelBytes({ initializer: twice }));
    expect(refused(() => loadModel(p), p, 'duplicate-name').message).toMatch(/initializer 'w' is defined twice/);
    p = writeModel(modelBytes({ input: [vi('x'), vi('x')] }));
    expect(refused(() => loadModel(p), p, 'duplicate-name').message).toMatch(/graph input 'x' is declared twice/);
    p = writeModel(modelBytes({ node: [node('Relu', ['w'], ['x']), node('Add', ['x', 'w'], ['y'])] }));
    expect(refused(() => loadModel(p), p, 'duplicate-name').message).toMatch(
      /'x' is a graph input and also produced by node #0/,
    );
  });

  it('an initializer that repeats a graph input name (a default value, IR < 4 style) is fine', () => {
    const p = writeModel(modelBytes({ input: [vi('x'), vi('w')] }, { irVersion: 3 }));
    expect(loadModel(p).proto.graph?.initializer?.length).toBe(1);
  });

  it('a graph output nobody produces is refused', () => {
    const p = writeModel(modelBytes({ output: [vi('y'), vi('z')] }));
    expect(refused(() => loadModel(p), p, 'missing-output').message).toMatch(/graph output 'z'/);
  });

  it('subgraphs may read names of enclosing graphs; undefined names are refused', () => {
    const branch = (name: string, reads: string) => ({
      name,
      node: [node('Add', [reads, 'w'], [`${name}_y`])],
      output: [vi(`${name}_y`)],
    });
    const ifNode = (reads: string, elseReads: string) =>
      node(
        'If',
        ['cond'],
        ['y'],
        [
          { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('then', reads) },
          { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('else', elseReads) },
        ],
      );
    const cond = { name: 'cond', dims: [], dataType: 9, int32Data: [1] };
    const graph = (reads: string, elseReads = 'x') => ({
      node: [node('Relu', ['x'], ['r']), ifNode(reads, elseReads)],
      initializer: [floats('w', [1, 2, 3, 4]), cond],
    });
    const ok = writeModel(modelBytes(graph('r'))); // 'r' and 'w' come from the main graph
    expect(summarize(loadModel(ok)).opCounts['ai.onnx:If']).toBe(1);
    const bad = writeModel(modelBytes(graph('nowhere')));
    expect(refused(() => loadModel(bad), bad, 'dangling-name').message).toMatch(
      /subgraph 'then_branch' of node #1 \(If\): node #0 \(Add\) reads 'nowhere'/,
    );
    // The outer name must exist in the enclosing graph: a later sibling subgraph's names do not count.
    const sibling = writeModel(modelBytes(graph('r', 'then_y')));
    expect(refused(() => loadModel(sibling), sibling, 'dangling-name').message).toMatch(
      /subgraph 'else_branch'.*reads 'then_y'/,
    );
  });

  it('a subgraph whose only use of an outer name creates a cycle through its node is refused', () => {
    const body = { name: 'b', node: [node('Identity', ['y'], ['o'])], output: [vi('o')] };
    const p = writeModel(
      modelBytes({
        node: [
          node(
            'If',
            ['cond'],
            ['y'],
            [
              { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body },
              { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body },
            ],
          ),
        ],
        initializer: [{ name: 'cond', dims: [], dataType: 9, int32Data: [1] }],
      }),
    );
    refused(() => loadModel(p), p, 'cycle');
  });
});

describe('names and nesting that would garble messages or exhaust the stack', () => {
  it('a tensor name with control characters is refused, and shown escaped', () => {
    const p = writeModel(
      modelBytes({ input: [vi('x\n\u001b[31m')], node: [node('Add', ['x\n\u001b[31m', 'w'], ['y'])] }),
    );
    const e = refused(() => loadModel(p), p, 'bad-name');
    expect(e.message).toContain("graph input 'x\\n\\u001b[31m' has control characters");
    expect(e.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('subgraphs nested 1000 deep are refused with one line (no stack overflow)', () => {
    // Encoded by hand, innermost first: encoding nested messages recursively would itself overflow.
    const varint = (n: number) => {
      const b: number[] = [];
      do {
        let x = n & 0x7f;
        n >>>= 7;
        if (n) x |= 0x80;
        b.push(x);
      } while (n);
      return b;
    };
    const cat = (...parts: (Uint8Array | number[])[]) => Buffer.concat(parts.map((x) => Uint8Array.from(x)));
    const field = (tag: number, bytes: Uint8Array) => cat([tag, ...varint(bytes.length)], bytes);
    const text = (s: string) => new TextEncoder().encode(s);
    let g: Uint8Array = field(0x12, text('leaf'));
    for (let i = 0; i < 1000; i++) {
      const attr = cat(field(0x0a, text('then_branch')), [0xa0, 0x01, 5], field(0x32, g)); // name, type GRAPH, g
      const ifNode = cat(field(0x22, text('If')), field(0x2a, attr)); // op_type, attribute
      g = cat(field(0x0a, ifNode), field(0x12, text(`g${i}`))); // node, name
    }
    const bytes = cat([0x08, 8], field(0x3a, g), field(0x42, Uint8Array.from([0x10, 13]))); // ir_version, graph, opset_import
    const p = writeModel(bytes);
    const e = refused(() => loadModel(p), p, 'nesting');
    expect(e.message.length).toBeLessThan(400);
  });
});

describe('cycles and order', () => {
  it('a cycle is refused; so is a node reading its own output', () => {
    refused(() => loadModel(join(FIX, 'cycle.onnx')), 'cycle.onnx', 'cycle');
    const p = writeModel(modelBytes({ node: [node('Add', ['x', 'y'], ['y'])] }));
    refused(() => loadModel(p), p, 'cycle');
  });

  it('nodes out of topological order load, with a warning', () => {
    const p = writeModel(modelBytes({ node: [node('Add', ['a', 'w'], ['y']), node('Relu', ['x'], ['a'])] }));
    const m = loadModel(p);
    expect(m.warnings.map((x) => x.kind)).toEqual(['unsorted']);
  });

  it("validation's warnings reach the prepared model (verify prints them), not a side channel", () => {
    const p = writeModel(modelBytes({ node: [node('Add', ['a', 'w'], ['y']), node('Relu', ['x'], ['a'])] }));
    const prepared = prepareTarget({ id: 'unsorted', modelPath: p });
    expect(prepared.warnings.join('\n')).toMatch(/not in topological order/);
  });
});

describe('declared sizes are checked before anything is allocated', () => {
  it('a 1e12-element input or initializer is refused at once, without allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const e1 = refused(() => loadModel(join(FIX, 'huge-input-dim.onnx')), 'huge-input-dim.onnx', 'tensor-too-large');
    expect(e1.message).toMatch(/1000000000000 elements, over the limit of \d+ \(set ONNX_WORKBENCH_MAX_ELEMENTS/);
    refused(() => loadModel(join(FIX, 'huge-initializer.onnx')), 'huge-initializer.onnx', 'tensor-too-large');
    const p = writeModel(modelBytes({ input: [vi('x', [1e12])] }));
    refused(() => loadModel(p), p, 'tensor-too-large');
    const c = writeModel(
      modelBytes({
        node: [
          node(
            'Constant',
            [],
            ['w'],
            [
              {
                name: 'value',
                type: onnx.AttributeProto.AttributeType.TENSOR,
                t: { name: 'c', dims: [65536, 65536, 4], dataType: F32 },
              },
            ],
          ),
          node('Add', ['x', 'w'], ['y']),
        ],
        initializer: [],
      }),
    );
    expect(refused(() => loadModel(c), c, 'tensor-too-large').message).toMatch(
      /node #0 \(Constant\) attribute 'value'/,
    );
    const s = writeModel(
      modelBytes({
        sparseInitializer: [
          {
            dims: [1e6, 1e6],
            values: floats('sw', [1]),
            indices: { name: 'si', dims: [1], dataType: 7, int64Data: [0] },
          },
        ],
      } as never),
    );
    refused(() => loadModel(s), s, 'tensor-too-large');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('the limit is configurable (ONNX_WORKBENCH_MAX_ELEMENTS, or an option)', () => {
    const p = writeModel(modelBytes());
    const old = process.env.ONNX_WORKBENCH_MAX_ELEMENTS;
    process.env.ONNX_WORKBENCH_MAX_ELEMENTS = '3';
    try {
      expect(refused(() => loadModel(p), p, 'tensor-too-large').message).toMatch(/over the limit of 3/);
    } finally {
      if (old === undefined) delete process.env.ONNX_WORKBENCH_MAX_ELEMENTS;
      else process.env.ONNX_WORKBENCH_MAX_ELEMENTS = old;
    }
    expect(loadModel(p).path).toBe(p);
    const m = loadModel(p);
    expect(() => validateModel(m.proto, p, { maxElements: 2 })).toThrow(/over the limit of 2/);
  });

  it('negative dims and data that does not match dims × element width are refused', () => {
    refused(() => loadModel(join(FIX, 'raw-data-mismatch.onnx')), 'raw-data-mismatch.onnx', 'data-size-mismatch');
    let p = writeModel(modelBytes({ initializer: [{ ...floats('w', [1, 2, 3, 4]), dims: [-4] }] }));
    refused(() => loadModel(p), p, 'invalid-dim');
    p = writeModel(modelBytes({ initializer: [{ ...floats('w', [1, 2, 3, 4]), dims: [5] }] }));
    expect(refused(() => loadModel(p), p, 'data-size-mismatch').message).toMatch(
      /16 bytes of raw data but its shape and type \(5 × float32\) need 20/,
    );
    p = writeModel(modelBytes({ initializer: [{ name: 'w', dims: [4], dataType: F32, floatData: [1, 2, 3] }] }));
    expect(refused(() => loadModel(p), p, 'data-size-mismatch').message).toMatch(/3 float_data values for 4 float32/);
    p = writeModel(modelBytes({ initializer: [{ name: 'w', dims: [4], dataType: 7, rawData: W_BYTES }] }));
    refused(() => loadModel(p), p, 'data-size-mismatch'); // 16 bytes are 2 int64, not 4
    p = writeModel(modelBytes({ initializer: [{ name: 'w', dims: [4], dataType: F32 }] }));
    expect(refused(() => loadModel(p), p, 'data-size-mismatch').message).toMatch(/no data for its 4 float32/);
  });

  it('an empty tensor (a zero dim) with no data is fine', () => {
    const p = writeModel(
      modelBytes({ node: [node('Relu', ['x'], ['y'])], initializer: [{ name: 'e', dims: [0, 1e12], dataType: F32 }] }),
    );
    expect(summarize(loadModel(p)).parameterCount).toBe(0);
  });
});

describe('external data', () => {
  it('a file next to the model, with offset and length, is resolved', () => {
    const p = join(FIX, 'add-external', 'model.onnx');
    const m = loadModel(p);
    const r = resolveExternalData(p, m.proto.graph!.initializer![0]!, { expectedBytes: 16 });
    expect(r).toMatchObject({ tensor: 'w', location: 'weights.bin', offset: 8, length: 16, fileSize: 24 });
    expect(summarize(m).externalData).toEqual([{ tensor: 'w', location: 'weights.bin', offset: 8, length: 16 }]);
  });

  it("'../../etc/passwd' is refused (fixture and built here)", () => {
    const p = join(FIX, 'external-dotdot', 'model.onnx');
    expect(refused(() => loadModel(p), p, 'external-data').message).toMatch(
      /'\.\.\/\.\.\/etc\/passwd' leaves the model's folder/,
    );
    const q = writeModel(modelBytes({ initializer: [extTensor('../../etc/passwd')] }));
    refused(() => loadModel(q), q, 'external-data');
    const r = writeModel(modelBytes({ initializer: [extTensor('sub/../../outside.bin')] }));
    refused(() => loadModel(r), r, 'external-data');
    const s = writeModel(modelBytes({ initializer: [extTensor('..\\..\\etc\\passwd')] }));
    refused(() => loadModel(s), s, 'external-data');
  });

  it('absolute paths are refused, even to a file inside the folder', () => {
    const p = join(FIX, 'external-absolute', 'model.onnx');
    expect(refused(() => loadModel(p), p, 'external-data').message).toMatch(/'\/etc\/passwd' is an absolute path/);
    const d = join(dir, 'abs-inside');
    mkdirSync(d);
    writeFileSync(join(d, 'weights.bin'), W_BYTES);
    const q = join(d, 'model.onnx');
    writeFileSync(q, modelBytes({ initializer: [extTensor(join(d, 'weights.bin'))] }));
    refused(() => loadModel(q), q, 'external-data');
    const w = writeModel(modelBytes({ initializer: [extTensor('C:\\weights.bin')] }));
    refused(() => loadModel(w), w, 'external-data');
  });

  it('a missing file, a directory, a missing location are refused', () => {
    const p = join(FIX, 'external-missing', 'model.onnx');
    expect(refused(() => loadModel(p), p, 'external-data').message).toMatch(
      /'weights\.bin' not found next to the model/,
    );
    const q = writeModel(modelBytes({ initializer: [extTensor('sub')] }), { 'sub/x': 'x' });
    expect(refused(() => loadModel(q), q, 'external-data').message).toMatch(/not a regular file/);
    const r = writeModel(modelBytes({ initializer: [extTensor(undefined)] }));
    expect(refused(() => loadModel(r), r, 'external-data').message).toMatch(/no location/);
  });

  it('symlinks leading out of the folder are refused; inside it they are fine', () => {
    const outside = join(dir, 'outside.bin');
    writeFileSync(outside, W_BYTES);
    const p = writeModel(modelBytes({ initializer: [extTensor('link.bin')] }));
    symlinkSync(outside, join(p, '..', 'link.bin'));
    expect(refused(() => loadModel(p), p, 'external-data').message).toMatch(/leads outside the model's folder/);
    const q = writeModel(modelBytes({ initializer: [extTensor('sub/w.bin')] }));
    symlinkSync(dir, join(q, '..', 'sub')); // a directory symlink to the parent folder
    copyFileSync(outside, join(dir, 'w.bin'));
    refused(() => loadModel(q), q, 'external-data');
    const r = writeModel(modelBytes({ initializer: [extTensor('link.bin')] }), { 'real.bin': W_BYTES });
    symlinkSync('real.bin', join(r, '..', 'link.bin'));
    expect(loadModel(r).path).toBe(r);
    const loop = writeModel(modelBytes({ initializer: [extTensor('a.bin')] }));
    symlinkSync('b.bin', join(loop, '..', 'a.bin'));
    symlinkSync('a.bin', join(loop, '..', 'b.bin'));
    refused(() => loadModel(loop), loop, 'external-data');
  });

  it('offset or length beyond the file, malformed numbers, or a length that does not fit the shape are refused', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ offset: '17' }, /offset 17 is beyond the end/],
      [{ offset: '8' }, /holds 8 bytes but its shape and type need 16/],
      [{ length: '32' }, /runs past the end/],
      [{ offset: '4', length: '16' }, /runs past the end/],
      [{ length: '8' }, /holds 8 bytes/],
      [{ offset: '-1' }, /not a non-negative integer/],
      [{ offset: 'abc' }, /not a non-negative integer/],
      [{ length: '99999999999999999999' }, /too large/],
    ];
    for (const [more, re] of cases) {
      const p = writeModel(modelBytes({ initializer: [extTensor('w.bin', more)] }), { 'w.bin': W_BYTES });
      expect(refused(() => loadModel(p), p, 'external-data').message).toMatch(re);
    }
  });
});

describe('test data that does not fit the model', () => {
  const target = () => ({ id: 'add', modelPath: join(FIX, 'add', 'model.onnx') });
  it('the bundled add fixture prepares with its own data', () => {
    expect(prepareTarget(target()).referenceKind).toBe('user');
  });
  it('wrong element type, wrong shape, an object array in an .npz', () => {
    expect(() => prepareTarget(target(), { inputs: join(FIX, 'wrong-dtype') })).toThrow(
      /input 'x' is int64 but the graph expects float32/,
    );
    expect(() => prepareTarget(target(), { inputs: join(FIX, 'wrong-shape') })).toThrow(
      /input 'x' has shape \[2, 4\] but the graph expects \[1, 4\]/,
    );
    expect(() => prepareTarget(target(), { inputs: join(FIX, 'object.npz') })).toThrow(
      /object arrays are not supported/,
    );
    for (const inputs of ['wrong-dtype', 'wrong-shape', 'object.npz']) {
      refused(() => prepareTarget(target(), { inputs: join(FIX, inputs) }), '');
    }
  });
  it('test data declaring 1e12 elements is refused before allocating', () => {
    const d = join(dir, 'huge-data');
    cpSync(join(FIX, 'add'), d, { recursive: true });
    writeFileSync(
      join(d, 'test_data_set_0', 'input_0.pb'),
      onnx.TensorProto.encode({ name: 'x', dims: [1e6, 1e6], dataType: F32 }).finish(),
    );
    expect(() => prepareTarget({ id: 'huge', modelPath: join(d, 'model.onnx') })).toThrow(/over the limit/);
  });
});

describe('the bundled models', () => {
  it('all load and validate without a problem, quickly', () => {
    const t0 = performance.now();
    const entries = loadCatalog();
    expect(entries.length).toBeGreaterThanOrEqual(134);
    const warnings: string[] = [];
    for (const e of entries) {
      const m = loadModel(e.modelPath);
      const problems = m.warnings;
      expect(
        problems.filter((p) => p.severity !== 'warning'),
        e.manifest.id,
      ).toEqual([]);
      warnings.push(...problems.filter((p) => p.severity === 'warning').map((p) => `${e.manifest.id}: ${p.message}`));
    }
    // A real export may declare what the checker warns about: paddle2onnx wrote -1 for an unknown output dim.
    expect(warnings).toEqual([
      "paddlepaddle/PP_OCR_v2_cls: graph output 'save_infer_model/scale_0.tmp_1' declares an invalid dimension -1",
    ]);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

// ---- the CLI: exit 2, one stderr line, no stack ----------------------------------------------

function expectOneLine(r: { code: number | null; stderr: string; stdout: string }, re?: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^onnx-workbench: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
  if (re) expect(lines[0]).toMatch(re);
}

describe('the CLI', () => {
  const bad: [string, RegExp][] = [
    ['not-a-model.onnx', /not a readable ONNX model/],
    ['no-graph.onnx', /no graph/],
    ['cycle.onnx', /cycle/],
    ['dangling.onnx', /reads 'nowhere'/],
    ['duplicate-output.onnx', /produced by node #0 \(Relu\) and again/],
    ['huge-input-dim.onnx', /over the limit/],
    ['huge-initializer.onnx', /over the limit/],
    ['raw-data-mismatch.onnx', /8 bytes of raw data/],
    ['external-dotdot', /leaves the model's folder/],
    ['external-absolute', /absolute path/],
    ['external-missing', /not found next to the model/],
  ];

  it('inspect refuses each bad model with one line and exit 2', async () => {
    const empty = writeModel(new Uint8Array(0));
    const truncated = writeModel(readFileSync(MNIST).subarray(0, 5000));
    const results = await Promise.all([
      ...bad.map(([f]) => runCli(['inspect', join(FIX, f)])),
      runCli(['inspect', empty]),
      runCli(['inspect', truncated]),
    ]);
    bad.forEach(([, re], i) => expectOneLine(results[i]!, re));
    expectOneLine(results[bad.length]!, /empty file/);
    expectOneLine(results[bad.length + 1]!, /protobuf decoding failed/);
  });

  it('verify refuses bad models and bad test data with one line and exit 2', async () => {
    const add = join(FIX, 'add');
    const results = await Promise.all([
      runCli(['verify', '--no-evidence', join(FIX, 'external-dotdot')]),
      runCli(['verify', '--no-evidence', join(FIX, 'huge-input-dim.onnx')]),
      runCli(['verify', '--no-evidence', add, '--inputs', join(FIX, 'wrong-dtype')]),
      runCli(['verify', '--no-evidence', add, '--inputs', join(FIX, 'wrong-shape')]),
      runCli(['verify', '--no-evidence', add, '--inputs', join(FIX, 'object.npz')]),
    ]);
    expectOneLine(results[0]!, /\.\.\/\.\.\/etc\/passwd/);
    expectOneLine(results[1]!, /over the limit/);
    expectOneLine(results[2]!, /is int64 but the graph expects float32/);
    expectOneLine(results[3]!, /has shape \[2, 4\]/);
    expectOneLine(results[4]!, /object arrays/);
  });

  it('a valid model with external data ends in a result, not an error line', async () => {
    const r = await runCli(['verify', '--no-evidence', '--json', '-q', join(FIX, 'add-external')]);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as { results: { status: string }[] };
    expect(run.results).toHaveLength(1);
    // The worker hands onnxruntime the external file (the model is loaded from bytes).
    expect(run.results[0]!.status).toBe('no-reference'); // loads and runs; the fixture has no reference outputs
  });
});
