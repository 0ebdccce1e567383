/** `cpu`: onnxruntime-node with its CPU execution provider. */
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';
import { installedVersion } from './runtimeVersion.js';
import { unavailableBecause } from './loadFailure.js';
import { executionProvider, sessionKnobs } from './sessionKnobs.js';

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
    async measure(model, feeds, plan, options) {
      const ort = await loadOrtNode();
      const m = await measureWithOrt(
        ort,
        model,
        feeds,
        plan,
        {
          executionProviders: [executionProvider('cpu', 'cpu', options.executionProviderOptions) as 'cpu'],
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
          ...(options.threads ? {} : { note: 'onnxruntime default: one intra-op thread per physical core' }),
        },
      };
    },
    async close() {},
  };
}
