/** `webgpu`: onnxruntime-node's bundled WebGPU execution provider (Dawn on Vulkan). */
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { installedVersion } from './runtimeVersion.js';
import { chooseVulkanDriver } from './vulkan.js';
import { executionProvider, sessionKnobs } from './sessionKnobs.js';

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
      const m = await measureWithOrt(
        ort,
        model,
        feeds,
        plan,
        {
          executionProviders: [executionProvider('webgpu', 'webgpu', options.executionProviderOptions) as 'webgpu'],
          ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
          ...sessionKnobs(options),
          ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
          ...(options.externalData?.length ? { externalData: options.externalData } : {}),
        },
        { profile: options.profile === true },
      );
      return {
        ...m,
        threads: {
          intraOp: options.threads ?? 'default',
          ...(options.interOpThreads ? { interOp: options.interOpThreads } : {}),
          note: 'CPU threads serve only the nodes left on the CPU EP; the graph runs on the WebGPU device',
        },
      };
    },
    async close() {},
  };
}
