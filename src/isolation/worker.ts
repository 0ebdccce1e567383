/**
 * Entry point of a backend worker process: `node worker.js <backend-id>`. It hosts one backend and
 * answers requests from the parent over IPC, so a native crash or a hang in a runtime only costs
 * this process. It runs the model bytes it is handed (never re-reading a path) in a private
 * working folder, with onnxruntime's telemetry off.
 */
import { backendDescriptor } from '../backends/registry.js';
import { BackendStageError, SkippedMeasure, isBackendId, type Backend, type BackendId } from '../backends/types.js';
import { errorLine } from '../errors.js';
import { rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { WorkerReply, WorkerRequest } from './protocol.js';

const id = process.argv[2] ?? '';
if (!isBackendId(id) || !process.send) {
  console.error(`worker: expected a backend id and an IPC channel, got '${id}'`);
  process.exit(2);
}
/**
 * A reply to the parent. A parent that has gone (killed: its channel closed, or a write that fails
 * with EPIPE) gets none: the error goes to the callback instead of being thrown, so this process
 * lives on to close its runtime (a browser among them) and remove its folder.
 */
const send = (m: WorkerReply) => {
  if (process.connected) process.send!(m, undefined, undefined, () => undefined);
};
let backend: Backend | undefined;
const getBackend = async () => (backend ??= await backendDescriptor(id).create());
/**
 * The measure that failed, until the parent says how to go on: the parent may have sent more
 * measures behind it, and none of them may run in a runtime that a failure may have left in a bad
 * state. They are answered 'skipped' (the parent sends them again to a fresh runtime, or here
 * after `resume` when the failure was a plain refusal of the model), never run.
 */
let failedMeasure: number | undefined;

async function handle(req: WorkerRequest): Promise<void> {
  try {
    const b = await getBackend();
    switch (req.type) {
      case 'check':
        send({ type: 'reply', id: req.id, ok: true, value: await b.checkAvailable() });
        break;
      case 'describe':
        send({ type: 'reply', id: req.id, ok: true, value: await b.describe() });
        break;
      case 'measure': {
        if (failedMeasure !== undefined) {
          send({
            type: 'reply',
            id: req.id,
            ok: false,
            stage: 'skipped',
            message: `not run: request ${failedMeasure} failed before it in this runtime`,
          });
          break;
        }
        // A large model: the runtime reads its files itself (checked before and after), or, for a
        // runtime that cannot, this worker loads them between the same checks (backends/fromFiles.ts).
        // Imported only then: it brings the ONNX protobuf code, which every worker start would otherwise load.
        const value = req.model.files
          ? await (
              await import('../backends/fromFiles.js')
            ).measureFromFiles(id as BackendId, b, req.model.path, req.model.files, req.feeds, req.plan, req.options)
          : await b.measure({ ...req.model, owned: true }, req.feeds, req.plan, req.options); // this request's own copy
        send({ type: 'reply', id: req.id, ok: true, value });
        break;
      }
      case 'resume':
        failedMeasure = undefined;
        send({ type: 'reply', id: req.id, ok: true, value: null });
        break;
      case 'reset':
        failedMeasure = undefined;
        // A backend that can discard its runtime's state in place says so; otherwise the parent kills this process.
        send({ type: 'reply', id: req.id, ok: true, value: b.reset ? await b.reset() : false });
        break;
      case 'close':
        await b.close();
        send({ type: 'reply', id: req.id, ok: true, value: null });
        process.disconnect();
        break;
    }
  } catch (e) {
    if (e instanceof SkippedMeasure) {
      // Queued in the backend behind a measure that failed: it did not run (and is not a failure of its own).
      send({ type: 'reply', id: req.id, ok: false, stage: 'skipped', message: errorLine(e) });
      return;
    }
    if (req.type === 'measure') failedMeasure = req.id;
    const stage = e instanceof BackendStageError ? e.stage : 'worker';
    send({ type: 'reply', id: req.id, ok: false, stage, message: errorLine(e) });
  }
}

/**
 * Requests are handled one at a time, in order; except that a backend that queues measures itself
 * (the browser backends: the page runs them in order) is handed each measure at once, so the next
 * one reaches it while one runs. Any other request waits until those measures have settled.
 */
let chain: Promise<void> = Promise.resolve();
const inflight = new Set<Promise<void>>();
process.on('message', (req: WorkerRequest) => {
  chain = chain.then(async () => {
    const queues = req.type === 'measure' && !req.model.files && failedMeasure === undefined && backend?.queuesMeasures;
    if (queues) {
      const p = handle(req);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      return;
    }
    await Promise.allSettled([...inflight]);
    await handle(req);
  });
});
/**
 * This worker's private folder (its working directory and TMPDIR, made by the parent). The parent
 * removes it when the worker exits; a parent that was killed cannot, so a worker whose parent went
 * away removes it itself as it exits.
 */
const home = process.env.TMPDIR;
function removeOwnFolder(): void {
  if (!home || !basename(home).startsWith(`onnx-workbench-${id}-`) || resolve(process.cwd()) !== resolve(home)) return;
  try {
    process.chdir(dirname(home));
    rmSync(home, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // a browser of this worker may still write there: the folder stays, empty or nearly
  }
}
/** The command that forked this worker: when it dies this process is reparented (its ppid changes). */
const parentPid = process.ppid;
// Whatever ends this process (a crash included) while its parent is gone: nobody else will remove it.
// A reply sent into the channel of a parent just killed can fail (EPIPE) and end the process before
// the channel counts as disconnected, so the parent's pid is checked too.
process.on('exit', () => {
  if (!process.connected || process.ppid !== parentPid) removeOwnFolder();
});
process.on('disconnect', () => {
  void (backend?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
});
// A parent that died while this module loaded: its disconnect may have come before the handler above.
if (!process.connected) {
  removeOwnFolder();
  process.exit(0);
}
