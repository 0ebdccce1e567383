/** Messages between the verify process and a backend worker process (structured clone over IPC). */
import type { BackendDescription, RunMeasurement, RunPlan, SessionOptions, Availability } from '../backends/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { FileSource } from '../onnx/fileModel.js';

export type WorkerRequest =
  | { type: 'check'; id: number }
  | { type: 'describe'; id: number }
  | { type: 'measure'; id: number; modelPath: string; feeds: Record<string, Tensor>; plan: RunPlan; options: SessionOptions; hasExternalData?: boolean; files?: FileSource }
  | { type: 'close'; id: number };

export type WorkerReply =
  | { type: 'reply'; id: number; ok: true; value: Availability | BackendDescription | RunMeasurement | null }
  | { type: 'reply'; id: number; ok: false; stage: 'load' | 'run' | 'worker'; message: string };
