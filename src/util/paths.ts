import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';

/** The package root (where package.json is), whether running from src/ (vitest) or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('onnx-workbench: cannot locate the package root');
}

export function modelsDir(): string {
  return process.env.ONNX_WORKBENCH_MODELS ?? join(packageRoot(), 'models');
}
