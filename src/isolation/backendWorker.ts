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

export class WorkerFailure extends Error {
  constructor(
    readonly kind: FailureStage | 'crash' | 'worker',
    message: string,
  ) {
    super(message);
    this.name = 'WorkerFailure';
  }
}

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
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

export class WorkerProcess {
  private child: ChildProcess | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  /** onnxruntime's node-placement lines, kept apart: a verbose EP log can push them out of the tail. */
  private placementLines: string[] = [];
  private partialLine = '';
  /** How many processes this handle has started (the first, and each replacement). */
  starts = 0;

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
      if (m.ok) p.resolve(m.value);
      else p.reject(new WorkerFailure(m.stage, m.message));
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      live.delete(this);
      removeFolder(home);
      const why = signal
        ? `the ${this.backend} worker was killed by ${signal}`
        : `the ${this.backend} worker exited with code ${code}`;
      // The last meaningful stderr line, without colour codes or onnxruntime's routine warnings.
      const tail = this.stderrTail
        .replace(/\x1b\[[0-9;]*m/g, '')
        .trim()
        .split('\n')
        .filter((l) => l.trim() && !l.includes('[W:onnxruntime'))
        .slice(-1)[0];
      // Only the requests sent to this child: a killed worker's exit can arrive after its successor took a request.
      for (const [id, p] of this.pending) {
        if (p.child !== child) continue;
        clearTimeout(p.timer);
        p.reject(
          new WorkerFailure(
            'crash',
            `${why} (native crash or abort in the runtime)${tail ? `: ${tail.slice(0, 300)}` : ''}`,
          ),
        );
        this.pending.delete(id);
      }
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

  call<T>(req: Request, timeoutMs: number): Promise<T> {
    const child = (this.child ??= this.start());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        reject(
          new WorkerFailure(
            'timeout',
            `no answer from the ${this.backend} backend within ${Math.round(timeoutMs / 1000)} s; its worker was stopped`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, child });
      child.send({ ...req, id } as WorkerRequest);
    });
  }

  /** Kill the worker's whole process group (the worker, and any browser it started). */
  kill(): void {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    this.child = undefined;
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
  }

  async close(): Promise<void> {
    if (!this.child) return;
    const child = this.child;
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
