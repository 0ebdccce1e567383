/** Ctrl-C for the commands that run models: the first finishes the current model, the second quits. */
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/** A first Ctrl-C finishes the current model and closes backends; a second one quits at once. */
export function interruptible(): Interrupt {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    process.stderr.write(
      '\ninterrupted: finishing the current model, closing backends (Ctrl-C again to quit at once)\n',
    );
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/**
 * Run `work` with Ctrl-C handling. Returns null when the user interrupted it: the exit code is
 * then 130 and the caller writes nothing (no evidence from a run cut short). `begun`: Ctrl-C
 * handling the caller started earlier (a suite run, from the moment its workers start), which
 * this takes over and ends.
 */
export async function runInterruptibly<T>(
  work: (signal: AbortSignal) => Promise<T>,
  keepPartial = false,
  begun?: Interrupt,
): Promise<T | null> {
  const interrupt = begun ?? interruptible();
  let result: T;
  try {
    result = await work(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
  if (interrupt.signal.aborted && keepPartial) {
    // A suite run keeps what finished: the record is marked partial.
    process.exitCode = 130;
    return result;
  }
  if (interrupt.signal.aborted) {
    process.stderr.write('interrupted: no evidence written\n');
    process.exitCode = 130;
    return null;
  }
  return result;
}
