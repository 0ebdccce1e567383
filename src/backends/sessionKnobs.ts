/**
 * onnxruntime session knobs, like onnxruntime_perf_test's: graph optimization level, intra/inter-op
 * threads, execution-provider options. One place says which backend takes which, and turns them
 * into onnxruntime-common SessionOptions fields, so no knob is silently dropped: an EP option a
 * backend's runtime does not read is refused before anything runs.
 */
import type { BackendId, GraphOptimization, SessionOptions } from './types.js';

type OptionValue = { values: readonly string[] } | 'boolean';

const BUFFER_CACHE_MODES = ['disabled', 'lazyRelease', 'simple', 'bucket'] as const;

/**
 * The EP options each backend's runtime reads (onnxruntime-node's binding for webgpu; onnxruntime-web's
 * JSEP for browser-webgpu). The CPU and WASM EPs take none there.
 */
export const EP_OPTIONS: Readonly<Record<BackendId, Readonly<Record<string, OptionValue>>>> = {
  cpu: {},
  wasm: {},
  webgpu: {
    preferredLayout: { values: ['NCHW', 'NHWC'] },
    validationMode: { values: ['disabled', 'wgpuOnly', 'basic', 'full'] },
    storageBufferCacheMode: { values: BUFFER_CACHE_MODES },
    uniformBufferCacheMode: { values: BUFFER_CACHE_MODES },
    queryResolveBufferCacheMode: { values: BUFFER_CACHE_MODES },
    defaultBufferCacheMode: { values: BUFFER_CACHE_MODES },
    enableRobustness: 'boolean',
  },
  'browser-wasm': {},
  'browser-webgpu': { preferredLayout: { values: ['NCHW', 'NHWC'] } },
};

/** Backends whose runtime writes its per-node profile where the workbench can read it. */
export const PROFILE_BACKENDS: readonly BackendId[] = ['cpu', 'webgpu'];
export const PROFILE_UNSUPPORTED =
  'onnxruntime-web writes its profile into the WASM module’s own in-memory file system, out of reach: --profile works on cpu and webgpu';

/** A parsed `--ep-option [backend:]key=value`. */
export interface EpOptionArg {
  backend?: BackendId;
  key: string;
  value: string;
}

/**
 * The EP options each selected backend gets. A bare `key=value` goes to every selected backend whose
 * EP reads that key; a key no selected backend reads, or a value out of range, is an error (one line).
 */
export function epOptionsFor(
  args: readonly EpOptionArg[],
  backends: readonly BackendId[],
): Map<BackendId, Record<string, string>> {
  const out = new Map<BackendId, Record<string, string>>();
  for (const a of args) {
    const targets = a.backend ? [a.backend] : backends.filter((b) => a.key in EP_OPTIONS[b]);
    if (a.backend && !backends.includes(a.backend))
      throw new Error(`--ep-option ${a.backend}:${a.key}: backend ${a.backend} is not among --backend`);
    if (targets.length === 0 || targets.some((b) => !(a.key in EP_OPTIONS[b]))) {
      const b = a.backend ?? backends.join(', ');
      const known = (a.backend ? [a.backend] : backends)
        .map((id) => `${id}: ${Object.keys(EP_OPTIONS[id]).join(', ') || 'none'}`)
        .join('; ');
      throw new Error(`--ep-option ${a.key}: not an option the execution provider of ${b} reads (${known})`);
    }
    for (const b of targets) {
      const spec = EP_OPTIONS[b][a.key]!;
      const allowed = spec === 'boolean' ? ['true', 'false'] : spec.values;
      if (!allowed.includes(a.value))
        throw new Error(`--ep-option ${a.key}=${a.value}: ${b} takes one of ${allowed.join(', ')}`);
      out.set(b, { ...(out.get(b) ?? {}), [a.key]: a.value });
    }
  }
  return out;
}

/** `[backend:]key=value` from the command line. */
export function parseEpOption(text: string, isBackend: (s: string) => s is BackendId): EpOptionArg {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--ep-option ${text}: expected [backend:]key=value`);
  const left = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const colon = left.indexOf(':');
  if (colon < 0) return { key: left, value };
  const backend = left.slice(0, colon);
  if (!isBackend(backend)) throw new Error(`--ep-option ${text}: unknown backend ${backend}`);
  return { backend, key: left.slice(colon + 1), value };
}

/** The execution-provider entry for onnxruntime's `executionProviders` list. */
export function executionProvider(
  backend: BackendId,
  name: string,
  options: Record<string, string> | undefined,
): string | Record<string, string | boolean> {
  if (!options || Object.keys(options).length === 0) return name;
  const entry: Record<string, string | boolean> = { name };
  for (const [k, v] of Object.entries(options)) entry[k] = EP_OPTIONS[backend][k] === 'boolean' ? v === 'true' : v;
  return entry;
}

/** Graph optimization and execution mode fields of onnxruntime-common SessionOptions. */
export function sessionKnobs(options: SessionOptions): {
  graphOptimizationLevel?: GraphOptimization;
  executionMode?: 'parallel';
  interOpNumThreads?: number;
} {
  return {
    ...(options.graphOptimization ? { graphOptimizationLevel: options.graphOptimization } : {}),
    ...(options.interOpThreads
      ? { executionMode: 'parallel' as const, interOpNumThreads: options.interOpThreads }
      : {}),
  };
}
