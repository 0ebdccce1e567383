/**
 * The files a browser page loads: onnxruntime-web's dist/ (its default bundle, wasm + JSEP
 * webgpu), the workbench's runner page, and the shared modules compiled to dist/ (the measuring
 * loop and the dtype table, which import nothing and so load in a page as they are).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../util/paths.js';

/** The bundle the page loads: onnxruntime-web's default browser build (wasm + JSEP webgpu). */
export const ORT_WEB_BUNDLE = 'ort.min.js';

/** onnxruntime-web's dist/ directory (resolved through an exported file; package.json is not exported). */
export function ortWebDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

export function ortWebPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(ortWebDistDir(), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The runner page directory: next to this module (src/ or a build that copies it), else in the package's src/. */
export function browserPageDir(): string {
  const here = fileURLToPath(new URL('./page/', import.meta.url));
  if (existsSync(join(here, 'runner.html'))) return here;
  return join(packageRoot(), 'src', 'backends', 'browser', 'page');
}

/**
 * The compiled modules pages share with Node, served at `/lib/`: the measuring loop, the dtype
 * table, the adapter probe and wording, base64. They import nothing at run time. Only these files are served.
 */
export const PAGE_LIB_FILES = [
  'backends/measureLoop.js',
  'tensor/dtype.js',
  'backends/adapter.js',
  'util/base64.js',
  'backends/placement.js',
] as const;

/** Where the shared page modules are (dist/), or undefined when the package is not built. */
export function pageLibDir(): string | undefined {
  const dist = join(packageRoot(), 'dist');
  return PAGE_LIB_FILES.every((f) => existsSync(join(dist, f))) ? dist : undefined;
}

export { startupModelBytes } from '../startupModel.js';
