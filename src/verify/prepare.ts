/**
 * Prepare a target for verification: load and decode the model, find or make its inputs, load the
 * expected outputs, and settle tolerances and the expected outcome. Everything that can be wrong
 * with the user's input is found here, before any backend starts.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { loadModel, type LoadedModel } from '../onnx/model.js';
import { summarize, type ModelSummary } from '../onnx/inspect.js';
import type { Target } from '../models/catalog.js';
import type { Expectation, ReferenceKind, Tolerance } from '../models/manifest.js';
import { checkFeeds, generateInputs, loadNpz, loadTestDataSet, type ReferenceData } from '../data/reference.js';
import type { Tensor } from '../tensor/tensor.js';

export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-3 };

/** Where a result's expected outputs came from: a manifest's kind, the user's data, or the cpu backend. */
export type ResultReferenceKind = ReferenceKind | 'user' | 'cpu-backend';

export interface PreparedModel {
  target: Target;
  model: LoadedModel;
  summary: ModelSummary;
  /** Inputs by graph input name (a Map: names are the model's, `__proto__` included). */
  feeds: Map<string, Tensor>;

  reference: Map<string, Tensor> | null;
  referenceKind: ResultReferenceKind;
  referenceSource: string;
  tolerance: Tolerance;
  backendTolerance: Record<string, Tolerance>;
  expected?: Expectation;
  backendExpected: Record<string, Expectation>;
  /** Problems with a bundled model's manifest (sha256 or producer differ): reported, not fatal. */
  warnings: string[];
}

export interface PrepareOptions {
  /** An .npz or a test_data_set folder to use instead of the bundled/adjacent data. */
  inputs?: string;
  /** Values for symbolic dims when inputs are generated. */
  dims?: Record<string, number>;
  seed?: number;
}

function adjacentData(modelPath: string): string | undefined {
  const dir = dirname(modelPath);
  for (const c of ['test_data_set_0', 'io.npz']) if (existsSync(join(dir, c))) return join(dir, c);
  return undefined;
}

function loadData(path: string, summary: ModelSummary, maps?: { inputs?: Record<string, string>; outputs?: Record<string, string> }): ReferenceData {
  if (!existsSync(path)) throw new InputError(`${path}: test data not found`);
  if (statSync(path).isDirectory()) return loadTestDataSet(path, summary.inputs, summary.outputs);
  if (path.endsWith('.npz')) return loadNpz(path, summary.inputs, summary.outputs, maps?.inputs, maps?.outputs);
  throw new InputError(`${path}: test data must be an .npz file or a test_data_set_N folder`);
}

export function prepareTarget(target: Target, options: PrepareOptions = {}): PreparedModel {
  const model = loadModel(target.modelPath);
  const summary = summarize(model);
  const m = target.manifest;
  const warnings: string[] = [];
  if (m && m.sha256 !== model.sha256) warnings.push(`sha256 ${model.sha256.slice(0, 12)}… differs from the manifest's ${m.sha256.slice(0, 12)}…`);
  if (m && m.expectedProducer !== summary.producerName) warnings.push(`producer_name '${summary.producerName}' differs from the manifest's '${m.expectedProducer}'`);

  let data: ReferenceData | undefined;
  let referenceKind: ResultReferenceKind = 'none';
  if (options.inputs) {
    data = loadData(options.inputs, summary);
    referenceKind = 'user';
  } else if (m && m.reference.format !== 'none' && m.reference.path) {
    data = loadData(join(target.dir ?? dirname(target.modelPath), m.reference.path), summary, m.reference);
    referenceKind = m.reference.kind;
  } else if (!m) {
    const adj = adjacentData(model.path);
    if (adj) { data = loadData(adj, summary); referenceKind = 'user'; }
  }
  let inputs = data?.inputs ?? new Map<string, Tensor>();
  let source = data?.source ?? '';
  if (inputs.size === 0) {
    const recipe = m?.inputRecipe ?? { kind: 'random' as const, seed: options.seed ?? 0 };
    try {
      inputs = generateInputs(summary.inputs, recipe, options.dims);
    } catch (e) {
      throw e instanceof InputError ? new InputError(`${target.id}: ${e.message}`) : e;
    }
    source = `${source ? `${source} (outputs); ` : ''}generated inputs: ${recipe.kind === 'arange' ? 'arange(n)/n' : `seeded random (seed ${recipe.seed})`}`;
    warnings.push(...generatedInputNotes(summary, options, recipe.kind === 'arange' ? `${target.id}'s manifest generates arange(n)/n` : undefined));
  } else {
    warnings.push(...ignoredInputOptions(options, `inputs come from ${source || 'the data'}`));
  }
  checkFeeds(inputs, summary.inputs, target.id);
  const reference = data?.outputs ?? null;
  if (!reference) referenceKind = 'none';
  return {
    target, model, summary,
    feeds: inputs,

    reference,
    referenceKind,
    referenceSource: source,
    tolerance: m?.tolerance ?? DEFAULT_TOLERANCE,
    backendTolerance: m?.backendTolerance ?? {},
    ...(m ? { expected: m.expected } : {}),
    backendExpected: m?.backendExpected ?? {},
    warnings,
  };
}

/** --dim/--seed given where inputs come from data: say they were not used. */
function ignoredInputOptions(options: PrepareOptions, why: string): string[] {
  return [
    ...(options.dims && Object.keys(options.dims).length ? [`--dim ignored: ${why}`] : []),
    ...(options.seed !== undefined ? [`--seed ignored: ${why}`] : []),
  ];
}

/** Generated inputs: a symbolic dim that took the default 1, a --dim no input has, a --seed an arange recipe ignores. */
function generatedInputNotes(summary: ModelSummary, options: PrepareOptions, arange: string | undefined): string[] {
  const notes: string[] = [];
  const dims = options.dims ?? {};
  const symbolic = new Set<string>();
  for (const port of summary.inputs) {
    for (const d of port.shape ?? []) {
      if (typeof d !== 'string') continue;
      if (d === '?') { notes.push(`an unnamed dim of input '${port.name}' took 1 (give the data with --inputs to choose it)`); continue; }
      symbolic.add(d);
      if (dims[d] === undefined && !notes.some((n) => n.startsWith(`symbolic dim '${d}'`))) notes.push(`symbolic dim '${d}' (input '${port.name}') took the default 1; set it with --dim ${d}=<value>`);
    }
  }
  for (const name of Object.keys(dims)) if (!symbolic.has(name)) notes.push(`--dim ${name} ignored: no input has a symbolic dim '${name}'`);
  if (arange && options.seed !== undefined) notes.push(`--seed ignored: ${arange}`);
  return notes;
}
