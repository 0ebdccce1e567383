/**
 * Prepare every case of a suite: one case whose model or data cannot be read becomes one
 * `input-error` (the one-line reason, naming the file), never the end of the run.
 */
import { createHash } from 'node:crypto';
import { errorLine } from '../errors.js';
import { safeReadFile } from '../util/safeRead.js';
import { prepareTarget, type PreparedModel, type PrepareOptions } from '../verify/prepare.js';
import type { SuiteCase } from './discover.js';

import type { InputFailure } from '../verify/result.js';
export type { InputFailure } from '../verify/result.js';

function fileSha256(path: string): string {
  try {
    return createHash('sha256')
      .update(safeReadFile(path, { kind: 'model' }))
      .digest('hex');
  } catch {
    return '';
  }
}

export interface PreparedSuite {
  prepared: PreparedModel[];
  failures: InputFailure[];
}

/** Prepare each case; `onCase` sees progress (preparing hundreds of cases takes a moment). */
export function prepareCases(
  cases: SuiteCase[],
  options: PrepareOptions = {},
  onCase?: (done: number, total: number) => void,
): PreparedSuite {
  const prepared: PreparedModel[] = [];
  const failures: InputFailure[] = [];
  cases.forEach((c, i) => {
    try {
      prepared.push(prepareTarget({ id: c.id, modelPath: c.modelPath }, options));
    } catch (e) {
      const reason = errorLine(e);
      failures.push({
        id: c.id,
        modelPath: c.modelPath,
        sha256: fileSha256(c.modelPath),
        reason: reason.includes(c.dir) ? reason : `${c.modelPath}: ${reason}`,
      });
    }
    onCase?.(i + 1, cases.length);
  });
  return { prepared, failures };
}
