/**
 * Prepare every case of a suite: one case whose model or data cannot be read becomes one
 * `input-error` (the one-line reason, naming the file), never the end of the run.
 *
 * `SuiteCases` prepares each case when verify first asks for it, and reads ahead whenever the
 * command process is otherwise idle (waiting for a backend's worker), one case per turn of the
 * event loop: reading hundreds of cases then costs no wall time of its own, instead of seconds
 * before the first case runs.
 */
import { createHash } from 'node:crypto';
import { errorLine } from '../errors.js';
import { safeReadFile } from '../util/safeRead.js';
import { prepareTarget, type PreparedModel, type PrepareOptions } from '../verify/prepare.js';
import { isInputFailure, type ModelSource } from '../verify/source.js';
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

/** Prepare one case, or say why it cannot be run. */
export function prepareCase(c: SuiteCase, options: PrepareOptions = {}): PreparedModel | InputFailure {
  try {
    return prepareTarget(
      {
        id: c.id,
        modelPath: c.modelPath,
        ...(c.dataSets ? { dataSets: c.dataSets } : {}),
        ...(c.light ? { light: true } : {}),
      },
      options,
    );
  } catch (e) {
    const reason = errorLine(e);
    return {
      id: c.id,
      modelPath: c.modelPath,
      sha256: fileSha256(c.modelPath),
      reason: reason.includes(c.dir) ? reason : `${c.modelPath}: ${reason}`,
    };
  }
}

/** Prepare each case now; `onCase` sees progress (preparing hundreds of cases takes a moment). */
export function prepareCases(
  cases: SuiteCase[],
  options: PrepareOptions = {},
  onCase?: (done: number, total: number) => void,
): PreparedSuite {
  const source = new SuiteCases(cases, options);
  for (let i = 0; i < cases.length; i++) {
    source.get(i);
    onCase?.(i + 1, cases.length);
  }
  return source.sorted();
}

/** A suite's cases as verify's model source: each prepared once, on demand or ahead in idle time. */
export class SuiteCases implements ModelSource {
  private readonly items: (PreparedModel | InputFailure | undefined)[];
  private ahead = 0;
  private timer: NodeJS.Immediate | undefined;

  constructor(
    private readonly cases: readonly SuiteCase[],
    private readonly options: PrepareOptions = {},
    /** Called once per case, when it has been prepared (warnings, progress). */
    private readonly onPrepared?: (item: PreparedModel | InputFailure, index: number) => void,
  ) {
    this.items = new Array(cases.length).fill(undefined);
  }

  get length(): number {
    return this.cases.length;
  }

  get(i: number): PreparedModel | InputFailure {
    let item = this.items[i];
    if (item === undefined) {
      item = prepareCase(this.cases[i]!, this.options);
      this.items[i] = item;
      this.onPrepared?.(item, i);
    }
    return item;
  }

  /**
   * Read ahead, one case per turn of the event loop after any pending I/O (a worker's answer is
   * handled first), until every case is prepared or `stop` is called.
   */
  readAhead(): void {
    if (this.timer) return;
    const step = () => {
      while (this.ahead < this.items.length && this.items[this.ahead] !== undefined) this.ahead++;
      if (this.ahead >= this.items.length) {
        this.timer = undefined;
        return;
      }
      this.get(this.ahead);
      this.timer = setImmediate(step);
    };
    this.timer = setImmediate(step);
  }

  stop(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
  }

  /** Prepare every case now (those not yet read); the prepared ones, in case order. */
  prepareAll(): PreparedModel[] {
    for (let i = 0; i < this.items.length; i++) this.get(i);
    return this.sorted().prepared;
  }

  /** The cases prepared so far, and those that could not be, in case order. */
  sorted(): PreparedSuite {
    const prepared: PreparedModel[] = [];
    const failures: InputFailure[] = [];
    for (const item of this.items) {
      if (item === undefined) continue;
      if (isInputFailure(item)) failures.push(item);
      else prepared.push(item);
    }
    return { prepared, failures };
  }
}
