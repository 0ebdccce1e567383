/**
 * A worker thread hosting one onnxruntime-web (`createWasmRuntime`) for the `wasm` backend
 * (wasmThreadBackend.ts): it answers one request at a time. Its `WebAssembly.instantiate` takes
 * the module the process compiled before (handed over in workerData, matched by the bytes' length
 * and sha256) instead of compiling onnxruntime-web's 14 MB of WASM again; the first thread
 * compiles it and hands it back. Only compiled code is shared: each thread instantiates it anew,
 * with memory of its own.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { BackendStageError, type Backend } from './types.js';
import { errorLine } from '../errors.js';
import { createWasmRuntime } from './wasm.js';
import type { SharedModule, ThreadReply, ThreadRequest } from './wasmThreadBackend.js';

const port = parentPort!;
const data = workerData as { title: string; shared?: SharedModule };

function keyOf(bytes: Uint8Array): string {
  return `${bytes.byteLength}:${createHash('sha256').update(bytes).digest('hex')}`;
}

const instantiate = WebAssembly.instantiate.bind(WebAssembly);
(WebAssembly as { instantiate: unknown }).instantiate = async (
  source: BufferSource | WebAssembly.Module,
  imports?: WebAssembly.Imports,
): Promise<unknown> => {
  if (source instanceof WebAssembly.Module) return instantiate(source, imports);
  const bytes = ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
  const key = keyOf(bytes);
  let module: WebAssembly.Module;
  if (data.shared?.key === key) module = data.shared.module;
  else {
    module = await WebAssembly.compile(bytes);
    port.postMessage({ type: 'compiled', key, module } satisfies ThreadReply);
  }
  return { module, instance: await instantiate(module, imports) };
};

const runtime: Backend = createWasmRuntime(data.title);

let chain: Promise<void> = Promise.resolve();
port.on('message', (req: ThreadRequest) => {
  chain = chain.then(async () => {
    try {
      let value: unknown;
      switch (req.op) {
        case 'check':
          value = await runtime.checkAvailable();
          break;
        case 'describe':
          value = await runtime.describe();
          break;
        case 'measure':
          value = await runtime.measure(...(req.args as Parameters<Backend['measure']>));
          break;
        case 'close':
          value = await runtime.close();
          break;
      }
      port.postMessage({ type: 'reply', id: req.id, ok: true, value } satisfies ThreadReply);
    } catch (e) {
      port.postMessage({
        type: 'reply',
        id: req.id,
        ok: false,
        ...(e instanceof BackendStageError ? { stage: e.stage } : {}),
        message: errorLine(e),
      } satisfies ThreadReply);
    }
  });
});
