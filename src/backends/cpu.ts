/** `cpu`: onnxruntime-node with its CPU execution provider. */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Backend, BackendDescription } from './types.js';
import { measureWithOrt, type OrtModule } from './ortMeasure.js';

const require = createRequire(import.meta.url);

/** An installed package's version; works for packages whose exports map hides package.json. */
export function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch { /* hidden by an exports map: walk up from the entry point */ }
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
  } catch { /* not installed */ }
  return 'unknown';
}

async function loadOrtNode(): Promise<OrtModule & { env: { versions: Record<string, string> } }> {
  return (await import('onnxruntime-node')) as never;
}

export function createCpuBackend(): Backend {
  return {
    id: 'cpu',
    title: 'onnxruntime-node, CPU execution provider',
    async checkAvailable() {
      try {
        await loadOrtNode();
        return { available: true };
      } catch (e) {
        return { available: false, reason: `onnxruntime-node does not load: ${(e as Error).message.split('\n')[0]}`, fix: 'run npm ci (package.json allowScripts skips its CUDA download)' };
      }
    },
    async describe(): Promise<BackendDescription> {
      return {
        backend: 'cpu', runtime: 'onnxruntime-node', runtimeVersion: packageVersion('onnxruntime-node'),
        executionProvider: 'cpu', adapter: { kind: 'cpu', description: `${process.arch} CPU` },
      };
    },
    async measure(model, feeds, plan, options) {
      const ort = await loadOrtNode();
      return measureWithOrt(ort, model.files ? { path: model.path, files: model.files } : model.bytes, feeds, plan, {
        executionProviders: ['cpu'],
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
        ...(options.logPlacement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
        ...(options.externalData?.length ? { externalData: options.externalData } : {}),
      });
    },
    async close() {},
  };
}
