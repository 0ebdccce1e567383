/**
 * The one measuring loop: create a session (timed), one first run (timed; its outputs are the
 * ones compared), warm-up runs, then timed runs bounded by a count and a time budget. Used by the
 * in-process backends (onnxruntime-node, onnxruntime-web in Node), the browser backends' runner
 * page and the `serve` page, so every number in the workbench is measured the same way.
 *
 * Rules: the duration budget covers warm-up and timed runs and starts after the first run; a
 * first run longer than the whole budget counts as the warm-up (none is added); at least one
 * timed run (`minIterations`, when given) happens when `iterations` >= 1, however small the budget.
 *
 * This module imports nothing and uses only `performance.now()`: it is compiled to
 * dist/backends/measureLoop.js and loaded as is by the pages (a dynamic `import()`).
 */

export interface LoopPlan {
  warmup: number;
  iterations: number;
  /** Stop timed runs after this many milliseconds (at least one run). */
  maxDurationMs?: number;
  /** Timed runs made even past the budget (at most `iterations`). */
  minIterations?: number;
}

/** What a runtime gives the loop: a session factory, one inference, reading outputs, releasing. */
export interface LoopSteps<S, R, O> {
  create(): Promise<S>;
  run(session: S): Promise<R>;
  /** Read the first run's outputs (before the session is released). */
  read(first: R, session: S): Promise<O>;
  release(session: S): Promise<void>;
  /** Told when the loop enters a stage (the browser page reports it to the harness). */
  onStage?(stage: 'load' | 'run'): void;
}

export interface LoopResult<O> {
  outputs: O;
  sessionCreateMs: number;
  firstRunMs: number;
  /** Timed iterations, milliseconds, in order. */
  timesMs: number[];
}

/** A failure inside the loop, with the stage it happened in (session creation or a run). */
export class LoopStageError extends Error {
  constructor(
    readonly stage: 'load' | 'run',
    readonly original: unknown,
  ) {
    super(loopErrorMessage(original));
    this.name = 'LoopStageError';
  }
}

/** A message for anything a runtime throws (onnxruntime-web can throw a bare number from C++). */
export function loopErrorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name || String(e);
  if (typeof e === 'number')
    return `the runtime threw a bare number (${e}): an uncaught C++ exception inside the WASM module`;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

export async function measureLoop<S, R, O>(steps: LoopSteps<S, R, O>, plan: LoopPlan): Promise<LoopResult<O>> {
  const warmupPlanned = Math.max(0, Math.floor(plan.warmup));
  const iterations = Math.max(0, Math.floor(plan.iterations));
  steps.onStage?.('load');
  const t0 = performance.now();
  let session: S;
  try {
    session = await steps.create();
  } catch (e) {
    throw new LoopStageError('load', e);
  }
  const sessionCreateMs = performance.now() - t0;
  try {
    steps.onStage?.('run');
    const t1 = performance.now();
    const first = await steps.run(session);
    const firstRunMs = performance.now() - t1;
    const outputs = await steps.read(first, session);
    const budget = typeof plan.maxDurationMs === 'number' ? plan.maxDurationMs : Number.POSITIVE_INFINITY;
    const start = performance.now();
    const warmup = firstRunMs > budget ? 0 : warmupPlanned;
    for (let i = 0; i < warmup && performance.now() - start < budget; i++) await steps.run(session);
    const timesMs: number[] = [];
    const atLeast = Math.max(1, Math.floor(typeof plan.minIterations === 'number' ? plan.minIterations : 1));
    for (let i = 0; i < iterations; i++) {
      const s = performance.now();
      await steps.run(session);
      timesMs.push(performance.now() - s);
      if (timesMs.length >= atLeast && performance.now() - start >= budget) break;
    }
    return { outputs, sessionCreateMs, firstRunMs, timesMs };
  } catch (e) {
    throw e instanceof LoopStageError ? e : new LoopStageError('run', e);
  } finally {
    try {
      await steps.release(session);
    } catch {
      // releasing is best-effort; a suspect runtime is replaced anyway
    }
  }
}
