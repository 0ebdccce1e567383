/**
 * Running a model from its files (models over the inline limit; see `onnx/fileModel.ts`), in the
 * worker. onnxruntime-node (cpu, webgpu) creates the session from the model's path itself, between
 * the identity and hash checks (`measureWithOrt`). The browser backends serve the validated files
 * from the local server (the model file, and each external data file through onnxruntime-web's
 * `externalData` option), checked the same way around the measurement; a model that cannot fit
 * wasm32's 4 GiB is refused from its declared sizes before anything is fetched. onnxruntime-web in
 * Node (wasm) takes bytes: the worker loads the validated files between the same checks, inlining
 * external data, so the main process never holds them; one protobuf holds at most 2 GiB, so a
 * larger model is refused with that reason before anything is read. A model whose graph inputs or
 * outputs have names the JavaScript API cannot carry (`__proto__`...) is refused: it is not rewritten.
 */
import {
  BackendStageError,
  type Backend,
  type BackendId,
  type RunMeasurement,
  type RunPlan,
  type SessionOptions,
} from './types.js';
import { checkIdentities, withUnchangedFiles, type FileSource } from '../onnx/unchangedFiles.js';
import { loadModel } from '../onnx/model.js';
import { errorLine } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { isUnsafeName } from './ioNames.js';

/** Backends whose runtime reads a model's files itself. */
const READS_FILES: ReadonlySet<BackendId> = new Set(['cpu', 'webgpu']);
/** Backends whose page fetches a model's files from the local server (model file + `externalData`). */
const FETCHES_FILES: ReadonlySet<BackendId> = new Set(['browser-wasm', 'browser-webgpu']);

/** Largest model (file plus external data) an onnxruntime-web backend is given: one protobuf's 2 GiB. */
export const WASM_MODEL_LIMIT_BYTES = 2 ** 31 - 1;
/** wasm32's address space: all of onnxruntime-web's memory (model, weights, activations) lives in it. */
export const WASM32_BYTES = 2 ** 32;
/** What onnxruntime-web needs besides the model and weights (code, arena, activations), at least. */
export const WASM32_RESERVE_BYTES = 512 * 1024 ** 2;

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

/**
 * Bytes of wasm32 memory a browser backend needs at least for a model run from its files, from
 * declared sizes: the model file is copied into wasm memory and parsed (its in-file weights are
 * held twice while the session is created), and every external data file is fetched whole and its
 * tensors copied in.
 */
export function browserWasmBytes(files: FileSource): number {
  return 2 * files.model.sizeBytes + files.external.reduce((a, f) => a + f.sizeBytes, 0);
}

/** Why a backend cannot take a model of this size, before trying; undefined when it can. */
export function tooLargeFor(backend: BackendId, files: FileSource): string | undefined {
  if (READS_FILES.has(backend)) return undefined;
  if (FETCHES_FILES.has(backend)) {
    if (files.model.sizeBytes > WASM_MODEL_LIMIT_BYTES)
      return `the model file is ${gib(files.model.sizeBytes)}: over protobuf's 2 GiB, onnxruntime-web cannot parse it; not tried (keep the weights in external data, or run it on cpu)`;
    const need = browserWasmBytes(files);
    if (need + WASM32_RESERVE_BYTES <= WASM32_BYTES) return undefined;
    return (
      `the model needs at least ${gib(need)} of wasm32 memory (its file twice while parsed, ${gib(files.totalBytes - files.model.sizeBytes)} of external data), ` +
      `and onnxruntime-web in the browser has a 4 GiB address space (${gib(WASM32_RESERVE_BYTES)} of it kept for the runtime): it cannot fit; not tried (run it on cpu)`
    );
  }
  if (files.totalBytes <= WASM_MODEL_LIMIT_BYTES) return undefined;
  return (
    `the model with its external data is ${gib(files.totalBytes)}: onnxruntime-web takes it as one buffer in wasm32 memory ` +
    `(4 GiB address space, at most 2 GiB for the model), so it cannot fit; not tried (run it on cpu)`
  );
}

/**
 * Why a model run from its files cannot be run, by its input/output names: onnxruntime's
 * JavaScript API keys feeds and results in plain objects, so a name like `__proto__` is lost, and
 * a model run from its files is not rewritten (inlined models get those names moved behind
 * Identity nodes: backends/ioNames.ts). Undefined when every name is safe.
 */
export function unsafeNamesProblem(files: FileSource): string | undefined {
  const names = [
    ...files.ioNames.inputs.filter(isUnsafeName).map((n) => `input '${n}'`),
    ...files.ioNames.outputs.filter(isUnsafeName).map((n) => `output '${n}'`),
  ];
  if (names.length === 0) return undefined;
  return (
    `graph ${names.join(', ')}: a name onnxruntime's JavaScript API cannot carry (it keys tensors in plain objects), ` +
    `and a model over the inline limit runs from its file unchanged, so the name cannot be moved; not tried (rename it in the model)`
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
  const refusal = unsafeNamesProblem(files) ?? tooLargeFor(backend, files);
  if (refusal) throw new BackendStageError('load', refusal);
  if (READS_FILES.has(backend)) return b.measure({ path, bytes: new Uint8Array(0), files }, feeds, plan, options);
  if (FETCHES_FILES.has(backend)) {
    // The page fetches the files (served only while they are the validated ones); checked again
    // around the whole measurement, which is when the page reads them.
    try {
      return await withUnchangedFiles(
        files,
        async () => {
          try {
            return await b.measure({ path, bytes: new Uint8Array(0), files }, feeds, plan, options);
          } catch (e) {
            // A file the server refused to serve (changed after validation): say that, not the fetch error.
            checkIdentities(files);
            throw e;
          }
        },
        async () => {},
      );
    } catch (e) {
      if (e instanceof BackendStageError) throw e;
      throw new BackendStageError('load', errorLine(e));
    }
  }
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
  return b.measure({ path, bytes, owned: true }, feeds, plan, options); // loaded for this run only
}
