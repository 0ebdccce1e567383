/**
 * Structural validation of a decoded model, before anything is allocated for it or handed to a
 * runtime: tensor names (duplicates, dangling references, outer-scope names in subgraphs),
 * cycles, declared sizes against the element limit, initializer data sizes, sparse tensors
 * (shapes, index ranges), and external data locations. It covers the whole model: the main graph
 * and its subgraphs, model-local function bodies (`functions`) and `training_info` graphs. Fatal
 * problems throw one InputError line naming the model; the rest are returned (callers keep them with
 * the model: `LoadedModel.warnings`, `OpenedModel.warnings`) so they may be reported as warnings.
 *
 * It reads only the decoded protobuf's fields (lengths, names, dims): no tensor data is copied,
 * so it stays linear in the size of the graph.
 */
import { InputError } from '../errors.js';
import { maxTensorElements } from '../tensor/tensor.js';
import { elementTypeName } from './dtypes.js';
import { hasExternalData, quoteName, resolveExternalData } from './externalData.js';
import { nodeNameIds, payloadCount, rawDataLength, type NodeNameIds } from './modelReader.js';
import {
  toNumber,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
import type { onnx } from 'onnx-proto';

export type ProblemKind =
  | 'no-graph'
  | 'duplicate-name'
  | 'dangling-name'
  | 'missing-output'
  | 'cycle'
  | 'invalid-dim'
  | 'tensor-too-large'
  | 'data-size-mismatch'
  | 'external-data'
  | 'element-type'
  | 'unsorted'
  | 'shadowed-name'
  | 'unnamed'
  | 'bad-name'
  | 'nesting'
  | 'sparse';

export interface ModelProblem {
  kind: ProblemKind;
  /** 'error' problems make `validateModel` throw; 'warning' ones are returned. */
  severity: 'error' | 'warning';
  message: string;
}

export interface ValidateOptions {
  /** Element limit for one tensor; default `maxTensorElements()` (ONNX_WORKBENCH_MAX_ELEMENTS). */
  maxElements?: number;
  /** Check external data files (existence, location, range); default true. */
  externalData?: boolean;
  /** Stop collecting after this many problems; default 50. */
  maxProblems?: number;
  /** Deepest subgraph nesting accepted; default 64 (real models nest a few levels). */
  maxDepth?: number;
}

/** The fatal problem `validateModel` throws: an InputError (exit 2, one line) that also says what kind it is. */
export class ModelValidationError extends InputError {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly problems: ModelProblem[],
  ) {
    super(message);
    this.name = 'ModelValidationError';
  }
}

/**
 * Bytes of `n` elements of ONNX element type `code` in raw_data, or undefined for types without a
 * fixed width (string) or unknown codes.
 */
export function rawByteSize(code: number, n: number): number | undefined {
  switch (code) {
    case 1:
    case 6:
    case 12:
      return n * 4; // float32, int32, uint32
    case 2:
    case 3:
    case 9:
    case 17:
    case 18:
    case 19:
    case 20:
    case 24:
      return n; // uint8, int8, bool, float8 variants
    case 4:
    case 5:
    case 10:
    case 16:
      return n * 2; // uint16, int16, float16, bfloat16
    case 7:
    case 11:
    case 13:
    case 14:
      return n * 8; // int64, float64, uint64, complex64
    case 15:
      return n * 16; // complex128
    case 21:
    case 22:
    case 23:
      return Math.ceil(n / 2); // uint4, int4, float4e2m1 (two per byte)
    case 25:
    case 26:
      return Math.ceil(n / 4); // uint2, int2 (four per byte)
    default:
      return undefined;
  }
}

/** Which typed field holds a tensor's values when it has no raw_data, and how many entries n elements take. */
function typedField(
  t: TensorProto,
  code: number,
  n: number,
): { field: string; count: number; expected: number[] } | undefined {
  switch (code) {
    case 1:
      return { field: 'float_data', count: payloadCount(t, 'floatData'), expected: [n] };
    case 14:
      return { field: 'float_data', count: payloadCount(t, 'floatData'), expected: [2 * n] };
    case 11:
      return { field: 'double_data', count: payloadCount(t, 'doubleData'), expected: [n] };
    case 15:
      return { field: 'double_data', count: payloadCount(t, 'doubleData'), expected: [2 * n] };
    case 7:
      return { field: 'int64_data', count: payloadCount(t, 'int64Data'), expected: [n] };
    case 12:
    case 13:
      return { field: 'uint64_data', count: payloadCount(t, 'uint64Data'), expected: [n] };
    case 8:
      return { field: 'string_data', count: payloadCount(t, 'stringData'), expected: [n] };
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 9:
    case 10:
    case 16:
    case 17:
    case 18:
    case 19:
    case 20:
    case 24:
      return { field: 'int32_data', count: payloadCount(t, 'int32Data'), expected: [n] };
    case 21:
    case 22:
    case 23:
      return { field: 'int32_data', count: payloadCount(t, 'int32Data'), expected: [Math.ceil(n / 2), n] };
    case 25:
    case 26:
      return { field: 'int32_data', count: payloadCount(t, 'int32Data'), expected: [Math.ceil(n / 4), n] };
    default:
      return undefined;
  }
}

interface Scope {
  /** Names defined in this graph as inputs and initializers. */
  names: Set<string>;
  /** Node outputs of this graph (kept once, not copied to `names`). */
  produced: { has(name: string): boolean };
  parent: Scope | undefined;
}

/**
 * Which node first produces each tensor of one graph. By the reader's name ids when it decoded
 * this node list and the list still says what it read (a typed array indexed by id: a million-node
 * graph made two million Map operations on strings here); else by a Map on the names. `id` is -1
 * where the caller has no id (a name a subgraph takes from this graph): those go through a Map
 * built from the ids on first need.
 */
class Producers {
  private readonly byId: Int32Array | undefined;
  private map: Map<string, number> | undefined;
  /** With ids: the names that will be asked for by name (the graph's outputs), and their producers. */
  private readonly wanted: Set<string> | undefined;
  private readonly wantedFound = new Map<string, number>();
  constructor(
    private readonly ids: NodeNameIds | undefined,
    wanted: Iterable<string>,
  ) {
    if (ids) {
      this.byId = new Int32Array(ids.names.length).fill(-1);
      this.wanted = new Set(wanted);
    } else this.map = new Map();
  }
  /** The producing node's index, or -1. */
  get(name: string, id: number): number {
    if (this.byId && id >= 0) return this.byId[id]!;
    return this.byName().get(name) ?? -1;
  }
  set(name: string, id: number, node: number): void {
    if (this.byId) {
      this.byId[id] = node;
      if (this.wanted!.has(name)) this.wantedFound.set(name, node);
    }
    this.map?.set(name, node);
  }
  has(name: string): boolean {
    if (!this.map && this.wanted!.has(name)) return this.wantedFound.has(name);
    return this.byName().has(name);
  }
  private byName(): Map<string, number> {
    if (!this.map) {
      this.map = new Map();
      const { byId, ids } = this;
      for (let id = 0; id < byId!.length; id++) if (byId![id]! >= 0) this.map.set(ids!.names[id]!, byId![id]!);
    }
    return this.map;
  }
}

/**
 * The reader's ids for this node list, if it has them, they are worth it (the list is not a small
 * subgraph of a big model: an id-indexed array is as long as the model's distinct names) and every
 * node's inputs and outputs still are the names they record (an edited list falls back to names).
 */
function freshIds(nodes: readonly NodeProto[]): NodeNameIds | undefined {
  const ids = nodeNameIds(nodes);
  if (!ids || ids.nodes !== nodes.length || ids.names.length > 8 * nodes.length + 1024) return undefined;
  const { names, inIds, outIds } = ids;
  let a = 0;
  let b = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const ins = node.input ?? [];
    const outs = node.output ?? [];
    if (a + ins.length > inIds.length || b + outs.length > outIds.length) return undefined;
    for (let k = 0; k < ins.length; k++) if (ins[k] !== names[inIds[a + k]!]) return undefined;
    for (let k = 0; k < outs.length; k++) if (outs[k] !== names[outIds[b + k]!]) return undefined;
    a += ins.length;
    b += outs.length;
  }
  return a === inIds.length && b === outIds.length ? ids : undefined;
}

function defines(s: Scope, name: string): boolean {
  return s.names.has(name) || s.produced.has(name);
}

function visible(scope: Scope | undefined, name: string): boolean {
  for (let s = scope; s; s = s.parent) if (defines(s, name)) return true;
  return false;
}

class Collector {
  readonly problems: ModelProblem[] = [];
  errors = 0;
  dropped = 0;
  firstError: ModelProblem | undefined;
  constructor(private readonly max: number) {}
  add(kind: ProblemKind, severity: 'error' | 'warning', message: string): void {
    if (severity === 'error') {
      this.errors++;
      this.firstError ??= { kind, severity, message };
    }
    if (this.problems.length >= this.max) {
      this.dropped++;
      return;
    }
    this.problems.push({ kind, severity, message });
  }
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const nodeLabel = (node: NodeProto, index: number): string =>
  `node #${index}${node.name ? ` '${quoteName(node.name, 60)}'` : ''} (${quoteName(node.opType || '?', 40)})`;

class Validator {
  readonly out: Collector;
  private readonly limit: number;
  private readonly checkExternal: boolean;
  private readonly maxDepth: number;
  private depth = 0;

  constructor(
    private readonly modelPath: string,
    options: ValidateOptions,
  ) {
    this.maxDepth = options.maxDepth ?? 64;
    this.out = new Collector(options.maxProblems ?? 50);
    this.limit = options.maxElements ?? maxTensorElements();
    this.checkExternal = options.externalData ?? true;
  }

  /** Element count of declared dims, or undefined (after reporting) when they are invalid or too large. */
  private elements(rawDims: readonly unknown[], what: string): number | undefined {
    const dims = rawDims.map(toNumber);
    const shape = `[${dims.slice(0, 8).join(', ')}${dims.length > 8 ? ', …' : ''}]`;
    let n = 1;
    let zero = false;
    for (const d of dims) {
      if (d > Number.MAX_SAFE_INTEGER) {
        this.out.add(
          'tensor-too-large',
          'error',
          `${what} declares shape ${shape}: a dimension over 2^53, over the limit of ${this.limit} elements`,
        );
        return undefined;
      }
      if (!Number.isSafeInteger(d) || d < 0) {
        this.out.add('invalid-dim', 'error', `${what} has an invalid dimension ${d} in its shape ${shape}`);
        return undefined;
      }
      if (d === 0) zero = true;
      n *= d;
    }
    if (zero) return 0;
    if (n > this.limit) {
      this.out.add(
        'tensor-too-large',
        'error',
        `${what} declares shape ${shape}: ${n} elements, over the limit of ${this.limit} (set ONNX_WORKBENCH_MAX_ELEMENTS to raise it)`,
      );
      return undefined;
    }
    return n;
  }

  tensor(t: TensorProto, what: string): void {
    const n = this.elements(t.dims ?? [], what);
    if (n === undefined) return;
    const code = t.dataType ?? 0;
    const bytes = rawByteSize(code, n);
    if (code === 0 || elementTypeName(code).startsWith('type(')) {
      this.out.add('element-type', 'warning', `${what} has element type ${elementTypeName(code)}`);
    }
    if (hasExternalData(t)) {
      if (!this.checkExternal) return;
      try {
        resolveExternalData(this.modelPath, t, bytes !== undefined ? { expectedBytes: bytes } : {});
      } catch (e) {
        const prefix = `${this.modelPath}: `;
        const msg = (e as Error).message;
        this.out.add('external-data', 'error', msg.startsWith(prefix) ? msg.slice(prefix.length) : msg);
      }
      return;
    }
    const raw = rawDataLength(t);
    if (raw > 0) {
      if (bytes !== undefined && raw !== bytes) {
        this.out.add(
          'data-size-mismatch',
          'error',
          `${what} has ${raw} bytes of raw data but its shape and type (${n} × ${elementTypeName(code)}) need ${bytes}`,
        );
      }
      return;
    }
    const typed = typedField(t, code, n);
    if (!typed) return;
    if (!typed.expected.includes(typed.count)) {
      this.out.add(
        'data-size-mismatch',
        'error',
        typed.count === 0
          ? `${what} has no data for its ${n} ${elementTypeName(code)} element(s)`
          : `${what} has ${typed.count} ${typed.field} values for ${n} ${elementTypeName(code)} element(s)`,
      );
    }
  }

  /**
   * A sparse tensor: its dense shape within the limit, values 1-D [NNZ], indices int64 of shape
   * [NNZ] (linear) or [NNZ, rank], and, where the indices are stored in the model, each in range.
   */
  private sparse(s: onnx.ISparseTensorProto, what: string): void {
    const dense = (s.dims ?? []).map(toNumber);
    const total = this.elements(dense, what);
    if (!s.values) {
      this.out.add('sparse', 'error', `${what} has no values tensor`);
      return;
    }
    this.tensor(s.values, `${what} (values)`);
    const vdims = (s.values.dims ?? []).map(toNumber);
    if (vdims.length !== 1) {
      this.out.add('sparse', 'error', `${what}: values must be 1-D [NNZ], got shape [${vdims.join(', ')}]`);
      return;
    }
    const nnz = vdims[0]!;
    if (total !== undefined && nnz > total)
      this.out.add('sparse', 'error', `${what}: ${nnz} values for a dense shape of ${total} elements`);
    if (!s.indices) {
      if (nnz > 0) this.out.add('sparse', 'error', `${what}: ${nnz} values but no indices`);
      return;
    }
    this.tensor(s.indices, `${what} (indices)`);
    const idims = (s.indices.dims ?? []).map(toNumber);
    const linear = idims.length === 1 && idims[0] === nnz;
    const coords = idims.length === 2 && idims[0] === nnz && idims[1] === dense.length;
    if (!linear && !coords) {
      this.out.add(
        'sparse',
        'error',
        `${what}: indices of shape [${idims.join(', ')}] fit neither [${nnz}] nor [${nnz}, ${dense.length}]`,
      );
      return;
    }
    if ((s.indices.dataType ?? 0) !== 7) {
      this.out.add(
        'sparse',
        'error',
        `${what}: indices must be int64, got ${elementTypeName(s.indices.dataType ?? 0)}`,
      );
      return;
    }
    if (total === undefined || hasExternalData(s.indices)) return; // external indices: range-checked sizes only
    const idx = s.indices.rawData?.length
      ? s.indices.rawData.length % 8 === 0
        ? new BigInt64Array(Uint8Array.from(s.indices.rawData).buffer)
        : undefined
      : undefined;
    const count = idx ? idx.length : (s.indices.int64Data ?? []).length;
    const at = (k: number): number => (idx ? Number(idx[k]!) : toNumber(s.indices!.int64Data![k]));
    for (let k = 0; k < count; k++) {
      const v = at(k);
      const bound = linear ? total : dense[k % dense.length]!;
      if (!Number.isInteger(v) || v < 0 || v >= bound) {
        this.out.add(
          'sparse',
          'error',
          `${what}: index ${v} (entry ${k}) is outside the dense shape [${dense.join(', ')}]`,
        );
        return;
      }
    }
  }

  private declaredInput(v: ValueInfoProto, what: string): void {
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dims) return;
    // Symbolic and unknown dims count as 1, as generated inputs use them.
    this.elements(
      dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && !d.dimParam ? d.dimValue : 1)),
      what,
    );
  }

  private declaredDims(v: ValueInfoProto, what: string): void {
    for (const d of v.type?.tensorType?.shape?.dim ?? []) {
      if (d.dimValue === undefined || d.dimValue === null || d.dimParam) continue;
      const x = toNumber(d.dimValue);
      if (x < 0 || !Number.isSafeInteger(x)) {
        this.out.add('invalid-dim', 'warning', `${what} declares an invalid dimension ${x}`);
        return;
      }
    }
  }

  private readonly badNames = new Set<string>();
  /** Tensor names with control characters (newlines, escapes, NUL) would garble every message and log line. */
  name(name: string, what: string): void {
    if (!CONTROL_CHARS.test(name) || this.badNames.has(name)) return;
    this.badNames.add(name);
    this.out.add('bad-name', 'error', `${what} '${quoteName(name)}' has control characters in its name`);
  }

  /**
   * Check one graph; names from enclosing graphs are visible through `parent`. Returns the names
   * this graph (and its subgraphs) take from enclosing scopes: the implicit inputs of the node
   * that owns it.
   */
  graph(g: GraphProto, path: string[], parent: Scope | undefined): Set<string> {
    const where =
      path.length <= 3 ? path.join(': ') : `${path[0]}: … (${path.length - 2} levels) …: ${path[path.length - 1]}`;
    const prefix = where ? `${where}: ` : '';
    // A million-node graph passes through here once per name: nothing is built for a name unless
    // it is reported (labels, prefixes and closures are made on the error path only).
    const nodes = g.node ?? [];
    const ids = freshIds(nodes);
    const producer = new Producers(
      ids,
      (g.output ?? []).map((v) => v.name ?? ''),
    );
    const scope: Scope = { names: new Set<string>(), produced: producer, parent };
    const free = new Set<string>();
    const declare = (name: string, what: string): void => {
      if (CONTROL_CHARS.test(name)) this.name(name, `${prefix}${what}`);
      if (parent && visible(parent, name))
        this.out.add(
          'shadowed-name',
          'warning',
          `${prefix}${what} '${quoteName(name)}' shadows a name of an enclosing graph`,
        );
    };

    // Graph inputs and initializers (an initializer may repeat an input's name: a default value).
    const inputNames = new Set<string>();
    const inits = new Set<string>();
    for (const t of g.initializer ?? []) {
      const name = t.name ?? '';
      const what = `${prefix}initializer '${quoteName(name)}'`;
      if (!name) this.out.add('unnamed', 'error', `${prefix}an initializer has no name`);
      else if (inits.has(name))
        this.out.add('duplicate-name', 'error', `${prefix}initializer '${quoteName(name)}' is defined twice`);
      inits.add(name);
      this.tensor(t, what);
    }
    for (const s of g.sparseInitializer ?? []) {
      const name = s.values?.name ?? '';
      if (name && inits.has(name))
        this.out.add('duplicate-name', 'error', `${prefix}initializer '${quoteName(name)}' is defined twice`);
      if (name) inits.add(name);
      this.sparse(s, `${prefix}sparse initializer '${quoteName(name)}'`);
    }
    (g.input ?? []).forEach((v, k) => {
      const name = v.name ?? '';
      if (!name) {
        this.out.add('unnamed', 'error', `${prefix}graph input #${k} has no name`);
        return;
      }
      if (inputNames.has(name))
        this.out.add('duplicate-name', 'error', `${prefix}graph input '${quoteName(name)}' is declared twice`);
      inputNames.add(name);
      if (!parent && !inits.has(name)) this.declaredInput(v, `graph input '${quoteName(name)}'`);
      else this.declaredDims(v, `${prefix}graph input '${quoteName(name)}'`);
    });
    for (const name of inputNames) {
      scope.names.add(name);
      declare(name, 'graph input');
    }
    for (const name of inits) {
      if (!scope.names.has(name)) declare(name, 'initializer');
      scope.names.add(name);
    }

    // Node outputs: each name is produced once (and not also a graph input or initializer).
    for (let i = 0, at = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const outs = node.output ?? [];
      const base = at;
      at += outs.length;
      for (let k = 0; k < outs.length; k++) {
        const o = outs[k]!;
        if (!o) continue; // optional output left out
        const id = ids ? ids.outIds[base + k]! : -1;
        const before = producer.get(o, id);
        if (before >= 0) {
          this.out.add(
            'duplicate-name',
            'error',
            `${prefix}tensor '${quoteName(o)}' is produced by ${nodeLabel(nodes[before]!, before)} and again by ${nodeLabel(node, i)}`,
          );
        } else if (scope.names.has(o)) {
          this.out.add(
            'duplicate-name',
            'error',
            `${prefix}tensor '${quoteName(o)}' is a graph ${inputNames.has(o) ? 'input' : 'initializer'} and also produced by ${nodeLabel(node, i)}`,
          );
        } else {
          producer.set(o, id, i);
          if ((ids ? ids.control[id] === 1 : CONTROL_CHARS.test(o)) || parent) declare(o, 'tensor');
        }
      }
    }

    // Node inputs: defined here (input, initializer, node output) or in an enclosing graph.
    // Producer -> consumer edges as two flat lists (one array per node would cost a million arrays).
    const deps: { from: number[]; to: number[] } = { from: [], to: [] };
    let unsorted: string | undefined;
    const uses = (node: NodeProto, i: number, name: string, id: number, implicit: boolean): void => {
      const p = producer.get(name, id);
      if (p >= 0) {
        deps.from.push(p);
        deps.to.push(i);
        if (p >= i && unsorted === undefined)
          unsorted = `${nodeLabel(node, i)} uses '${quoteName(name)}' before ${nodeLabel(nodes[p]!, p)} produces it`;
        return;
      }
      if (scope.names.has(name)) return;
      if (parent && visible(parent, name)) {
        free.add(name);
        return;
      }
      this.out.add(
        'dangling-name',
        'error',
        implicit
          ? `${prefix}a subgraph of ${nodeLabel(node, i)} uses '${quoteName(name)}', which no enclosing graph defines`
          : `${prefix}${nodeLabel(node, i)} reads '${quoteName(name)}', which is neither a graph input, an initializer nor a node output`,
      );
    };
    for (let i = 0, at = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const ins = node.input ?? [];
      const base = at;
      at += ins.length;
      for (let k = 0; k < ins.length; k++) {
        const name = ins[k]!;
        if (!name) continue; // '' is an optional input left out
        const id = ids ? ids.inIds[base + k]! : -1;
        if (ids ? ids.control[id] === 1 : CONTROL_CHARS.test(name))
          this.name(name, `${prefix}${nodeLabel(node, i)} input`);
        uses(node, i, name, id, false);
      }
      if (!node.attribute?.length) continue;
      node.attribute.forEach((a) => {
        const what = `${prefix}${nodeLabel(node, i)} attribute '${quoteName(a.name ?? '')}'`;
        if (a.t) this.tensor(a.t, what);
        (a.tensors ?? []).forEach((t, k) => this.tensor(t, `${what} tensor #${k}`));
        if (a.sparseTensor) this.sparse(a.sparseTensor, what);
        (a.sparseTensors ?? []).forEach((s, k) => this.sparse(s, `${what} sparse tensor #${k}`));
        const subgraphs = [...(a.g ? [a.g] : []), ...(a.graphs ?? [])];
        for (const sg of subgraphs) {
          if (this.depth >= this.maxDepth) {
            this.out.add(
              'nesting',
              'error',
              `${prefix}${nodeLabel(node, i)}: subgraphs nested more than ${this.maxDepth} levels deep`,
            );
            break;
          }
          this.depth++;
          const sub = this.graph(
            sg,
            [...path, `subgraph '${quoteName(a.name ?? '')}' of ${nodeLabel(node, i)}`],
            scope,
          );
          this.depth--;
          for (const name of sub) uses(node, i, name, -1, true);
        }
      });
    }
    if (unsorted) this.out.add('unsorted', 'warning', `${prefix}nodes are not in topological order: ${unsorted}`);
    this.cycles(nodes, deps, prefix);

    // Graph outputs must be defined.
    const outputNames = new Set<string>();
    (g.output ?? []).forEach((v, k) => {
      const name = v.name ?? '';
      if (!name) {
        this.out.add('unnamed', 'error', `${prefix}graph output #${k} has no name`);
        return;
      }
      if (outputNames.has(name))
        this.out.add('duplicate-name', 'warning', `${prefix}graph output '${quoteName(name)}' is declared twice`);
      outputNames.add(name);
      this.name(name, `${prefix}graph output`);
      this.declaredDims(v, `${prefix}graph output '${quoteName(name)}'`);
      if (defines(scope, name)) return;
      if (parent && visible(parent, name)) {
        free.add(name);
        return;
      }
      this.out.add(
        'missing-output',
        'error',
        `${prefix}graph output '${quoteName(name)}' is produced by no node and is neither an input nor an initializer`,
      );
    });
    return free;
  }

  /**
   * Model-local functions: each body is checked like a graph whose inputs are the function's
   * inputs (names, tensors in attributes, subgraphs, cycles, outputs produced).
   */
  functions(fs: onnx.IFunctionProto[]): void {
    const seen = new Set<string>();
    fs.forEach((f, k) => {
      const id = `${f.domain ?? ''}:${f.name ?? ''}`;
      const label = `function #${k} '${quoteName(f.domain ? `${f.domain}.${f.name ?? ''}` : (f.name ?? ''))}'`;
      if (!f.name) this.out.add('unnamed', 'error', `function #${k} has no name`);
      else if (seen.has(id)) this.out.add('duplicate-name', 'error', `${label} is defined twice`);
      seen.add(id);
      this.graph(
        {
          name: f.name ?? '',
          node: f.node ?? [],
          input: (f.input ?? []).map((name) => ({ name })),
          output: (f.output ?? []).map((name) => ({ name })),
        },
        [label],
        undefined,
      );
    });
  }

  /**
   * training_info: the initialization and algorithm graphs may read the inference graph's
   * inputs, initializers and node outputs, so those are their enclosing scope.
   */
  trainingInfo(infos: onnx.ITrainingInfoProto[], main: GraphProto): void {
    if (infos.length === 0) return;
    const names = new Set<string>();
    for (const t of main.initializer ?? []) if (t.name) names.add(t.name);
    for (const s of main.sparseInitializer ?? []) if (s.values?.name) names.add(s.values.name);
    for (const i of main.input ?? []) if (i.name) names.add(i.name);
    for (const n of main.node ?? []) for (const o of n.output ?? []) if (o) names.add(o);
    const scope: Scope = { names, produced: new Map(), parent: undefined };
    infos.forEach((ti, k) => {
      if (ti.initialization) this.graph(ti.initialization, [`training_info #${k} initialization`], scope);
      if (ti.algorithm) this.graph(ti.algorithm, [`training_info #${k} algorithm`], scope);
    });
  }

  /** Kahn's algorithm over producer -> consumer edges; reports the nodes left on a cycle. */
  private cycles(nodes: NodeProto[], deps: { from: number[]; to: number[] }, prefix: string): void {
    const n = nodes.length;
    if (n === 0) return;
    // Consumers in compressed rows (an edge used twice counts twice on both sides, which Kahn's algorithm allows).
    const indegree = new Int32Array(n);
    const start = new Int32Array(n + 1);
    const m = deps.from.length;
    for (let e = 0; e < m; e++) {
      indegree[deps.to[e]!]!++;
      start[deps.from[e]! + 1]!++;
    }
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const fill = start.slice(0, n);
    const consumers = new Int32Array(m);
    for (let e = 0; e < m; e++) consumers[fill[deps.from[e]!]!++] = deps.to[e]!;
    const ready: number[] = [];
    for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
    let done = 0;
    while (ready.length) {
      const i = ready.pop()!;
      done++;
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        const c = consumers[k]!;
        if (--indegree[c]! === 0) ready.push(c);
      }
    }
    if (done === n) return;
    let first = -1;
    for (let i = 0; i < n; i++)
      if (indegree[i]! > 0) {
        first = i;
        break;
      }
    this.out.add(
      'cycle',
      'error',
      `${prefix}the graph has a cycle: ${n - done} node(s) depend on their own outputs, e.g. ${nodeLabel(nodes[first]!, first)}`,
    );
  }
}

/**
 * Validate a decoded model read from `modelPath` (used to resolve external data and in messages).
 * Throws a ModelValidationError (an InputError: one line, exit 2) for the first fatal problem,
 * mentioning how many more there are; returns the non-fatal problems.
 */
export function validateModel(proto: ModelProto, modelPath: string, options: ValidateOptions = {}): ModelProblem[] {
  if (!proto.graph) throw new ModelValidationError('no-graph', `${modelPath}: the model has no graph`, []);
  const v = new Validator(modelPath, options);
  try {
    v.graph(proto.graph, [], undefined);
    v.functions(proto.functions ?? []);
    v.trainingInfo(proto.trainingInfo ?? [], proto.graph);
  } catch (e) {
    if (e instanceof RangeError)
      throw new ModelValidationError(
        'nesting',
        `${modelPath}: the graph is too deeply nested to check (${e.message})`,
        v.out.problems,
      );
    throw e;
  }
  const { problems, errors, dropped, firstError } = v.out;
  if (firstError) {
    const first = firstError;
    const more = errors - 1;
    throw new ModelValidationError(
      first.kind,
      `${modelPath}: ${first.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''}`,
      problems,
    );
  }
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (dropped > 0 && warnings.length > 0)
    warnings[warnings.length - 1] = {
      ...warnings[warnings.length - 1]!,
      message: `${warnings[warnings.length - 1]!.message} (and ${dropped} more problem(s))`,
    };
  return warnings;
}
