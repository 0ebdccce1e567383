/** The timing option group: warm-up, iterations, duration, timeout, threads. One default each. */
import type { Command } from 'commander';
import { parseInteger, parseNonNegative } from '../options.js';

/** Seconds a runtime may take for one model on one backend before it is stopped (every command). */
export const DEFAULT_TIMEOUT_S = 600;
/** Warm-up runs after the first run, before timing (every command). */
export const DEFAULT_WARMUP = 3;

export interface TimingValues {
  warmup: number;
  iterations?: number;
  duration?: number;
  timeout: number;
  threads?: number;
}

export function addTimeoutOption(cmd: Command): Command {
  return cmd.option(
    '--timeout <s>',
    'per model and backend; a runtime that hangs is stopped and reported as timeout',
    parseNonNegative('--timeout'),
    DEFAULT_TIMEOUT_S,
  );
}

/** --warmup, --iterations, --duration, --timeout, --threads; the help texts of iterations and duration are the command's (their defaults differ by design: a plan, not an option default). */
export function addTimingOptions(
  cmd: Command,
  help: { iterations: string; duration: string },
  defaults: { iterations?: number; duration?: number } = {},
): Command {
  cmd.option(
    '--warmup <n>',
    'warm-up runs after the first run, before timing',
    parseInteger('--warmup'),
    DEFAULT_WARMUP,
  );
  if (defaults.iterations !== undefined)
    cmd.option('--iterations <n>', help.iterations, parseInteger('--iterations', 1), defaults.iterations);
  else cmd.option('--iterations <n>', help.iterations, parseInteger('--iterations', 1));
  if (defaults.duration !== undefined)
    cmd.option('--duration <s>', help.duration, parseNonNegative('--duration'), defaults.duration);
  else cmd.option('--duration <s>', help.duration, parseNonNegative('--duration'));
  addTimeoutOption(cmd);
  return cmd.option('--threads <n>', 'intra-op threads (cpu) or WASM threads', parseInteger('--threads', 1));
}
