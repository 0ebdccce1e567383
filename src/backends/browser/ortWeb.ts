/**
 * The files a browser page loads: onnxruntime-web's dist/ (one of its builds, below), the
 * workbench's runner page, and the shared modules compiled to dist/ (the measuring loop and the
 * dtype table, which import nothing and so load in a page as they are).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../util/paths.js';

/**
 * onnxruntime-web's browser builds a page can load: its script and the WASM binary that script
 * runs. `default` is what `import 'onnxruntime-web'` gives: WASM and the JSEP WebGPU EP in one
 * binary. `wasm` is the `onnxruntime-web/wasm` entry, the WASM EP alone: the binary the `wasm`
 * backend runs in Node, half the size, so a page compiles half as much.
 */
export const ORT_WEB_BUILDS = {
  default: { script: 'ort.min.js', wasm: 'ort-wasm-simd-threaded.jsep.wasm' },
  wasm: { script: 'ort.wasm.min.js', wasm: 'ort-wasm-simd-threaded.wasm' },
} as const;
export type OrtWebBuild = keyof typeof ORT_WEB_BUILDS;

/**
 * The build a page runs for an execution provider: `browser-webgpu` needs the default build (the
 * only one with the JSEP WebGPU EP); `browser-wasm` runs the WASM-only build, as the `wasm` backend
 * does in Node, so the two differ only in their host. `ONNX_WORKBENCH_BROWSER_WASM_BUILD=default`
 * runs it on the default build instead (what an app importing 'onnxruntime-web' ships).
 */
export function ortWebBuildFor(ep: 'wasm' | 'webgpu', env: NodeJS.ProcessEnv = process.env): OrtWebBuild {
  if (ep === 'webgpu') return 'default';
  const v = env.ONNX_WORKBENCH_BROWSER_WASM_BUILD;
  if (v === undefined || v === '' || v === 'wasm') return 'wasm';
  if (v === 'default') return 'default';
  throw new Error(`ONNX_WORKBENCH_BROWSER_WASM_BUILD is '${v}': expected 'wasm' or 'default'`);
}

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
