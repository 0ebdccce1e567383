/** `wasm`: onnxruntime-web's WASM execution provider, running inside Node. */
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { installedVersion } from './runtimeVersion.js';
import { unavailableBecause } from './loadFailure.js';
import { startupModelBytes } from './startupModel.js';

interface OrtWeb extends OrtModule {
  env: { wasm: { numThreads?: number; simd?: boolean } };
}

async function loadOrtWeb(): Promise<OrtWeb> {
  return (await import('onnxruntime-web')) as never;
}

export function createWasmBackend(title: string): Backend {
  let threads = 1;
  return {
    id: 'wasm',
    title,
    async checkAvailable() {
      try {
        const ort = await loadOrtWeb();
        // Start the WASM runtime once (it reserves its memory here): a runtime that cannot start is unavailable, not a model's load error.
        ort.env.wasm.numThreads = threads;
        const session = await ort.InferenceSession.create(startupModelBytes(), { executionProviders: ['wasm'] });
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
      return measureWithOrt(ort, model, feeds, plan, {
        executionProviders: ['wasm'],
        ...(options.externalData?.length ? { externalData: options.externalData } : {}),
        // onnxruntime-web writes its verbose log (node placements included) to the worker's stderr.
        ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
      });
    },
    async close() {},
  };
}
