/**
 * An estimate of the arithmetic work of one inference: multiply-accumulates (MACs) of the
 * matrix-product operators, from tensor shapes.
 *
 * Counted: Conv, ConvTranspose, Gemm, MatMul (and their integer/QLinear forms), LSTM, GRU, RNN.
 * FLOPs = 2 × MACs, plus one add per output element where a Conv, ConvTranspose or Gemm has a bias.
 * Everything else (activations, pooling, normalisation, the element-wise gate maths of recurrent
 * ops) is left out: for the networks this is meant for it is a small share of the work.
 *
 * Shapes come from two places:
 *  1. Statically from the file: initializers, Constant nodes, and graph inputs, outputs and
 *     value_info whose dimensions are all numbers.
 *  2. Otherwise by observation: the model is run once by a backend the caller hands in (bench
 *     uses an isolated cpu backend: never the command process), with the tensors still needed
 *     exposed as extra graph outputs (`exposeIntermediates`), and their actual dims are read. Symbolic dimensions are thereby resolved to the values the
 *     feeds imply, which is exactly the shape that is being timed.
 * A node whose shapes are still unknown (no feeds to run with, the run failed, or the node sits in
 * a Loop/If/Scan body, which is not exposed and may run any number of times) makes the total
 * 'unknown'; it is listed in `unresolved`.
 */
import { errorLine } from '../errors.js';
import { toNumber, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from './proto.js';
import { exposeIntermediates } from './edit.js';
import { isLazy } from './modelReader.js';
import type { Tensor } from '../tensor/tensor.js';

export type Shapes = ReadonlyMap<string, readonly number[]>;

export interface OpWork {
  nodes: number;
  macs: number;
  flops: number;
}

export interface FlopEstimate {
  /** Multiply-accumulates per inference, or 'unknown' when a counted node's shapes are unresolved. */
  macs: number | 'unknown';
  /** Floating-point (or integer) operations per inference: 2 × MACs plus bias adds, or 'unknown'. */
  flops: number | 'unknown';
  /** Work of the resolved nodes per op type. */
  byOp: Record<string, OpWork>;
  /** Counted nodes whose shapes could not be resolved, `name (OpType): why`. */
  unresolved: string[];
  /** Where the shapes came from: the file alone, or a cpu run with intermediates exposed. */
  shapeSource: 'static' | 'observed';
  /** Why the observation run failed, when it did. */
  note?: string;
}

/** Input positions of the operands each counted op type reads. */
const OPERANDS: Record<
  string,
  { kind: 'conv' | 'convT' | 'gemm' | 'matmul' | 'rnn'; a: number; b: number; bias?: number }
> = {
  Conv: { kind: 'conv', a: 0, b: 1, bias: 2 },
  ConvInteger: { kind: 'conv', a: 0, b: 1 },
  QLinearConv: { kind: 'conv', a: 0, b: 3, bias: 8 },
  ConvTranspose: { kind: 'convT', a: 0, b: 1, bias: 2 },
  Gemm: { kind: 'gemm', a: 0, b: 1, bias: 2 },
  MatMul: { kind: 'matmul', a: 0, b: 1 },
  MatMulInteger: { kind: 'matmul', a: 0, b: 1 },
  QLinearMatMul: { kind: 'matmul', a: 0, b: 3 },
  LSTM: { kind: 'rnn', a: 0, b: 1 },
  GRU: { kind: 'rnn', a: 0, b: 1 },
  RNN: { kind: 'rnn', a: 0, b: 1 },
};

function isCounted(node: NodeProto): boolean {
  return (!node.domain || node.domain === 'ai.onnx') && Object.hasOwn(OPERANDS, node.opType ?? '');
}

const prod = (dims: readonly number[]): number => dims.reduce((a, d) => a * d, 1);

function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a && a.i !== undefined && a.i !== null ? toNumber(a.i) : fallback;
}

function staticDims(v: ValueInfoProto): number[] | undefined {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  const out: number[] = [];
  for (const d of dims) {
    if (d.dimParam || d.dimValue === undefined || d.dimValue === null) return undefined;
    out.push(toNumber(d.dimValue));
  }
  return out;
}

/** Shapes known from the file alone: initializers, Constant nodes, fully numeric value infos. */
export function staticShapes(graph: GraphProto): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const dims = staticDims(v);
    if (v.name && dims) shapes.set(v.name, dims);
  }
  for (const t of graph.initializer ?? []) if (t.name) shapes.set(t.name, (t.dims ?? []).map(toNumber));
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Constant' || (node.domain && node.domain !== 'ai.onnx') || !node.output?.[0]) continue;
    const value = (node.attribute ?? []).find((a) => a.name === 'value')?.t;
    if (value) shapes.set(node.output[0], (value.dims ?? []).map(toNumber));
  }
  return shapes;
}

/** Tensor names each counted node needs a shape for. */
function requiredNames(node: NodeProto): string[] {
  const spec = OPERANDS[node.opType ?? '']!;
  const input = (i: number) => node.input?.[i] ?? '';
  const hasBias = spec.bias !== undefined && input(spec.bias) !== '';
  const y = node.output?.[0] ?? '';
  switch (spec.kind) {
    case 'conv':
      return [input(spec.b), y];
    case 'convT':
      return [input(spec.a), input(spec.b), ...(hasBias ? [y] : [])];
    case 'gemm':
      return [input(spec.a), y];
    case 'matmul':
      return [input(spec.a), y];
    case 'rnn':
      return [input(0), input(1), input(2)];
  }
}

/** MACs and FLOPs of one counted node, or undefined when a shape it needs is unknown. */
export function nodeWork(node: NodeProto, shapes: Shapes): { macs: number; flops: number } | undefined {
  const spec = OPERANDS[node.opType ?? '']!;
  const shape = (name: string | undefined) => (name ? shapes.get(name) : undefined);
  const A = shape(node.input?.[spec.a]);
  const B = shape(node.input?.[spec.b]);
  const Y = shape(node.output?.[0]);
  const hasBias = spec.bias !== undefined && !!node.input?.[spec.bias];
  switch (spec.kind) {
    case 'conv': {
      // W [M, C/group, k...], Y [N, M, out...]: each output element is a dot product of length C/group·Πk
      if (!B || !Y) return undefined;
      const macs = prod(Y) * prod(B.slice(1));
      return { macs, flops: 2 * macs + (hasBias ? prod(Y) : 0) };
    }
    case 'convT': {
      // X [N, C, in...], W [C, M/group, k...]: each input element is scattered over M/group·Πk outputs
      if (!A || !B || (hasBias && !Y)) return undefined;
      const macs = prod(A) * prod(B.slice(1));
      return { macs, flops: 2 * macs + (hasBias ? prod(Y!) : 0) };
    }
    case 'gemm': {
      // A [M, K] (or [K, M] with transA), Y [M, N]
      if (!A || A.length !== 2 || !Y) return undefined;
      const K = intAttr(node, 'transA', 0) ? A[0]! : A[1]!;
      const macs = prod(Y) * K;
      return { macs, flops: 2 * macs + (hasBias ? prod(Y) : 0) };
    }
    case 'matmul': {
      // numpy matmul: A [..., M, K]; Y holds the broadcast batch and M, N
      if (!A || A.length === 0 || !Y) return undefined;
      const macs = prod(Y) * A[A.length - 1]!;
      return { macs, flops: 2 * macs };
    }
    case 'rnn': {
      // X [seq, batch, in] (or [batch, seq, in]), W [dirs, gates·H, in], R [dirs, gates·H, H]
      const R = shape(node.input?.[2]);
      if (!A || A.length !== 3 || !B || B.length !== 3 || !R || R.length !== 3) return undefined;
      const macs = A[0]! * A[1]! * B[0]! * B[1]! * (B[2]! + R[2]!);
      return { macs, flops: 2 * macs };
    }
  }
}

function describeNode(node: NodeProto, index: number): string {
  return `${node.name || `#${index}`} (${node.opType})`;
}

/** Counted nodes inside subgraphs (Loop/If/Scan bodies), which are never resolved. */
function subgraphNodes(graph: GraphProto, out: string[], inside = false): void {
  (graph.node ?? []).forEach((node, index) => {
    if (inside && isCounted(node))
      out.push(`${describeNode(node, index)}: inside a subgraph (runs a data-dependent number of times)`);
    for (const a of node.attribute ?? []) {
      if (a.g) subgraphNodes(a.g, out, true);
      for (const g of a.graphs ?? []) subgraphNodes(g, out, true);
    }
  });
}

/** Count the work of the main graph with the given shapes. */
export function countFlops(
  graph: GraphProto,
  shapes: Shapes,
  shapeSource: FlopEstimate['shapeSource'] = 'static',
): FlopEstimate {
  const byOp: Record<string, OpWork> = {};
  const unresolved: string[] = [];
  let macs = 0;
  let flops = 0;
  (graph.node ?? []).forEach((node, index) => {
    if (!isCounted(node)) return;
    const w = nodeWork(node, shapes);
    if (!w) {
      const missing = requiredNames(node).filter((n) => !shapes.has(n));
      unresolved.push(
        `${describeNode(node, index)}: no static shape for ${missing.join(', ') || 'an operand of the right rank'}`,
      );
      return;
    }
    const op = (byOp[node.opType!] ??= { nodes: 0, macs: 0, flops: 0 });
    op.nodes++;
    op.macs += w.macs;
    op.flops += w.flops;
    macs += w.macs;
    flops += w.flops;
  });
  subgraphNodes(graph, unresolved);
  const known = unresolved.length === 0;
  return { macs: known ? macs : 'unknown', flops: known ? flops : 'unknown', byOp, unresolved, shapeSource };
}

/** Names of main-graph tensors that counted nodes need and the static shapes do not give. */
export function missingShapes(graph: GraphProto, shapes: Shapes): string[] {
  const missing = new Set<string>();
  for (const node of graph.node ?? []) {
    if (!isCounted(node)) continue;
    for (const n of requiredNames(node)) if (n && !shapes.has(n)) missing.add(n);
  }
  return [...missing];
}

/** Runs model bytes once with feeds and returns its outputs (a backend's measure, in its worker). */
export type ShapeRunner = (
  model: Uint8Array,
  feeds: ReadonlyMap<string, Tensor>,
) => Promise<ReadonlyMap<string, Tensor>>;

/**
 * Run the model once through `runner` with `names` exposed as outputs, and return the dims of
 * those tensors and of the feeds.
 */
export async function observeShapes(
  proto: ModelProto,
  feeds: ReadonlyMap<string, Tensor>,
  names: string[],
  runner: ShapeRunner,
): Promise<Map<string, number[]>> {
  const shapes = new Map<string, number[]>();
  for (const [name, t] of feeds) shapes.set(name, [...t.dims]);
  const produced = new Set((proto.graph?.node ?? []).flatMap((n) => n.output ?? []));
  const expose = names.filter((n) => produced.has(n));
  if (expose.length === 0) return shapes;
  const out = await runner(exposeIntermediates(proto, expose), feeds);
  for (const name of expose) {
    const t = out.get(name);
    if (t) shapes.set(name, [...t.dims]);
  }
  return shapes;
}

/**
 * The work of one inference of `proto` with `feeds`: static shapes where they suffice, else one
 * observation run on the cpu. Without feeds (or with `observe: false`) unresolved nodes stay unknown.
 */
export async function estimateFlops(
  proto: ModelProto,
  feeds?: ReadonlyMap<string, Tensor>,
  options: { observe?: boolean; runner?: ShapeRunner } = {},
): Promise<FlopEstimate> {
  const graph = proto.graph ?? {};
  const shapes = staticShapes(graph);
  const first = countFlops(graph, shapes, 'static');
  const missing = missingShapes(graph, shapes);
  if (missing.length === 0 || !feeds || options.observe === false) return first;
  // A model read by streaming holds no weights: re-encoding it for the shape run would drop them.
  if (isLazy(proto))
    return {
      ...first,
      note: 'shapes not observed: the model is run from its files (too large to re-encode with intermediates exposed); static shapes only',
    };
  if (!options.runner) return first;
  try {
    const observed = await observeShapes(proto, feeds, missing, options.runner);
    // Observed dims win over declared ones: they are what actually ran.
    return countFlops(graph, new Map([...shapes, ...observed]), 'observed');
  } catch (e) {
    return { ...first, note: `the shape run on the cpu backend failed: ${errorLine(e)}` };
  }
}
