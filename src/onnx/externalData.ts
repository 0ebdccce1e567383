/**
 * Safe resolution of ONNX external tensor data (`TensorProto.external_data`): the `location` must
 * name a regular file inside the model's folder (no absolute paths, no `..`, no symlink leading
 * out), and `offset`/`length` must lie within that file.
 *
 * `inlineExternalData` is the one place tensor data is read from those files: it walks the model's
 * protobuf wire format (every TensorProto anywhere: initializers, sparse initializers, attribute
 * tensors and sparse tensors, subgraphs, model-local functions and their default attributes,
 * training_info graphs), reads each checked range once, and writes it into the tensor as
 * raw_data. The result is one self-contained buffer: exactly the bytes that were checked are what
 * a runtime gets, and onnxruntime never resolves a path itself (it would resolve some of them
 * against the working directory). Fields it does not touch are copied byte for byte, so fields
 * newer than the bundled schema survive.
 */
import { realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, win32 } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import { safeReadFile } from '../util/safeRead.js';
import { onnx, type GraphProto, type ModelProto, type TensorProto } from './proto.js';
import type { onnx as OnnxNs } from 'onnx-proto';

export interface ResolvedExternalData {
  /** The tensor's name. */
  tensor: string;
  /** `location` as written in the model. */
  location: string;
  /** The file it resolves to (real path, inside the model's folder). */
  path: string;
  offset: number;
  /** Bytes of tensor data at `offset` (from `length`, else to the end of the file). */
  length: number;
  fileSize: number;
}

export interface ResolveExternalDataOptions {
  /** The byte size dims × element width implies, when known: `length` must equal it. */
  expectedBytes?: number;
}

/** Does the tensor say its data lives outside the model file? */
export function hasExternalData(tensor: TensorProto): boolean {
  return tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (tensor.externalData ?? []).length > 0;
}

/** Printable form of a name or path taken from a model (control characters escaped, bounded). */
export function quoteName(s: string, max = 120): string {
  const clean = JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
  return clean.slice(1, -1);
}

function parseCount(value: string, key: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(value))
    throw new InputError(`${what}: external data ${key} '${quoteName(value, 40)}' is not a non-negative integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new InputError(`${what}: external data ${key} ${quoteName(value, 40)} is too large`);
  return n;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Resolve where a tensor's external data lives, refusing anything that is not a readable range of
 * a regular file inside the model's folder. Throws an InputError with one line naming the model.
 */
export function resolveExternalData(
  modelPath: string,
  tensor: TensorProto,
  options: ResolveExternalDataOptions = {},
): ResolvedExternalData {
  const name = tensor.name ?? '';
  const what = `${modelPath}: tensor '${quoteName(name)}'`;
  const kv = new Map<string, string>();
  for (const e of tensor.externalData ?? []) kv.set(e.key ?? '', e.value ?? '');
  const location = kv.get('location') ?? '';
  if (!location) throw new InputError(`${what}: data is stored externally but no location is given`);
  const shown = quoteName(location);
  if (location.includes('\0')) throw new InputError(`${what}: external data location '${shown}' holds a NUL character`);
  if (isAbsolute(location) || win32.isAbsolute(location) || /^[A-Za-z]:/.test(location)) {
    throw new InputError(
      `${what}: external data location '${shown}' is an absolute path; only files inside the model's folder are read`,
    );
  }
  if (location.split(/[\\/]+/).includes('..')) {
    throw new InputError(
      `${what}: external data location '${shown}' leaves the model's folder ('..'); only files inside it are read`,
    );
  }
  const dir = dirname(resolve(modelPath));
  const candidate = resolve(dir, location);
  let realDir: string;
  let real: string;
  try {
    realDir = realpathSync(dir);
  } catch (e) {
    throw new InputError(`${what}: cannot resolve the model's folder (${errorLine(e)})`);
  }
  try {
    real = realpathSync(candidate);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InputError(`${what}: external data file '${shown}' not found next to the model`);
    if (code === 'ELOOP') throw new InputError(`${what}: external data file '${shown}' is a symlink loop`);
    throw new InputError(`${what}: external data file '${shown}' cannot be resolved (${errorLine(e)})`);
  }
  if (!isInside(realDir, real)) {
    throw new InputError(
      `${what}: external data location '${shown}' leads outside the model's folder (through a symlink); refused`,
    );
  }
  let size: number;
  try {
    const st = statSync(real);
    if (!st.isFile()) throw new InputError(`${what}: external data location '${shown}' is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${what}: external data file '${shown}' cannot be read (${errorLine(e)})`);
  }
  const offset = kv.has('offset') ? parseCount(kv.get('offset')!, 'offset', what) : 0;
  if (offset > size)
    throw new InputError(`${what}: external data offset ${offset} is beyond the end of '${shown}' (${size} bytes)`);
  const length = kv.has('length') ? parseCount(kv.get('length')!, 'length', what) : size - offset;
  if (offset + length > size) {
    throw new InputError(
      `${what}: external data range ${offset}+${length} runs past the end of '${shown}' (${size} bytes)`,
    );
  }
  if (options.expectedBytes !== undefined && length !== options.expectedBytes) {
    throw new InputError(
      `${what}: external data holds ${length} bytes but its shape and type need ${options.expectedBytes}`,
    );
  }
  return { tensor: name, location, path: real, offset, length, fileSize: size };
}

/**
 * Every tensor with external data in the decoded model: initializers, sparse initializers, attribute
 * tensors and sparse tensors, in the main graph, subgraphs, model-local functions and training_info.
 * (Function default attributes are not in the bundled schema: `inlineExternalData` reaches those.)
 */
export function externalTensors(proto: ModelProto): TensorProto[] {
  const out: TensorProto[] = [];
  const add = (t: TensorProto | null | undefined): void => {
    if (t && hasExternalData(t)) out.push(t);
  };
  const sparse = (s: OnnxNs.ISparseTensorProto | null | undefined): void => {
    if (s) {
      add(s.values);
      add(s.indices);
    }
  };
  const nodes = (ns: OnnxNs.INodeProto[] | null | undefined): void => {
    for (const node of ns ?? []) {
      for (const a of node.attribute ?? []) {
        add(a.t);
        for (const t of a.tensors ?? []) add(t);
        sparse(a.sparseTensor);
        for (const s of a.sparseTensors ?? []) sparse(s);
        visit(a.g);
        for (const sg of a.graphs ?? []) visit(sg);
      }
    }
  };
  const visit = (g: GraphProto | null | undefined): void => {
    if (!g) return;
    for (const t of g.initializer ?? []) add(t);
    for (const s of g.sparseInitializer ?? []) sparse(s);
    nodes(g.node);
  };
  visit(proto.graph);
  for (const f of proto.functions ?? []) nodes(f.node);
  for (const ti of proto.trainingInfo ?? []) {
    visit(ti.initialization);
    visit(ti.algorithm);
  }
  return out;
}

/**
 * The external files of a model, checked, in the form onnxruntime's `externalData` session option
 * takes. Kept for callers that still hand files to the runtime; a model from `loadModel` is already
 * self-contained (`LoadedModel.runBytes`) and needs none.
 */
export function externalDataForOrt(modelPath: string, proto: ModelProto): { path: string; data: Uint8Array }[] {
  const files = new Map<string, string>();
  for (const t of externalTensors(proto)) {
    const r = resolveExternalData(modelPath, t);
    files.set(r.location, r.path);
  }
  return [...files].map(([location, path]) => ({
    path: location,
    data: safeReadFile(path, { kind: 'external data' }),
  }));
}
