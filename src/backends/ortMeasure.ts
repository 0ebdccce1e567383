/**
 * The in-process onnxruntime backends (onnxruntime-node, onnxruntime-web in Node) through the one
 * measuring loop (measureLoop.ts): both expose onnxruntime-common's InferenceSession and Tensor.
 * Feeds and outputs cross the onnxruntime API as null-prototype objects, built from and read back
 * into Maps, so a graph input or output named `__proto__` or `constructor` is just a name.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import type { Tensor, TensorData } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { BackendStageError, type ModelInput, type RunMeasurement, type RunPlan, type TensorMap } from './types.js';
import { measureLoop, LoopStageError } from './measureLoop.js';
import { peakRss, resetPeakRss } from '../util/procfs.js';
import { withUnchangedFiles } from '../onnx/unchangedFiles.js';
import { addressSpaceProblem } from '../util/limits.js';
import { localeProblem } from '../util/locale.js';
import { runtimeIo } from './ioNames.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
    create(path: string, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  Tensor: new (type: string, data: TensorData, dims: readonly number[]) => OrtTensor;
}

export function toOrt(ort: OrtModule, t: Tensor): OrtTensor {
  return new ort.Tensor(t.dtype, t.data, t.dims);
}

export async function fromOrt(t: OrtTensor): Promise<Tensor> {
  const data = (t.location && t.location !== 'cpu' ? await t.getData() : t.data) as TensorData;
  // Copy so the result owns its memory once the session is released.
  return { dtype: t.type as DType, dims: [...t.dims], data: data.slice() as TensorData };
}

/** Feeds for onnxruntime: an object without a prototype, so no name can reach Object.prototype. */
export function ortFeeds(ort: OrtModule, feeds: ReadonlyMap<string, Tensor>): InferenceSession.FeedsType {
  const out = Object.create(null) as Record<string, OrtTensor>;
  for (const [name, t] of feeds)
    Object.defineProperty(out, name, { value: toOrt(ort, t), enumerable: true, writable: true, configurable: true });
  return out;
}

/** The session's outputs, by the names the session declares, read with hasOwn (never through a prototype). */
export async function outputsFromOrt(
  session: InferenceSession,
  result: InferenceSession.OnnxValueMapType,
): Promise<TensorMap> {
  const outputs: TensorMap = new Map();
  for (const name of session.outputNames) {
    if (!Object.prototype.hasOwnProperty.call(result, name))
      throw new Error(`onnxruntime returned no value for output ${name}`);
    outputs.set(name, await fromOrt(result[name] as OrtTensor));
  }
  return outputs;
}

function stageMessage(e: LoopStageError): string {
  const line = e.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 2000);
  return localeProblem(line) ?? addressSpaceProblem(line) ?? line;
}

export async function measureWithOrt(
  ort: OrtModule,
  model: ModelInput,
  feeds: ReadonlyMap<string, Tensor>,
  plan: RunPlan,
  sessionOptions: InferenceSession.SessionOptions,
  extra: { profile?: boolean } = {},
): Promise<RunMeasurement> {
  // --profile: onnxruntime writes its trace at endProfiling(), named by a prefix and a timestamp,
  // into a folder of this worker's private temp directory; its text is returned, the folder removed.
  const profileDir = extra.profile ? mkdtempSync(join(tmpdir(), 'ort-profile-')) : undefined;
  if (profileDir)
    sessionOptions = { ...sessionOptions, enableProfiling: true, profileFilePrefix: join(profileDir, 'ort') };
  // A verbose session log (asked for to read node placements) would also make every run log at
  // verbose level: slower runs and a log that buries the placements. Runs log at warning level.
  const runOptions: InferenceSession.RunOptions =
    sessionOptions.logSeverityLevel !== undefined && sessionOptions.logSeverityLevel < 2 ? { logSeverityLevel: 2 } : {};
  // The worker may have run other models: reset its peak RSS so the peak is this model's (Linux).
  const perModelPeak = resetPeakRss('self');
  const files = model.files;
  // Unsafe input/output names are moved in the bytes; a model run from its files keeps its names,
  // so its feeds and outputs cross as they are (still through null-prototype objects).
  const io = files ? { bytes: model.bytes, feeds, restore: (o: TensorMap) => o } : await runtimeIo(model.bytes, feeds);
  let inputs: InferenceSession.FeedsType | undefined;
  try {
    const r = await measureLoop<InferenceSession, InferenceSession.OnnxValueMapType, TensorMap>(
      {
        // From the validated bytes, or (a large model) from its path between the checks that its files
        // are the validated ones: onnxruntime-node then resolves external data in the model's folder.
        create: () =>
          files
            ? withUnchangedFiles(
                files,
                () => ort.InferenceSession.create(model.path, sessionOptions),
                (s) => s.release(),
              )
            : ort.InferenceSession.create(io.bytes, sessionOptions),
        run: (session) => session.run((inputs ??= ortFeeds(ort, io.feeds)), runOptions),
        read: (first, session) => outputsFromOrt(session, first),
        release: async (session) => {
          if (profileDir) session.endProfiling();
          await session.release();
        },
      },
      plan,
    );
    const peakRssBytes = (perModelPeak ? peakRss('self') : undefined) ?? process.resourceUsage().maxRSS * 1024;
    const profile = profileDir ? readProfile(profileDir) : undefined;
    return { ...r, outputs: io.restore(r.outputs), peakRssBytes, ...(profile !== undefined ? { profile } : {}) };
  } catch (e) {
    if (e instanceof LoopStageError) throw new BackendStageError(e.stage, stageMessage(e));
    throw e;
  } finally {
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }
}

/** The one trace file onnxruntime wrote into `dir` (undefined if it wrote none). */
function readProfile(dir: string): string | undefined {
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  return file ? readFileSync(join(dir, file), 'utf8') : undefined;
}
