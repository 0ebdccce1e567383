/**
 * Browser backends: onnxruntime-web inside headless Chromium (driven by playwright-core), with the
 * `wasm` or the `webgpu` execution provider.
 *
 * A local HTTP server (127.0.0.1, ephemeral port, cross-origin isolated) serves the runner page
 * (`page/`), onnxruntime-web's `dist/` and, per job, the model and input bytes from memory.
 * All timing happens inside the page with performance.now(); tensors cross the page boundary as
 * raw bytes plus dtype and dims (inputs fetched by the page from the server, outputs read back in
 * base64 chunks), so nothing is converted on the way (float16 stays as its bits, int64 as 8 bytes).
 * The page measures with the workbench's own loop (backends/measureLoop.ts), served from dist/ at /lib/.
 *
 * WebGPU: a hardware adapter is tried first (`--enable-unsafe-webgpu --enable-features=Vulkan`);
 * if there is none, or it is a CPU/SwiftShader adapter, Chromium is relaunched with
 * `--use-webgpu-adapter=swiftshader` and the adapter is reported as `software`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  BackendStageError,
  SkippedMeasure,
  type AdapterInfo,
  type Availability,
  type Backend,
  type BackendDescription,
  type ModelInput,
  type RunMeasurement,
  type RunPlan,
  type SessionOptions,
  type ThreadsUsed,
  type TensorMap,
} from '../types.js';
import { LocalServer } from '../../util/localServer.js';
import {
  chromiumExecutablePath,
  closeChromium,
  executableProblem,
  launchChromium,
  type LaunchedChromium,
} from './chromium.js';
import { isSupportedDType, rawByteLength } from '../../tensor/dtype.js';
import { allocate, elementCount, rawBytes, type Tensor } from '../../tensor/tensor.js';
import { isPlacementLogLine } from '../placement.js';
import { classifyAdapter, describeAdapter, type PageAdapterInfo } from '../adapter.js';
import { runtimeIo } from '../ioNames.js';
import {
  ORT_WEB_BUILDS,
  PAGE_LIB_FILES,
  browserPageDir,
  ortWebDistDir,
  ortWebBuildFor,
  ortWebPackageVersion,
  pageLibDir,
  startupModelBytes,
  type OrtWebBuild,
} from './ortWeb.js';
import {
  INLINE_INPUT_BYTES,
  INLINE_OUTPUT_BYTES,
  OUTPUT_CHUNK_BYTES,
  type PageInfo,
  type PageJob,
  type PageOutput,
  type PageRunResult,
  type PageWindow,
  type ProbeResult,
} from './pageProtocol.js';
import { addressSpaceProblem } from '../../util/limits.js';
import { localeProblem } from '../../util/locale.js';
import type { CheckedFile } from '../../onnx/unchangedFiles.js';
import { identityOf, sameIdentity } from '../../onnx/rangeReader.js';

export { classifyAdapter, describeAdapter, type PageAdapterInfo } from '../adapter.js';
export {
  ORT_WEB_BUILDS,
  browserPageDir,
  ortWebBuildFor,
  ortWebDistDir,
  ortWebPackageVersion,
  startupModelBytes,
  type OrtWebBuild,
} from './ortWeb.js';

export type BrowserBackendId = 'browser-wasm' | 'browser-webgpu';

/** Which WebGPU adapter to use: `auto` tries hardware first and falls back to SwiftShader. */
export type WebGpuAdapterChoice = 'auto' | 'hardware' | 'swiftshader';

export interface BrowserBackendOptions {
  /** Chromium/Chrome binary; default `CHROME_PATH`, else /usr/bin/chromium. */
  executablePath?: string;
  /** Limit for one page-level operation (page load, one measure); default `ONNX_WORKBENCH_BROWSER_TIMEOUT_MS`, else 10 min. */
  timeoutMs?: number;
  /** WebGPU adapter choice; default `ONNX_WORKBENCH_WEBGPU_ADAPTER`, else `auto`. */
  webgpuAdapter?: WebGpuAdapterChoice;
  /** onnxruntime-web build the page loads (browser-wasm only; see ortWeb.ts); default `ortWebBuildFor`. */
  ortWebBuild?: OrtWebBuild;
}

export const DEFAULT_BROWSER_TIMEOUT_MS = 10 * 60 * 1000;

export function browserTimeoutMs(): number {
  const fromEnv = Number(process.env.ONNX_WORKBENCH_BROWSER_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_BROWSER_TIMEOUT_MS;
}

function webgpuAdapterFromEnv(): WebGpuAdapterChoice {
  const v = process.env.ONNX_WORKBENCH_WEBGPU_ADAPTER;
  return v === 'hardware' || v === 'swiftshader' ? v : 'auto';
}

/** Chromium or onnxruntime-web cannot run here; `fix` says what to do. */
class BrowserUnavailableError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'BrowserUnavailableError';
  }
}

/** The build a page of `ep` loads: the one asked for, else the environment's; or why it cannot be, with the fix. */
function pageBuild(ep: 'wasm' | 'webgpu', asked: OrtWebBuild | undefined): OrtWebBuild | BrowserUnavailableError {
  if (ep === 'webgpu' && asked && asked !== 'default')
    return new BrowserUnavailableError(
      `browser-webgpu needs onnxruntime-web's default build (the only one with its WebGPU EP), not '${asked}'`,
      "leave the build unset for browser-webgpu (or ask for 'default')",
    );
  try {
    return asked ?? ortWebBuildFor(ep);
  } catch (e) {
    return new BrowserUnavailableError(
      (e as Error).message,
      'unset ONNX_WORKBENCH_BROWSER_WASM_BUILD, or set it to wasm or default',
    );
  }
}

class TimeoutError extends Error {}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return (
    message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)[0] ?? message
  );
}

/** playwright's error text without its "page.evaluate: " prefix and call log. */
function browserErrorText(e: unknown): string {
  return firstLine(e).replace(/^[a-zA-Z]+\.[a-zA-Z]+: /, '');
}

function tensorBytes(t: Tensor): Uint8Array {
  return rawBytes(t);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

// ---- the backend ----------------------------------------------------------------------------------

interface LivePage {
  context: BrowserContext;
  page: Page;
  /** The `threads` setting onnxruntime-web was initialized with (fixed for the page's lifetime). */
  threads: number | undefined;
  info: PageInfo;
  /** Set when the page's renderer crashed: it is never used again. */
  crashed?: boolean;
  /** Set when the harness closed the page on purpose (a failure, a reset): jobs still queued there did not fail themselves. */
  abandoned?: boolean;
  /** Settles when the last job sent to this page has finished there (the page runs jobs in order). */
  lastJob?: Promise<void>;
}

/** A job sent to the page and not yet finished (see BrowserBackend.measure). */
interface SentJob {
  live: LivePage;
  job: PageJob;
  /** The page's answer; it runs the job after the jobs sent before it. */
  evaluation: Promise<PageRunResult>;
  /** Settles when the job sent before this one has finished: this one starts then. */
  turn: Promise<void>;
  settle: () => void;
  restore: (o: TensorMap) => TensorMap;
  blobs: string[];
  named: (message: string) => string;
  options: SessionOptions;
  browser: Browser | undefined;
}

class BrowserBackend implements Backend {
  readonly title: string;
  private readonly executionProvider: 'wasm' | 'webgpu';
  private readonly explicitExecutablePath: string | undefined;
  private readonly timeoutMs: number;
  private readonly adapterChoice: WebGpuAdapterChoice;
  /** The onnxruntime-web build, or why the one asked for cannot be (reported when the backend is checked). */
  private readonly build: OrtWebBuild | BrowserUnavailableError;

  private server: LocalServer | undefined;
  private startupModelPath: string | undefined;
  private launched: LaunchedChromium | undefined;
  private launching: Promise<LaunchedChromium> | undefined;
  private live: LivePage | undefined;
  /**
   * After the first fresh page (a reset after a failure), the next one is opened ahead, in the
   * same Chromium, while the current page runs: a later reset then takes it at once instead of
   * waiting for a new renderer and onnxruntime-web's start (seconds, more with WebGPU). It ran
   * nothing but onnxruntime-web's start-up model, as every page does before its first model.
   */
  private spare: Promise<LivePage | undefined> | undefined;
  private keepSpare = false;
  private swiftshader = false;
  private adapter: PageAdapterInfo | undefined;
  /** Set when the last launch attempt said this backend cannot run here (cleared by close()). */
  private unavailable: BrowserUnavailableError | undefined;
  /** Serializes page work: one measure/describe at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A job of this page failed and the failure was reported: the next job sent says the page may go on. */
  private failureReported = false;
  /** Each unfinished job's stage as the page reported it (for errors when the page dies or hangs). */
  private stages = new Map<string, 'load' | 'run'>();
  private consoleLines: string[] | undefined;

  constructor(
    readonly id: BrowserBackendId,
    title: string,
    options: BrowserBackendOptions = {},
  ) {
    this.executionProvider = id === 'browser-webgpu' ? 'webgpu' : 'wasm';
    this.title = title;
    this.explicitExecutablePath = options.executablePath;
    this.timeoutMs = options.timeoutMs ?? browserTimeoutMs();
    this.adapterChoice = options.webgpuAdapter ?? webgpuAdapterFromEnv();
    this.build = pageBuild(this.executionProvider, options.ortWebBuild);
  }

  private get executablePath(): string {
    return this.explicitExecutablePath ?? chromiumExecutablePath();
  }

  async checkAvailable(): Promise<Availability> {
    try {
      const problem = executableProblem(this.executablePath);
      if (problem) {
        return {
          available: false,
          reason: problem,
          fix: 'apt-get install chromium, or set CHROME_PATH to a Chromium/Chrome binary',
        };
      }
      await this.serialized(() => this.ensurePage(undefined));
      return { available: true };
    } catch (e) {
      if (e instanceof BrowserUnavailableError) return { available: false, reason: e.message, fix: e.fix };
      return {
        available: false,
        reason: firstLine(e),
        fix: 'run with CHROME_PATH pointing to a working Chromium/Chrome binary',
      };
    }
  }

  async describe(): Promise<BackendDescription> {
    return this.serialized(async () => {
      const live = await this.ensurePage(this.live?.threads);
      const info = await withTimeout(
        live.page.evaluate(() => (window as unknown as PageWindow).onnxWorkbench.info()),
        this.timeoutMs,
        'reading the page',
      );
      const details: Record<string, string | number | boolean> = {
        browser: `Chromium ${this.launched?.browser.version() ?? 'unknown'}`,
        executablePath: this.executablePath,
        headless: true,
        // What the page itself loaded and fetched (ortWeb.ts says why each backend runs its build).
        ortWebBundle: info.ortScript,
        ortWebWasm: info.ortWasm,
        crossOriginIsolated: info.crossOriginIsolated,
        wasmThreads: info.wasmThreads,
        hardwareConcurrency: info.hardwareConcurrency,
      };
      let adapter: AdapterInfo = { kind: 'cpu', description: `WebAssembly, ${info.wasmThreads} thread(s)` };
      if (this.executionProvider === 'webgpu') {
        const a = this.adapter;
        adapter = a ? describeAdapter(a, classifyAdapter(a, this.swiftshader)) : { kind: 'unknown' };
        details.webgpuAdapterFlag = this.swiftshader ? 'swiftshader' : 'none';
        if (a?.isFallbackAdapter !== null && a?.isFallbackAdapter !== undefined)
          details.isFallbackAdapter = a.isFallbackAdapter;
        if (a) details.adapterFeatures = a.features.join(',');
      }
      return {
        backend: this.id,
        runtime: 'onnxruntime-web',
        runtimeVersion: info.ortWebVersion || ortWebPackageVersion(),
        executionProvider: this.executionProvider,
        adapter,
        userAgent: info.userAgent,
        details,
      };
    });
  }

  /** Measures may be sent while earlier ones run: the page queues them (see `measure`). */
  readonly queuesMeasures = true;

  /**
   * Sending a job is serialized with everything else done to the page (reset, describe, close);
   * its answer is awaited outside that queue, so the next job reaches the page while this one runs
   * and the page goes from one to the next without a round trip. The page runs them in order, and
   * after a failure none of those sent before the failure was reported (they throw SkippedMeasure).
   */
  async measure(
    model: ModelInput,
    feeds: ReadonlyMap<string, Tensor>,
    plan: RunPlan,
    options: SessionOptions,
  ): Promise<RunMeasurement> {
    const sent = this.serialized(() => this.send(model, feeds, plan, options));
    return this.finish(await sent);
  }

  /** A fresh page for the next model (new context: new renderer, new onnxruntime-web); false if the browser is gone. */
  async reset(): Promise<boolean> {
    return this.serialized(async () => {
      const threads = this.live?.threads;
      await this.closePage();
      const fresh = this.launched?.browser.isConnected() === true;
      if (fresh && !this.keepSpare) {
        this.keepSpare = true;
        this.openSpare(this.launched!, threads);
      }
      return fresh;
    });
  }

  async close(): Promise<void> {
    // Wait for queued work only briefly: close() must not hang behind a stuck measure.
    await withTimeout(
      this.queue.catch(() => undefined),
      1000,
      'pending browser work',
    ).catch(() => undefined);
    await this.closePage();
    // A page still opening ahead goes with its Chromium below (closing it first could wait for its start).
    this.spare = undefined;
    this.keepSpare = false;
    const launched = this.launched ?? (await this.launching?.catch(() => undefined));
    this.launched = undefined;
    this.launching = undefined;
    await closeChromium(launched);
    await this.server?.close();
    this.server = undefined;
    this.startupModelPath = undefined;
    this.adapter = undefined;
    this.swiftshader = false;
    this.unavailable = undefined;
  }

  // ---- internals --------------------------------------------------------------------------------

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Check the inputs, build the job and send it to the page (which queues it behind earlier ones). */
  private async send(
    model: ModelInput,
    givenFeeds: ReadonlyMap<string, Tensor>,
    plan: RunPlan,
    options: SessionOptions,
  ): Promise<SentJob> {
    // The page keys feeds and outputs by name in plain objects: unsafe names are moved first. A
    // model run from its files cannot be rewritten (backends/fromFiles.ts refuses unsafe names).
    const files = model.files;
    const io = files
      ? { bytes: model.bytes, feeds: givenFeeds, restore: (o: TensorMap) => o }
      : await runtimeIo(model.bytes, givenFeeds);
    const feedList = [...io.feeds];
    for (const [name, t] of feedList) {
      if (t.dtype === 'string') {
        // Strings have no raw bytes: they cross inline, as the job's JSON (onnxruntime-web takes string[]).
        if (!Array.isArray(t.data) || t.data.length !== elementCount(t.dims))
          throw new BackendStageError(
            'run',
            `input ${name}: ${Array.isArray(t.data) ? t.data.length : 'no'} strings for shape [${t.dims.join(', ')}]`,
          );
        continue;
      }
      const expected = rawByteLength(t.dtype, elementCount(t.dims));
      if (rawBytes(t).byteLength !== expected) {
        throw new BackendStageError(
          'run',
          `input ${name}: ${rawBytes(t).byteLength} bytes of ${t.dtype} data for shape [${t.dims.join(', ')}] (expected ${expected})`,
        );
      }
    }

    let live: LivePage;
    try {
      live = await this.ensurePage(options.threads);
    } catch (e) {
      throw new BackendStageError(
        'load',
        e instanceof BrowserUnavailableError ? `${e.message} (${e.fix})` : firstLine(e),
      );
    }

    const server = this.server!;
    const blobs: string[] = [];
    const addBlob = (bytes: Uint8Array, name: string) => {
      const path = server.addBlob(bytes, name);
      blobs.push(path);
      return path;
    };
    // A large model: the page fetches the validated files themselves (the model file and, through
    // onnxruntime-web's `externalData` option, each external data file it names), each served only
    // while this job runs and only while the open file is still the validated one.
    const servedAs = new Map<string, string>();
    const addFile = (f: CheckedFile, name: string) => {
      const path = server.addFile(f.path, name, (st) => sameIdentity(identityOf(st), f.identity));
      blobs.push(path);
      servedAs.set(path, f.path);
      return path;
    };
    /** A page message names served files by their URL: name the files instead. */
    const named = (message: string) => {
      let out = message;
      for (const [url, file] of servedAs) out = out.split(url).join(file);
      return out;
    };
    // A small model with small inputs (most test cases) crosses inline with the job, base64: no
    // HTTP fetches from the page. Larger ones, and models run from their files, are fetched.
    const inputBytes = feedList.reduce((a, [, t]) => a + (t.dtype === 'string' ? 0 : tensorBytes(t).byteLength), 0);
    const inline = !files && io.bytes.byteLength + inputBytes <= INLINE_INPUT_BYTES;
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const job: PageJob = {
      id: randomUUID(),
      ...(files
        ? { modelUrl: addFile(files.model, 'model.onnx') }
        : inline
          ? { modelBase64: b64(io.bytes) }
          : { modelUrl: addBlob(io.bytes, 'model.onnx') }),
      ...(files?.external.length
        ? { externalData: files.external.map((f) => ({ path: f.location!, url: addFile(f, basename(f.path)) })) }
        : {}),
      executionProvider: this.executionProvider,
      threads: options.threads,
      logPlacement: options.logPlacement === true,
      ...(options.graphOptimization ? { graphOptimization: options.graphOptimization } : {}),
      ...(options.executionProviderOptions ? { executionProviderOptions: options.executionProviderOptions } : {}),
      feeds: feedList.map(([name, t], i) =>
        t.dtype === 'string'
          ? { name, dtype: t.dtype, dims: [...t.dims], strings: [...(t.data as string[])] }
          : inline
            ? { name, dtype: t.dtype, dims: [...t.dims], base64: b64(tensorBytes(t)) }
            : { name, dtype: t.dtype, dims: [...t.dims], url: addBlob(tensorBytes(t), `input_${i}.bin`) },
      ),
      inlineOutputBytes: INLINE_OUTPUT_BYTES,
      plan: {
        warmup: Math.max(0, Math.floor(plan.warmup)),
        iterations: Math.max(0, Math.floor(plan.iterations)),
        ...(plan.maxDurationMs !== undefined ? { maxDurationMs: plan.maxDurationMs } : {}),
        ...(plan.minIterations !== undefined ? { minIterations: plan.minIterations } : {}),
        ...(plan.minIterationsWithinMs !== undefined ? { minIterationsWithinMs: plan.minIterationsWithinMs } : {}),
      },
    };

    if (this.failureReported) job.clearFailure = true;
    this.failureReported = false;
    this.stages.set(job.id, 'load');
    this.consoleLines = options.logPlacement ? [] : undefined;
    const turn = live.lastJob ?? Promise.resolve();
    let settle!: () => void;
    live.lastJob = new Promise<void>((resolve) => (settle = resolve));
    const evaluation = live.page.evaluate((j) => (window as unknown as PageWindow).onnxWorkbench.run(j), job);
    evaluation.catch(() => undefined); // handled in finish(), after this job's turn
    return {
      live,
      job,
      evaluation,
      turn,
      settle,
      restore: io.restore,
      blobs,
      named,
      options,
      browser: this.launched?.browser,
    };
  }

  /** Wait for the page's answer to a sent job (its time limit counts from its turn), then read its outputs. */
  private async finish(sent: SentJob): Promise<RunMeasurement> {
    const { live, job, options, named } = sent;
    const server = this.server!;
    let result: PageRunResult;
    let placementLog: string | undefined;
    const limitMs = options.timeoutMs ?? this.timeoutMs;
    try {
      await sent.turn;
      result = await withTimeout(sent.evaluation, limitMs, `${this.id}: the model`);
    } catch (e) {
      // Closed on purpose before this job finished (another job's failure, a reset): it did not fail itself.
      if (live.abandoned)
        throw new SkippedMeasure(`not run: the page was replaced before job ${job.id} ran (${browserErrorText(e)})`);
      // The page hung, crashed or was closed: it cannot be trusted for the next model.
      const stage = this.stages.get(job.id) ?? 'load';
      const browser = sent.browser;
      const pageCrashed = live.crashed === true;
      const killed = pageCrashed || (browser !== undefined && !browser.isConnected());
      live.abandoned = true;
      if (this.live === live) await this.closePage();
      else await live.context.close().catch(() => undefined);
      if (e instanceof TimeoutError) {
        const during = stage === 'load' ? 'creating the session' : 'running';
        throw new BackendStageError('timeout', `${e.message} while ${during}`);
      }
      // A browser killed or crashed under the model is a runtime failure, whatever stage the page was in.
      if (killed)
        throw new BackendStageError(
          'run',
          `the browser ${pageCrashed ? 'page crashed' : 'was killed or crashed'} during ${stage === 'load' ? 'session creation' : 'the run'}: ${browserErrorText(e)}`,
        );
      throw new BackendStageError(
        stage,
        `the browser page failed during ${stage === 'load' ? 'session creation' : 'the run'}: ${browserErrorText(e)}`,
      );
    } finally {
      sent.settle();
      this.stages.delete(job.id);
      for (const path of sent.blobs) server.removeBlob(path);
      placementLog = this.consoleLines?.join('\n');
      this.consoleLines = undefined;
    }

    if (!result.ok && result.stage === 'skipped') throw new SkippedMeasure(result.message);
    if (!result.ok) this.failureReported = true; // (a rejected job closed its page above: nothing to clear)
    if (!result.ok)
      throw new BackendStageError(
        result.stage as 'load' | 'run',
        localeProblem(result.message) ?? addressSpaceProblem(result.message) ?? named(result.message),
      );

    let outputs: TensorMap;
    try {
      outputs = await withTimeout(
        this.readOutputs(live.page, job.id, result.outputs),
        this.timeoutMs,
        `${this.id}: reading the outputs`,
      );
    } catch (e) {
      if (!(e instanceof BackendStageError)) await this.closePage();
      throw e instanceof BackendStageError
        ? e
        : new BackendStageError('run', `reading the outputs from the browser page failed: ${browserErrorText(e)}`);
    } finally {
      // Outputs that came inline were never held by the page: nothing to drop, one round trip saved.
      if (!live.page.isClosed() && result.outputs.some((o) => o.index >= 0)) {
        await live.page
          .evaluate((id) => (window as unknown as PageWindow).onnxWorkbench.dropOutputs(id), job.id)
          .catch(() => undefined);
      }
    }
    const measurement: RunMeasurement = {
      outputs: sent.restore(outputs),
      sessionCreateMs: result.sessionCreateMs,
      firstRunMs: result.firstRunMs,
      timesMs: result.timesMs,
      ...(typeof result.warmupMs === 'number' ? { warmupMs: result.warmupMs, warmupRuns: result.warmupRuns ?? 0 } : {}),
      ...(typeof result.sessionReleaseMs === 'number' ? { sessionReleaseMs: result.sessionReleaseMs } : {}),
      threads: pageThreads(result, options, this.executionProvider),
    };
    if (placementLog !== undefined) measurement.placementLog = placementLog;
    return measurement;
  }

  /** Copy the held outputs out of the page, chunk by chunk, into workbench tensors. */
  private async readOutputs(page: Page, jobId: string, described: PageOutput[]): Promise<TensorMap> {
    const outputs: TensorMap = new Map();
    for (const out of described) {
      if (out.dtype === 'string') {
        // String outputs come inline with the description (they have no raw bytes to read in chunks).
        const n = elementCount(out.dims);
        if (!Array.isArray(out.strings) || out.strings.length !== n || out.strings.some((x) => typeof x !== 'string'))
          throw new BackendStageError(
            'run',
            `output ${out.name}: ${out.strings?.length ?? 'no'} strings for shape [${out.dims.join(', ')}] (expected ${n})`,
          );
        outputs.set(out.name, { dtype: 'string', dims: out.dims, data: out.strings });
        continue;
      }
      if (!isSupportedDType(out.dtype)) {
        throw new BackendStageError(
          'run',
          `output ${out.name} has element type ${out.dtype}, which the workbench cannot hold`,
        );
      }
      const n = elementCount(out.dims);
      const expected = rawByteLength(out.dtype, n);
      if (out.byteLength !== expected) {
        throw new BackendStageError(
          'run',
          `output ${out.name}: ${out.byteLength} bytes of ${out.dtype} data for shape [${out.dims.join(', ')}] (expected ${expected})`,
        );
      }
      const data = allocate(out.dtype, n);
      const bytes = rawBytes({ dtype: out.dtype, dims: out.dims, data });
      if (out.base64 !== undefined) {
        // Small outputs come inline with the run's result (no readOutput round trip).
        const inline = Buffer.from(out.base64, 'base64');
        if (inline.byteLength !== out.byteLength)
          throw new Error(`output ${out.name}: got ${inline.byteLength} of ${out.byteLength} bytes inline`);
        bytes.set(inline);
        outputs.set(out.name, { dtype: out.dtype, dims: out.dims, data });
        continue;
      }
      for (let offset = 0; offset < out.byteLength; offset += OUTPUT_CHUNK_BYTES) {
        const length = Math.min(OUTPUT_CHUNK_BYTES, out.byteLength - offset);
        const b64 = await page.evaluate(
          (a) => (window as unknown as PageWindow).onnxWorkbench.readOutput(a.jobId, a.index, a.offset, a.length),
          { jobId, index: out.index, offset, length },
        );
        const chunk = Buffer.from(b64, 'base64');
        if (chunk.byteLength !== length)
          throw new Error(`output ${out.name}: got ${chunk.byteLength} of ${length} bytes at offset ${offset}`);
        bytes.set(chunk, offset);
      }
      outputs.set(out.name, { dtype: out.dtype, dims: out.dims, data });
    }
    return outputs;
  }

  /** The build the page loads; throws (the backend is unavailable) when the one asked for cannot be. */
  private ortWebBuild(): OrtWebBuild {
    if (this.build instanceof BrowserUnavailableError) throw this.build;
    return this.build;
  }

  private async ensureServer(): Promise<LocalServer> {
    if (this.server?.started) return this.server;
    this.ortWebBuild(); // a bad choice of build: unavailable before anything starts
    const pageDir = browserPageDir();
    if (!existsSync(join(pageDir, 'runner.html'))) {
      throw new BrowserUnavailableError(
        `the browser runner page is missing (looked in ${pageDir})`,
        'reinstall onnx-workbench',
      );
    }
    let distDir: string;
    try {
      distDir = ortWebDistDir();
    } catch (e) {
      throw new BrowserUnavailableError(
        `onnxruntime-web is not installed (${firstLine(e)})`,
        'npm install onnxruntime-web',
      );
    }
    const server = new LocalServer();
    const libDir = pageLibDir();
    if (!libDir)
      throw new BrowserUnavailableError(
        'the page modules (dist/backends/measureLoop.js, dist/tensor/dtype.js) are missing',
        'run npm run build',
      );
    server.addStaticRoot('/ort/', distDir, {
      extensions: ['.js', '.mjs', '.wasm', '.map'],
      cacheControl: 'max-age=3600',
    });
    server.addStaticFiles('/lib/', libDir, PAGE_LIB_FILES);
    server.addStaticRoot('/', pageDir, { extensions: ['.html', '.js'] });
    await server.start();
    this.startupModelPath = server.addBlob(await startupModelBytes(), 'startup.onnx');
    this.server = server;
    return server;
  }

  /** Launch Chromium once (for WebGPU: hardware first, then SwiftShader) and keep it. */
  private async ensureBrowser(): Promise<LaunchedChromium> {
    if (this.unavailable) throw this.unavailable;
    if (this.launched?.browser.isConnected()) return this.launched;
    if (this.launched) {
      // The browser died: forget it and its page, launch again.
      this.live = undefined;
      await closeChromium(this.launched);
      this.launched = undefined;
    }
    this.launching ??= this.launchAndProbe()
      .catch((e: unknown) => {
        // Remember "cannot run here" until close(), so every measure does not relaunch twice.
        if (e instanceof BrowserUnavailableError) this.unavailable = e;
        throw e;
      })
      .finally(() => {
        this.launching = undefined;
      });
    const launched = await this.launching;
    this.launched = launched;
    launched.browser.on('disconnected', () => {
      if (this.launched === launched) {
        this.launched = undefined;
        this.live = undefined;
      }
    });
    return launched;
  }

  private async launch(args: string[]): Promise<LaunchedChromium> {
    const path = this.executablePath;
    const problem = executableProblem(path);
    if (problem)
      throw new BrowserUnavailableError(
        problem,
        'apt-get install chromium, or set CHROME_PATH to a Chromium/Chrome binary',
      );
    try {
      return await launchChromium(path, args, this.timeoutMs);
    } catch (e) {
      throw new BrowserUnavailableError(
        `Chromium at ${path} failed to start: ${browserErrorText(e)}`,
        'check that the binary runs headless on this machine, or set CHROME_PATH to a working Chromium/Chrome binary',
      );
    }
  }

  private async launchAndProbe(): Promise<LaunchedChromium> {
    await this.ensureServer();
    if (this.executionProvider === 'wasm') {
      this.swiftshader = false;
      return this.launch([]);
    }
    const reasons: string[] = [];
    if (this.adapterChoice !== 'swiftshader') {
      const launched = await this.launch(['--enable-unsafe-webgpu', '--enable-features=Vulkan']);
      const probe = await this.probe(launched).catch((e: unknown) => ({ ok: false as const, reason: firstLine(e) }));
      if (probe.ok && classifyAdapter(probe.adapter, false) === 'hardware') {
        this.adapter = probe.adapter;
        this.swiftshader = false;
        return launched;
      }
      reasons.push(
        probe.ok
          ? `no hardware WebGPU adapter (the default adapter is ${probe.adapter.vendor || '?'}/${probe.adapter.architecture || '?'}, a software one)`
          : `no hardware WebGPU adapter (${probe.reason})`,
      );
      await closeChromium(launched);
      if (this.adapterChoice === 'hardware') {
        throw new BrowserUnavailableError(
          reasons.join('; '),
          'check the GPU drivers (Vulkan) on this machine, or use ONNX_WORKBENCH_WEBGPU_ADAPTER=auto to accept SwiftShader',
        );
      }
    }
    const launched = await this.launch(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
    const probe = await this.probe(launched).catch((e: unknown) => ({ ok: false as const, reason: firstLine(e) }));
    if (!probe.ok) {
      await closeChromium(launched);
      reasons.push(`no SwiftShader WebGPU adapter either (${probe.reason})`);
      throw new BrowserUnavailableError(
        reasons.join('; '),
        "apt-get install chromium (Debian's package ships SwiftShader, libvk_swiftshader.so), or set CHROME_PATH to a Chromium/Chrome with WebGPU; on a GPU machine check the GPU drivers",
      );
    }
    this.adapter = probe.adapter;
    this.swiftshader = true;
    return launched;
  }

  /** Ask a fresh page of `launched` for its WebGPU adapter. */
  private async probe(launched: LaunchedChromium): Promise<ProbeResult> {
    const context = await launched.browser.newContext();
    try {
      const page = await context.newPage();
      await this.loadRunner(page);
      return await withTimeout(
        page.evaluate(() => (window as unknown as PageWindow).onnxWorkbench.probeAdapter()),
        this.timeoutMs,
        'requesting a WebGPU adapter',
      );
    } finally {
      await context.close().catch(() => undefined);
    }
  }

  private async loadRunner(page: Page): Promise<void> {
    const server = this.server!;
    page.setDefaultTimeout(this.timeoutMs);
    // The page loads the onnxruntime-web build its address names (runner.js).
    const response = await page.goto(`${server.origin}/runner.html?ort=${ORT_WEB_BUILDS[this.ortWebBuild()].script}`, {
      waitUntil: 'load',
      timeout: Math.min(this.timeoutMs, 120_000),
    });
    if (!response?.ok()) throw new Error(`the runner page did not load (HTTP ${response?.status() ?? 'no response'})`);
    const loaded = await page.evaluate(
      () =>
        typeof (window as unknown as Partial<PageWindow>).onnxWorkbench === 'object' &&
        typeof (globalThis as { ort?: unknown }).ort === 'object',
    );
    if (!loaded) throw new Error('onnxruntime-web did not load in the runner page');
  }

  /** A page with onnxruntime-web initialized for this EP and `threads` (a new page when `threads` changes). */
  private async ensurePage(threads: number | undefined): Promise<LivePage> {
    const launched = await this.ensureBrowser();
    if (
      this.live &&
      !this.live.page.isClosed() &&
      !this.live.crashed &&
      !this.live.abandoned &&
      this.live.threads === threads
    )
      return this.live;
    await this.closePage();
    const spare = this.spare;
    this.spare = undefined;
    const ready = spare ? await spare : undefined;
    const usable =
      ready &&
      ready.threads === threads &&
      !ready.crashed &&
      !ready.page.isClosed() &&
      ready.context.browser() === launched.browser;
    if (ready && !usable) await ready.context.close().catch(() => undefined);
    this.live = usable ? ready : await this.openPage(launched, threads);
    if (this.keepSpare) this.openSpare(launched, threads);
    return this.live;
  }

  /** Open the next page ahead (see `spare`); a failure only means the next reset opens one itself. */
  private openSpare(launched: LaunchedChromium, threads: number | undefined): void {
    if (this.spare) return;
    this.spare = this.openPage(launched, threads).catch(() => undefined);
  }

  /** A new context and page with the runner loaded and onnxruntime-web started. */
  private async openPage(launched: LaunchedChromium, threads: number | undefined): Promise<LivePage> {
    const context = await launched.browser.newContext();
    try {
      const page = await context.newPage();
      const opened: { live?: LivePage } = {};
      page.on('console', (msg) => {
        if (this.live?.page !== page) return; // a page opened ahead says nothing until it is the live one
        const text = msg.text();
        // The page says when a job's session exists and its runs begin (a timeout or crash then names the stage).
        if (text.startsWith('onnx-workbench-stage:')) {
          const id = text.slice('onnx-workbench-stage:run:'.length);
          if (text.startsWith('onnx-workbench-stage:run:') && this.stages.has(id)) this.stages.set(id, 'run');
          return;
        }
        // Only onnxruntime's placement lines are kept (see verify/placement.ts); the rest of a verbose log is noise.
        if (isPlacementLogLine(text)) this.consoleLines?.push(text);
      });
      page.on('crash', () => {
        // A crashed page is not "closed" for playwright; make sure it is never reused.
        if (opened.live) opened.live.crashed = true;
        if (this.live?.page === page) this.live = undefined;
        void context.close().catch(() => undefined);
      });
      await this.loadRunner(page);
      const init = await withTimeout(
        page.evaluate((job) => (window as unknown as PageWindow).onnxWorkbench.init(job), {
          modelUrl: this.startupModelPath!,
          executionProvider: this.executionProvider,
          ...(threads !== undefined ? { threads } : {}),
        }),
        this.timeoutMs,
        `initializing onnxruntime-web (${this.executionProvider})`,
      );
      if (!init.ok) {
        throw new BrowserUnavailableError(
          `onnxruntime-web could not start the ${this.executionProvider} execution provider: ${init.message}`,
          this.executionProvider === 'webgpu'
            ? 'check the GPU drivers, or force SwiftShader with ONNX_WORKBENCH_WEBGPU_ADAPTER=swiftshader'
            : 'check that onnxruntime-web is installed completely (its dist/*.wasm files)',
        );
      }
      const info = await page.evaluate(() => (window as unknown as PageWindow).onnxWorkbench.info());
      opened.live = { context, page, threads, info };
      return opened.live;
    } catch (e) {
      await context.close().catch(() => undefined);
      throw e;
    }
  }

  private async closePage(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (!live) return;
    live.abandoned = true;
    await live.context.close().catch(() => undefined);
  }
}

/** The WASM threads the page ran with, and why when it is not what was asked for. */
function pageThreads(
  result: { wasmThreads: number; crossOriginIsolated?: boolean },
  options: SessionOptions,
  ep: 'wasm' | 'webgpu',
): ThreadsUsed {
  const notes: string[] = [];
  if (result.crossOriginIsolated === false)
    notes.push('the page is not crossOriginIsolated (no COOP/COEP headers): onnxruntime-web runs WASM on one thread');
  else if (options.threads && options.threads !== result.wasmThreads)
    notes.push(`asked for ${options.threads}; onnxruntime-web runs ${result.wasmThreads}`);
  else if (!options.threads) notes.push('onnxruntime-web default: min(4, ceil(hardwareConcurrency / 2))');
  if (ep === 'webgpu') notes.push('WASM threads serve only the nodes left on the CPU; the graph runs on WebGPU');
  if (options.interOpThreads)
    notes.push('onnxruntime-web has no inter-op thread pool: --inter-op-threads does not apply');
  return { intraOp: result.wasmThreads, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

export function createBrowserBackend(
  id: BrowserBackendId,
  title: string = id,
  options: BrowserBackendOptions = {},
): Backend {
  return new BrowserBackend(id, title, options);
}
