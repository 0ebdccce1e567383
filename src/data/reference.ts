/**
 * Reference data: the inputs to feed and the outputs to expect, from an ONNX test set
 * (`test_data_set_N/input_K.pb`, `output_K.pb`: TensorProto, SequenceProto, MapProto or
 * OptionalProto, as each port's type says), an `.npz` archive, or generated inputs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { safeReadFile } from '../util/safeRead.js';
import type { PortInfo } from '../onnx/inspect.js';
import { isPlainNumericDType, isSupportedDType, type DType } from '../onnx/dtypes.js';
import { decodeValueBytes, type Value, type ValueType } from '../tensor/valueProto.js';
import type { ModelPortTypes, PortType } from './ports.js';
import { parseNpz } from '../tensor/npy.js';
import { allocate, checkAllocatable, floatToHalf, shapeString, type Tensor } from '../tensor/tensor.js';

export interface ReferenceData {
  /** Tensor inputs to feed, by graph input name (an optional input holding a tensor is that tensor). */
  inputs: Map<string, Tensor>;
  /** Expected tensor outputs by graph output name; null when there is no reference. */
  outputs: Map<string, Tensor> | null;
  /** Every value read, tensors or not (sequences, maps, optionals), by port name. */
  values?: { inputs: Map<string, Value>; outputs: Map<string, Value> };
  /** Where the data came from, for the record. */
  source: string;
}

function readBytes(path: string): Uint8Array {
  return safeReadFile(path, { kind: 'data' });
}

/** A port's type: the model's declared type where known, else a tensor of the summary's element type. */
function typeOf(port: PortInfo, types: PortType[] | undefined): ValueType {
  return types?.find((t) => t.name === port.name)?.type ?? { kind: 'tensor', elemType: 'undefined' };
}

/**
 * Values named in the file where the name is a graph port, else matched by position. Each file is
 * decoded as the message its port's type calls for (TensorProto, SequenceProto, MapProto, OptionalProto).
 */
function assignNames(
  files: string[],
  ports: PortInfo[],
  types: PortType[] | undefined,
  what: string,
): Map<string, Value> {
  const out = new Map<string, Value>();
  const byName = new Map(ports.map((p) => [p.name, p]));
  files.forEach((file, k) => {
    const bytes = readBytes(file);
    const positional = ports[k];
    let decoded = decodeValueBytes(
      bytes,
      positional ? typeOf(positional, types) : { kind: 'tensor', elemType: 'undefined' },
      file,
    );
    const named = decoded.name ? byName.get(decoded.name) : undefined;
    if (named && named !== positional) decoded = decodeValueBytes(bytes, typeOf(named, types), file);
    const target = named?.name ?? positional?.name;
    if (!target)
      throw new InputError(`${file}: ${what} ${k} has no matching graph ${what} (the graph has ${ports.length})`);
    if (out.has(target)) throw new InputError(`${file}: a second value for graph ${what} '${target}'`);
    out.set(target, decoded.value);
  });
  return out;
}

/** The tensors among values: plain tensors, and optionals that hold a tensor. */
function tensorsOf(values: Map<string, Value>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, v] of values) {
    if (v.kind === 'tensor') out.set(name, v.tensor);
    else if (v.kind === 'optional' && v.value?.kind === 'tensor') out.set(name, v.value.tensor);
  }
  return out;
}

/** `input_N.pb` and `output_N.pb` of a set folder, each in numeric order (one directory read). */
function numberedFiles(dir: string): { input: string[]; output: string[] } {
  const found: { input: [number, string][]; output: [number, string][] } = { input: [], output: [] };
  for (const f of readdirSync(dir)) {
    const m = /^(input|output)_(\d+)\.pb$/.exec(f);
    if (m) found[m[1] as 'input' | 'output'].push([Number(m[2]), join(dir, f)]);
  }
  const sorted = (xs: [number, string][]) => xs.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  return { input: sorted(found.input), output: sorted(found.output) };
}

/** The `test_data_set_N` folders of a model folder, in numeric order (set 2 before set 10). */
export function findTestDataSets(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => ({ e, m: /^test_data_set_(\d+)$/.exec(e.name) }))
    .filter((x): x is { e: typeof x.e; m: RegExpExecArray } => x.m !== null && x.e.isDirectory())
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => join(dir, x.e.name));
}

/** An ONNX test set folder. Inputs may be absent (then `inputs` is empty and must be generated). */
export function loadTestDataSet(
  dir: string,
  inputs: PortInfo[],
  outputs: PortInfo[],
  types?: ModelPortTypes,
): ReferenceData {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: test data set folder not found`);
  const { input: inputFiles, output: outputFiles } = numberedFiles(dir);
  if (inputFiles.length === 0 && outputFiles.length === 0)
    throw new InputError(`${dir}: no input_N.pb or output_N.pb files`);
  const inValues = assignNames(inputFiles, inputs, types?.inputs, 'input');
  const outValues = assignNames(outputFiles, outputs, types?.outputs, 'output');
  return {
    inputs: tensorsOf(inValues),
    outputs: outputFiles.length ? tensorsOf(outValues) : null,
    values: { inputs: inValues, outputs: outValues },
    source: basename(dir),
  };
}

/** The `<stem>_output_N.pb` files beside an ONNX light model `<stem>.onnx`, in number order. */
export function lightOutputFiles(modelPath: string): string[] {
  const dir = dirname(modelPath);
  const stem = basename(modelPath).replace(/\.onnx$/, '');
  const found: [number, string][] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(`${stem}_output_`)) continue;
    const m = /^(\d+)\.pb$/.exec(f.slice(stem.length + '_output_'.length));
    if (m) found.push([Number(m[1]), join(dir, f)]);
  }
  return found.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}

/**
 * An ONNX light model's reference (onnx/backend/test/data/light since ONNX 1.13): the expected
 * outputs in `<stem>_output_N.pb` beside the model, computed by ONNX's reference evaluator for the
 * inputs arange(n)/n, which are not stored (`inputs` is empty: the caller generates them).
 */
export function loadLightOutputs(modelPath: string, outputs: PortInfo[], types?: ModelPortTypes): ReferenceData {
  const files = lightOutputFiles(modelPath);
  if (!files.length) throw new InputError(`${modelPath}: no ${basename(modelPath, '.onnx')}_output_N.pb beside it`);
  const outValues = assignNames(files, outputs, types?.outputs, 'output');
  return {
    inputs: new Map(),
    outputs: tensorsOf(outValues),
    values: { inputs: new Map(), outputs: outValues },
    source: `${basename(modelPath, '.onnx')}_output_*.pb`,
  };
}

/**
 * An `.npz` archive. Keys map to graph names directly, or through `inputMap`/`outputMap`
 * (graph name -> key).
 */
export function loadNpz(
  path: string,
  inputs: PortInfo[],
  outputs: PortInfo[],
  inputMap: Record<string, string> = {},
  outputMap: Record<string, string> = {},
): ReferenceData {
  const arrays = parseNpz(readBytes(path), path);
  const take = (ports: PortInfo[], map: Record<string, string>, role: string): Map<string, Tensor> => {
    const out = new Map<string, Tensor>();
    for (const p of ports) {
      const key = map[p.name] ?? (arrays.has(p.name) ? p.name : undefined);
      if (key === undefined) continue;
      const t = arrays.get(key);
      if (!t)
        throw new InputError(
          `${path}: no array '${key}' for graph ${role} '${p.name}' (keys: ${[...arrays.keys()].join(', ')})`,
        );
      out.set(p.name, t);
    }
    return out;
  };
  const ins = take(inputs, inputMap, 'input');
  const outs = take(outputs, outputMap, 'output');
  if (ins.size < inputs.length) {
    const missing = inputs.filter((p) => !ins.has(p.name)).map((p) => p.name);
    throw new InputError(
      `${path}: no array for graph input(s) ${missing.join(', ')} (keys: ${[...arrays.keys()].join(', ')}); map them in the manifest or name the arrays after the inputs`,
    );
  }
  return { inputs: ins, outputs: outs.size ? outs : null, source: basename(path) };
}

/** Seeded PRNG (mulberry32), so generated inputs are reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type InputRecipe = { kind: 'arange' } | { kind: 'random'; seed: number };

/** Concrete dims for a port: symbolic dims from `dimValues`, else 1. */
export function concreteDims(port: PortInfo, dimValues: Record<string, number> = {}): number[] {
  if (!port.shape) throw new InputError(`input '${port.name}' has no declared shape; provide input data`);
  return port.shape.map((d) => (typeof d === 'number' ? d : (dimValues[d] ?? 1)));
}

/** Make inputs: `arange` gives arange(n)/n (the ONNX light-model convention), `random` a seeded uniform fill. */
export function generateInputs(
  ports: PortInfo[],
  recipe: InputRecipe,
  dimValues: Record<string, number> = {},
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const rand = seededRandom(recipe.kind === 'random' ? recipe.seed : 0);
  for (const port of ports) {
    if (!isSupportedDType(port.elemType) || !isPlainNumericDType(port.elemType))
      throw new InputError(`input '${port.name}': cannot generate ${port.elemType} data`);
    const dtype: DType = port.elemType;
    const dims = concreteDims(port, dimValues);
    const n = checkAllocatable(dims, `input '${port.name}'`);
    const data = allocate(dtype, n);
    for (let i = 0; i < n; i++) {
      const v = recipe.kind === 'arange' ? i / n : rand();
      switch (dtype) {
        case 'float32':
        case 'float64':
          (data as Float32Array)[i] = v;
          break;
        case 'float16':
          (data as Uint16Array)[i] = floatToHalf(v);
          break;
        case 'bool':
          (data as Uint8Array)[i] = v < 0.5 ? 0 : 1;
          break;
        case 'int64':
          (data as BigInt64Array)[i] = BigInt(Math.floor(v * 10));
          break;
        case 'uint64':
          (data as BigUint64Array)[i] = BigInt(Math.floor(v * 10));
          break;
        default:
          (data as Int32Array)[i] = Math.floor(v * 10);
      }
    }
    out.set(port.name, { dtype, dims, data });
  }
  return out;
}

/** Refuse feeds that do not fit the graph: missing, extra, wrong element type or static shape. */
export function checkFeeds(feeds: Map<string, Tensor>, ports: PortInfo[], what: string): void {
  const names = new Set(ports.map((p) => p.name));
  for (const name of feeds.keys()) {
    if (!names.has(name))
      throw new InputError(
        `${what}: data for '${name}', which is not a graph input (inputs: ${[...names].join(', ')})`,
      );
  }
  for (const port of ports) {
    const t = feeds.get(port.name);
    if (!t) throw new InputError(`${what}: no data for graph input '${port.name}'`);
    if (port.elemType === 'optional') continue; // an optional input holding a tensor is fed as the tensor (its type checked when read)
    if (t.dtype !== port.elemType) {
      throw new InputError(`${what}: input '${port.name}' is ${t.dtype} but the graph expects ${port.elemType}`);
    }
    if (port.shape) {
      const ok =
        port.shape.length === t.dims.length && port.shape.every((d, i) => typeof d !== 'number' || d === t.dims[i]);
      if (!ok)
        throw new InputError(
          `${what}: input '${port.name}' has shape ${shapeString(t.dims)} but the graph expects ${shapeString(port.shape)}`,
        );
    }
  }
}
