/**
 * Starting backends for a run: each requested backend as a WorkerBackend (its runtime in its own
 * process, built there from the registry's descriptor), its availability decided once inside that
 * process, and what it runs described. The result holds `Backend`s only: verify, bisect, bench,
 * path and backends cannot tell these from in-process ones (`inProcess`), and never see a worker
 * message. A worker that fails in a way that can leave its runtime suspect is replaced by its
 * WorkerBackend before the next model (see workerBackend.ts).
 */
import { backendDescriptor } from '../backends/registry.js';
import type { Backend, BackendId, BackendStatus } from '../backends/types.js';
import { WorkerBackend, DEFAULT_WORKER_TIMEOUT_MS, isSuspectFailure } from './workerBackend.js';
import { errorLine } from '../errors.js';

export { isSuspectFailure, WorkerBackend } from './workerBackend.js';

/** Started backends: a status for each requested one, and the available ones to run. */
export interface BackendSet {
  statuses: BackendStatus[];
  /** The available backends, by id. */
  backends: Map<BackendId, Backend>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Limit for starting a backend and for each of its requests, milliseconds. */
  timeoutMs?: number;
}

/** Availability and description of any backend; never throws. */
export async function backendStatus(backend: Backend): Promise<BackendStatus> {
  const avail = await backend.checkAvailable();
  if (!avail.available) return { id: backend.id, ...avail };
  try {
    return { id: backend.id, available: true, description: await backend.describe() };
  } catch (e) {
    return {
      id: backend.id,
      available: false,
      reason: `the backend failed to start: ${errorLine(e)}`,
      fix: 'run onnx-workbench backends for details',
    };
  }
}

/**
 * Statuses for the given backends, in their order; the unavailable ones are closed and left out of
 * `backends`. The backends start at the same time (each in its own process: a run of cpu and wasm
 * waits for the slower start-up, not for both).
 */
export async function backendSetOf(list: Backend[]): Promise<BackendSet> {
  const statuses = await Promise.all(list.map((b) => backendStatus(b)));
  const backends = new Map<BackendId, Backend>();
  for (const [i, b] of list.entries()) {
    if (statuses[i]!.available) backends.set(b.id, b);
    else await b.close().catch(() => undefined);
  }
  return {
    statuses,
    backends,
    close: async () => {
      await Promise.all([...backends.values()].map((b) => b.close().catch(() => undefined)));
    },
  };
}

/** The backends as isolated WorkerBackends (the command process never builds a runtime). */
export function isolatedBackends(ids: readonly BackendId[], options: StartOptions = {}): WorkerBackend[] {
  return ids.map((id) => {
    const d = backendDescriptor(id);
    return new WorkerBackend(id, d.title, {
      env: d.workerEnv(),
      timeoutMs: options.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS,
      isSuspect: isSuspectFailure,
      replacementEnv: (earlier) => ({ ...d.workerEnv(), ...d.workerEnv(earlier) }),
      keepSpare: !id.startsWith('browser-'),
    });
  });
}

/** Start each backend in its own worker, decide availability there, describe it. */
export function startBackends(ids: readonly BackendId[], options: StartOptions = {}): Promise<BackendSet> {
  return backendSetOf(isolatedBackends(ids, options));
}

/** Backends starting for a run that begins later, and a way to stop them at once if it never does. */
export interface StartingBackends {
  set: Promise<BackendSet>;
  /** Kill every worker now (a usage error found while the run was being prepared). */
  abandon(): void;
}

/**
 * Start the backends now, while the command still reads its models or discovers a suite's cases:
 * worker start-up (a process, its runtime, the availability check) overlaps that work.
 */
export function startBackendsEarly(ids: readonly BackendId[], options: StartOptions = {}): StartingBackends {
  const list = isolatedBackends(ids, options);
  return {
    set: backendSetOf(list),
    abandon: () => {
      for (const b of list) b.abandon();
    },
  };
}

/** Build backends in this process (library use, tests): no isolation, the same interface. */
export async function inProcessBackends(ids: readonly BackendId[]): Promise<Backend[]> {
  return Promise.all(ids.map((id) => backendDescriptor(id).create()));
}
