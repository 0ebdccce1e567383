/**
 * Errors the workbench reports to users as one line. `exitCode` follows the CLI contract:
 * 2 for usage or unreadable input, 1 for a run whose results do not match expectations.
 */
export class WorkbenchError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'WorkbenchError';
    this.exitCode = exitCode;
  }
}

/** Input the user gave us cannot be read or does not fit the model. */
export class InputError extends WorkbenchError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'InputError';
  }
}

/** One line describing any thrown value, without a stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 2000);
}
