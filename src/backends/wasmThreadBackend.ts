/**
 * The `wasm` backend's process side: its runtime (onnxruntime-web, `createWasmRuntime`) lives in a
 * worker thread (wasmThread.ts), one request at a time. `reset()` ends that thread and starts a
 * fresh one, which gets the WASM module the first thread compiled, so its machine code (and what
 * V8 optimized in it) is not made again. A thread that dies fails its request as a run error; the
 * next request starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import {
  BackendStageError,
  type Backend,
  type BackendDescription,
  type FailureStage,
  type ModelInput,
} from './types.js';
import type { Availability } from './types.js';

/** Requests to the runtime thread and its answers (only this module and wasmThread.ts speak it). */
export type ThreadRequest = { id: number; op: 'check' | 'describe' | 'measure' | 'close'; args: unknown[] };
export type ThreadReply =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; stage?: FailureStage; message: string }
  /** The WASM module the thread compiled, keyed by its bytes (length and sha256), for the next threads. */
  | { type: 'compiled'; key: string; module: WebAssembly.Module };

export interface SharedModule {
  key: string;
  module: WebAssembly.Module;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** The thread's entry, compiled (the package's dist/, as the worker process's: tests run the sources). */
function threadScript(): string {
  const path = join(packageRoot(), 'dist', 'backends', 'wasmThread.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build`);
  return path;
}

class RuntimeThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: string | undefined;

  constructor(title: string, shared: SharedModule | undefined, onCompiled: (m: SharedModule) => void) {
    this.worker = new Worker(threadScript(), { workerData: { title, shared } });
    this.worker.on('message', (m: ThreadReply) => {
      if (m.type === 'compiled') return onCompiled({ key: m.key, module: m.module });
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(m.stage ? new BackendStageError(m.stage, m.message) : new Error(m.message));
    });
    const fail = (why: string) => {
      this.dead ??= why;
      for (const p of this.pending.values()) p.reject(new BackendStageError('run', `the wasm runtime thread ${why}`));
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(`failed: ${e instanceof Error ? e.message : String(e)}`));
    this.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  call<T>(op: ThreadRequest['op'], args: unknown[] = [], transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead) return Promise.reject(new BackendStageError('run', `the wasm runtime thread ${this.dead}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args } satisfies ThreadRequest, transfer);
    });
  }

  async end(): Promise<void> {
    this.dead ??= 'was ended';
    await this.worker.terminate().catch(() => undefined);
  }
}

/** A model's bytes move to the thread (not copied) when they are the call's own and the whole of their buffer. */
function movable(model: ModelInput): ArrayBuffer[] {
  if (!model.owned) return [];
  const bytes = model.bytes;
  const buf = bytes.buffer;
  return Object.prototype.toString.call(buf) === '[object ArrayBuffer]' && // any realm's (not a SharedArrayBuffer)
    bytes.byteOffset === 0 &&
    bytes.byteLength === buf.byteLength &&
    buf.byteLength > 0
    ? [buf as ArrayBuffer]
    : [];
}

export class WasmThreadBackend implements Backend {
  readonly id = 'wasm' as const;
  private thread: RuntimeThread | undefined;
  /** After the first reset: the next runtime, started ahead (onnxruntime-web loaded and checked), as the cpu backend's spare process. */
  private spare: RuntimeThread | undefined;
  private shared: SharedModule | undefined;
  /** Times a runtime thread compiled onnxruntime-web's WASM module itself (the first; more only if the bytes changed). */
  compiles = 0;
  /** Runtime threads started so far. */
  threadStarts = 0;

  constructor(readonly title: string) {}

  /** The running runtime thread's id (diagnostics, tests), if one runs. */
  get runtimeThreadId(): number | undefined {
    return this.thread?.alive ? this.thread.threadId : undefined;
  }

  private start(): RuntimeThread {
    this.threadStarts++;
    return new RuntimeThread(this.title, this.shared, (m) => {
      this.compiles++;
      this.shared ??= m;
    });
  }

  private current(): RuntimeThread {
    if (!this.thread?.alive) this.thread = this.start();
    return this.thread;
  }

  checkAvailable(): Promise<Availability> {
    return this.current().call<Availability>('check');
  }

  describe(): Promise<BackendDescription> {
    return this.current().call<BackendDescription>('describe');
  }

  measure(...args: Parameters<Backend['measure']>): ReturnType<Backend['measure']> {
    // A worker's own copy (from IPC, or loaded by fromFiles.ts) is moved, not copied: a large model is not held twice.
    return this.current().call('measure', args, movable(args[0]));
  }

  /**
   * A fresh runtime: the spare thread when one is ready, else a new thread (its onnxruntime-web
   * started at once, while the harness re-sends); then the next spare starts.
   */
  async reset(): Promise<boolean> {
    await this.thread?.end();
    const spare = this.spare?.alive ? this.spare : undefined;
    this.spare = undefined;
    this.thread = spare ?? this.start();
    // A failure to start is the next request's to report.
    if (!spare) void this.thread.call('check').catch(() => undefined);
    this.spare = this.start();
    void this.spare.call('check').catch(() => undefined);
    return true;
  }

  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    await spare?.end();
    const t = this.thread;
    this.thread = undefined;
    if (!t) return;
    await t.call('close').catch(() => undefined);
    await t.end();
  }
}
