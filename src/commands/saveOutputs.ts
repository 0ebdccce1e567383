/** `--save-outputs`: the inputs used and each backend's outputs, in the .npz layout `--inputs` reads. */
import { InputError } from '../errors.js';
import type { BackendId } from '../backends/types.js';
import type { PreparedModel } from '../verify/prepare.js';
import { saveOutputsPath } from './args/comparison.js';

/**
 * `--save-outputs`: one model; each reported backend's outputs with the inputs used, in the .npz
 * layout `--inputs` reads. Files that exist are refused before anything runs (never overwritten).
 */
export async function prepareSaveOutputs(file: string, prepared: PreparedModel[], backends: BackendId[]) {
  if (prepared.length !== 1)
    throw new InputError(`--save-outputs applies to exactly one model (${prepared.length} given)`);
  const { existsSync, writeFileSync } = await import('node:fs');
  const { encodeNpz } = await import('../tensor/npy.js');
  const { errorLine } = await import('../errors.js');
  const paths = new Map(backends.map((b) => [b, saveOutputsPath(file, b, backends.length)]));
  for (const path of paths.values())
    if (existsSync(path))
      throw new InputError(`${path}: exists; --save-outputs never overwrites a file (remove it or name another)`);
  const kept = new Map<BackendId, { p: PreparedModel; outputs: Map<string, import('../tensor/tensor.js').Tensor> }>();
  return {
    keep: (p: PreparedModel, backend: BackendId, outputs: Map<string, import('../tensor/tensor.js').Tensor>) => {
      kept.set(backend, { p, outputs });
    },
    write: (): string[] => {
      const lines: string[] = [];
      for (const [backend, { p, outputs }] of kept) {
        const path = paths.get(backend)!;
        const arrays: Record<string, import('../tensor/tensor.js').Tensor> = {};
        for (const [k, t] of p.feeds) arrays[k] = t;
        for (const [k, t] of outputs) arrays[k] = t;
        try {
          writeFileSync(path, encodeNpz(arrays), { flag: 'wx' });
          lines.push(
            `saved ${backend}'s outputs (${[...outputs.keys()].join(', ')}) and the inputs (${[...p.feeds.keys()].join(', ')}) to ${path}`,
          );
        } catch (e) {
          throw new InputError(`${path}: could not write the outputs (${errorLine(e)})`);
        }
      }
      return lines;
    },
  };
}
