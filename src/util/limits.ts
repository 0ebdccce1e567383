/**
 * Resource limits of this process that explain runtime failures: a runtime that cannot map its
 * native library or reserve its WASM memory under an address-space limit (`ulimit -v`) fails with
 * a memory error that would otherwise read like a broken install or a bad model.
 */
import { readFileSync } from 'node:fs';

/** The soft address-space limit (RLIMIT_AS) in bytes, or undefined when unlimited or unknown (non-Linux). */
export function addressSpaceLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max address space'));
    const soft = line?.slice('Max address space'.length).trim().split(/\s+/)[0];
    if (!soft || soft === 'unlimited') return undefined;
    const n = Number(soft);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Messages of allocation and mapping failures (dlopen, mmap, WebAssembly.Memory, std::bad_alloc). */
const MEMORY_FAILURE =
  /cannot allocate memory|failed to map segment|out of memory|bad_alloc|could not allocate memory|Array buffer allocation failed|WebAssembly\.Memory|ENOMEM|failed to reserve/i;

/**
 * When an address-space limit is set and `message` reads like a memory failure: one line saying
 * so (with the limit), else undefined.
 */
export function addressSpaceProblem(message: string, limit = addressSpaceLimit()): string | undefined {
  if (limit === undefined || !MEMORY_FAILURE.test(message)) return undefined;
  return `the address-space limit (ulimit -v) of ${Math.round(limit / 1024 / 1024)} MiB is too small for the runtime (${message.split('\n')[0]!.slice(0, 200)})`;
}

export const ADDRESS_SPACE_FIX = 'raise or remove the address-space limit (ulimit -v unlimited) for this shell';
