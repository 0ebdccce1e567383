/**
 * The one adapter module: which WebGPU adapters are software (SwiftShader and friends), how an
 * adapter is described in results, and the one wording that says software WebGPU is not a GPU.
 * Every backend and every renderer takes its words from here.
 */
import type { AdapterInfo } from './types.js';

/** Adapter or driver strings that mean a software (CPU) implementation of WebGPU or Vulkan. */
export const SOFTWARE_ADAPTER =
  /swiftshader|llvmpipe|lavapipe|\blvp\b|softpipe|microsoft basic render|\bwarp\b|\bcpu\b/i;

/** The label of a software adapter, wherever latency is shown. */
export const SOFTWARE_LABEL = 'software (not GPU)';
/** The sentence that goes with software-WebGPU latency. */
export const SOFTWARE_NOTE = 'software WebGPU (SwiftShader on the CPU): its latency is not GPU latency';

/** What to do for real numbers when WebGPU ran on a software adapter (one line, after SOFTWARE_LABEL). */
export const SOFTWARE_NEXT_STEP =
  'for GPU latency, run `onnx-workbench serve` and open its page in a browser on a machine with a GPU';

/** What a WebGPU adapter says of itself (GPUAdapterInfo, plus the fallback flag and features). */
export interface PageAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean | null;
  features: string[];
}

/** Does this text (an adapter's names, a Vulkan ICD file) name a software implementation? */
export function isSoftwareName(text: string): boolean {
  return SOFTWARE_ADAPTER.test(text);
}

/** `software` for SwiftShader/CPU adapters (or when SwiftShader was forced), else `hardware`. */
export function classifyAdapter(info: PageAdapterInfo, swiftshaderForced: boolean): AdapterInfo['kind'] {
  if (swiftshaderForced || info.isFallbackAdapter === true) return 'software';
  return isSoftwareName([info.vendor, info.architecture, info.device, info.description].join(' '))
    ? 'software'
    : 'hardware';
}

/** The adapter as results record it; Chromium often leaves `description` empty, so one is built. */
export function describeAdapter(info: PageAdapterInfo, kind: AdapterInfo['kind']): AdapterInfo {
  const named = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unnamed adapter';
  const description =
    info.description || (kind === 'software' ? `${named} (software WebGPU in Chromium, on the CPU)` : named);
  return { kind, vendor: info.vendor, architecture: info.architecture, device: info.device, description };
}

/** The short label of an adapter: `software (not GPU)`, `GPU <vendor>`, `cpu`, `unknown`. */
export function adapterLabel(a: AdapterInfo): string {
  if (a.kind === 'software') return SOFTWARE_LABEL;
  if (a.kind === 'hardware') return `GPU${a.vendor ? ` ${a.vendor}` : ''}`;
  return a.kind;
}

/** What a page's WebGPU probe found: the adapter, or why there is none. */
export type AdapterProbe = { ok: true; adapter: PageAdapterInfo } | { ok: false; reason: string };

interface GpuAdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: unknown;
  features?: Iterable<string>;
}

/** What an adapter says of itself (GPUAdapterInfo, the fallback flag, features), as plain data. */
export function readAdapterInfo(adapter: GpuAdapterLike): PageAdapterInfo {
  const i = adapter.info ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const fallback =
    typeof i.isFallbackAdapter === 'boolean'
      ? i.isFallbackAdapter
      : typeof adapter.isFallbackAdapter === 'boolean'
        ? adapter.isFallbackAdapter
        : null;
  return {
    vendor: str(i.vendor),
    architecture: str(i.architecture),
    device: str(i.device),
    description: str(i.description),
    isFallbackAdapter: fallback,
    features: Array.from(adapter.features ?? []).sort(),
  };
}

/** The one WebGPU probe (runs in a page): `navigator.gpu.requestAdapter()` and what the adapter says. */
export async function probeWebGpuAdapter(
  gpu: { requestAdapter(): Promise<unknown> } | undefined,
): Promise<AdapterProbe> {
  if (!gpu) return { ok: false, reason: 'navigator.gpu is not available (WebGPU is disabled in this browser)' };
  let adapter: unknown;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return {
      ok: false,
      reason: `navigator.gpu.requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
  return { ok: true, adapter: readAdapterInfo(adapter as GpuAdapterLike) };
}
