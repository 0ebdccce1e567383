/** Every backend, by id. Each backend module registers a factory here; heavy runtimes load lazily. */
import type { Backend, BackendId } from './types.js';
import { BACKEND_IDS } from './types.js';

type Factory = () => Promise<Backend>;

const factories: Record<BackendId, Factory> = {
  cpu: async () => (await import('./cpu.js')).createCpuBackend(),
  wasm: async () => (await import('./wasm.js')).createWasmBackend(),
  webgpu: async () => (await import('./webgpu.js')).createWebgpuBackend(),
  'browser-wasm': async () => (await import('./browser.js')).createBrowserBackend('browser-wasm'),
  'browser-webgpu': async () => (await import('./browser.js')).createBrowserBackend('browser-webgpu'),
};

export function createBackend(id: BackendId): Promise<Backend> {
  return factories[id]();
}

export function allBackendIds(): BackendId[] {
  return [...BACKEND_IDS];
}
