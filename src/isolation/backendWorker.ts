/**
 * One backend worker process, the low level under WorkerBackend: starts `worker.js` in its own
 * process group, in a private temporary folder (working directory and TMPDIR, removed when the
 * process ends: nothing is written into the user's folder), with onnxruntime's telemetry off;
 * sends requests with a timeout, and turns a crash or a hang into an error for that request only.
 * Only src/isolation/ uses this.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { WorkbenchError } from '../errors.js';
import type { BackendId, FailureStage } from '../backends/types.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';
import { isPlacementLogLine } from '../backends/placement.js';
import { crashLine } from './crashLine.js';

export class WorkerFailure extends Error {
  constructor(
    readonly kind: FailureStage | 'crash' | 'worker',
    message: string,
    /**
     * The request did not fail itself: it was queued behind one that did, and the worker skipped
     * it (a runtime that failed runs nothing more until told to resume) or was stopped before it
     * ran. It can be sent again once that failure has been dealt with.
     */
    readonly collateral = false,
  ) {
    super(message);
    this.name = 'WorkerFailure';
  }
}

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** Armed when the request reaches the head of the queue: the time limit counts from when the worker starts it. */
  timer: NodeJS.Timeout | undefined;
  timeoutMs: number;
  child: ChildProcess;
};
export type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const live = new Set<WorkerProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const w of live) w.kill();
  });
}

/**
 * Remove a worker's private folder. Chromium processes of a killed group may still be writing
 * into it for a moment: retry a few times in the background, and once more at exit; never throw.
 */
const leftovers = new Set<string>();
function removeFolder(dir: string, attempt = 0): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 2, retryDelay: 50 });
    leftovers.delete(dir);
  } catch {
    leftovers.add(dir);
    if (attempt < 5) setTimeout(() => removeFolder(dir, attempt + 1), 500 * (attempt + 1)).unref();
  }
}
process.on('exit', () => {
  for (const dir of leftovers) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* left in the temp folder */
    }
  }
});

export function workerScript(): string {
  const path = join(packageRoot(), 'dist', 'isolation', 'worker.js');
  if (!existsSync(path)) throw new WorkbenchError(`${path} is missing: run npm run build`);
  return path;
}

const MAX_PLACEMENT_LINES = 100_000;

/** Environment every worker gets on top of the parent's and the backend's own. */
export const WORKER_BASE_ENV: Readonly<Record<string, string>> = { ORT_DISABLE_TELEMETRY: '1' };

/** Request ids, unique across every worker of the process (a spare's included). */
let nextRequestId = 1;

export class WorkerProcess {
  private child: ChildProcess | undefined;
  /** Requests sent and not answered, in the order sent (the worker answers them in that order). */
  private pending = new Map<number, Pending>();
  /** Children stopped on purpose (kill, close): none of their unanswered requests failed by itself. */
  private stopped = new WeakSet<ChildProcess>();
  private stderrTail = '';
  /** onnxruntime's node-placement lines, kept apart: a verbose EP log can push them out of the tail. */
  private placementLines: string[] = [];
  private partialLine = '';
  /** How many processes this handle has started (the first, and each replacement). */
  starts = 0;
  /** Each started process's private folder. */
  private readonly homes = new WeakMap<ChildProcess, string>();

  constructor(
    readonly backend: BackendId,
    private env: Record<string, string> = {},
  ) {}

  /** Environment for the processes started from now on (a replacement's). */
  setEnv(env: Record<string, string>): void {
    this.env = env;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Whether requests sent to the running worker are still unanswered. */
  get busy(): boolean {
    for (const p of this.pending.values()) if (p.child === this.child) return true;
    return false;
  }

  /** Process id of the running worker, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): ChildProcess {
    installExitHook();
    const home = mkdtempSync(join(tmpdir(), `onnx-workbench-${this.backend}-`));
    const child = fork(workerScript(), [this.backend], {
      // Not the parent's own flags: `node -e <script>` or `--input-type` would run the parent's code in the worker.
      execArgv: process.execArgv.filter((a) => /^--(max-old-space-size|max-semi-space-size|stack-size)=/.test(a)),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      detached: true, // own process group: a kill takes browsers and helpers with it
      cwd: home,
      env: { ...process.env, ...this.env, ...WORKER_BASE_ENV, TMPDIR: home },
    });
    this.starts++;
    this.homes.set(child, home);
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-64 * 1024);
      const lines = (this.partialLine + text).split('\n');
      this.partialLine = lines.pop()!.slice(-64 * 1024);
      for (const line of lines) {
        if (isPlacementLogLine(line) && this.placementLines.length < MAX_PLACEMENT_LINES)
          this.placementLines.push(line);
      }
    });
    child.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      this.armHead();
      if (m.ok) p.resolve(m.value);
      else if (m.stage === 'skipped') p.reject(new WorkerFailure('worker', m.message, true));
      else p.reject(new WorkerFailure(m.stage, m.message));
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      live.delete(this);
      removeFolder(home);
      const why = signal
        ? `the ${this.backend} worker was killed by ${signal}`
        : `the ${this.backend} worker exited with code ${code}`;
      // The stderr line that names the cause (not the last frame of a native stack trace).
      const tail = crashLine(this.stderrTail);
      // Only the requests sent to this child: a killed worker's exit can arrive after its successor took a request.
      // The one it was running crashed it; those queued behind it (and all of a child stopped on purpose) never ran.
      let head = !this.stopped.has(child);
      for (const [id, p] of this.pending) {
        if (p.child !== child) continue;
        clearTimeout(p.timer);
        p.reject(
          new WorkerFailure(
            'crash',
            `${why} (native crash or abort in the runtime)${tail ? `: ${tail.slice(0, 300)}` : ''}`,
            !head,
          ),
        );
        head = false;
        this.pending.delete(id);
      }
      this.armHead();
    });
    live.add(this);
    return child;
  }

  /** The last 64 KiB of the worker's stderr since the last call to `takeStderr`. */
  takeStderr(): string {
    const s = this.stderrTail;
    this.stderrTail = '';
    return s;
  }

  /** The node-placement lines onnxruntime logged since the last call (whole, however long the log). */
  takePlacementLog(): string {
    const s = [...this.placementLines, ...(isPlacementLogLine(this.partialLine) ? [this.partialLine] : [])].join('\n');
    this.placementLines = [];
    return s;
  }

  /**
   * Send a request. Several may be queued: the worker answers them one at a time, in order, and
   * each one's time limit counts from when the one before it was answered.
   */
  call<T>(req: Request, timeoutMs: number): Promise<T> {
    const child = (this.child ??= this.start());
    const id = nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer: undefined, timeoutMs, child });
      this.armHead();
      child.send({ ...req, id } as WorkerRequest);
    });
  }

  /** Start the time limit of the oldest unanswered request of the running child, if not started. */
  private armHead(): void {
    for (const [id, p] of this.pending) {
      if (p.child !== this.child) continue;
      if (p.timer) return;
      p.timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        p.reject(
          new WorkerFailure(
            'timeout',
            `no answer from the ${this.backend} backend within ${Math.round(p.timeoutMs / 1000)} s; its worker was stopped`,
          ),
        );
      }, p.timeoutMs);
      return;
    }
  }

  /** Kill the worker's whole process group (the worker, and any browser it started). */
  kill(): void {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    this.child = undefined;
    this.stopped.add(child);
    live.delete(this);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    // At once, not only when its exit is reported: a command killed in between would leave the folder.
    const home = this.homes.get(child);
    if (home) removeFolder(home);
  }

  async close(): Promise<void> {
    if (!this.child) return;
    const child = this.child;
    this.stopped.add(child);
    try {
      await this.call({ type: 'close' }, 15_000);
    } catch {
      /* killed below */
    }
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => {
        this.kill();
        resolve();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* group already gone */
      }
    }
    this.child = undefined;
    live.delete(this);
  }
}
