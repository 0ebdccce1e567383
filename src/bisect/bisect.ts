/**
 * Divergence localisation: expose every intermediate tensor as a graph output, run the model on two
 * backends (or two files of the same graph on one backend), and find the first node, in topological
 * order, whose output differs beyond tolerance, with the error growth from there to the graph output.
 */
import { compareOutputs, compareTensors, type TensorComparison } from '../compare/compare.js';
import { join } from 'node:path';
import { exposeIntermediates } from '../onnx/edit.js';
import { loadModel, type LoadedModel } from '../onnx/model.js';
import { isFileModel } from '../onnx/fileModel.js';
import { consumersOf, topologicalOrder } from '../onnx/topo.js';
import { onnx, type ModelProto } from '../onnx/proto.js';
import { runProto } from '../verify/verify.js';
import type { Backend, BackendId, TensorMap } from '../backends/types.js';
import { BackendStageError } from '../backends/types.js';
import { startBackends, type BackendSet } from '../isolation/pool.js';
import type { PreparedModel } from '../verify/prepare.js';
import { toleranceBetween } from '../verify/result.js';
import type { Tolerance } from '../models/manifest.js';
import { WorkbenchError, InputError, errorLine } from '../errors.js';
import { nodeAttributes, nodeOpset, type NodeAttribute } from '../onnx/attributes.js';
import { tensorFromProto } from '../tensor/tensorProto.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  checkExtractDir,
  extractionReadme,
  extractSubgraph,
  growBackwards,
  writeExtraction,
  type ExtractedNode,
} from './extract.js';

/** How far one tensor differs between the two sides. */
export interface ErrorSummary {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  mismatches: number;
  elements: number;
  problem?: string;
}

export interface NodeError extends ErrorSummary {
  index: number;
  node: string;
  opType: string;
  output: string;
}

/** One input of the first divergent node, and how far the two sides already differed there. */
export interface InputDrift extends ErrorSummary {
  name: string;
  /** 'graph input', 'initializer', or the producing node ('#3 conv1 (Conv)'). */
  source: string;
  dtype?: string;
  shape?: number[];
}

/** The first divergent node in full: what an upstream bug report needs. */
export interface DivergentNode {
  index: number;
  node: string;
  opType: string;
  domain: string;
  /** The opset version the model imports for the node's domain. */
  opset?: number;
  attributes: NodeAttribute[];
  inputs: InputDrift[];
  outputs: string[];
}

/** How the extracted node ran on its own (the same backends, the extracted inputs). */
export interface ExtractedCheck {
  backend: BackendId;
  ok: boolean;
  maxAbsError: number;
  mismatches: number;
  elements: number;
  error?: string;
}

export interface Extraction {
  dir: string;
  files: string[];
  /** Inputs of the extracted model (graph inputs) and those kept as initializers. */
  inputs: string[];
  initializers: string[];
  /** Commands that reproduce (on --backend) and pass (on --against). */
  commands: { reproduce: string; pass?: string };
  /** The extracted model run on the backends bisect compared. */
  checks: ExtractedCheck[];
  /** The extracted model's nodes: the divergent node and, when it grew, its producers ('#3 conv1 (Conv)'). */
  nodes: string[];
  /** The failing backend mismatches on the extracted model and the reference side passes. */
  reproduced: boolean;
  /** Each size tried, smallest first: the node alone, then one more level of producers per step. */
  attempts: { step: number; nodes: number; reproduced: boolean; checks: ExtractedCheck[] }[];
  /** Why growing stopped without reproducing ('reached the graph inputs', 'N steps'). */
  stoppedBecause?: string;
}

/** Growth steps tried by default before bisect says the divergence did not reproduce in a subgraph. */
export const DEFAULT_GROW_STEPS = 8;

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
  /** That node's domain, opset, attributes, and how far its inputs already differed. */
  divergentNode?: DivergentNode;
  /** With `extractDir`: the node written as a standalone model with its data. */
  extracted?: Extraction;
  /** Why the extraction failed, when it did (the bisect result stands). */
  extractError?: string;
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
  /** Write the first divergent node as a standalone model with its data into this new or empty folder. */
  extractDir?: string;
  /** Told each phase as it starts (the command's live status line). */
  onPhase?: (phase: string) => void;
  /**
   * When the node alone does not reproduce the mismatch, grow the extracted subgraph backwards (the
   * node plus its producers, one level per step) at most this many steps; 0: the node alone.
   */
  growSteps?: number;
}

function initializerDiff(a: ModelProto, b: ModelProto): string[] {
  const enc = (t: unknown) => Buffer.from(onnx.TensorProto.encode(t as never).finish()).toString('base64');
  const bMap = new Map((b.graph?.initializer ?? []).map((t) => [t.name, enc(t)]));
  return (a.graph?.initializer ?? [])
    .filter((t) => bMap.has(t.name) && bMap.get(t.name) !== enc(t))
    .map((t) => t.name ?? '');
}

/** Start isolated backends for the two sides, bisect, close them. */
export async function bisect(prepared: PreparedModel, options: BisectOptions): Promise<BisectReport> {
  if (options.extractDir) checkExtractDir(options.extractDir); // before any backend starts
  options.onPhase?.(`starting backends: ${[...new Set([options.backend, options.against])].join(', ')}`);
  const set = await startBackends(
    [...new Set<BackendId>([options.backend, options.against])],
    options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
  );
  try {
    return await bisectWith(prepared, set, options);
  } finally {
    await set.close();
  }
}

/**
 * Bisect on started backends. The tolerance is verify's policy for the pair (the manifest's, per
 * backend, with the WebGPU floor), overridden by `options.tolerance`.
 */
export async function bisectWith(
  prepared: PreparedModel,
  set: BackendSet,
  options: BisectOptions,
): Promise<BisectReport> {
  const tolerance = toleranceBetween(prepared, options.backend, options.against, options.tolerance);
  // Bisect edits the graph (intermediates exposed, re-encoded): it needs the model in memory.
  const a: LoadedModel = isFileModel(prepared.model) ? loadModel(prepared.model.path) : prepared.model;
  const b: LoadedModel = options.againstModel ? loadModel(options.againstModel) : a;
  const graph = a.proto.graph!;
  if (options.againstModel) {
    const names = (m: LoadedModel) => (m.proto.graph?.node ?? []).map((n) => `${n.opType}`).join(',');
    if (names(a) !== names(b))
      throw new InputError(`${options.againstModel}: not the same graph as ${a.path} (different node lists)`);
  }
  {
    for (const s of set.statuses)
      if (!s.available)
        throw new WorkbenchError(`backend ${s.id} is not available: ${s.reason}${s.fix ? ` (fix: ${s.fix})` : ''}`, 2);
    const backendOf = (id: BackendId): Backend => {
      const found = set.backends.get(id);
      if (!found) throw new WorkbenchError(`backend ${id} was not started`, 2);
      return found;
    };
    const run = async (backend: BackendId, path: string, bytes: Uint8Array): Promise<TensorMap> => {
      try {
        const m = await backendOf(backend).measure(
          { path, bytes },
          prepared.feeds,
          { warmup: 0, iterations: 0 },
          {
            ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          },
        );
        return m.outputs;
      } catch (e) {
        const why = e instanceof BackendStageError ? `${e.stage}: ${e.message}` : (e as Error).message;
        throw new WorkbenchError(`the model with exposed intermediates failed on ${backend} (${why})`, 1);
      }
    };
    // The graphs as they run (external data inlined from the checked files): no backend reads a path.
    options.onPhase?.(`running every intermediate output on ${options.backend}`);
    const outA = await run(options.backend, a.path, exposeIntermediates(runProto(a)));
    options.onPhase?.(`running every intermediate output on ${options.against}`);
    const outB = await run(options.against, b.path, exposeIntermediates(b === a ? runProto(a) : runProto(b)));
    options.onPhase?.(`comparing ${graph.node?.length ?? 0} nodes`);
    const nodes: NodeError[] = [];
    const errorByTensor = new Map<string, NodeError>();
    for (const { node, index } of topologicalOrder(graph)) {
      for (const output of node.output ?? []) {
        const x = output ? outA.get(output) : undefined;
        const y = output ? outB.get(output) : undefined;
        if (!x || !y) continue;
        const c: TensorComparison = compareTensors(output, x, y, tolerance);
        const e: NodeError = {
          index,
          node: node.name || '(unnamed)',
          opType: node.opType ?? '?',
          output,
          ok: c.ok,
          maxAbsError: c.maxAbsError,
          maxRelError: c.maxRelError,
          mismatches: c.mismatches,
          elements: c.elements,
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
      const x = outA.get(name),
        y = outB.get(name);
      return x && y ? !compareTensors(name, x, y, tolerance).ok : false;
    });
    const report: BisectReport = {
      model: prepared.target.id,
      backend: options.backend,
      against: options.against,
      ...(options.againstModel ? { againstModel: options.againstModel } : {}),
      tolerance,
      compared: nodes.length,
      nodes,
      ...(firstDivergent ? { firstDivergent } : {}),
      path,
      differingInitializers: options.againstModel ? initializerDiff(a.proto, b.proto) : [],
      finalOutputsDiffer,
    };
    if (!firstDivergent) return report;
    const protoA = runProto(a);
    const protoB = b === a ? protoA : runProto(b);
    // Values as each side saw them: node outputs from its run, graph inputs from the feeds.
    const sideValue =
      (out: TensorMap) =>
      (name: string): Tensor | undefined =>
        out.get(name) ?? prepared.feeds.get(name);
    report.divergentNode = describeNode(
      protoA,
      protoB,
      firstDivergent.index,
      sideValue(outA),
      sideValue(outB),
      tolerance,
    );
    if (options.extractDir) {
      options.onPhase?.(`extracting node ${firstDivergent.index} and running it alone`);
      try {
        // The node of the file under test, fed what the reference side computed, expecting the reference
        // side's outputs; grown backwards (its producers joined, step by step) until the failing backend
        // mismatches there and the reference side passes, or growing stops.
        const backends = [...new Set([options.backend, options.against])];
        const runChecks = async (x: ExtractedNode): Promise<ExtractedCheck[]> => {
          const checks: ExtractedCheck[] = [];
          for (const id of backends) checks.push(await checkExtracted(backendOf(id), id, x, tolerance, options));
          return checks;
        };
        const reproduces = (checks: ExtractedCheck[]) =>
          checks.every((c) => !c.error && (c.backend === options.backend ? !c.ok : c.ok));
        const maxSteps = Math.max(0, Math.floor(options.growSteps ?? DEFAULT_GROW_STEPS));
        const attempts: Extraction['attempts'] = [];
        let indices = [firstDivergent.index];
        let x = extractSubgraph(protoA, indices, firstDivergent.index, sideValue(outB));
        let checks = await runChecks(x);
        attempts.push({ step: 0, nodes: indices.length, reproduced: reproduces(checks), checks });
        let stoppedBecause: string | undefined;
        for (let step = 1; !reproduces(checks); step++) {
          if (step > maxSteps) {
            stoppedBecause = `${maxSteps} growth step(s) (--grow ${maxSteps})`;
            break;
          }
          const grown = growBackwards(protoA, indices);
          if (grown.length === indices.length) {
            stoppedBecause = 'the subgraph reached the graph inputs';
            break;
          }
          let next: ExtractedNode;
          try {
            next = extractSubgraph(protoA, grown, firstDivergent.index, sideValue(outB));
          } catch (e) {
            stoppedBecause = `growing further: ${errorLine(e)}`;
            break;
          }
          indices = grown;
          x = next;
          checks = await runChecks(x);
          attempts.push({ step, nodes: indices.length, reproduced: reproduces(checks), checks });
        }
        const reproduced = reproduces(checks);
        const tol = `--atol ${tolerance.atol} --rtol ${tolerance.rtol}`;
        const dir = shellWord(options.extractDir);
        const commands = {
          reproduce: `onnx-workbench verify ${dir} --backend ${options.backend} ${tol}`,
          ...(options.againstModel ? {} : { pass: `onnx-workbench verify ${dir} --backend ${options.against} ${tol}` }),
        };
        const files = writeExtraction(
          options.extractDir,
          x,
          extractionReadme({
            report,
            commands,
            checks,
            inputs: x.inputs.map(([n]) => n),
            initializers: x.initializers,
            nodes: indices.map(
              (i) => `#${i} ${protoA.graph?.node?.[i]?.name || '(unnamed)'} (${protoA.graph?.node?.[i]?.opType})`,
            ),
            reproduced,
            attempts,
            ...(stoppedBecause ? { stoppedBecause } : {}),
          }),
        );
        const nodeList = protoA.graph?.node ?? [];
        report.extracted = {
          dir: options.extractDir,
          files,
          inputs: x.inputs.map(([n]) => n),
          initializers: x.initializers,
          commands,
          checks,
          nodes: indices.map((i) => `#${i} ${nodeList[i]?.name || '(unnamed)'} (${nodeList[i]?.opType})`),
          reproduced,
          attempts,
          ...(stoppedBecause && !reproduced ? { stoppedBecause } : {}),
        };
      } catch (e) {
        report.extractError = errorLine(e);
      }
    }
    return report;
  }
}

/** Run an extracted model on one backend and compare with the reference side's outputs. */
async function checkExtracted(
  backend: Backend,
  id: BackendId,
  x: ExtractedNode,
  tolerance: Tolerance,
  options: BisectOptions,
): Promise<ExtractedCheck> {
  try {
    const m = await backend.measure(
      { path: join(options.extractDir ?? '.', 'model.onnx'), bytes: x.model },
      new Map(x.inputs),
      { warmup: 0, iterations: 0 },
      {
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      },
    );
    const c = compareOutputs(m.outputs, new Map(x.outputs), tolerance);
    return {
      backend: id,
      ok: c.ok,
      maxAbsError: Math.max(0, ...c.outputs.map((o) => o.maxAbsError)),
      mismatches: c.outputs.reduce((n, o) => n + o.mismatches, 0),
      elements: c.outputs.reduce((n, o) => n + o.elements, 0),
    };
  } catch (e) {
    return {
      backend: id,
      ok: false,
      maxAbsError: Number.NaN,
      mismatches: 0,
      elements: 0,
      error: e instanceof BackendStageError ? `${e.stage}: ${e.message}` : errorLine(e),
    };
  }
}

/** The node's domain, opset and attributes, and each input compared between the two sides. */
function describeNode(
  protoA: ModelProto,
  protoB: ModelProto,
  index: number,
  valueA: (n: string) => Tensor | undefined,
  valueB: (n: string) => Tensor | undefined,
  tolerance: Tolerance,
): DivergentNode {
  const graph = protoA.graph!;
  const node = graph.node![index]!;
  const producers = new Map<string, string>();
  (graph.node ?? []).forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producers.set(o, `#${i} ${n.name || '(unnamed)'} (${n.opType})`);
  });
  const initA = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const initB = new Map((protoB.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const feeds = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  const inputs: InputDrift[] = [];
  for (const name of node.input ?? []) {
    if (!name || inputs.some((x) => x.name === name)) continue;
    const ia = initA.get(name),
      ib = initB.get(name);
    const source = ia ? 'initializer' : (producers.get(name) ?? (feeds.has(name) ? 'graph input' : 'unknown'));
    let x: Tensor | undefined, y: Tensor | undefined;
    try {
      x = ia ? tensorFromProto(ia, name) : valueA(name);
      y = ib ? tensorFromProto(ib, name) : ia ? x : valueB(name);
    } catch {
      /* an initializer of a type the workbench cannot hold: shown without a comparison */
    }
    if (!x || !y) {
      inputs.push({
        name,
        source,
        ok: true,
        maxAbsError: Number.NaN,
        maxRelError: Number.NaN,
        mismatches: 0,
        elements: 0,
        problem: 'not compared (no value on one side)',
      });
      continue;
    }
    const c = compareTensors(name, x, y, tolerance);
    inputs.push({
      name,
      source,
      dtype: y.dtype,
      shape: y.dims,
      ok: c.ok,
      maxAbsError: c.maxAbsError,
      maxRelError: c.maxRelError,
      mismatches: c.mismatches,
      elements: c.elements,
      ...(c.problem ? { problem: c.problem } : {}),
    });
  }
  const opset = nodeOpset(protoA, node);
  return {
    index,
    node: node.name || '(unnamed)',
    opType: node.opType ?? '?',
    domain: opset.domain,
    ...(opset.version !== undefined ? { opset: opset.version } : {}),
    attributes: nodeAttributes(node),
    inputs,
    outputs: (node.output ?? []).filter(Boolean),
  };
}

/** A path as one shell word (quoted when it holds anything but plain characters). */
function shellWord(s: string): string {
  return /^[\w./+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
