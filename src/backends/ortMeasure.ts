/**
 * The measuring loop shared by the in-process onnxruntime backends (onnxruntime-node and
 * onnxruntime-web in Node): both expose onnxruntime-common's InferenceSession and Tensor.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { errorLine } from '../errors.js';
import type { Tensor, TensorData } from '../tensor/tensor.js';
import type { DType } from '../onnx/dtypes.js';
import { BackendStageError, type RunMeasurement, type RunPlan } from './types.js';
import { peakRss, resetPeakRss } from '../util/procfs.js';
import { withUnchangedFiles, type FileSource } from '../onnx/fileModel.js';

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

export async function measureWithOrt(
  ort: OrtModule, model: Uint8Array | { path: string; files: FileSource }, feeds: Record<string, Tensor>, plan: RunPlan,
  sessionOptions: InferenceSession.SessionOptions,
): Promise<RunMeasurement> {
  // A verbose session log (asked for to read node placements) would also make every run log at
  // verbose level: slower runs and a log that buries the placements. Runs log at warning level.
  const runOptions: InferenceSession.RunOptions = sessionOptions.logSeverityLevel !== undefined && sessionOptions.logSeverityLevel < 2
    ? { logSeverityLevel: 2 } : {};
  // The worker may have run other models: reset its peak RSS so the peak is this model's (Linux).
  const perModelPeak = resetPeakRss('self');
  const t0 = performance.now();
  let session: InferenceSession;
  try {
    // From bytes (validated in memory), or from the model's path, between the checks that the files
    // are the validated ones (onnxruntime-node resolves external data in the model's folder).
    session = model instanceof Uint8Array
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await withUnchangedFiles(model.files, () => ort.InferenceSession.create(model.path, sessionOptions), (s) => s.release());
  } catch (e) {
    throw new BackendStageError('load', errorLine(e));
  }
  const sessionCreateMs = performance.now() - t0;
  try {
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(ort, t);
    let first: InferenceSession.OnnxValueMapType;
    const t1 = performance.now();
    try {
      first = await session.run(ortFeeds, runOptions);
    } catch (e) {
      throw new BackendStageError('run', errorLine(e));
    }
    const firstRunMs = performance.now() - t1;
    const outputs: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(first)) outputs[name] = await fromOrt(value as OrtTensor);
    // The duration budget covers warm-up and timed runs (at least one timed run). A first run
    // longer than the whole budget has already warmed up: no separate warm-up then.
    const deadline = plan.maxDurationMs !== undefined ? performance.now() + plan.maxDurationMs : Number.POSITIVE_INFINITY;
    const warmup = plan.maxDurationMs !== undefined && firstRunMs > plan.maxDurationMs ? 0 : plan.warmup;
    for (let i = 0; i < warmup && performance.now() < deadline; i++) await session.run(ortFeeds, runOptions);
    const timesMs: number[] = [];
    for (let i = 0; i < plan.iterations; i++) {
      const s = performance.now();
      await session.run(ortFeeds, runOptions);
      timesMs.push(performance.now() - s);
      if (performance.now() > deadline) break;
    }
    const peakRssBytes = (perModelPeak ? peakRss('self') : undefined) ?? process.resourceUsage().maxRSS * 1024;
    return { outputs, sessionCreateMs, firstRunMs, timesMs, peakRssBytes };
  } catch (e) {
    if (e instanceof BackendStageError) throw e;
    throw new BackendStageError('run', errorLine(e));
  } finally {
    await session.release().catch(() => undefined);
  }
}
