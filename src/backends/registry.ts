/**
 * Every backend, by id, as a descriptor (as onnxruntime's js/web registers one implementation
 * under several names): what it is called, the environment its worker process needs, and how to
 * build it. Only a worker (isolation/worker.ts) or a library user who wants an in-process backend
 * calls `create()`; the command process never builds a backend. Heavy runtimes load lazily.
 */
import type { Backend, BackendDescription, BackendId, WorkerEnv } from './types.js';
import { BACKEND_IDS } from './types.js';
import { chooseVulkanDriver } from './vulkan.js';
import type { RuntimeApi } from '../data/apiSupport.js';

export interface BackendDescriptor {
  readonly id: BackendId;
  /** One line for `backends`. */
  readonly title: string;
  /** The JavaScript package it runs onnxruntime through: what its API can pass (data/apiSupport.ts). */
  readonly runtime: RuntimeApi;
  /**
   * Environment variables the worker running this backend needs (read before the runtime starts).
   * Given the description of an earlier worker, the environment of its replacement: a decision
   * already made (which WebGPU adapter) is not probed again.
   */
  workerEnv(earlier?: BackendDescription): WorkerEnv;
  /** Build the backend in this process. */
  create(): Promise<Backend>;
}

const TITLES: Record<BackendId, string> = {
  cpu: 'onnxruntime-node, CPU execution provider',
  wasm: 'onnxruntime-web, WASM execution provider, in Node',
  webgpu: 'onnxruntime-node, WebGPU execution provider (Dawn)',
  'browser-wasm': 'onnxruntime-web, WASM EP, in headless Chromium',
  'browser-webgpu': 'onnxruntime-web, WebGPU EP, in headless Chromium (SwiftShader when there is no GPU)',
};

const none = (): WorkerEnv => ({});

const DESCRIPTORS: Record<BackendId, BackendDescriptor> = {
  cpu: {
    id: 'cpu',
    title: TITLES.cpu,
    runtime: 'onnxruntime-node',
    workerEnv: none,
    create: async () => (await import('./cpu.js')).createCpuBackend(TITLES.cpu),
  },
  wasm: {
    id: 'wasm',
    title: TITLES.wasm,
    runtime: 'onnxruntime-web',
    workerEnv: none,
    create: async () => (await import('./wasm.js')).createWasmBackend(TITLES.wasm),
  },
  webgpu: {
    id: 'webgpu',
    title: TITLES.webgpu,
    runtime: 'onnxruntime-node',
    // Dawn reads the Vulkan driver choice from the environment when it starts: the worker must be born with it.
    workerEnv: () => chooseVulkanDriver().env,
    create: async () => (await import('./webgpu.js')).createWebgpuBackend(TITLES.webgpu),
  },
  'browser-wasm': {
    id: 'browser-wasm',
    title: TITLES['browser-wasm'],
    runtime: 'onnxruntime-web',
    workerEnv: none,
    create: async () =>
      (await import('./browser/backend.js')).createBrowserBackend('browser-wasm', TITLES['browser-wasm']),
  },
  'browser-webgpu': {
    id: 'browser-webgpu',
    title: TITLES['browser-webgpu'],
    runtime: 'onnxruntime-web',
    // A replacement keeps the adapter the first worker found (no hardware probe when it fell back to SwiftShader).
    workerEnv: (earlier): WorkerEnv =>
      earlier?.details?.webgpuAdapterFlag === 'swiftshader' && !process.env.ONNX_WORKBENCH_WEBGPU_ADAPTER
        ? { ONNX_WORKBENCH_WEBGPU_ADAPTER: 'swiftshader' }
        : {},
    create: async () =>
      (await import('./browser/backend.js')).createBrowserBackend('browser-webgpu', TITLES['browser-webgpu']),
  },
};

export function backendDescriptor(id: BackendId): BackendDescriptor {
  return DESCRIPTORS[id];
}

export function allBackendIds(): BackendId[] {
  return [...BACKEND_IDS];
}
