/** `webgpu`: onnxruntime-node's bundled WebGPU execution provider (Dawn on Vulkan). */
import type { Backend, BackendDescription } from './types.js';
import { installedVersion } from './runtimeVersion.js';
import { chooseVulkanDriver } from './vulkan.js';
import { measureOnOrtNode } from './ortNodeMeasure.js';

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
    measure: (model, feeds, plan, options) =>
      measureOnOrtNode(
        'webgpu',
        'CPU threads serve only the nodes left on the CPU EP; the graph runs on the WebGPU device',
        model,
        feeds,
        plan,
        options,
      ),
    async close() {},
  };
}
