/** `webgpu`: onnxruntime-node's bundled WebGPU execution provider (Dawn on Vulkan). */
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { installedVersion } from './runtimeVersion.js';
import { chooseVulkanDriver } from './vulkan.js';

export function createWebgpuBackend(title: string): Backend {
  const choice = chooseVulkanDriver();
  return {
    id: 'webgpu',
    title,
    async checkAvailable() {
      const { available, reason, fix } = choice;
      return { available, ...(reason ? { reason } : {}), ...(fix ? { fix } : {}) };
    },
    async describe(): Promise<BackendDescription> {
      return {
        backend: 'webgpu',
        runtime: 'onnxruntime-node',
        runtimeVersion: installedVersion('onnxruntime-node'),
        executionProvider: 'webgpu',
        adapter: choice.adapter,
      };
    },
    async measure(model, feeds, plan, options) {
      const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
      return measureWithOrt(ort, model, feeds, plan, {
        executionProviders: ['webgpu'],
        ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
        ...(options.externalData?.length ? { externalData: options.externalData } : {}),
      });
    },
    async close() {},
  };
}
