/** Parsing helpers shared by commands: option values are checked here so a typo is a usage error (exit 2). */
import { InputError } from '../errors.js';
import { BACKEND_IDS, isBackendId, type BackendId } from '../backends/types.js';

export function parseBackends(value: string): BackendId[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.includes('all')) return [...BACKEND_IDS];
  for (const p of parts)
    if (!isBackendId(p)) throw new InputError(`unknown backend '${p}' (choose from ${BACKEND_IDS.join(', ')}, or all)`);
  if (parts.length === 0) throw new InputError('no backend named');
  return parts as BackendId[];
}

export function parseNonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InputError(`${name} must be a non-negative number, got '${value}'`);
    return n;
  };
}

export function parseInteger(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InputError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

export function collectDims(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^([^=]+)=(\d+)$/.exec(value);
  if (!m) throw new InputError(`--dim expects name=value (e.g. batch=1), got '${value}'`);
  return { ...previous, [m[1]!]: Number(m[2]) };
}

/**
 * A framework name given on the command line: the registry id it stands for, or a usage error (exit 2)
 * saying what was probably meant (`keras` -> tensorflow); `torch` (Lua Torch) prints a note offering PyTorch.
 */
export async function parseFramework(given: string, flag = '--from'): Promise<string> {
  const { loadRegistry } = await import('../scorecard/data.js');
  const { resolveFrameworkName } = await import('../util/suggest.js');
  const { safeText } = await import('../format/terminal.js');
  const r = resolveFrameworkName(
    given,
    loadRegistry().frameworks.map((f) => f.id),
    flag,
  );
  if (!r.id) throw new InputError(r.error!);
  if (r.note) process.stderr.write(`note: ${safeText(r.note)}\n`);
  return r.id;
}
