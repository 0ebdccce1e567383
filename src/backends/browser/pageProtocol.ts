/**
 * What crosses the boundary between the browser backend (Node, playwright) and its runner page
 * (page/runner.js, `window.onnxWorkbench`). Tensors cross as raw bytes plus dtype and dims: inputs
 * are fetched by the page from the local server, outputs read back in base64 chunks. String tensors
 * have no raw bytes: their values cross inline, as JSON strings, both ways.
 */
import type { AdapterProbe } from '../adapter.js';

export interface PageInfo {
  ortLoaded: boolean;
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  ortWebVersion: string;
  ortCommonVersion: string;
  wasmThreads: number;
  ortInitialized: boolean;
  /** The onnxruntime-web script the page loaded ('' when the name it was given was refused). */
  ortScript: string;
  /** The WASM binaries the page fetched, comma-separated file names (onnxruntime-web's, once started). */
  ortWasm: string;
}

export type ProbeResult = AdapterProbe;

export interface PageJob {
  /** The first job sent after the harness learnt of a failed one: the page may run jobs again (see runner.js). */
  clearFailure?: boolean;
  id: string;
  /** The model: fetched from `modelUrl`, or (small ones) inline as `modelBase64`. */
  modelUrl?: string;
  modelBase64?: string;
  executionProvider: string;
  threads?: number;
  logPlacement?: boolean;
  /** onnxruntime's graphOptimizationLevel; absent: the runtime default. */
  graphOptimization?: string;
  /** Options of the execution provider's entry (e.g. preferredLayout for webgpu). */
  executionProviderOptions?: Record<string, string>;
  /** Numeric tensors are fetched from `url` as raw bytes (small ones inline as `base64`); string tensors come inline as `strings`. */
  feeds: { name: string; dtype: string; dims: number[]; url?: string; base64?: string; strings?: string[] }[];
  /**
   * A large model run from its files: its external data files, by `location` as the model names
   * them, at the URLs the local server serves them from (onnxruntime-web's `externalData` option).
   */
  externalData?: { path: string; url: string }[];
  plan: {
    warmup: number;
    iterations: number;
    maxDurationMs?: number;
    minIterations?: number;
    minIterationsWithinMs?: number;
  };
  /** Outputs of at most this many bytes in all come back inline (base64) with the result. */
  inlineOutputBytes?: number;
}

export interface PageOutput {
  name: string;
  dtype: string;
  dims: number[];
  index: number;
  byteLength: number;
  /** A string tensor's values, inline (string outputs hold no bytes for readOutput). */
  strings?: string[];
  /** Small outputs: the raw bytes inline, base64 (then `index` is -1: nothing is held). */
  base64?: string;
}

export type PageRunResult =
  | {
      ok: true;
      sessionCreateMs: number;
      firstRunMs: number;
      timesMs: number[];
      warmupMs?: number;
      warmupRuns?: number;
      sessionReleaseMs?: number;
      outputs: PageOutput[];
      wasmThreads: number;
      /** The page's self.crossOriginIsolated: without it onnxruntime-web runs WASM on one thread. */
      crossOriginIsolated?: boolean;
    }
  /** 'skipped': a job queued behind one that failed in this page; it did not run (see runner.js). */
  | { ok: false; stage: 'load' | 'run' | 'skipped'; message: string };

export type PageInitResult = { ok: true; wasmThreads: number } | { ok: false; message: string };

export interface PageWindow {
  onnxWorkbench: {
    info(): PageInfo;
    probeAdapter(): Promise<ProbeResult>;
    init(job: { modelUrl: string; executionProvider: string; threads?: number }): Promise<PageInitResult>;
    run(job: PageJob): Promise<PageRunResult>;
    readOutput(jobId: string, index: number, offset: number, length: number): Promise<string>;
    dropOutputs(jobId: string): void;
  };
}

/** Models whose bytes and inputs are this small in all cross inline with the job (no HTTP fetches). */
export const INLINE_INPUT_BYTES = 1024 * 1024;

/**
 * Outputs this small in all (most of a test suite's) come back inside the run's result: one page
 * round trip per model instead of three (run, readOutput, dropOutputs).
 */
export const INLINE_OUTPUT_BYTES = 1024 * 1024;

/** Output bytes per page round trip (as base64, a third more). */
export const OUTPUT_CHUNK_BYTES = 16 * 1024 * 1024;
