// onnx-workbench browser runner: runs inside headless Chromium next to onnxruntime-web (global `ort`).
// The harness (src/backends/browser/backend.ts) drives it through `window.onnxWorkbench`
// (the protocol is written down in src/backends/browser/pageProtocol.ts).
// The measuring loop and the dtype table are the workbench's own modules, compiled to dist/ and
// served at /lib/ (src/backends/measureLoop.ts, src/tensor/dtype.ts): Node and the page measure alike.
// Tensors cross the page boundary as raw little-endian bytes plus dtype and dims, never as numbers:
// inputs are fetched from the local server; outputs are held here and read back in base64 chunks
// (readOutput), so no single string or DevTools message has to hold a whole large tensor. String
// tensors have no raw bytes: their values cross inline as JSON (job.feeds[i].strings, output.strings).
'use strict';
(function () {
  // The onnxruntime-web build this page runs: the script the harness names in the page's address
  // (?ort=ort.wasm.min.js; src/backends/browser/ortWeb.ts says which and why), a file of
  // onnxruntime-web's dist/. Inserted while the page parses, in order, so the page's load event
  // waits for it; `ort` is only used once the harness calls in.
  const asked = new URLSearchParams(location.search).get('ort') || 'ort.min.js';
  const ortScript = /^[a-z][a-z.]*\.js$/.test(asked) ? asked : '';
  if (ortScript) {
    const script = document.createElement('script');
    script.src = `/ort/${ortScript}`;
    script.async = false;
    document.head.appendChild(script);
  }
  /** The shared modules, loaded once (a dynamic import works from a classic script). */
  let shared;
  function sharedModules() {
    shared ??= Promise.all([
      import('/lib/backends/measureLoop.js'),
      import('/lib/tensor/dtype.js'),
      import('/lib/backends/adapter.js'),
      import('/lib/util/base64.js'),
    ]).then(([loop, dtype, adapter, base64]) => ({
      measureLoop: loop.measureLoop,
      LoopStageError: loop.LoopStageError,
      TYPED_ARRAYS: dtype.TYPED_ARRAYS,
      probeWebGpuAdapter: adapter.probeWebGpuAdapter,
      bytesToBase64: base64.bytesToBase64,
      base64ToBytes: base64.base64ToBytes,
    }));
    return shared;
  }

  let ortInitialized = false;
  /** Output bytes of finished runs, by job id, until the harness has read them. */
  const heldOutputs = new Map();

  function errorMessage(e) {
    if (e instanceof Error) return e.message || e.name || String(e);
    if (typeof e === 'number')
      return `onnxruntime-web threw a bare number (${e}): an uncaught C++ exception inside the WASM module`;
    if (e && typeof e === 'object' && 'message' in e) return String(e.message);
    return String(e);
  }

  async function fetchBytes(url, what) {
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) throw new Error(`cannot fetch ${what} from the workbench server: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  function typedArrayFor(TYPED_ARRAYS, dtype, bytes, what) {
    const Ctor = Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, dtype) ? TYPED_ARRAYS[dtype] : undefined;
    if (!Ctor) throw new Error(`${what}: element type ${dtype} cannot be passed to onnxruntime-web`);
    if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new Error(`${what}: ${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
    }
    // fetch() gives a fresh ArrayBuffer at offset 0, so the view is aligned.
    return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  }

  function defaultWasmThreads() {
    if (!self.crossOriginIsolated) return 1;
    return Math.min(4, Math.ceil((navigator.hardwareConcurrency || 1) / 2));
  }

  function wasmThreads() {
    const n = ort.env.wasm.numThreads;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return self.crossOriginIsolated ? n : 1;
    return defaultWasmThreads();
  }

  async function probeAdapter() {
    return (await sharedModules()).probeWebGpuAdapter(navigator.gpu);
  }

  /** The WASM binaries this page fetched (file names), from its resource timing entries. */
  function wasmFetched() {
    return performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((p) => p.endsWith('.wasm'))
      .map((p) => p.slice(p.lastIndexOf('/') + 1))
      .join(',');
  }

  function info() {
    const versions = (typeof ort !== 'undefined' && ort.env && ort.env.versions) || {};
    return {
      ortLoaded: typeof ort !== 'undefined',
      userAgent: navigator.userAgent,
      crossOriginIsolated: self.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency || 0,
      ortWebVersion: versions.web || '',
      ortCommonVersion: versions.common || '',
      wasmThreads: typeof ort !== 'undefined' ? wasmThreads() : 0,
      ortInitialized,
      ortScript,
      ortWasm: wasmFetched(),
    };
  }

  /** Keep the output's raw bytes in `held`; returns its description. */
  async function holdOutput(name, tensor, held) {
    if (!tensor) throw new Error(`onnxruntime-web returned no value for output ${name}`);
    if (tensor.type === 'string') {
      // No raw bytes: the values go back inline with the description.
      const strings = Array.from(tensor.data, String);
      return { name, dtype: 'string', dims: Array.from(tensor.dims, Number), index: -1, byteLength: 0, strings };
    }
    const data = tensor.location === 'cpu' || tensor.location === 'cpu-pinned' ? tensor.data : await tensor.getData();
    if (!ArrayBuffer.isView(data)) throw new Error(`output ${name} (${tensor.type}) has no typed-array data`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    held.push(bytes);
    return {
      name,
      dtype: tensor.type,
      dims: Array.from(tensor.dims, Number),
      index: held.length - 1,
      byteLength: bytes.byteLength,
    };
  }

  /** Base64 of bytes [offset, offset + length) of a held output. */
  async function readOutput(jobId, index, offset, length) {
    const bytes = (heldOutputs.get(jobId) || [])[index];
    if (!bytes) throw new Error(`no held output ${index} for job ${jobId}`);
    return (await sharedModules()).bytesToBase64(bytes.subarray(offset, offset + length));
  }

  function dropOutputs(jobId) {
    heldOutputs.delete(jobId);
  }

  // Settings that onnxruntime-web reads once, when its WASM module is first initialized.
  function configure(job) {
    ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
    if (typeof job.threads === 'number' && job.threads > 0) ort.env.wasm.numThreads = job.threads;
    ort.env.logLevel = job.logPlacement ? 'verbose' : 'warning';
  }

  /**
   * Initialize onnxruntime-web for one execution provider (WASM compile, WebGPU device) by creating
   * a session for a tiny model, so that one-time start-up cost is not part of a model's numbers.
   * job: { modelUrl, executionProvider, threads? }. Returns { ok: true, wasmThreads } or { ok: false, message }.
   */
  async function init(job) {
    try {
      configure(job);
      const bytes = await fetchBytes(job.modelUrl, 'the start-up model');
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [job.executionProvider] });
      await session.release();
      ortInitialized = true;
      return { ok: true, wasmThreads: wasmThreads() };
    } catch (e) {
      return { ok: false, message: errorMessage(e) };
    }
  }

  /**
   * job: { id, modelUrl | modelBase64, executionProvider, threads?, logPlacement?,
   *        feeds: [{name, dtype, dims, url | base64 | strings}], inlineOutputBytes?,
   *        plan: {warmup, iterations, maxDurationMs?} }
   * The first run's outputs are described in the result and held for readOutput(job.id, ...).
   * Returns { ok: true, sessionCreateMs, firstRunMs, timesMs, warmupMs, warmupRuns, sessionReleaseMs, outputs, wasmThreads }
   *      or { ok: false, stage: 'load' | 'run', message }.
   */
  /**
   * Jobs run one at a time, in the order they were sent: the harness sends the next ones while one
   * runs (no round trip between two jobs). After a job fails, none of those sent before the harness
   * learnt of the failure runs in this page (each answers 'skipped'): the harness decides first
   * whether the page may go on (then its next job says `clearFailure`) or must be replaced.
   */
  let jobs = Promise.resolve();
  let failedJob = null;
  function run(job) {
    const result = jobs.then(() => {
      if (job.clearFailure) failedJob = null;
      return failedJob !== null
        ? { ok: false, stage: 'skipped', message: `not run: job ${failedJob} failed before it in this page` }
        : runNow(job);
    });
    jobs = result.then(
      (r) => {
        if (!r.ok && r.stage !== 'skipped') failedJob = job.id;
      },
      () => {
        failedJob = job.id;
      },
    );
    return result;
  }

  async function runNow(job) {
    // The harness counts a job as in 'load' until told otherwise, and learns of 'run' from a console
    // message (one way: a binding call would wait for the harness's answer, a round trip each).
    let reported = 'load';
    const report = (stage) => {
      if (stage === reported) return;
      reported = stage;
      console.debug(`onnx-workbench-stage:${stage}:${job.id}`);
    };
    let lib;
    try {
      lib = await sharedModules();
      configure(job);
      // Small models and inputs come inline (base64, fresh aligned buffers); larger ones are fetched.
      const modelBytes =
        typeof job.modelBase64 === 'string'
          ? lib.base64ToBytes(job.modelBase64)
          : await fetchBytes(job.modelUrl, 'the model');
      const feedBytes = [];
      for (const f of job.feeds)
        feedBytes.push(
          f.strings
            ? null
            : typeof f.base64 === 'string'
              ? lib.base64ToBytes(f.base64)
              : await fetchBytes(f.url, `input ${f.name}`),
        );
      const epOptions = job.executionProviderOptions || {};
      const sessionOptions = {
        executionProviders: [
          Object.keys(epOptions).length ? { ...epOptions, name: job.executionProvider } : job.executionProvider,
        ],
      };
      if (job.graphOptimization) sessionOptions.graphOptimizationLevel = job.graphOptimization;
      // A large model's external data: onnxruntime-web fetches each file from the workbench server.
      if (job.externalData?.length)
        sessionOptions.externalData = job.externalData.map((e) => ({ path: e.path, data: e.url }));
      if (job.logPlacement) {
        sessionOptions.logSeverityLevel = 0;
        sessionOptions.logVerbosityLevel = 0;
      }
      // Feeds in an object without a prototype (the harness has already made every name safe).
      const feeds = Object.create(null);
      job.feeds.forEach((f, i) => {
        feeds[f.name] = new ort.Tensor(
          f.dtype,
          f.strings ? f.strings : typedArrayFor(lib.TYPED_ARRAYS, f.dtype, feedBytes[i], `input ${f.name}`),
          f.dims,
        );
      });
      // The placements are logged while the session is created; runs log at warning level, so
      // they are neither slowed down nor buried in per-kernel lines.
      const runOptions = job.logPlacement ? { logSeverityLevel: 2 } : {};
      const held = [];
      const r = await lib.measureLoop(
        {
          create: async () => {
            const session = await ort.InferenceSession.create(modelBytes, sessionOptions);
            if (job.logPlacement) ort.env.logLevel = 'warning';
            ortInitialized = true;
            return session;
          },
          run: (session) => session.run(feeds, runOptions),
          read: async (first, session) => {
            const outputs = [];
            for (const name of session.outputNames) {
              if (!Object.prototype.hasOwnProperty.call(first, name))
                throw new Error(`onnxruntime-web returned no value for output ${name}`);
              outputs.push(await holdOutput(name, first[name], held));
            }
            return outputs;
          },
          release: (session) => session.release(),
          onStage: report,
        },
        job.plan,
      );
      // Small outputs go back inline; larger ones stay held for readOutput in chunks.
      const total = held.reduce((a, b) => a + b.byteLength, 0);
      if (typeof job.inlineOutputBytes === 'number' && total <= job.inlineOutputBytes) {
        for (const o of r.outputs) {
          if (o.index < 0) continue; // strings are inline already
          o.base64 = lib.bytesToBase64(held[o.index]);
          o.index = -1;
        }
      } else heldOutputs.set(job.id, held);
      return {
        ok: true,
        sessionCreateMs: r.sessionCreateMs,
        firstRunMs: r.firstRunMs,
        timesMs: r.timesMs,
        warmupMs: r.warmupMs,
        warmupRuns: r.warmupRuns,
        sessionReleaseMs: r.sessionReleaseMs,
        outputs: r.outputs,
        wasmThreads: wasmThreads(),
        crossOriginIsolated: self.crossOriginIsolated === true,
      };
    } catch (e) {
      if (lib && e instanceof lib.LoopStageError)
        return { ok: false, stage: e.stage, message: errorMessage(e.original) };
      return { ok: false, stage: 'load', message: errorMessage(e) };
    }
  }

  window.onnxWorkbench = { info, probeAdapter, init, run, readOutput, dropOutputs };
})();
