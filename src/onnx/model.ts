/**
 * Load an ONNX model file: resolve a path (file or model folder), read it once (a regular file
 * under the size limit), hash, decode and validate it, and make it self-contained: `runBytes` is
 * what every runtime must be given (external data inlined from the checked files).
 */
import { createHash } from 'node:crypto';
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import { fileKind, safeReadFile } from '../util/safeRead.js';
import { inlineExternalData } from './inlineExternal.js';
import { onnx, toNumber, type ModelProto } from './proto.js';
import { validateModel, type ModelProblem } from './validate.js';

export interface LoadedModel {
  path: string;
  /** The model file's bytes as read (what `sha256` hashes). */
  bytes: Uint8Array;
  sha256: string;
  proto: ModelProto;
  /**
   * The bytes to hand to a runtime: the validated file with every external tensor's data inlined
   * from the checked files (the same buffer as `bytes` when the model has no external data). A
   * runtime given these never reads a path, so what runs is what was validated and hashed.
   */
  runBytes: Uint8Array;
  /** sha256 of `runBytes` (equal to `sha256` without external data). */
  runSha256: string;
  /** Tensors whose external data was inlined into `runBytes`. */
  inlinedTensors: number;
  /** Validation's non-fatal problems (fatal ones throw). */
  warnings: ModelProblem[];
}

/** A path may name an .onnx file or a folder holding exactly one (model.onnx preferred). */
export function resolveModelPath(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (st.isFile()) return path;
  if (!st.isDirectory()) throw new InputError(`${path}: ${fileKind(st)}, not a regular file or a folder; refused`);
  const onnxFiles = readdirSync(path)
    .filter((f) => f.endsWith('.onnx'))
    .sort();
  if (onnxFiles.includes('model.onnx')) return join(path, 'model.onnx');
  if (onnxFiles.length === 1) return join(path, onnxFiles[0]!);
  if (onnxFiles.length === 0) throw new InputError(`${path}: directory holds no .onnx model`);
  throw new InputError(`${path}: directory holds several .onnx files (${onnxFiles.join(', ')}); name one`);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function decodeModel(bytes: Uint8Array, what: string): ModelProto {
  if (bytes.length === 0) throw new InputError(`${what}: empty file, not an ONNX model`);
  let proto: ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new InputError(
      `${what}: not a readable ONNX model (protobuf decoding failed: ${errorLine(e)}); the file may be truncated or not ONNX`,
    );
  }
  if (!proto.graph) throw new InputError(`${what}: protobuf decoded but it has no graph: not an ONNX model`);
  if (toNumber(proto.irVersion) === 0 && (proto.opsetImport ?? []).length === 0) {
    throw new InputError(`${what}: protobuf decoded but has neither IR version nor opset imports: not an ONNX model`);
  }
  return proto;
}

export function loadModel(path: string): LoadedModel {
  return inlineModel(readModelFile(resolveModelPath(path)));
}

/** A model file read whole, decoded and validated; its external data not read yet. */
export interface ReadModel {
  path: string;
  bytes: Uint8Array;
  proto: ModelProto;
  warnings: ModelProblem[];
}

/** Read a (resolved) model file once, decode and validate it; throws one InputError line for bad input. */
export function readModelFile(file: string): ReadModel {
  const bytes: Uint8Array = safeReadFile(file, { kind: 'model' });
  const proto = decodeModel(bytes, file);
  const warnings = validateModel(proto, file); // throws an InputError for fatal problems
  return { path: file, bytes, proto, warnings };
}

/** Hash a read model and inline its external data from the checked files: the bytes a runtime is given. */
export function inlineModel(read: ReadModel): LoadedModel {
  const { path: file, bytes, proto, warnings } = read;
  const sha256 = sha256Hex(bytes);
  const inlined = inlineExternalData(file, bytes);
  return {
    path: file,
    bytes,
    sha256,
    proto,
    runBytes: inlined.bytes,
    runSha256: inlined.inlined ? sha256Hex(inlined.bytes) : sha256,
    inlinedTensors: inlined.inlined,
    warnings,
  };
}
