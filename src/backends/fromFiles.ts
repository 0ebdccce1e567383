/**
 * Running a model from its files (models over the inline limit; see `onnx/fileModel.ts`), in the
 * worker. onnxruntime-node (cpu, webgpu) creates the session from the model's path itself, between
 * the identity and hash checks (`measureWithOrt`). onnxruntime-web (wasm, and the browser backends)
 * takes bytes: the worker loads the validated files between the same checks, inlining external
 * data, so the main process never holds them. onnxruntime-web keeps the model in wasm32 memory
 * (a 4 GiB address space) and one protobuf holds at most 2 GiB: a larger model is refused with that
 * reason before anything is read.
 */
import {
  BackendStageError,
  type Backend,
  type BackendId,
  type RunMeasurement,
  type RunPlan,
  type SessionOptions,
} from './types.js';
import { withUnchangedFiles, type FileSource } from '../onnx/fileModel.js';
import { loadModel } from '../onnx/model.js';
import { errorLine } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** Backends whose runtime reads a model's files itself. */
const READS_FILES: ReadonlySet<BackendId> = new Set(['cpu', 'webgpu']);

/** Largest model (file plus external data) an onnxruntime-web backend is given: one protobuf's 2 GiB. */
export const WASM_MODEL_LIMIT_BYTES = 2 ** 31 - 1;

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

/** Why a backend cannot take a model of this size, before trying; undefined when it can. */
export function tooLargeFor(backend: BackendId, files: FileSource): string | undefined {
  if (READS_FILES.has(backend)) return undefined;
  if (files.totalBytes <= WASM_MODEL_LIMIT_BYTES) return undefined;
  return (
    `the model with its external data is ${gib(files.totalBytes)}: onnxruntime-web takes it as one buffer in wasm32 memory ` +
    `(4 GiB address space, at most 2 GiB for the model), so it cannot fit; not tried (run it on cpu)`
  );
}

export async function measureFromFiles(
  backend: BackendId,
  b: Backend,
  path: string,
  files: FileSource,
  feeds: ReadonlyMap<string, Tensor>,
  plan: RunPlan,
  options: SessionOptions,
): Promise<RunMeasurement> {
  const refusal = tooLargeFor(backend, files);
  if (refusal) throw new BackendStageError('load', refusal);
  if (READS_FILES.has(backend)) return b.measure({ path, bytes: new Uint8Array(0), files }, feeds, plan, options);
  let bytes: Uint8Array;
  try {
    const loaded = await withUnchangedFiles(
      files,
      async () => loadModel(path),
      async () => {},
    );
    bytes = loaded.runBytes;
  } catch (e) {
    throw new BackendStageError('load', errorLine(e));
  }
  return b.measure({ path, bytes }, feeds, plan, options);
}
