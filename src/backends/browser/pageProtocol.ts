/**
 * What crosses the boundary between the browser backend (Node, playwright) and its runner page
 * (page/runner.js, `window.onnxWorkbench`). Tensors cross as raw bytes plus dtype and dims: inputs
 * are fetched by the page from the local server, outputs read back in base64 chunks.
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
}

export type ProbeResult = AdapterProbe;

export interface PageJob {
  id: string;
  modelUrl: string;
  executionProvider: string;
  threads?: number;
  logPlacement?: boolean;
  /** onnxruntime's graphOptimizationLevel; absent: the runtime default. */
  graphOptimization?: string;
  /** Options of the execution provider's entry (e.g. preferredLayout for webgpu). */
  executionProviderOptions?: Record<string, string>;
  feeds: { name: string; dtype: string; dims: number[]; url: string }[];
  /**
   * A large model run from its files: its external data files, by `location` as the model names
   * them, at the URLs the local server serves them from (onnxruntime-web's `externalData` option).
   */
  externalData?: { path: string; url: string }[];
  plan: { warmup: number; iterations: number; maxDurationMs?: number; minIterations?: number };
}

export interface PageOutput {
  name: string;
  dtype: string;
  dims: number[];
  index: number;
  byteLength: number;
}

export type PageRunResult =
  | {
      ok: true;
      sessionCreateMs: number;
      firstRunMs: number;
      timesMs: number[];
      outputs: PageOutput[];
      wasmThreads: number;
      /** The page's self.crossOriginIsolated: without it onnxruntime-web runs WASM on one thread. */
      crossOriginIsolated?: boolean;
    }
  | { ok: false; stage: 'load' | 'run'; message: string };

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

/** Output bytes per page round trip (as base64, a third more). */
export const OUTPUT_CHUNK_BYTES = 16 * 1024 * 1024;
