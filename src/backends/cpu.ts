/** `cpu`: onnxruntime-node with its CPU execution provider. */
import type { Backend, BackendDescription } from './types.js';
import type { OrtModule } from './ortMeasure.js';
import { installedVersion } from './runtimeVersion.js';
import { unavailableBecause } from './loadFailure.js';
import { measureOnOrtNode } from './ortNodeMeasure.js';

async function loadOrtNode(): Promise<OrtModule> {
  return (await import('onnxruntime-node')) as never;
}

export function createCpuBackend(title: string): Backend {
  return {
    id: 'cpu',
    title,
    async checkAvailable() {
      try {
        await loadOrtNode();
        return { available: true };
      } catch (e) {
        return unavailableBecause(
          'onnxruntime-node',
          e,
          'run npm ci (package.json allowScripts skips its CUDA download)',
        );
      }
    },
    async describe(): Promise<BackendDescription> {
      return {
        backend: 'cpu',
        runtime: 'onnxruntime-node',
        runtimeVersion: installedVersion('onnxruntime-node'),
        executionProvider: 'cpu',
        adapter: { kind: 'cpu', description: `${process.arch} CPU` },
      };
    },
    measure: (model, feeds, plan, options) =>
      measureOnOrtNode(
        'cpu',
        options.threads ? undefined : 'onnxruntime default: one intra-op thread per physical core',
        model,
        feeds,
        plan,
        options,
      ),
    async close() {},
  };
}
