/**
 * `wasm`: onnxruntime-web's WASM execution provider, running inside Node.
 *
 * `createWasmRuntime` is one onnxruntime-web in the thread that calls it. `createWasmBackend` (the
 * backend) runs that runtime in a worker thread of its own, so that a fresh runtime after a
 * failure is a new thread (`reset`), with a fresh onnxruntime-web and fresh WASM memory, instead
 * of a new process. The one thing the threads share is V8's machine code for onnxruntime-web's
 * WASM module (compiled once in the process and handed to each new thread, see wasmThread.ts):
 * compiling and optimizing it again took ~2.5 s of CPU in every new process
 * (bench/README.md, "a fresh wasm runtime in a thread").
 */
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { installedVersion } from './runtimeVersion.js';
import { unavailableBecause } from './loadFailure.js';
import { startupModelBytes } from './startupModel.js';
import { executionProvider, sessionKnobs } from './sessionKnobs.js';
import { WasmThreadBackend } from './wasmThreadBackend.js';

interface OrtWeb extends OrtModule {
  env: { wasm: { numThreads?: number; simd?: boolean } };
}

async function loadOrtWeb(): Promise<OrtWeb> {
  return (await import('onnxruntime-web')) as never;
}

/** One onnxruntime-web, in this thread (hosted by wasmThread.ts; tests may use it directly). */
export function createWasmRuntime(title: string): Backend {
  let threads = 1;
  /** numThreads when onnxruntime-web's WASM module started (fixed from then on in this process). */
  let started: number | undefined;
  return {
    id: 'wasm',
    title,
    async checkAvailable() {
      try {
        const ort = await loadOrtWeb();
        // Start the WASM runtime once (it reserves its memory here): a runtime that cannot start is unavailable, not a model's load error.
        ort.env.wasm.numThreads = threads;
        const session = await ort.InferenceSession.create(await startupModelBytes(), { executionProviders: ['wasm'] });
        started ??= ort.env.wasm.numThreads ?? threads;
        await session.release();
        return { available: true };
      } catch (e) {
        return unavailableBecause('onnxruntime-web', e, 'run npm ci');
      }
    },
    async describe(): Promise<BackendDescription> {
      return {
        backend: 'wasm',
        runtime: 'onnxruntime-web',
        runtimeVersion: installedVersion('onnxruntime-web'),
        executionProvider: 'wasm',
        adapter: { kind: 'cpu', description: 'WebAssembly (SIMD) on the host CPU' },
        details: { threads },
      };
    },
    async measure(model, feeds, plan, options) {
      const ort = await loadOrtWeb();
      // Threads must be set before the first session; Node runs WASM threads through worker_threads.
      threads = options.threads ?? 1;
      ort.env.wasm.numThreads = threads;
      const { interOpNumThreads: _interOp, ...knobs } = sessionKnobs(options);
      const m = await measureWithOrt(ort, model, feeds, plan, {
        executionProviders: [executionProvider('wasm', 'wasm', options.executionProviderOptions) as 'wasm'],
        ...knobs,
        ...(options.externalData?.length ? { externalData: options.externalData } : {}),
        // onnxruntime-web writes its verbose log (node placements included) to the worker's stderr.
        ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
      });
      // onnxruntime-web's numThreads is fixed once its WASM module has started (the first session).
      started ??= threads;
      const notes = [
        ...(started !== threads
          ? [
              `asked for ${threads}; onnxruntime-web's WASM module had started with ${started} in this worker (fixed from its start)`,
            ]
          : []),
        ...(options.interOpThreads
          ? ['onnxruntime-web has no inter-op thread pool: --inter-op-threads does not apply']
          : []),
      ];
      return { ...m, threads: { intraOp: started, ...(notes.length ? { note: notes.join('; ') } : {}) } };
    },
    async close() {},
  };
}

/** The backend: `createWasmRuntime` in a worker thread, a new thread for each fresh runtime. */
export function createWasmBackend(title: string): Backend {
  return new WasmThreadBackend(title);
}
