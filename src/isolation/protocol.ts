/**
 * Messages between the command process and a backend worker process (structured clone over IPC,
 * 'advanced' serialization: Maps and typed arrays cross as they are). Only src/isolation/ builds or
 * reads these: everything else holds a `Backend`.
 */
import type {
  BackendDescription,
  ModelInput,
  RunMeasurement,
  RunPlan,
  SessionOptions,
  Availability,
  FailureStage,
} from '../backends/types.js';
import type { Tensor } from '../tensor/tensor.js';

export type WorkerRequest =
  | { type: 'check'; id: number }
  | { type: 'describe'; id: number }
  | {
      type: 'measure';
      id: number;
      model: ModelInput;
      feeds: Map<string, Tensor>;
      plan: RunPlan;
      options: Omit<SessionOptions, 'timeoutMs'>;
    }
  | { type: 'reset'; id: number }
  /** After a failed measure the worker skips every measure until this (or a reset): see worker.ts. */
  | { type: 'resume'; id: number }
  | { type: 'close'; id: number };

export type WorkerReply =
  | { type: 'reply'; id: number; ok: true; value: Availability | BackendDescription | RunMeasurement | boolean | null }
  | { type: 'reply'; id: number; ok: false; stage: FailureStage | 'worker' | 'skipped'; message: string };
