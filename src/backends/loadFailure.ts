/** Why a runtime package does not load here, as an Availability: an address-space limit is named as such. */
import type { Availability } from './types.js';
import { ADDRESS_SPACE_FIX, addressSpaceProblem } from '../util/limits.js';

export function unavailableBecause(runtime: string, e: unknown, fix: string): Availability {
  const line = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  const limit = addressSpaceProblem(line);
  if (limit) return { available: false, reason: `${runtime} does not load: ${limit}`, fix: ADDRESS_SPACE_FIX };
  return { available: false, reason: `${runtime} does not load: ${line}`, fix };
}
