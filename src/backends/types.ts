/**
 * One interface for every inference backend, in the spirit of onnxruntime-common: each backend
 * lives in its own file and registers itself in `registry.ts`. Backends run inside a worker
 * process (see `isolation/`), so a native crash or a hang never takes the run down.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { FileSource } from '../onnx/fileModel.js';

export const BACKEND_IDS = ['cpu', 'wasm', 'webgpu', 'browser-wasm', 'browser-webgpu'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

export function isBackendId(s: string): s is BackendId {
  return (BACKEND_IDS as readonly string[]).includes(s);
}

/** Which device actually ran the graph. Software WebGPU (SwiftShader) is never GPU latency. */
export interface AdapterInfo {
  /** `cpu` for CPU/WASM execution, `software` or `hardware` for WebGPU adapters. */
  kind: 'cpu' | 'software' | 'hardware' | 'unknown';
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Who says so, when the workbench did not query the adapter itself (e.g. a browser page posting results). */
  source?: string;
}

export interface BackendDescription {
  backend: BackendId;
  /** e.g. onnxruntime-node, onnxruntime-web */
  runtime: string;
  runtimeVersion: string;
  /** onnxruntime execution provider name: cpu, wasm, webgpu */
  executionProvider: string;
  adapter: AdapterInfo;
  /** Browser user agent, for browser backends. */
  userAgent?: string;
  /** Anything else worth recording (threads, flags). */
  details?: Record<string, string | number | boolean>;
}

export interface Availability {
  available: boolean;
  /** Why it is not available. */
  reason?: string;
  /** What the user can do about it. */
  fix?: string;
}

export interface SessionOptions {
  /** Intra-op threads (CPU) or WASM threads; undefined leaves the runtime default. */
  threads?: number;
  /** Collect onnxruntime's verbose placement log (which EP runs which node) where the runtime can. */
  logPlacement?: boolean;
  /** External data files of a model loaded from bytes, by the location the model names. */
  externalData?: { path: string; data: Uint8Array }[];
}

/** How to time a model: one first run, warm-up runs, then timed runs (count or duration bound). */
export interface RunPlan {
  warmup: number;
  iterations: number;
  /** Stop timed runs after this many milliseconds even if `iterations` is not reached (at least one run). */
  maxDurationMs?: number;
}

export interface RunMeasurement {
  outputs: Record<string, Tensor>;
  sessionCreateMs: number;
  firstRunMs: number;
  /** Timed iterations, milliseconds, in order. */
  timesMs: number[];
  /**
   * Peak resident memory of the worker process while this model was measured (session creation
   * included), bytes. Not measured in Chromium: its page's renderer process cannot be told apart
   * from the spare renderers Chromium keeps, so a sum would mostly measure Chromium itself.
   */
  peakRssBytes?: number;
  /** Output of onnxruntime's placement logging, when asked for. */
  placementLog?: string;
}

/** The failure stage, so a result can say load-error vs run-error. */
export class BackendStageError extends Error {
  constructor(readonly stage: 'load' | 'run', message: string) {
    super(message);
    this.name = 'BackendStageError';
  }
}

export interface Backend {
  readonly id: BackendId;
  /** One line for `backends`. */
  readonly title: string;
  /** Cheap check that the backend can run here; never throws. */
  checkAvailable(): Promise<Availability>;
  /** What runs (runtime, version, EP, adapter). May start the runtime. */
  describe(): Promise<BackendDescription>;
  /**
   * Create a session for the model bytes, run `feeds` once (first run), then warm-up and timed runs.
   * Throws BackendStageError('load' | 'run', reason).
   */
  measure(model: { path: string; bytes: Uint8Array; files?: FileSource }, feeds: Record<string, Tensor>, plan: RunPlan, options: SessionOptions): Promise<RunMeasurement>;
  /** Release browsers, servers, sessions. */
  close(): Promise<void>;
  /** Environment the worker process running this backend needs (read before the runtime starts). */
  workerEnv?(): WorkerEnv;
}

/** Environment variables a backend's worker process needs (e.g. VK_ICD_FILENAMES for Dawn). */
export type WorkerEnv = Record<string, string>;
