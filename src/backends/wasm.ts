/** `wasm`: onnxruntime-web's WASM execution provider, running inside Node. */
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { packageVersion } from './cpu.js';

interface OrtWeb extends OrtModule { env: { wasm: { numThreads?: number; simd?: boolean } } }

async function loadOrtWeb(): Promise<OrtWeb> {
  return (await import('onnxruntime-web')) as never;
}

export function createWasmBackend(): Backend {
  let threads = 1;
  return {
    id: 'wasm',
    title: 'onnxruntime-web, WASM execution provider, in Node',
    async checkAvailable() {
      try {
        await loadOrtWeb();
        return { available: true };
      } catch (e) {
        return { available: false, reason: `onnxruntime-web does not load: ${(e as Error).message.split('\n')[0]}`, fix: 'run npm ci' };
      }
    },
    async describe(): Promise<BackendDescription> {
      return {
        backend: 'wasm', runtime: 'onnxruntime-web', runtimeVersion: packageVersion('onnxruntime-web'),
        executionProvider: 'wasm', adapter: { kind: 'cpu', description: 'WebAssembly (SIMD) on the host CPU' },
        details: { threads },
      };
    },
    async measure(model, feeds, plan, options) {
      const ort = await loadOrtWeb();
      // Threads must be set before the first session; Node runs WASM threads through worker_threads.
      threads = options.threads ?? 1;
      ort.env.wasm.numThreads = threads;
      return measureWithOrt(ort, model.bytes, feeds, plan, {
        executionProviders: ['wasm'],
        ...(options.externalData?.length ? { externalData: options.externalData } : {}),
        // onnxruntime-web writes its verbose log (node placements included) to the worker's stderr.
        ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
      });
    },
    async close() {},
  };
}
