/**
 * The onnxruntime session option group (bench), like onnxruntime_perf_test's: --graph-optimization,
 * --inter-op-threads (next to the timing group's --threads, the intra-op count), --ep-option and
 * --profile. Values are checked here and against the selected backends (backends/sessionKnobs.ts).
 */
import { Option, type Command } from 'commander';
import { InputError } from '../../errors.js';
import { GRAPH_OPTIMIZATIONS, isBackendId, type BackendId, type GraphOptimization } from '../../backends/types.js';
import { epOptionsFor, parseEpOption, type EpOptionArg } from '../../backends/sessionKnobs.js';
import type { SessionKnobs } from '../../verify/verify.js';
import { parseInteger } from '../options.js';

export interface SessionValues {
  graphOptimization?: GraphOptimization;
  interOpThreads?: number;
  epOption?: EpOptionArg[];
  profile?: boolean;
}

function collectEpOption(value: string, previous: EpOptionArg[] = []): EpOptionArg[] {
  try {
    return [...previous, parseEpOption(value, isBackendId)];
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

export function addSessionOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--graph-optimization <level>',
        "onnxruntime's graph optimization level (default: the runtime's, all)",
      ).choices([...GRAPH_OPTIMIZATIONS]),
    )
    .option(
      '--inter-op-threads <n>',
      'inter-op threads: runs the graph in parallel execution mode (onnxruntime-node: cpu, webgpu)',
      parseInteger('--inter-op-threads', 1),
    )
    .option(
      '--ep-option <[backend:]key=value>',
      'an execution-provider option, e.g. webgpu:preferredLayout=NHWC (repeatable; a bare key goes to every selected backend that reads it)',
      collectEpOption,
    )
    .option(
      '--profile',
      "write onnxruntime's own per-node profile beside the evidence record and show the top nodes by time (cpu, webgpu)",
    );
}

/** The knobs for `backends`; an EP option no selected backend reads is a usage error. */
export function sessionKnobs(opts: SessionValues, backends: BackendId[]): SessionKnobs | undefined {
  let ep: Map<BackendId, Record<string, string>> | undefined;
  try {
    ep = opts.epOption?.length ? epOptionsFor(opts.epOption, backends) : undefined;
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const k: SessionKnobs = {
    ...(opts.graphOptimization ? { graphOptimization: opts.graphOptimization } : {}),
    ...(opts.interOpThreads ? { interOpThreads: opts.interOpThreads } : {}),
    ...(ep?.size ? { executionProviderOptions: ep } : {}),
    ...(opts.profile ? { profile: true } : {}),
  };
  return Object.keys(k).length ? k : undefined;
}
