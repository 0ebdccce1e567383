/**
 * Run the built command line (`node dist/cli.js`) as a child process, as a user would.
 * Build first (`npx tsc -p tsconfig.json`): the tests exercise dist/, not src/.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and dist/ live). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'dist', 'cli.js');

export interface CliResult {
  /** Exit code; null only when the process was killed by a signal (then `signal` is set). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time, milliseconds. */
  ms: number;
}

export interface RunCliOptions {
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string | undefined>;
  /**
   * A backstop against a hung child, never a speed check: the child is killed (signal SIGKILL) after
   * this many milliseconds or 9 minutes, whichever is longer, so a busy machine does not fail a test.
   */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

/** Longest a child may run in a test before it is taken for hung (below vitest's 10-minute test limit). */
const BACKSTOP_MS = 540_000;

export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build first (npx tsc -p tsconfig.json)`);
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env };
    // vitest sets NODE_OPTIONS / VITEST variables that the CLI must not inherit.
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(opts.timeoutMs ?? 0, BACKSTOP_MS));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Parse stdout as JSON, with the output in the error message when it is not JSON. */
export function parseJsonOutput<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (e) {
    throw new Error(
      `stdout is not JSON (${(e as Error).message}); exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`,
    );
  }
}
