/**
 * Divergence localisation: expose every intermediate tensor as a graph output, run the model on two
 * backends (or two files of the same graph on one backend), and find the first node, in topological
 * order, whose output differs beyond tolerance, with the error growth from there to the graph output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTensors, type TensorComparison } from '../compare/compare.js';
import { exposeIntermediates } from '../onnx/edit.js';
import { loadModel, type LoadedModel } from '../onnx/model.js';
import { isFileModel } from '../onnx/fileModel.js';
import { consumersOf, topologicalOrder } from '../onnx/topo.js';
import { onnx, type ModelProto } from '../onnx/proto.js';
import type { BackendId, RunMeasurement } from '../backends/types.js';
import { backendStatuses } from '../verify/verify.js';
import type { PreparedModel } from '../verify/prepare.js';
import { DEFAULT_TOLERANCE } from '../verify/prepare.js';
import type { Tolerance } from '../models/manifest.js';
import { WorkbenchError, InputError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { WorkerFailure } from '../isolation/backendWorker.js';

export interface NodeError {
  index: number;
  node: string;
  opType: string;
  output: string;
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  mismatches: number;
  elements: number;
  problem?: string;
}

export interface BisectReport {
  model: string;
  backend: BackendId;
  against: BackendId;
  againstModel?: string;
  tolerance: Tolerance;
  /** Intermediate tensors compared. */
  compared: number;
  /** Every compared node output in topological order. */
  nodes: NodeError[];
  /** The first node whose output differs although the nodes before it agree. */
  firstDivergent?: NodeError;
  /** From the first divergent node to a graph output: how the error grows. */
  path: NodeError[];
  /** Initializers whose bytes differ between the two files (with --against-model). */
  differingInitializers: string[];
  finalOutputsDiffer: boolean;
}

export interface BisectOptions {
  backend: BackendId;
  against: BackendId;
  /** A second file of the same graph, run on `against`. */
  againstModel?: string;
  tolerance?: Partial<Tolerance>;
  timeoutMs?: number;
}

function initializerDiff(a: ModelProto, b: ModelProto): string[] {
  const enc = (t: unknown) => Buffer.from(onnx.TensorProto.encode(t as never).finish()).toString('base64');
  const bMap = new Map((b.graph?.initializer ?? []).map((t) => [t.name, enc(t)]));
  return (a.graph?.initializer ?? []).filter((t) => bMap.has(t.name) && bMap.get(t.name) !== enc(t)).map((t) => t.name ?? '');
}

export async function bisect(prepared: PreparedModel, options: BisectOptions): Promise<BisectReport> {
  const tolerance = { ...DEFAULT_TOLERANCE, ...prepared.tolerance, ...options.tolerance };
  // Bisect edits the graph (intermediates exposed, re-encoded): it needs the model in memory.
  const a: LoadedModel = isFileModel(prepared.model) ? loadModel(prepared.model.path) : prepared.model;
  const b: LoadedModel = options.againstModel ? loadModel(options.againstModel) : a;
  const graph = a.proto.graph!;
  if (options.againstModel) {
    const names = (m: LoadedModel) => (m.proto.graph?.node ?? []).map((n) => `${n.opType}`).join(',');
    if (names(a) !== names(b)) throw new InputError(`${options.againstModel}: not the same graph as ${a.path} (different node lists)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'onnx-workbench-bisect-'));
  const ids = [...new Set<BackendId>([options.backend, options.against])];
  const { statuses, workers } = await backendStatuses(ids);
  try {
    for (const s of statuses) if (!s.available) throw new WorkbenchError(`backend ${s.id} is not available: ${s.reason}${s.fix ? ` (fix: ${s.fix})` : ''}`, 2);
    const pathA = join(dir, 'a.onnx');
    const pathB = join(dir, 'b.onnx');
    writeFileSync(pathA, exposeIntermediates(a.proto));
    writeFileSync(pathB, exposeIntermediates(b.proto));
    const run = async (backend: BackendId, path: string): Promise<Record<string, Tensor>> => {
      try {
        const m = await workers.get(backend)!.call<RunMeasurement>({ type: 'measure', modelPath: path, feeds: prepared.feeds, plan: { warmup: 0, iterations: 0 }, options: {} }, options.timeoutMs ?? 600_000);
        return m.outputs;
      } catch (e) {
        const why = e instanceof WorkerFailure ? `${e.kind}: ${e.message}` : (e as Error).message;
        throw new WorkbenchError(`the model with exposed intermediates failed on ${backend} (${why})`, 1);
      }
    };
    const outA = await run(options.backend, pathA);
    const outB = await run(options.against, pathB);
    const nodes: NodeError[] = [];
    const errorByTensor = new Map<string, NodeError>();
    for (const { node, index } of topologicalOrder(graph)) {
      for (const output of node.output ?? []) {
        const x = output ? outA[output] : undefined;
        const y = output ? outB[output] : undefined;
        if (!x || !y) continue;
        const c: TensorComparison = compareTensors(output, x, y, tolerance);
        const e: NodeError = {
          index, node: node.name || '(unnamed)', opType: node.opType ?? '?', output, ok: c.ok,
          maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, mismatches: c.mismatches, elements: c.elements,
          ...(c.problem ? { problem: c.problem } : {}),
        };
        nodes.push(e);
        errorByTensor.set(output, e);
      }
    }
    const firstDivergent = nodes.find((n) => !n.ok);
    const path: NodeError[] = [];
    if (firstDivergent) {
      // Follow consumers from the divergent tensor towards a graph output, taking the worst error each step.
      const consumers = consumersOf(graph);
      const nodeList = graph.node ?? [];
      let current: NodeError | undefined = firstDivergent;
      const seen = new Set<string>();
      while (current && !seen.has(current.output)) {
        seen.add(current.output);
        path.push(current);
        const next: NodeError[] = (consumers.get(current.output) ?? [])
          .flatMap((i) => (nodeList[i]!.output ?? []).map((o) => errorByTensor.get(o)))
          .filter((x): x is NodeError => x !== undefined);
        current = next.sort((p, q) => (q.maxAbsError || 0) - (p.maxAbsError || 0))[0];
      }
    }
    const finals = (graph.output ?? []).map((o) => o.name ?? '');
    const finalOutputsDiffer = finals.some((name) => {
      const x = outA[name], y = outB[name];
      return x && y ? !compareTensors(name, x, y, tolerance).ok : false;
    });
    return {
      model: prepared.target.id, backend: options.backend, against: options.against,
      ...(options.againstModel ? { againstModel: options.againstModel } : {}),
      tolerance, compared: nodes.length, nodes, ...(firstDivergent ? { firstDivergent } : {}), path,
      differingInitializers: options.againstModel ? initializerDiff(a.proto, b.proto) : [],
      finalOutputsDiffer,
    };
  } finally {
    await Promise.all([...workers.values()].map((w) => w.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}
