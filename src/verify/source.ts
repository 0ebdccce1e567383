/**
 * The models a verify run takes, one at a time: a list prepared up front (bundled models, files),
 * or a source that prepares each on demand (a suite's cases, read while earlier ones run: see
 * suite/prepareCases.ts). A model that could not be prepared is an `InputFailure`: one
 * `input-error` result on every backend, nothing run.
 */
import type { PreparedModel } from './prepare.js';
import type { InputFailure } from './result.js';

export interface ModelSource {
  readonly length: number;
  /** The i-th model, prepared, or why it could not be; the same answer on every call. */
  get(i: number): PreparedModel | InputFailure;
}

export function isInputFailure(x: PreparedModel | InputFailure): x is InputFailure {
  return !('target' in x);
}

export function listSource(models: readonly PreparedModel[]): ModelSource {
  return { length: models.length, get: (i) => models[i]! };
}
