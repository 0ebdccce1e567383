import { expect } from 'vitest';
import { InputError, WorkbenchError, errorLine } from '../../src/errors.js';
import { ModelValidationError, type ProblemKind } from '../../src/onnx/validate.js';

/**
 * Call `fn` and expect the refusal every bad input gets: an InputError (exit 2) whose message is
 * one line, names `path`, and is what the CLI prints; with `kind`, a validator refusal of that kind.
 */
export function expectRefused(fn: () => unknown, path: string, kind?: ProblemKind): InputError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected an InputError for ${path}`).toBeInstanceOf(InputError);
  const e = thrown as InputError;
  expect(e).toBeInstanceOf(WorkbenchError);
  expect(e.exitCode).toBe(2);
  expect(e.message).not.toContain('\n');
  expect(e.message).toContain(path);
  expect(errorLine(e)).toBe(e.message.trim());
  if (kind) {
    expect(e).toBeInstanceOf(ModelValidationError);
    expect((e as ModelValidationError).kind, e.message).toBe(kind);
  }
  return e;
}
