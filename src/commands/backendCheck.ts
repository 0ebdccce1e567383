/** After a run: the backends the user named explicitly, and the one-line error when one was missing. */
import { InputError } from '../errors.js';
import type { BackendStatus } from '../verify/result.js';
import { safeText } from '../format/terminal.js';

/** Backends named explicitly (not through `all`): their absence is an error when nothing ran. */
export function explicitBackends(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'all');
}

/**
 * After a run: say which backends were unavailable, refuse a run where a named backend was missing
 * and nothing ran (one line, exit 2), and report whether every named backend was there.
 */
export function checkBackends(run: { backends: BackendStatus[]; results: unknown[] }, explicit: string[]): boolean {
  const missing = run.backends.filter((b) => !b.available && explicit.includes(b.id));
  if (missing.length && run.results.length === 0) {
    const b = missing[0]!;
    throw new InputError(`backend ${b.id} is not available: ${b.reason}${b.fix ? ` (fix: ${b.fix})` : ''}`);
  }
  for (const b of run.backends.filter((x) => !x.available)) {
    process.stderr.write(
      `backend ${b.id} unavailable: ${safeText(b.reason)}${b.fix ? ` (fix: ${safeText(b.fix)})` : ''}\n`,
    );
  }
  return missing.length === 0;
}
