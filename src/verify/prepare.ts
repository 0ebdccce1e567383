/**
 * Prepare a target for verification: load and decode the model, find or make its inputs, load the
 * expected outputs, and settle tolerances and the expected outcome. Everything that can be wrong
 * with the user's input is found here, before any backend starts.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import type { LoadedModel } from '../onnx/model.js';
import { openForRun, type FileModel } from '../onnx/fileModel.js';
import { summarize, type ModelSummary } from '../onnx/inspect.js';
import type { Target } from '../models/catalog.js';
import type { Expectation, ReferenceKind, Tolerance } from '../models/manifest.js';
import {
  checkFeeds,
  findTestDataSets,
  generateInputs,
  lightOutputFiles,
  loadLightOutputs,
  loadNpz,
  loadTestDataSet,
  type ReferenceData,
} from '../data/reference.js';
import { modelPortTypes, type ModelPortTypes } from '../data/ports.js';
import { runsNowhere, unsupportedByApi, type UnsupportedByApi } from '../data/apiSupport.js';
import { attributeSummary } from '../scorecard/attribution.js';
import type { Attribution } from '../onnx/fingerprint.js';
import type { Tensor } from '../tensor/tensor.js';
import { toleranceRuleFor } from '../compare/toleranceRules.js';

export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-3 };

/** Where a result's expected outputs came from: a manifest's kind, the user's data, or the cpu backend. */
export type ResultReferenceKind = ReferenceKind | 'user' | 'cpu-backend';

export interface PreparedModel {
  target: Target;
  model: LoadedModel | FileModel;
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
  /** The exporter by fingerprint (the framework of a user's model comes from it). */
  exporter: Attribution;
  /** Every data set to compare, in order (`test_data_set_0..N`); the first is `feeds`/`reference`. */
  sets: DataSet[];
  /** Each graph port's full type (tensor, sequence, map, optional). */
  ports: ModelPortTypes;
  /** A type a runtime's JavaScript API cannot pass, by API: the case is `unsupported` there, not run. */
  unsupported?: UnsupportedByApi;
  /** Why the tolerance is not the default: a per-op rule where the reference is approximate. */
  toleranceRule?: string;
}

/** One set of inputs and, where known, the outputs to expect from them. */
export interface DataSet {
  /** Inputs by graph input name (a Map: names are the model's, `__proto__` included). */
  feeds: Map<string, Tensor>;
  reference: Map<string, Tensor> | null;
  source: string;
}

export interface PrepareOptions {
  /** An .npz or a test_data_set folder to use instead of the bundled/adjacent data. */
  inputs?: string;
  /** Values for symbolic dims when inputs are generated. */
  dims?: Record<string, number>;
  seed?: number;
}

/** A model folder's data: every `test_data_set_N` (all of them, in order), else an `.npz` beside it. */
function adjacentData(modelPath: string): string[] {
  const dir = dirname(modelPath);
  const sets = findTestDataSets(dir);
  if (sets.length) return sets;
  return existsSync(join(dir, 'io.npz')) ? [join(dir, 'io.npz')] : [];
}

function loadData(
  path: string,
  summary: ModelSummary,
  ports: ModelPortTypes,
  maps?: { inputs?: Record<string, string>; outputs?: Record<string, string> },
): ReferenceData {
  if (!existsSync(path)) throw new InputError(`${path}: test data not found`);
  if (statSync(path).isDirectory()) return loadTestDataSet(path, summary.inputs, summary.outputs, ports);
  if (path.endsWith('.npz')) return loadNpz(path, summary.inputs, summary.outputs, maps?.inputs, maps?.outputs);
  throw new InputError(`${path}: test data must be an .npz file or a test_data_set_N folder`);
}

/** A manifest naming `test_data_set_0` means the folder's sets: all of them are compared. */
function manifestDataPaths(dir: string, path: string): string[] {
  if (/^test_data_set_\d+\/?$/.test(path)) {
    const sets = findTestDataSets(dir);
    if (sets.length) return sets;
  }
  return [join(dir, path)];
}

export function prepareTarget(target: Target, options: PrepareOptions = {}): PreparedModel {
  // Small models load into one validated buffer; large ones are streamed and run from their files.
  const model = openForRun(target.modelPath);
  const summary = summarize(model);
  const m = target.manifest;
  // Validation's non-fatal problems (an unsorted graph, an invalid declared dim) travel with the result.
  const warnings: string[] = [...(target.notes ?? []), ...model.warnings.map((w) => w.message)];
  // A manifest describes one file: for any other file its reference, tolerance and framework mean nothing.
  if (m && m.sha256 !== model.sha256)
    throw new InputError(
      `${model.path}: sha256 ${model.sha256.slice(0, 12)}… differs from its manifest's ${m.sha256.slice(0, 12)}… (${m.id}); refused`,
    );
  if (m && m.expectedProducer !== summary.producerName)
    warnings.push(`producer_name '${summary.producerName}' differs from the manifest's '${m.expectedProducer}'`);
  const exporter = attributeSummary(summary);
  if (m && exporter.framework !== m.framework)
    warnings.push(`the file's fingerprint says ${exporter.framework} (${exporter.tool}), the manifest ${m.framework}`);

  const ports = modelPortTypes(model.proto);
  let paths: string[] = [];
  let referenceKind: ResultReferenceKind = 'none';
  let maps: { inputs?: Record<string, string>; outputs?: Record<string, string> } | undefined;
  if (options.inputs) {
    paths = [options.inputs];
    referenceKind = 'user';
  } else if (m && m.reference.format !== 'none' && m.reference.path) {
    paths = manifestDataPaths(target.dir ?? dirname(target.modelPath), m.reference.path);
    referenceKind = m.reference.kind;
    maps = m.reference;
  } else if (!m) {
    paths = target.dataSets?.length ? target.dataSets : target.light ? [] : adjacentData(model.path);
    if (paths.length) referenceKind = 'user';
  }
  // An ONNX light model (a suite case, or a model named by path with <stem>_output_N.pb beside it and no other data).
  const light =
    !m && !options.inputs && (target.light || (paths.length === 0 && lightOutputFiles(model.path).length > 0));
  const loaded = paths.map((p) => loadData(p, summary, ports, maps));
  if (light) {
    loaded.push(loadLightOutputs(model.path, summary.outputs, ports));
    referenceKind = 'user';
  }
  // A type a JavaScript API cannot pass: the case is reported as unsupported where it cannot; when no
  // API can pass it, there is nothing to feed or generate at all.
  const unsupported = unsupportedByApi(ports, loaded[0]?.values);
  const nowhere = runsNowhere(unsupported);
  let noted = false; // input notes (defaulted dims, ignored --dim/--seed) once, from the first set
  const sets: DataSet[] = (loaded.length ? loaded : [undefined]).map((data) => {
    let inputs = data?.inputs ?? new Map<string, Tensor>();
    let source = data?.source ?? '';
    if (inputs.size === 0 && !nowhere) {
      const recipe =
        m?.inputRecipe ?? (light ? { kind: 'arange' as const } : { kind: 'random' as const, seed: options.seed ?? 0 });
      try {
        inputs = generateInputs(summary.inputs, recipe, options.dims);
      } catch (e) {
        throw e instanceof InputError ? new InputError(`${target.id}: ${e.message}`) : e;
      }
      source = `${source ? `${source} (outputs); ` : ''}generated inputs: ${recipe.kind === 'arange' ? 'arange(n)/n' : `seeded random (seed ${recipe.seed})`}`;
      if (!noted)
        warnings.push(
          ...generatedInputNotes(
            summary,
            options,
            recipe.kind === 'arange'
              ? light
                ? `${target.id} is an ONNX light model: its outputs are for the inputs arange(n)/n`
                : `${target.id}'s manifest generates arange(n)/n`
              : undefined,
          ),
        );
    } else if (!noted && !nowhere) {
      warnings.push(...ignoredInputOptions(options, `inputs come from ${source || 'the data'}`));
    }
    noted = true;
    if (!nowhere) checkFeeds(inputs, summary.inputs, data?.source ? `${target.id} (${data.source})` : target.id);
    return { feeds: inputs, reference: data?.outputs ?? null, source };
  });
  const first = sets[0]!;
  const reference = first.reference;
  if (!reference) referenceKind = 'none';
  const rule = m ? undefined : toleranceRuleFor(summary);
  const source =
    sets.length > 1 ? `${sets.length} test data sets (${sets.map((x) => x.source).join(', ')})` : first.source;
  return {
    target,
    model,
    summary,
    feeds: first.feeds,
    reference,
    referenceKind,
    referenceSource: source,
    tolerance: m?.tolerance ?? rule?.tolerance ?? DEFAULT_TOLERANCE,
    backendTolerance: m?.backendTolerance ?? {},
    ...(m ? { expected: m.expected } : {}),
    backendExpected: m?.backendExpected ?? {},
    warnings,
    exporter,
    sets,
    ports,
    ...(unsupported ? { unsupported } : {}),
    ...(!m?.tolerance && rule ? { toleranceRule: rule.reason } : {}),
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
      if (d === '?') {
        notes.push(`an unnamed dim of input '${port.name}' took 1 (give the data with --inputs to choose it)`);
        continue;
      }
      symbolic.add(d);
      if (dims[d] === undefined && !notes.some((n) => n.startsWith(`symbolic dim '${d}'`)))
        notes.push(`symbolic dim '${d}' (input '${port.name}') took the default 1; set it with --dim ${d}=<value>`);
    }
  }
  for (const name of Object.keys(dims))
    if (!symbolic.has(name)) notes.push(`--dim ${name} ignored: no input has a symbolic dim '${name}'`);
  if (arange && options.seed !== undefined) notes.push(`--seed ignored: ${arange}`);
  return notes;
}
