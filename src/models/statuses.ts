/**
 * A result's status: what happened to one model on one backend.
 * `input-error`: the model or its reference data is unreadable or inconsistent (reason and file named);
 * `unsupported`: the runtime's JavaScript API cannot pass a type the case needs (named);
 * `nondeterministic`: random ops (Bernoulli, Dropout in training, RandomUniform/Normal, Multinomial)
 * whose outputs no implementation reproduces: checked for shape, type and value set, not element by element.
 */
export type Status =
  | 'pass'
  | 'mismatch'
  | 'load-error'
  | 'run-error'
  | 'no-reference'
  | 'timeout'
  | 'unavailable'
  | 'input-error'
  | 'unsupported'
  | 'nondeterministic';
export const STATUSES: Status[] = [
  'pass',
  'mismatch',
  'load-error',
  'run-error',
  'no-reference',
  'timeout',
  'unavailable',
  'input-error',
  'unsupported',
  'nondeterministic',
];
