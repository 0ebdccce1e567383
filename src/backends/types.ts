/**
 * One interface for every inference backend, in the spirit of onnxruntime-common's `Backend`: a
 * session factory plus the measuring call. Each backend lives in its own file and is named by a
 * descriptor in `registry.ts`. The commands run backends inside worker processes
 * (`isolation/workerBackend.ts` implements this same interface over IPC), so a native crash or a
 * hang never takes the run down; callers cannot tell an isolated backend from an in-process one.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { FileSource } from '../onnx/unchangedFiles.js';

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
  /**
   * Limit for this call, milliseconds. An isolated backend enforces it by stopping its runtime
   * (BackendStageError 'timeout'); the browser backends also enforce it on the page.
   */
  timeoutMs?: number;
  /** onnxruntime's graph optimization level (`graphOptimizationLevel`); undefined leaves the runtime default, `all`. */
  graphOptimization?: GraphOptimization;
  /** Inter-op threads: runs the graph in parallel execution mode; undefined leaves sequential execution. */
  interOpThreads?: number;
  /** Execution-provider options (key -> value), checked against what the backend's EP takes (backends/sessionKnobs.ts). */
  executionProviderOptions?: Record<string, string>;
  /** Collect onnxruntime's own per-node profile (RunMeasurement.profile), where the runtime can write one. */
  profile?: boolean;
}

export const GRAPH_OPTIMIZATIONS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimization = (typeof GRAPH_OPTIMIZATIONS)[number];

/** The threads a measurement ran with, as set or as the runtime reports them. */
export interface ThreadsUsed {
  /** Intra-op threads; 'default' where the runtime chose (onnxruntime-node: one per physical core). */
  intraOp: number | 'default';
  /** Inter-op threads (parallel execution mode); absent in sequential mode. */
  interOp?: number;
  /** Why the count is what it is (e.g. a page that is not crossOriginIsolated runs WASM on one thread). */
  note?: string;
}

/** The model a backend runs: its validated bytes (never re-read from `path`, which only names it). */
export interface ModelInput {
  path: string;
  /** The validated, self-contained bytes; empty when the model runs from its files (`files`). */
  bytes: Uint8Array;
  /** A large model: the files the runtime reads itself, as they were validated (onnx/fileModel.ts). */
  files?: FileSource;
  /**
   * The bytes are this call's alone (a worker's copy from IPC, or loaded for this run): the backend
   * may move their buffer elsewhere (the wasm backend hands it to its runtime thread without a copy).
   * Unset, the caller keeps them and they are copied.
   */
  owned?: boolean;
}

/**
 * Tensors by name. A Map, not an object: graph inputs and outputs are named by the model, and a
 * name like `__proto__` or `constructor` must be just a name.
 */
export type TensorMap = Map<string, Tensor>;

/** How to time a model: one first run, warm-up runs, then timed runs (count or duration bound). */
export interface RunPlan {
  warmup: number;
  iterations: number;
  /** Stop timed runs after this many milliseconds even if `iterations` is not reached (at least one run). */
  maxDurationMs?: number;
  /** Timed runs made even past `maxDurationMs` (capped by `iterations`): bench's 6, the fewest with a 95% CI of the median. */
  minIterations?: number;
  /** The `minIterations` floor holds only this long after the first run (ms): a backstop below the timeout. */
  minIterationsWithinMs?: number;
}

export interface RunMeasurement {
  outputs: TensorMap;
  sessionCreateMs: number;
  firstRunMs: number;
  /** Timed iterations, milliseconds, in order. */
  timesMs: number[];
  /** The warm-up runs together, milliseconds, and how many (where the backend's loop reports them). */
  warmupMs?: number;
  warmupRuns?: number;
  /** Releasing the session, milliseconds: the runtime's cost (thread-pool teardown), not the harness's. */
  sessionReleaseMs?: number;
  /**
   * Peak resident memory of the worker process while this model was measured (session creation
   * included), bytes. Not measured in Chromium: its page's renderer process cannot be told apart
   * from the spare renderers Chromium keeps, so a sum would mostly measure Chromium itself.
   */
  peakRssBytes?: number;
  /** onnxruntime's node-placement log lines, when asked for (see backends/placement.ts). */
  placementLog?: string;
  /** The threads it ran with. */
  threads?: ThreadsUsed;
  /** onnxruntime's profile (its JSON trace text), when asked for and the runtime can write one. */
  profile?: string;
}

/** Where a measurement failed: session creation, a run, or no answer within the limit. */
export type FailureStage = 'load' | 'run' | 'timeout';

/** A measure queued behind one that failed (see `Backend.queuesMeasures`): it did not run. */
export class SkippedMeasure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkippedMeasure';
  }
}

/** The failure stage, so a result can say load-error vs run-error vs timeout. */
export class BackendStageError extends Error {
  constructor(
    readonly stage: FailureStage,
    message: string,
  ) {
    super(message);
    this.name = 'BackendStageError';
  }
}

/** A backend's availability and, when available, what it runs: reported with every run. */
export interface BackendStatus extends Availability {
  id: BackendId;
  description?: BackendDescription;
}

export interface Backend {
  readonly id: BackendId;
  /** One line for `backends`. */
  readonly title: string;
  /** Can the backend run here? Decided once and remembered; never throws. */
  checkAvailable(): Promise<Availability>;
  /** What runs (runtime, version, EP, adapter). May start the runtime. */
  describe(): Promise<BackendDescription>;
  /**
   * Create a session for the model bytes, run `feeds` once (first run), then warm-up and timed
   * runs (backends/measureLoop.ts). Throws BackendStageError('load' | 'run' | 'timeout', reason).
   */
  measure(
    model: ModelInput,
    feeds: ReadonlyMap<string, Tensor>,
    plan: RunPlan,
    options: SessionOptions,
  ): Promise<RunMeasurement>;
  /**
   * Optional: discard the runtime's state without ending the process, so the next model starts in
   * a fresh runtime. The browser backends open a new browser context and page (a new renderer with
   * its own onnxruntime-web, WASM instance and WebGPU device) instead of relaunching Chromium.
   * Resolves false when that cannot be guaranteed (the browser itself is gone): then the caller
   * replaces the whole process. Backends without it are always replaced whole.
   */
  reset?(): Promise<boolean>;
  /**
   * Optional: `measure` may be called again before earlier calls have settled; the backend runs
   * the measures one at a time, in the order of the calls (the browser backends queue jobs in the
   * page). After one fails, none of those called before that failure was reported runs (they throw
   * `SkippedMeasure`); a measure called afterwards runs as usual (or after `reset()`, in a fresh runtime).
   */
  readonly queuesMeasures?: boolean;
  /** Release browsers, servers, sessions. */
  close(): Promise<void>;
}

/** Environment variables a backend's worker process needs (e.g. VK_ICD_FILENAMES for Dawn). */
export type WorkerEnv = Record<string, string>;
