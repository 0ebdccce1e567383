/**
 * A bug report from a divergence: one node of a model as a standalone model (the node, its
 * attributes, the model's opset imports and local functions, the initializers it reads), its other
 * inputs as graph inputs, and a `test_data_set_0` holding those inputs and the reference side's
 * outputs, so `verify DIR --backend <failing>` reproduces the mismatch on its own.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, WorkbenchError, errorLine } from '../errors.js';
import { onnx, type ModelProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import { codeFromDType, type DType } from '../onnx/dtypes.js';
import { encodeTensorProto } from '../tensor/tensorProto.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BisectReport, ExtractedCheck } from './bisect.js';

export interface ExtractedNode {
  /** The standalone model's bytes. */
  model: Uint8Array;
  /** Graph inputs in order, with the values the reference side computed for them. */
  inputs: [string, Tensor][];
  /** The reference side's outputs of the node, in order. */
  outputs: [string, Tensor][];
  /** Inputs kept as initializers (weights and constants of the original model). */
  initializers: string[];
  /** Indices of the original graph's nodes in the extracted model, in order. */
  nodes?: number[];
}

function valueInfo(name: string, t: Tensor): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: { elemType: codeFromDType(t.dtype as DType), shape: { dim: t.dims.map((d) => ({ dimValue: d })) } },
    },
  });
}

/**
 * Cut node `index` out of `proto` (the graph as it runs, external data inlined). `value(name)` gives
 * the reference side's value of any tensor that is not an initializer (graph inputs and node outputs).
 */
export function extractNode(
  proto: ModelProto,
  index: number,
  value: (name: string) => Tensor | undefined,
): ExtractedNode {
  return extractSubgraph(proto, [index], index, value);
}

const nodeLabel = (proto: ModelProto, i: number) => {
  const n = proto.graph?.node?.[i];
  return `node #${i} ${n?.name || '(unnamed)'} (${n?.opType})`;
};

/**
 * Cut the nodes `indices` (node `target` and nodes upstream of it) out of `proto` as one model: the
 * tensors they read but do not produce become graph inputs with the reference side's values
 * (initializers stay initializers), and the target node's outputs, with the reference side's values,
 * are the graph outputs. Nodes keep the original graph's order, which is topological.
 */
export function extractSubgraph(
  proto: ModelProto,
  indices: Iterable<number>,
  target: number,
  value: (name: string) => Tensor | undefined,
): ExtractedNode {
  const graph = proto.graph!;
  const all = graph.node ?? [];
  const chosen = [...new Set([...indices, target])].sort((a, b) => a - b);
  for (const i of chosen) if (!all[i]) throw new WorkbenchError(`no node #${i} in the graph`, 2);
  const node = all[target]!;
  const label = nodeLabel(proto, target);
  for (const i of chosen)
    if ((all[i]!.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length))
      throw new InputError(
        `cannot extract ${nodeLabel(proto, i)}: it has subgraphs, which may read tensors of the outer graph`,
      );
  const produced = new Set(chosen.flatMap((i) => (all[i]!.output ?? []).filter(Boolean)));
  const inits = new Map<string, TensorProto>((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const inputs: [string, Tensor][] = [];
  const initializers: TensorProto[] = [];
  const seen = new Set<string>();
  for (const i of chosen) {
    for (const name of all[i]!.input ?? []) {
      if (!name || seen.has(name) || produced.has(name)) continue;
      seen.add(name);
      const init = inits.get(name);
      if (init) {
        initializers.push(init);
        continue;
      }
      const t = value(name);
      if (!t)
        throw new WorkbenchError(
          `cannot extract ${nodeLabel(proto, i)}: no value was computed for its input '${name}'`,
          1,
        );
      inputs.push([name, t]);
    }
  }
  const outputs: [string, Tensor][] = [];
  for (const name of node.output ?? []) {
    if (!name) continue;
    const t = value(name);
    if (!t)
      throw new WorkbenchError(
        `cannot extract ${label}: the reference side produced no value for its output '${name}'`,
        1,
      );
    outputs.push([name, t]);
  }
  const model = onnx.ModelProto.create({
    irVersion: proto.irVersion,
    producerName: 'onnx-workbench bisect --extract',
    producerVersion: proto.producerVersion ?? '',
    opsetImport: proto.opsetImport ?? [],
    ...((proto as { functions?: unknown[] }).functions?.length
      ? { functions: (proto as { functions?: unknown[] }).functions }
      : {}),
    graph: {
      name: `${node.opType ?? 'node'}_extracted`,
      node: chosen.map((i) => all[i]!),
      initializer: initializers,
      input: inputs.map(([n, t]) => valueInfo(n, t)),
      output: outputs.map(([n, t]) => valueInfo(n, t)),
    },
  } as never);
  return {
    model: onnx.ModelProto.encode(model).finish(),
    inputs,
    outputs,
    initializers: initializers.map((t) => t.name ?? ''),
    nodes: chosen,
  };
}

/**
 * One step of growth backwards: the nodes plus the producers of every tensor they read from outside
 * the set (initializers and graph inputs have none). The same set when nothing upstream is left.
 */
export function growBackwards(proto: ModelProto, indices: readonly number[]): number[] {
  const all = proto.graph?.node ?? [];
  const producer = new Map<string, number>();
  all.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
  });
  const set = new Set(indices);
  const produced = new Set([...set].flatMap((i) => (all[i]?.output ?? []).filter(Boolean)));
  const grown = new Set(set);
  for (const i of set)
    for (const name of all[i]?.input ?? []) {
      if (!name || produced.has(name)) continue;
      const p = producer.get(name);
      if (p !== undefined) grown.add(p);
    }
  return [...grown].sort((a, b) => a - b);
}

/** Refuse a folder that exists and is not empty (an extraction never overwrites the user's files). */
export function checkExtractDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory())
    throw new InputError(`${dir}: exists and is not a folder; --extract needs a new or empty folder`);
  if (readdirSync(dir).length)
    throw new InputError(`${dir}: folder is not empty; --extract writes only into a new or empty folder`);
}

/** Write `model.onnx`, `test_data_set_0/input_K.pb` and `output_K.pb`, and a README.md with `readme`. */
export function writeExtraction(dir: string, x: ExtractedNode, readme: string): string[] {
  checkExtractDir(dir);
  const written: string[] = [];
  const put = (path: string, bytes: Uint8Array | string) => {
    writeFileSync(path, bytes, { flag: 'wx' });
    written.push(path);
  };
  try {
    const data = join(dir, 'test_data_set_0');
    mkdirSync(data, { recursive: true });
    put(join(dir, 'model.onnx'), x.model);
    x.inputs.forEach(([name, t], k) => put(join(data, `input_${k}.pb`), encodeTensorProto(name, t)));
    x.outputs.forEach(([name, t], k) => put(join(data, `output_${k}.pb`), encodeTensorProto(name, t)));
    put(join(dir, 'README.md'), readme);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new WorkbenchError(`${dir}: could not write the extracted node (${errorLine(e)})`, 2);
  }
  return written;
}

/** What the README of an extraction says: the divergence, the node in full, and the commands. */
export interface ReadmeFacts {
  report: BisectReport;
  commands: { reproduce: string; pass?: string };
  checks: ExtractedCheck[];
  inputs: string[];
  initializers: string[];
  /** The extracted nodes when the node was grown backwards ('#3 conv1 (Conv)'), the divergent node last. */
  nodes?: string[];
  /** Whether the extracted model reproduces: the failing backend mismatches, the reference side passes. */
  reproduced?: boolean;
  /** Sizes tried (the node alone first) and why growing stopped without reproducing. */
  attempts?: { step: number; nodes: number; reproduced: boolean }[];
  stoppedBecause?: string;
}

const num = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/** The bug report as Markdown: written beside the model so the folder explains itself. */
export function extractionReadme(f: ReadmeFacts): string {
  const r = f.report;
  const d = r.divergentNode!;
  const fd = r.firstDivergent!;
  const against = r.againstModel ? `${r.againstModel} on ${r.against}` : r.against;
  const attr = (v: unknown): string => JSON.stringify(v);
  return [
    `# ${d.opType} (node ${d.node}) differs: ${r.backend} against ${against}`,
    '',
    `Extracted by \`onnx-workbench bisect\` from ${r.model}: the first node, in topological order, whose output differs`,
    `beyond atol ${r.tolerance.atol} + rtol ${r.tolerance.rtol} although every node before it agrees.`,
    '',
    `- node: #${d.index} \`${d.node}\`, op \`${d.domain}:${d.opType}\`, opset ${d.opset ?? '(not imported)'}`,
    `- attributes: ${d.attributes.length ? d.attributes.map((a) => `\`${a.name}=${attr(a.value)}\``).join(', ') : '(none)'}`,
    `- output \`${fd.output}\`: max abs error ${num(fd.maxAbsError)}, ${fd.mismatches}/${fd.elements} elements beyond tolerance${fd.problem ? ` (${fd.problem})` : ''}`,
    `- inputs (how far they already differed between the two sides):`,
    ...d.inputs.map(
      (i) =>
        `  - \`${i.name}\` (${i.source}${i.dtype ? `, ${i.dtype} [${(i.shape ?? []).join(', ')}]` : ''}): max abs error ${num(i.maxAbsError)}, ${i.mismatches}/${i.elements} beyond tolerance`,
    ),
    '',
    ...growthLines(f),
    (f.nodes && f.nodes.length > 1
      ? `Files: \`model.onnx\` (the node and the ${f.nodes.length - 1} node(s) upstream of it that it took to reproduce: ${f.nodes.join(', ')}; the model's opset imports; `
      : "Files: `model.onnx` (the node alone; the model's opset imports; ") +
      (f.initializers.length ? `initializers ${f.initializers.map((n) => `\`${n}\``).join(', ')}` : 'no initializers') +
      '),',
    `\`test_data_set_0/input_K.pb\` (graph inputs ${f.inputs.map((n) => `\`${n}\``).join(', ') || '(none)'}: the values ${r.against} computed for them),`,
    `\`test_data_set_0/output_K.pb\` (${r.against}'s outputs of the node \`${d.node}\`).`,
    '',
    'Reproduce (a mismatch):',
    '',
    '    ' + f.commands.reproduce,
    ...(f.commands.pass ? ['', 'Compare (passes):', '', '    ' + f.commands.pass] : []),
    '',
    f.nodes && f.nodes.length > 1
      ? 'When it was extracted, this subgraph gave:'
      : 'When it was extracted, the node alone gave:',
    ...f.checks.map(
      (c) =>
        `- ${c.backend}: ${c.error ? `failed (${c.error})` : c.ok ? 'matches' : `differs, max abs error ${num(c.maxAbsError)}, ${c.mismatches}/${c.elements} elements beyond tolerance`}`,
    ),
    '',
  ].join('\n');
}

/** How the extraction grew: the sizes tried and whether the last one reproduces. */
function growthLines(f: ReadmeFacts): string[] {
  if (!f.attempts || f.attempts.length === 0) return [];
  const tried = f.attempts
    .map((a) => `${a.nodes} node(s): ${a.reproduced ? 'reproduces' : 'does not reproduce'}`)
    .join('; ');
  return [
    f.reproduced
      ? `The extraction grew backwards from the node (its producers, one level per step) until it reproduced: ${tried}.`
      : `**Did not reproduce**: the failing backend matched (or the reference side failed) on every subgraph tried, growing backwards from the node${f.stoppedBecause ? ` until ${f.stoppedBecause}` : ''}: ${tried}. The files hold the last subgraph tried.`,
    '',
  ];
}
