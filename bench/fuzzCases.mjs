/**
 * Seeded mutations of the bundled models, shared by `bench/fuzz.mjs` (the sweep) and
 * `test/robustness-fuzz.test.ts` (a small slice in the test suite). Needs a build (imports dist/).
 *
 * A case is a pure function of (seed, index): `makeCase(seeds, seed, index)` always gives the same
 * files, so a failing case is reproduced with `node bench/fuzz.mjs --seed S --case I`.
 *
 * Mutations: byte level (bit flips, truncation, insertions, deletions, splices, random bytes) and
 * field edits through the protobuf definitions (dims, element types, op types, attributes, removed
 * or renamed inputs, duplicate names, cycles, subgraphs, opsets, external data that is valid,
 * missing or escaping, and wrong test data next to the model).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import { onnx } from '../dist/onnx/proto.js';
import { loadCatalog } from '../dist/models/catalog.js';
import { loadModel } from '../dist/onnx/model.js';
import { summarize } from '../dist/onnx/inspect.js';
import { prepareTarget } from '../dist/verify/prepare.js';
import { verify } from '../dist/verify/verify.js';
import { WorkbenchError } from '../dist/errors.js';
import { seededRandom } from '../dist/data/reference.js';

/** Seeded PRNG: the same mulberry32 the workbench uses for generated inputs. */
export const rng = seededRandom;
const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
const pick = (r, arr) => arr[Math.floor(r() * arr.length)];

/** The bundled models (sorted by id), with their bytes and test data, as mutation seeds. */
export function loadSeeds() {
  return loadCatalog().map((e) => {
    const tds = join(e.dir, 'test_data_set_0');
    const testData =
      existsSync(tds) && statSync(tds).isDirectory()
        ? readdirSync(tds)
            .filter((f) => f.endsWith('.pb'))
            .sort()
            .map((f) => ({ name: f, bytes: readFileSync(join(tds, f)) }))
        : [];
    return { id: e.manifest.id, path: e.modelPath, bytes: readFileSync(e.modelPath), testData };
  });
}

const decode = (bytes) => onnx.ModelProto.decode(bytes);
const encode = (proto) => onnx.ModelProto.encode(proto).finish();

const HUGE_DIMS = [0, -1, -7, 1e12, 2 ** 31, 2 ** 40, 2 ** 53, 1e9, 3, 7, 1];
const ELEM_CODES = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 21, 23, 24, 99, 1000];
const OP_TYPES = [
  'Relu',
  'Add',
  'Conv',
  'MatMul',
  'Gemm',
  'Reshape',
  'Concat',
  'Split',
  'Loop',
  'If',
  'Scan',
  'Identity',
  'Transpose',
  'Gather',
  'Slice',
  'Resize',
  'Expand',
  'Tile',
  'ConstantOfShape',
  'TopK',
  'NonZero',
  'Unsqueeze',
  'Softmax',
  'BatchNormalization',
  'LSTM',
  'NotAnOp',
  '',
  'relu',
  'Conv\u0000',
  'x'.repeat(300),
];
const ATTR_INTS = [0, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 40, 1e6, 3, 65535];
const ATTR_FLOATS = [NaN, Infinity, -Infinity, 0, -1, 1e30, 1e-30];

function graphOf(p) {
  return p.graph ?? (p.graph = onnx.GraphProto.create({}));
}
function feedInputs(g) {
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((v) => !inits.has(v.name));
}
function rawInitializers(g) {
  return (g.initializer ?? []).filter((t) => t.rawData && t.rawData.length > 0);
}
function tensorDims(v) {
  return v.type?.tensorType?.shape?.dim;
}

/** A float32 tensor, for tensors a mutation adds. */
function floatTensor(name, dims, values) {
  return onnx.TensorProto.create({ name, dims, dataType: 1, rawData: new Uint8Array(new Float32Array(values).buffer) });
}

/** An .npy with an object (pickled) dtype: what numpy writes with allow_pickle. */
function objectNpy() {
  const header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }";
  const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const body = Uint8Array.from([0x80, 0x02, 0x5d, 0x71, 0x00, 0x2e]); // a tiny pickle
  const out = new Uint8Array(10 + padded.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), 10);
  out.set(body, 10 + padded.length);
  return out;
}

// Each mutation: (r, seed, seeds) => { detail, model, files? } or null when it does not apply to this seed.
// `files`: extra entries in the case folder: { name, bytes } | { name, symlink } | { name, dir: true }.
const BYTE_MUTATIONS = {
  'bit-flip': (r, s) => {
    const b = Uint8Array.from(s.bytes);
    const k = int(r, 1, 8);
    for (let i = 0; i < k; i++) {
      const at = int(r, 0, b.length - 1);
      b[at] ^= 1 << int(r, 0, 7);
    }
    return { detail: `${k} bit(s)`, model: b };
  },
  truncate: (r, s) => {
    const n = r() < 0.3 ? int(r, 0, Math.min(64, s.bytes.length - 1)) : int(r, 0, s.bytes.length - 1);
    return { detail: `to ${n} of ${s.bytes.length} bytes`, model: s.bytes.slice(0, n) };
  },
  insert: (r, s) => {
    const at = int(r, 0, s.bytes.length);
    const ins = Uint8Array.from({ length: int(r, 1, 16) }, () => int(r, 0, 255));
    const b = new Uint8Array(s.bytes.length + ins.length);
    b.set(s.bytes.subarray(0, at), 0);
    b.set(ins, at);
    b.set(s.bytes.subarray(at), at + ins.length);
    return { detail: `${ins.length} byte(s) at ${at}`, model: b };
  },
  delete: (r, s) => {
    const at = int(r, 0, s.bytes.length - 1);
    const n = int(r, 1, 32);
    const b = new Uint8Array([...s.bytes.subarray(0, at), ...s.bytes.subarray(at + n)]);
    return { detail: `${n} byte(s) at ${at}`, model: b };
  },
  'varint-max': (r, s) => {
    const b = Uint8Array.from(s.bytes);
    const at = int(r, 0, b.length - 1);
    const n = int(r, 1, 10);
    for (let i = at; i < Math.min(b.length, at + n); i++) b[i] = 0xff;
    return { detail: `${n} 0xff byte(s) at ${at}`, model: b };
  },
  splice: (r, s, seeds) => {
    const other = pick(r, seeds);
    const a = int(r, 0, s.bytes.length);
    const c = int(r, 0, other.bytes.length);
    return {
      detail: `${s.id}[0:${a}] + ${other.id}[${c}:]`,
      model: new Uint8Array([...s.bytes.subarray(0, a), ...other.bytes.subarray(c)]),
    };
  },
  random: (r) => {
    const n = pick(r, [0, 1, 2, 7, 64, 512, 4096]);
    return { detail: `${n} random bytes`, model: Uint8Array.from({ length: n }, () => int(r, 0, 255)) };
  },
  'not-a-model': (r, s, seeds) => {
    const withData = seeds.filter((x) => x.testData.length);
    const kind = int(r, 0, 3);
    if (kind === 0 && withData.length)
      return { detail: 'a TensorProto (test data) as the model', model: pick(r, withData).testData[0].bytes };
    if (kind === 1)
      return { detail: 'a bare GraphProto', model: onnx.GraphProto.encode(decode(s.bytes).graph).finish() };
    if (kind === 2)
      return {
        detail: 'a NodeProto',
        model: onnx.NodeProto.encode({ opType: 'Relu', input: ['x'], output: ['y'] }).finish(),
      };
    return { detail: 'JSON text', model: new TextEncoder().encode(JSON.stringify({ irVersion: 7, graph: {} })) };
  },
};

const FIELD_MUTATIONS = {
  'input-dim': (r, s) => {
    const p = decode(s.bytes);
    const v = feedInputs(graphOf(p)).filter((x) => tensorDims(x)?.length);
    if (!v.length) return null;
    const inp = pick(r, v);
    const d = pick(r, tensorDims(inp));
    const val = pick(r, HUGE_DIMS);
    d.dimParam = '';
    d.dimValue = val;
    return { detail: `input '${inp.name}' dim -> ${val}`, model: encode(p) };
  },
  'input-rank': (r, s) => {
    const p = decode(s.bytes);
    const v = feedInputs(graphOf(p)).filter((x) => tensorDims(x));
    if (!v.length) return null;
    const inp = pick(r, v);
    const dims = tensorDims(inp);
    if (r() < 0.5) dims.pop();
    else dims.push(onnx.TensorShapeProto.Dimension.create({ dimValue: int(r, 1, 4) }));
    return { detail: `input '${inp.name}' rank changed`, model: encode(p) };
  },
  'input-dtype': (r, s) => {
    const p = decode(s.bytes);
    const v = feedInputs(graphOf(p)).filter((x) => x.type?.tensorType);
    if (!v.length) return null;
    const inp = pick(r, v);
    const code = pick(r, ELEM_CODES);
    inp.type.tensorType.elemType = code;
    return { detail: `input '${inp.name}' element type -> ${code}`, model: encode(p) };
  },
  'input-type-kind': (r, s) => {
    const p = decode(s.bytes);
    const v = feedInputs(graphOf(p));
    if (!v.length) return null;
    const inp = pick(r, v);
    inp.type = r() < 0.5 ? null : onnx.TypeProto.create({ sequenceType: { elemType: inp.type } });
    return { detail: `input '${inp.name}' type ${inp.type ? '-> sequence' : 'removed'}`, model: encode(p) };
  },
  'init-dim': (r, s) => {
    const p = decode(s.bytes);
    const inits = (graphOf(p).initializer ?? []).filter((t) => (t.dims ?? []).length);
    if (!inits.length) return null;
    const t = pick(r, inits);
    const k = int(r, 0, t.dims.length - 1);
    const val = pick(r, [...HUGE_DIMS, 2, 5]);
    t.dims[k] = val;
    return { detail: `initializer '${t.name}' dim ${k} -> ${val}`, model: encode(p) };
  },
  'init-dtype': (r, s) => {
    const p = decode(s.bytes);
    const inits = graphOf(p).initializer ?? [];
    if (!inits.length) return null;
    const t = pick(r, inits);
    const code = pick(r, ELEM_CODES);
    t.dataType = code;
    return { detail: `initializer '${t.name}' element type -> ${code}`, model: encode(p) };
  },
  'init-raw-data': (r, s) => {
    const p = decode(s.bytes);
    const inits = rawInitializers(graphOf(p));
    if (!inits.length) return null;
    const t = pick(r, inits);
    const n = t.rawData.length;
    const to = pick(r, [0, 1, n - 1, Math.floor(n / 2), n + 1, n * 2]);
    const b = new Uint8Array(Math.max(0, to));
    b.set(t.rawData.subarray(0, Math.min(n, b.length)));
    t.rawData = b;
    return { detail: `initializer '${t.name}' raw_data ${n} -> ${b.length} bytes`, model: encode(p) };
  },
  'init-typed-data': (r, s) => {
    const p = decode(s.bytes);
    const inits = rawInitializers(graphOf(p)).filter((t) => t.dataType === 1 && t.rawData.length % 4 === 0);
    if (!inits.length) return null;
    const t = pick(r, inits);
    const values = new Float32Array(t.rawData.slice().buffer);
    const keep = pick(r, [values.length, values.length - 1, 0, values.length + 3]);
    t.rawData = new Uint8Array(0);
    t.floatData = Array.from({ length: Math.max(0, keep) }, (_, i) => values[i] ?? 0);
    return {
      detail: `initializer '${t.name}' as float_data with ${t.floatData.length} of ${values.length} values`,
      model: encode(p),
    };
  },
  'op-type': (r, s) => {
    const p = decode(s.bytes);
    const nodes = graphOf(p).node ?? [];
    if (!nodes.length) return null;
    const n = pick(r, nodes);
    const before = n.opType;
    n.opType = pick(r, OP_TYPES);
    if (r() < 0.2) n.domain = pick(r, ['com.microsoft', 'ai.onnx.ml', 'no.such.domain']);
    return {
      detail: `${before} -> ${JSON.stringify(n.opType).slice(0, 40)}${n.domain ? ` (${n.domain})` : ''}`,
      model: encode(p),
    };
  },
  attribute: (r, s) => {
    const p = decode(s.bytes);
    const nodes = (graphOf(p).node ?? []).filter((n) => (n.attribute ?? []).length);
    if (!nodes.length) return null;
    const n = pick(r, nodes);
    const a = pick(r, n.attribute);
    const how = int(r, 0, 4);
    if (how === 0) n.attribute.splice(n.attribute.indexOf(a), 1);
    else if (how === 1 && (a.ints ?? []).length) a.ints[int(r, 0, a.ints.length - 1)] = pick(r, ATTR_INTS);
    else if (how === 2) {
      a.i = pick(r, ATTR_INTS);
      a.type = onnx.AttributeProto.AttributeType.INT;
    } else if (how === 3) {
      a.f = pick(r, ATTR_FLOATS);
      a.type = onnx.AttributeProto.AttributeType.FLOAT;
    } else {
      a.ints = Array.from({ length: int(r, 0, 9) }, () => pick(r, ATTR_INTS));
      a.type = onnx.AttributeProto.AttributeType.INTS;
    }
    return { detail: `${n.opType} attribute '${a.name}' edit ${how}`, model: encode(p) };
  },
  'remove-input': (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    const v = feedInputs(g);
    if (!v.length) return null;
    const inp = pick(r, v);
    g.input.splice(g.input.indexOf(inp), 1);
    return { detail: `graph input '${inp.name}' removed`, model: encode(p) };
  },
  'remove-initializer': (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    if (!(g.initializer ?? []).length) return null;
    const t = pick(r, g.initializer);
    g.initializer.splice(g.initializer.indexOf(t), 1);
    return { detail: `initializer '${t.name}' removed`, model: encode(p) };
  },
  'remove-node': (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    if (!(g.node ?? []).length) return null;
    const i = int(r, 0, g.node.length - 1);
    const [n] = g.node.splice(i, 1);
    return { detail: `node #${i} (${n.opType}) removed`, model: encode(p) };
  },
  'node-inputs': (r, s) => {
    const p = decode(s.bytes);
    const nodes = (graphOf(p).node ?? []).filter((n) => (n.input ?? []).length);
    if (!nodes.length) return null;
    const n = pick(r, nodes);
    const k = int(r, 0, n.input.length - 1);
    const how = int(r, 0, 3);
    if (how === 0) n.input.splice(k, 1);
    else if (how === 1) n.input[k] = '';
    else if (how === 2) n.input[k] = `dangling_${int(r, 0, 999)}`;
    else n.input.push(n.input[k]);
    return {
      detail: `${n.opType} input ${k} ${['removed', 'emptied', 'renamed to a dangling name', 'repeated'][how]}`,
      model: encode(p),
    };
  },
  'duplicate-name': (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    const how = int(r, 0, 3);
    const nodes = g.node ?? [];
    if (how === 0 && nodes.length >= 2) {
      const a = int(r, 0, nodes.length - 1);
      let b = int(r, 0, nodes.length - 1);
      if (b === a) b = (a + 1) % nodes.length;
      if (!(nodes[a].output ?? []).length || !(nodes[b].output ?? []).length) return null;
      nodes[b].output[0] = nodes[a].output[0];
      return { detail: `node #${b} output renamed to node #${a}'s '${nodes[a].output[0]}'`, model: encode(p) };
    }
    if (how === 1 && (g.initializer ?? []).length) {
      const t = pick(r, g.initializer);
      g.initializer.push(onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish()));
      return { detail: `initializer '${t.name}' duplicated`, model: encode(p) };
    }
    if (how === 2 && (g.input ?? []).length) {
      const v = pick(r, g.input);
      g.input.push(onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(v).finish()));
      return { detail: `graph input '${v.name}' duplicated`, model: encode(p) };
    }
    if (nodes.length && (g.input ?? []).length && (nodes[0].output ?? []).length) {
      const v = pick(r, g.input);
      nodes[0].output[0] = v.name;
      return { detail: `node #0 output renamed to graph input '${v.name}'`, model: encode(p) };
    }
    return null;
  },
  cycle: (r, s) => {
    const p = decode(s.bytes);
    const nodes = graphOf(p).node ?? [];
    if (nodes.length < 2) return null;
    const j = int(r, 1, nodes.length - 1);
    const i = int(r, 0, j);
    if (!(nodes[i].input ?? []).length || !(nodes[j].output ?? []).length) return null;
    nodes[i].input[0] = nodes[j].output[0];
    return { detail: `node #${i} reads node #${j}'s output`, model: encode(p) };
  },
  reorder: (r, s) => {
    const p = decode(s.bytes);
    const nodes = graphOf(p).node ?? [];
    if (nodes.length < 2) return null;
    for (let i = nodes.length - 1; i > 0; i--) {
      const k = int(r, 0, i);
      [nodes[i], nodes[k]] = [nodes[k], nodes[i]];
    }
    return { detail: 'nodes shuffled', model: encode(p) };
  },
  outputs: (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    const how = int(r, 0, 2);
    if (how === 0) g.output = [];
    else if (how === 1 && (g.output ?? []).length) g.output[0].name = `missing_${int(r, 0, 99)}`;
    else if ((g.output ?? []).length)
      g.output.push(onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(g.output[0]).finish()));
    return {
      detail: ['all outputs removed', 'output renamed to an undefined name', 'output declared twice'][how],
      model: encode(p),
    };
  },
  'empty-graph': (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    const how = int(r, 0, 2);
    if (how === 0) g.node = [];
    else if (how === 1) p.graph = null;
    else {
      g.input = [];
      g.initializer = [];
    }
    return { detail: ['no nodes', 'no graph', 'no inputs and no initializers'][how], model: encode(p) };
  },
  opset: (r, s) => {
    const p = decode(s.bytes);
    const how = int(r, 0, 3);
    if (how === 0) p.opsetImport = [];
    else if (how === 1) p.opsetImport = [{ domain: '', version: pick(r, [0, 1, 5, 99, 10000, -1]) }];
    else if (how === 2) p.irVersion = pick(r, [0, 1, 3, 99, 2 ** 40, -1]);
    else {
      p.opsetImport = [];
      p.irVersion = 0;
    }
    return {
      detail: [
        'no opset imports',
        `opset ${p.opsetImport[0]?.version}`,
        `IR version ${p.irVersion}`,
        'neither opset nor IR version',
      ][how],
      model: encode(p),
    };
  },
  'huge-constant': (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    const dims = pick(r, [[1e6, 1e6], [2 ** 40], [1e12], [-3, 4], [65536, 65536]]);
    const how = int(r, 0, 2);
    const t = onnx.TensorProto.create({ name: 'huge', dims, dataType: 1 });
    if (how === 0) g.initializer = [...(g.initializer ?? []), t];
    else if (how === 1)
      g.node = [
        onnx.NodeProto.create({
          opType: 'Constant',
          output: ['huge_c'],
          attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t }],
        }),
        ...(g.node ?? []),
      ];
    else
      g.sparseInitializer = [
        onnx.SparseTensorProto.create({
          dims,
          values: floatTensor('huge_s', [1], [1]),
          indices: onnx.TensorProto.create({ name: 'huge_i', dims: [1], dataType: 7, int64Data: [0] }),
        }),
      ];
    return {
      detail: `${['initializer', 'Constant node', 'sparse initializer'][how]} of shape [${dims.join(', ')}]`,
      model: encode(p),
    };
  },
  subgraph: (r, s) => {
    const p = decode(s.bytes);
    const g = graphOf(p);
    const outs = g.output ?? [];
    const nodes = g.node ?? [];
    if (!outs.length || !nodes.length) return null;
    // Route the first output through an If whose branches read an outer-scope tensor (valid) or a dangling one.
    const inner = outs[0].name;
    const how = int(r, 0, 2);
    const read = how === 1 ? `nowhere_${int(r, 0, 9)}` : inner;
    const branch = (tag) =>
      onnx.GraphProto.create({
        name: tag,
        node: [{ opType: 'Identity', input: [read], output: [`${tag}_out`] }],
        output: [{ name: `${tag}_out`, type: outs[0].type }],
        ...(how === 2 ? { input: [{ name: inner }] } : {}), // a subgraph input shadowing an outer name
      });
    const renamed = `${inner}_pre_if`;
    for (const n of nodes) n.output = (n.output ?? []).map((o) => (o === inner ? renamed : o));
    for (const n of nodes) n.input = (n.input ?? []).map((o) => (o === inner ? renamed : o));
    g.initializer = [
      ...(g.initializer ?? []),
      onnx.TensorProto.create({ name: 'if_cond', dims: [], dataType: 9, int32Data: [1] }),
    ];
    // Before IR version 4 every initializer must also be a graph input.
    if (Number(p.irVersion ?? 0) < 4)
      g.input = [
        ...(g.input ?? []),
        onnx.ValueInfoProto.create({ name: 'if_cond', type: { tensorType: { elemType: 9, shape: { dim: [] } } } }),
      ];
    const fix = (sg) => {
      sg.node[0].input = [read === inner ? renamed : read];
      return sg;
    };
    g.node.push(
      onnx.NodeProto.create({
        opType: 'If',
        input: ['if_cond'],
        output: [inner],
        attribute: [
          { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: fix(branch('then')) },
          { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: fix(branch('else')) },
        ],
      }),
    );
    return {
      detail: [
        'If reading an outer-scope name',
        'If reading a dangling name',
        'If whose subgraph input shadows an outer name',
      ][how],
      model: encode(p),
    };
  },
  'external-data': (r, s) => {
    const p = decode(s.bytes);
    const inits = rawInitializers(graphOf(p));
    if (!inits.length) return null;
    const t = pick(r, inits);
    const data = t.rawData.slice();
    const variant = pick(r, [
      'valid',
      'valid-offset',
      'missing',
      'dotdot',
      'dotdot-passwd',
      'absolute',
      'absolute-inside',
      'symlink-out',
      'symlink-passwd',
      'symlink-in',
      'symlink-loop',
      'offset-beyond',
      'length-beyond',
      'bad-offset',
      'negative-length',
      'no-location',
      'directory',
      'nul',
      'length-short',
      'backslash-dotdot',
    ]);
    const files = [];
    let location = 'weights.bin';
    const entries = {};
    const pad = int(r, 1, 64);
    switch (variant) {
      case 'valid':
        files.push({ name: 'weights.bin', bytes: data });
        break;
      case 'valid-offset':
        files.push({ name: 'weights.bin', bytes: new Uint8Array([...new Uint8Array(pad), ...data]) });
        entries.offset = String(pad);
        entries.length = String(data.length);
        break;
      case 'missing':
        location = 'missing.bin';
        break;
      case 'dotdot':
        location = '../outside.bin';
        break;
      case 'dotdot-passwd':
        location = '../../../../../../etc/passwd';
        break;
      case 'absolute':
        location = '/etc/passwd';
        break;
      case 'absolute-inside':
        location = '@CASEDIR@/weights.bin';
        files.push({ name: 'weights.bin', bytes: data });
        break;
      case 'symlink-out':
        location = 'link.bin';
        files.push({ name: 'link.bin', symlink: '../outside.bin' });
        break;
      case 'symlink-passwd':
        location = 'link.bin';
        files.push({ name: 'link.bin', symlink: '/etc/passwd' });
        break;
      case 'symlink-in':
        location = 'link.bin';
        files.push({ name: 'weights.bin', bytes: data }, { name: 'link.bin', symlink: 'weights.bin' });
        break;
      case 'symlink-loop':
        location = 'a.bin';
        files.push({ name: 'a.bin', symlink: 'b.bin' }, { name: 'b.bin', symlink: 'a.bin' });
        break;
      case 'offset-beyond':
        files.push({ name: 'weights.bin', bytes: data });
        entries.offset = String(data.length + pad);
        break;
      case 'length-beyond':
        files.push({ name: 'weights.bin', bytes: data });
        entries.length = String(data.length * 2 + pad);
        break;
      case 'bad-offset':
        files.push({ name: 'weights.bin', bytes: data });
        entries.offset = pick(r, ['abc', '-4', '1e3', '', '99999999999999999999']);
        break;
      case 'negative-length':
        files.push({ name: 'weights.bin', bytes: data });
        entries.length = '-1';
        break;
      case 'no-location':
        location = '';
        break;
      case 'directory':
        location = 'sub';
        files.push({ name: 'sub', dir: true });
        break;
      case 'nul':
        location = 'weights.bin\u0000.txt';
        files.push({ name: 'weights.bin', bytes: data });
        break;
      case 'length-short':
        files.push({ name: 'weights.bin', bytes: data });
        entries.length = String(Math.max(0, data.length - pad));
        break;
      case 'backslash-dotdot':
        location = '..\\..\\etc\\passwd';
        break;
    }
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      ...(location ? [{ key: 'location', value: location }] : []),
      ...Object.entries(entries).map(([key, value]) => ({ key, value })),
    ];
    return {
      detail: `initializer '${t.name}' external data: ${variant}`,
      model: encode(p),
      files,
      externalVariant: variant,
    };
  },
  'test-data': (r, s) => {
    if (!s.testData.length) return null;
    const variant = pick(r, ['dtype', 'shape', 'truncated', 'random', 'huge', 'object-npz', 'bad-npz', 'external']);
    const files = [{ name: 'test_data_set_0', dir: true }];
    let mutated = false;
    for (const f of s.testData) {
      let bytes = f.bytes;
      if (!mutated && f.name.startsWith('input_')) {
        mutated = true;
        const t = onnx.TensorProto.decode(bytes);
        if (variant === 'dtype') t.dataType = pick(r, [7, 11, 6, 9, 8, 16, 0]);
        else if (variant === 'shape') t.dims = [...(t.dims ?? []), 1].reverse();
        else if (variant === 'truncated')
          t.rawData = (t.rawData ?? new Uint8Array(0)).slice(0, Math.floor((t.rawData?.length ?? 0) / 2));
        else if (variant === 'huge') t.dims = [1e12];
        else if (variant === 'external') {
          t.rawData = new Uint8Array(0);
          t.dataLocation = 1;
          t.externalData = [{ key: 'location', value: '../../etc/passwd' }];
        }
        bytes =
          variant === 'random'
            ? Uint8Array.from({ length: int(r, 0, 300) }, () => int(r, 0, 255))
            : onnx.TensorProto.encode(t).finish();
      }
      if (!variant.endsWith('npz')) files.push({ name: `test_data_set_0/${f.name}`, bytes });
    }
    if (variant === 'object-npz')
      return {
        detail: 'io.npz with an object array',
        model: s.bytes,
        files: [{ name: 'io.npz', bytes: zipSync({ 'x.npy': objectNpy() }) }],
      };
    if (variant === 'bad-npz')
      return {
        detail: 'io.npz that is not a zip',
        model: s.bytes,
        files: [{ name: 'io.npz', bytes: Uint8Array.from({ length: 100 }, () => int(r, 0, 255)) }],
      };
    return { detail: `test data input ${variant}`, model: s.bytes, files };
  },
};

export const MUTATIONS = { ...BYTE_MUTATIONS, ...FIELD_MUTATIONS };
/** Relative weights: field edits reach further into the code than bytes that fail to decode. */
const WEIGHTS = Object.fromEntries(Object.keys(MUTATIONS).map((k) => [k, k in FIELD_MUTATIONS ? 3 : 2]));
WEIGHTS['external-data'] = 6;
WEIGHTS['test-data'] = 4;
WEIGHTS.random = 1;
const TOTAL_WEIGHT = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

function pickMutation(r) {
  let x = r() * TOTAL_WEIGHT;
  for (const [k, w] of Object.entries(WEIGHTS)) {
    if ((x -= w) < 0) return k;
  }
  return 'bit-flip';
}

/**
 * Case `index` of the sweep seeded `seed`: one mutation (a fifth of the cases stack a second field
 * edit on the first) of one bundled model. Returns { index, seedModel, mutation, detail, model, files }.
 */
export function makeCase(seeds, seed, index) {
  const r = rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const s = seeds[int(r, 0, seeds.length - 1)];
  for (let attempt = 0; attempt < 8; attempt++) {
    const name = pickMutation(r);
    let out;
    try {
      out = MUTATIONS[name](r, s, seeds);
    } catch {
      out = null; // a mutation that does not fit this (already mutated) model: pick another
    }
    if (!out) continue;
    const c = { index, seedModel: s.id, mutation: name, detail: out.detail, model: out.model, files: out.files ?? [] };
    // Often ship the seed's own test data alongside, so verify compares outputs (and mutated names meet real data).
    if (name !== 'test-data' && s.testData.length && r() < 0.3) {
      c.files = [
        ...c.files,
        { name: 'test_data_set_0', dir: true },
        ...s.testData.map((f) => ({ name: `test_data_set_0/${f.name}`, bytes: f.bytes })),
      ];
    }
    if (name in FIELD_MUTATIONS && name !== 'test-data' && name !== 'external-data' && r() < 0.2) {
      const second = pick(
        r,
        Object.keys(FIELD_MUTATIONS).filter((k) => !['test-data', 'external-data', 'empty-graph'].includes(k)),
      );
      let decoded = true;
      try {
        decode(c.model);
      } catch {
        decoded = false;
      }
      let more = null;
      try {
        if (decoded) more = MUTATIONS[second](r, { ...s, bytes: c.model }, seeds);
      } catch {
        more = null;
      }
      if (more) {
        c.mutation = `${name}+${second}`;
        c.detail = `${c.detail}; ${more.detail}`;
        c.model = more.model;
      }
    }
    return c;
  }
  return { index, seedModel: s.id, ...BYTE_MUTATIONS['bit-flip'](r, s), mutation: 'bit-flip', files: [] };
}

/** Write a case into `dir` (created): model.onnx and its extra files. Returns the model path. */
export function materializeCase(c, dir) {
  mkdirSync(dir, { recursive: true });
  const outside = join(dirname(dir), 'outside.bin');
  if (!existsSync(outside)) writeFileSync(outside, new Uint8Array(4096).fill(0x41));
  const modelPath = join(dir, 'model.onnx');
  let model = c.model;
  if (c.files.some((f) => f.name === 'weights.bin') && c.detail.endsWith('absolute-inside')) {
    // Re-encode with the case folder's absolute path, known only now.
    const p = decode(model);
    for (const t of p.graph?.initializer ?? [])
      for (const e of t.externalData ?? []) if (e.value === '@CASEDIR@/weights.bin') e.value = join(dir, 'weights.bin');
    model = encode(p);
  }
  writeFileSync(modelPath, model);
  for (const f of c.files) {
    const p = join(dir, f.name);
    if (f.dir) mkdirSync(p, { recursive: true });
    else if (f.symlink) symlinkSync(f.symlink, p);
    else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.bytes);
    }
  }
  return modelPath;
}

const KIND_PATTERNS = [
  [/empty file/, 'empty-file'],
  [/protobuf decoding failed/, 'not-decodable'],
  [/no graph|has neither IR version nor opset/, 'not-a-model'],
  [/cannot generate .* data/, 'input-type-unsupported'],
  [/has no declared shape/, 'input-shape-unknown'],
  [/over the limit of/, 'tensor-too-large'],
  [/invalid dimension|bad dimension/, 'invalid-dim'],
  [/is .* but the graph expects|has shape .* but the graph expects/, 'test-data-mismatch'],
  [/not a TensorProto|bytes of data for|values for shape/, 'test-data-unreadable'],
  [/object arrays|not a readable \.npz|\.npy/, 'npz-refused'],
  [/element type .* is not supported for tensor data/, 'test-data-type-unsupported'],
  [/stored externally/, 'test-data-external'],
  [/no data for graph input|not a graph input|has no matching graph/, 'test-data-names'],
];

/** A short, stable name for an error: the validator's kind, else a pattern of the message. */
export function errorKind(e) {
  if (e && typeof e === 'object' && typeof e.kind === 'string') return e.kind;
  const msg = String(e?.message ?? e);
  for (const [re, kind] of KIND_PATTERNS) if (re.test(msg)) return kind;
  return msg
    .replace(/^[^:]*: /, '')
    .replace(/'[^']*'/g, "'…'")
    .replace(/\d+/g, 'N')
    .split(/\s+/)
    .slice(0, 6)
    .join(' ');
}

function describeThrown(e) {
  const one = String(e?.message ?? e);
  const frame =
    String(e?.stack ?? '')
      .split('\n')
      .find((l) => l.trim().startsWith('at '))
      ?.trim() ?? '';
  return `${e?.name ?? typeof e}: ${one.slice(0, 300)}${frame ? ` [${frame}]` : ''}`;
}

/**
 * Inspect (loadModel + summarize) and prepare (prepareTarget: inputs, test data) one materialized
 * case in this process. Returns { stage, outcome: 'ok' | 'refused' | 'crash', kind, message, prepared? }.
 * A refusal must be a WorkbenchError with a one-line message; anything else is a crash.
 */
export function inspectCase(modelPath, id = modelPath) {
  let stage = 'inspect';
  try {
    const model = loadModel(modelPath);
    const summary = summarize(model);
    JSON.stringify(summary);
    stage = 'prepare';
    const prepared = prepareTarget({ id, modelPath });
    return { stage, outcome: 'ok', kind: 'ok', prepared };
  } catch (e) {
    if (e instanceof WorkbenchError) {
      const oneLine = !e.message.includes('\n') && e.message.length > 0 && e.message.length <= 2000;
      return oneLine
        ? { stage, outcome: 'refused', kind: errorKind(e), message: e.message }
        : { stage, outcome: 'crash', kind: 'multi-line-error', message: describeThrown(e) };
    }
    return { stage, outcome: 'crash', kind: 'exception', message: describeThrown(e) };
  }
}

/**
 * Verify prepared cases on the cpu backend (one worker for all; a crash or hang in onnxruntime
 * costs the worker, and must come back as that case's result). `onEvent` sees verify's events.
 * Returns a Map id -> { outcome: 'result' | 'crash', status, reason }.
 */
export async function verifyCases(prepared, { timeoutMs = 30_000, onEvent } = {}) {
  const out = new Map();
  let run;
  try {
    run = await verify(prepared, {
      backends: ['cpu'],
      plan: { warmup: 0, iterations: 1, maxDurationMs: 0 },
      timeoutMs,
      threads: 1,
      ...(onEvent ? { onEvent } : {}),
    });
  } catch (e) {
    for (const p of prepared)
      out.set(p.target.id, { outcome: 'crash', status: 'verify-threw', reason: describeThrown(e) });
    return out;
  }
  for (const r of run.results) out.set(r.model, { outcome: 'result', status: r.status, reason: r.reason ?? '' });
  for (const p of prepared) {
    if (!out.has(p.target.id))
      out.set(p.target.id, {
        outcome: 'crash',
        status: 'no-result',
        reason: 'verify returned no result for this case',
      });
  }
  return out;
}

/** The kind a verify result counts as: its status, with worker deaths told apart. */
export function resultKind(res) {
  if (res.outcome !== 'result') return res.status;
  if (res.status === 'run-error' && /worker (was killed by|exited with code)/.test(res.reason))
    return 'run-error (worker died, reported)';
  return res.status;
}
