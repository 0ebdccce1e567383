/**
 * A `Backend` whose runtime lives in a worker process: the proxy every command uses. It speaks the
 * worker protocol (the only code besides worker.ts that does), enforces time limits by stopping
 * the worker, turns a crash or a hang into a stage error of that measurement, and attaches the
 * node-placement lines the runtime logged to the worker's stderr to the measurement.
 *
 * Availability is decided once, inside the worker, and remembered (as onnxruntime's backend-impl
 * remembers a failed init). After a failure that can leave a runtime in a bad state (see
 * `isSuspectFailure`) the runtime is replaced: the next model gets a fresh process, or, for the
 * browser backends after a runtime error the page reported, a fresh browser context and page in
 * the same Chromium (a new renderer with its own onnxruntime-web: seconds instead of a relaunch);
 * after a crash or a hang, a fresh Chromium too. No result depends on what ran before it.
 *
 * A backend that has needed one replacement process is likely to need more (a suite with several
 * failing kernels), so from then on it keeps a spare worker started: its runtime loaded and its
 * availability checked, as the first worker's was, but nothing run. The next replacement swaps the
 * spare in instead of paying a process start (about 0.3 s on cpu, seconds on wasm) before the next
 * model. Browser backends keep none (a spare would be a whole Chromium; their answered failures get
 * a fresh page instead).
 */
import {
  BackendStageError,
  type Availability,
  type Backend,
  type BackendDescription,
  type BackendId,
  type ModelInput,
  type RunMeasurement,
  type RunPlan,
  type SessionOptions,
  type WorkerEnv,
} from '../backends/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { WorkerFailure, WorkerProcess } from './backendWorker.js';

/** How often a measure queued behind failures is sent again before its own failure is reported. */
const MAX_RESENDS = 8;

/** Default limit for one request to a worker (start-up and availability included), milliseconds. */
export const DEFAULT_WORKER_TIMEOUT_MS = 600_000;

/**
 * onnxruntime's refusals of a model before any kernel ran: the runtime is untouched by them.
 * Every other failure (a run error, a timeout, a crash, a load error from a kernel or an EP) is
 * suspect and costs the runtime.
 */
const MODEL_REFUSAL =
  /INVALID_PROTOBUF|INVALID_GRAPH|Could not find an implementation for|Unsupported model IR version|is not a registered function\/op|No Op registered for|No opset import for domain|opset \d+ is under development|protobuf parsing failed|onnxruntime::Model::Model\(/i;

export function isSuspectFailure(e: BackendStageError): boolean {
  if (e.stage !== 'load') return true;
  return !MODEL_REFUSAL.test(e.message);
}

export interface WorkerBackendOptions {
  /** Environment of the worker process (the descriptor's `workerEnv()`). */
  env?: WorkerEnv;
  /** Limit for one request, milliseconds (a measure's `options.timeoutMs` wins). */
  timeoutMs?: number;
  /** Which failures replace the worker; default `isSuspectFailure`. */
  isSuspect?: (e: BackendStageError) => boolean;
  /** Environment of a replacement worker, from the first worker's description (the descriptor's `workerEnv`). */
  replacementEnv?: (earlier: BackendDescription) => WorkerEnv;
  /** After the first replacement, keep a started spare worker for the next one (default false). */
  keepSpare?: boolean;
}

export class WorkerBackend implements Backend {
  private worker: WorkerProcess;
  /** A started worker waiting to replace `worker` (see keepSpare), and whether its runtime came up. */
  private spare: { worker: WorkerProcess; ready: Promise<boolean> } | undefined;
  private readonly keepSpare: boolean;
  /** Process starts of the workers replaced so far (processStarts counts every one). */
  private retiredStarts = 0;
  /** Settles when the latest failure has been dealt with; measures queued behind it wait for it, then are sent again. */
  private recovery: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly timeoutMs: number;
  private readonly isSuspect: (e: BackendStageError) => boolean;
  private readonly env: WorkerEnv;
  private readonly replacementEnv: ((earlier: BackendDescription) => WorkerEnv) | undefined;
  private availability: Promise<Availability> | undefined;
  private description: BackendDescription | undefined;
  /** Runtimes replaced after a suspect failure (a new worker process, or a fresh page in place: `resets`). */
  recycled = 0;
  /** Of `recycled`, those replaced in place (a browser backend's new page) rather than by a new process. */
  resets = 0;

  constructor(
    readonly id: BackendId,
    readonly title: string,
    options: WorkerBackendOptions = {},
  ) {
    this.env = options.env ?? {};
    this.replacementEnv = options.replacementEnv;
    this.worker = new WorkerProcess(id, this.env);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.isSuspect = options.isSuspect ?? isSuspectFailure;
    this.keepSpare = options.keepSpare ?? false;
  }

  /** Worker processes started so far (the first one, every replacement, and a spare). */
  get processStarts(): number {
    return this.retiredStarts + this.worker.starts + (this.spare?.worker.starts ?? 0);
  }

  /** Whether a started spare worker is waiting for the next replacement. */
  get hasSpare(): boolean {
    return this.spare !== undefined;
  }

  /** Process id of the current worker (for diagnostics and tests), if one runs. */
  get workerPid(): number | undefined {
    return this.worker.pid;
  }

  checkAvailable(): Promise<Availability> {
    if (this.closed && !this.availability)
      return Promise.resolve({ available: false, reason: `the ${this.id} backend was closed`, fix: 'start it again' });
    this.availability ??= this.worker
      .call<Availability>({ type: 'check' }, this.timeoutMs)
      .catch((e: unknown): Availability => {
        this.worker.kill();
        return {
          available: false,
          reason: `the backend failed to start: ${(e as Error).message}`,
          fix: 'run onnx-workbench backends for details',
        };
      });
    return this.availability;
  }

  async describe(): Promise<BackendDescription> {
    if (this.description) return this.description;
    if (this.closed) throw new Error(`the ${this.id} backend was closed`); // abandoned while starting: start nothing
    try {
      this.description = await this.worker.call<BackendDescription>({ type: 'describe' }, this.timeoutMs);
      return this.description;
    } catch (e) {
      this.worker.kill();
      throw e;
    }
  }

  /**
   * Several measures may be in flight at once (verify sends the next cases while one runs): the
   * worker runs them one at a time, in order. When one fails, the worker runs none of those queued
   * behind it; once the failure has been dealt with (the runtime replaced when it is suspect, or
   * the worker told to resume after a plain refusal of the model), they are sent again, to the
   * runtime that is current then. So a measure never runs after a failure in the same runtime.
   */
  async measure(
    model: ModelInput,
    feeds: ReadonlyMap<string, Tensor>,
    plan: RunPlan,
    options: SessionOptions,
  ): Promise<RunMeasurement> {
    const { timeoutMs, ...sessionOptions } = options;
    const request = {
      type: 'measure' as const,
      model: { path: model.path, bytes: model.bytes, ...(model.files ? { files: model.files } : {}) },
      feeds: new Map(feeds),
      plan,
      options: sessionOptions,
    };
    for (let attempt = 0; ; attempt++) {
      const worker = this.worker;
      // The stderr tail (a crash's last line) and the placement log belong to this measure when
      // nothing is queued before it; a caller asking for placement sends one measure at a time.
      if (!worker.busy) {
        worker.takeStderr();
        worker.takePlacementLog();
      }
      let m: RunMeasurement;
      try {
        m = await worker.call<RunMeasurement>(request, timeoutMs ?? this.timeoutMs);
      } catch (e) {
        if (e instanceof WorkerFailure && e.collateral && !this.closed && attempt < MAX_RESENDS) {
          await this.recovery; // the failure it was queued behind is being dealt with
          continue;
        }
        const failure = toStageError(e);
        let done!: () => void;
        this.recovery = new Promise<void>((resolve) => (done = resolve));
        try {
          if (this.isSuspect(failure)) {
            // The worker answered (a runtime error, not a crash or a hang): a backend that can start a
            // fresh runtime in place (a new browser page) does so; anything else replaces the process.
            const answered = e instanceof WorkerFailure && (e.kind === 'load' || e.kind === 'run');
            if (!(answered && (await this.resetInPlace()))) await this.recycle();
          } else if (worker === this.worker && worker.running) {
            await worker.call({ type: 'resume' }, this.timeoutMs).catch(() => this.recycle());
          }
        } finally {
          done();
        }
        throw failure;
      }
      // In-process runtimes log to the worker's stderr; the browser backends return the page's console.
      const log = options.logPlacement ? worker.takePlacementLog() : '';
      if (m.placementLog === undefined && options.logPlacement && log) m.placementLog = log;
      return m;
    }
  }

  /** Ask the live worker for a fresh runtime in its process (true when it has one: see Backend.reset). */
  private async resetInPlace(): Promise<boolean> {
    if (!this.worker.running) return false;
    try {
      const fresh = await this.worker.call<boolean>({ type: 'reset' }, this.timeoutMs);
      if (fresh) {
        this.recycled++;
        this.resets++;
      }
      return fresh;
    } catch {
      return false;
    }
  }

  /**
   * Replace the runtime: stop the worker now; the spare takes its place when there is one (and a
   * new spare starts), otherwise the next request starts a fresh process.
   */
  async recycle(): Promise<void> {
    const env =
      this.description && this.replacementEnv ? { ...this.env, ...this.replacementEnv(this.description) } : this.env;
    this.worker.kill();
    this.recycled++;
    const spare = this.spare;
    this.spare = undefined;
    if (spare && (await spare.ready)) {
      this.retiredStarts += this.worker.starts;
      this.worker = spare.worker;
    } else {
      if (spare) {
        spare.worker.kill();
        this.retiredStarts += spare.worker.starts;
      }
      this.worker.setEnv(env);
    }
    if (this.keepSpare) this.startSpare(env);
  }

  /** Start a worker and its runtime (the availability check every worker's runtime passes first), to wait. */
  private startSpare(env: WorkerEnv): void {
    const worker = new WorkerProcess(this.id, env);
    const ready = worker
      .call<Availability>({ type: 'check' }, this.timeoutMs)
      .then((a) => a.available)
      .catch(() => false);
    this.spare = { worker, ready };
  }

  /** Stop at once, whatever it is doing (starting included): the run it was started for will not happen. */
  abandon(): void {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    spare?.worker.kill();
    this.worker.kill();
  }

  async close(): Promise<void> {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      this.retiredStarts += spare.worker.starts;
      spare.worker.kill();
    }
    await this.worker.close();
  }
}

function toStageError(e: unknown): BackendStageError {
  if (e instanceof BackendStageError) return e;
  if (e instanceof WorkerFailure) {
    if (e.kind === 'load' || e.kind === 'run' || e.kind === 'timeout') return new BackendStageError(e.kind, e.message);
    return new BackendStageError('run', e.message); // a crash or a worker-level failure is the runtime's
  }
  return new BackendStageError('run', (e as Error).message ?? String(e));
}
