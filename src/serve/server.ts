/**
 * `serve`: the runner page and the report over HTTP, and an API through which the user's own browser
 * runs the bundled models with onnxruntime-web and posts raw outputs back. The server judges each
 * result against the reference it holds and stores it as an evidence record. Loopback by default.
 */
import { isFileModel } from '../onnx/fileModel.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LocalServer } from '../util/localServer.js';
import { PAGE_LIB_FILES, ortWebDistDir, ortWebPackageVersion, pageLibDir } from '../backends/browser/ortWeb.js';
import { classifyAdapter } from '../backends/adapter.js';
import type { BackendDescription } from '../backends/types.js';
import { packageRoot } from '../util/paths.js';
import type { Target } from '../models/catalog.js';
import { prepareTarget, type PreparedModel } from '../verify/prepare.js';
import { judge, type ModelResult } from '../verify/verify.js';
import { EvidenceWriteError, makeRecord, probeEvidenceDir, writeRecord } from '../evidence/store.js';
import { WorkbenchError, errorLine } from '../errors.js';
import { checkPostedOutputs, decodePostedTensor, encodeTensor, parsePostedResult } from './api.js';
import type { Tensor } from '../tensor/tensor.js';
import { placementFromLog } from '../backends/placement.js';
import { UploadStore, uploadName } from './uploads.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  evidenceDir: string;
  reportDir?: string;
  targets: Target[];
  /** Largest accepted POST body, bytes. */
  maxBodyBytes?: number;
  onRecord?: (path: string, result: ModelResult) => void;
}

export interface ServeHandle {
  url: string;
  models: PreparedModel[];
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** Read a body, counting bytes as they arrive (Content-Length is not trusted). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        reject(new HttpError(413, `body over ${max} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
  });
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  probeEvidenceDir(options.evidenceDir); // a read-only or full folder is found now, not at the first post
  const models = options.targets.map((t) => prepareTarget(t));
  // What the page can run: the bundled models, then the user's uploads (a dropped upload leaves a hole).
  const served: (PreparedModel | undefined)[] = [...models];
  const uploaded = new Set<number>();
  const uploads = new UploadStore();
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const version = ortWebPackageVersion();

  const modelAt = (segment: string | undefined): PreparedModel => {
    const i = Number(segment);
    const m = Number.isInteger(i) ? served[i] : undefined;
    if (!m) throw new HttpError(404, `no model ${segment}`);
    return m;
  };
  const describe = (m: PreparedModel, index: number) => ({
    index,
    id: m.target.id,
    framework: m.target.manifest?.framework ?? (m.exporter.framework !== 'unknown' ? m.exporter.framework : null),
    producer: m.summary.producerName,
    sha256: m.model.sha256,
    sizeBytes: m.summary.sizeBytes,
    reference: m.referenceKind,
    inputs: m.summary.inputs.map((x) => x.name),
    ...(uploaded.has(index) ? { uploaded: true } : {}),
  });

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      const parts = path.split('/').filter(Boolean); // ['api', ...]
      if (req.method === 'GET' && parts[1] === 'models' && parts.length === 2) {
        return sendJson(
          res,
          200,
          served.flatMap((m, index) => (m ? [describe(m, index)] : [])),
        );
      }
      if (parts[1] === 'uploads' && parts.length === 2) {
        // The user's own model: ?name=<file.onnx>&modelBytes=<n>[&npz=<file.npz>]; the body is the
        // model's bytes, then the .npz's. Validated and prepared as verify prepares a model file.
        if (req.method !== 'POST') throw new HttpError(405, 'POST only');
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (type !== 'application/octet-stream') {
          req.resume();
          throw new HttpError(415, 'content type must be application/octet-stream');
        }
        const query = new URL(req.url ?? '/', 'http://serve').searchParams;
        let name: string;
        let npzName: string | undefined;
        try {
          name = uploadName(query.get('name'), '.onnx');
          npzName = query.get('npz') ? uploadName(query.get('npz'), '.npz') : undefined;
        } catch (e) {
          req.resume();
          throw new HttpError(400, errorLine(e));
        }
        const body = await readBody(req, max);
        const modelBytes = npzName ? Number(query.get('modelBytes')) : body.length;
        if (!Number.isSafeInteger(modelBytes) || modelBytes <= 0 || modelBytes > body.length)
          throw new HttpError(400, `modelBytes must give the size of ${name} within the body (${body.length} bytes)`);
        const index = served.length;
        let added;
        try {
          added = uploads.add(
            {
              name,
              model: body.subarray(0, modelBytes),
              ...(npzName ? { npzName, npz: body.subarray(modelBytes) } : {}),
            },
            index,
          );
        } catch (e) {
          throw new HttpError(e instanceof WorkbenchError ? 422 : 500, errorLine(e));
        }
        served.push(added.prepared);
        uploaded.add(index);
        for (const i of added.dropped) {
          served[i] = undefined;
          uploaded.delete(i);
        }
        return sendJson(res, 201, {
          ...describe(added.prepared, index),
          warnings: added.prepared.warnings,
          outputs: added.prepared.summary.outputs.map((o) => o.name),
        });
      }
      if (req.method === 'GET' && parts[1] === 'models' && parts[3] === 'model' && parts.length === 4) {
        const m = modelAt(parts[2]);
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Cache-Control', 'no-store');
        // The runner page gets the validated bytes; a model too large to hold is not served.
        if (isFileModel(m.model))
          throw new HttpError(
            413,
            `${m.model.path}: ${m.model.source.totalBytes} bytes, too large to serve to the runner page`,
          );
        res.end(m.model.bytes);
        return;
      }
      if (req.method === 'GET' && parts[1] === 'models' && parts[3] === 'inputs' && parts.length === 4) {
        const m = modelAt(parts[2]);
        return sendJson(res, 200, { feeds: [...m.feeds].map(([name, t]) => encodeTensor(name, t)) });
      }
      if (parts[1] === 'results' && parts.length === 2) {
        if (req.method !== 'POST') throw new HttpError(405, 'POST only');
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (type !== 'application/json') {
          req.resume();
          throw new HttpError(415, 'content type must be application/json');
        }
        const body = await readBody(req, max);
        let value: unknown;
        try {
          value = JSON.parse(body.toString('utf8'));
        } catch {
          throw new HttpError(400, 'malformed JSON');
        }
        let posted;
        try {
          posted = parsePostedResult(value);
        } catch (e) {
          throw new HttpError(400, errorLine(e));
        }
        const m = served[posted.index];
        if (!m) throw new HttpError(404, `no model ${posted.index}`);
        if (m.model.sha256 !== posted.sha256)
          throw new HttpError(409, `sha256 does not match the model served as ${posted.index}`);
        // A result must be one this model can produce: its outputs, their dtypes and static shapes.
        const lie = checkPostedOutputs(posted, m.summary.outputs, m.reference);
        if (lie) throw new HttpError(422, lie);
        const result = judgePosted(m, posted, version, uploaded.has(posted.index));
        const record = makeRecord(
          'browser',
          {
            hostname: `browser@${req.socket.remoteAddress ?? 'unknown'}`,
            platform: posted.platform ?? 'unknown',
            arch: 'unknown',
          },
          [{ id: result.backend, available: true, description: result.description }],
          [result.result],
          { userAgent: posted.userAgent },
        );
        const file = writeRecord(options.evidenceDir, record);
        options.onRecord?.(file, result.result);
        return sendJson(res, 201, { record: record.id, result: result.result });
      }
      throw new HttpError(404, 'no such API');
    } catch (e) {
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
      if (e instanceof EvidenceWriteError) return sendJson(res, 507, { error: errorLine(e) });
      return sendJson(res, e instanceof WorkbenchError ? 400 : 500, { error: errorLine(e) });
    }
  }

  const server = new LocalServer({ host: options.host ?? '127.0.0.1', port: options.port ?? 0, api });
  server.addStaticRoot('/', join(packageRoot(), 'src', 'serve', 'page'), {
    extensions: ['.html', '.js', '.css'],
    index: 'index.html',
  });
  server.addStaticRoot('/ort/', ortWebDistDir(), { extensions: ['.js', '.mjs', '.wasm'] });
  // The page's measuring loop, dtype table and adapter wording: the workbench's own modules (dist/).
  const libDir = pageLibDir();
  if (!libDir) throw new WorkbenchError('the page modules under dist/ are missing: run npm run build');
  server.addStaticFiles('/lib/', libDir, PAGE_LIB_FILES);
  if (options.reportDir)
    server.addStaticRoot('/report/', options.reportDir, {
      extensions: ['.html', '.json', '.svg', '.png', '.css'],
      index: 'index.html',
    });
  const url = await server.start();
  return {
    url,
    models,
    close: async () => {
      await server.close();
      uploads.close();
    },
  };
}

function judgePosted(
  m: PreparedModel,
  posted: ReturnType<typeof parsePostedResult>,
  version: string,
  upload = false,
): { result: ModelResult; description: BackendDescription; backend: 'browser-wasm' | 'browser-webgpu' } {
  const backend = posted.backend === 'webgpu' ? 'browser-webgpu' : 'browser-wasm';
  const a = posted.adapter ?? {};
  const adapterKind =
    posted.backend === 'webgpu'
      ? classifyAdapter(
          {
            vendor: a.vendor ?? '',
            architecture: a.architecture ?? '',
            device: a.device ?? '',
            description: a.description ?? '',
            isFallbackAdapter: a.isFallbackAdapter ?? null,
            features: [],
          },
          false,
        )
      : 'cpu';
  const description: BackendDescription = {
    backend,
    runtime: 'onnxruntime-web',
    runtimeVersion: posted.runtimeVersion ?? version,
    executionProvider: posted.backend,
    adapter: {
      kind: adapterKind,
      ...(posted.adapter?.vendor ? { vendor: posted.adapter.vendor } : {}),
      ...(posted.adapter?.architecture ? { architecture: posted.adapter.architecture } : {}),
      ...(posted.adapter?.device ? { device: posted.adapter.device } : {}),
      ...(posted.adapter?.description ? { description: posted.adapter.description } : {}),
      ...(posted.backend === 'webgpu'
        ? { source: 'claimed by the posting browser page (its navigator.gpu adapter info); not verified by the server' }
        : {}),
    },
    userAgent: posted.userAgent,
  };
  const status = { id: backend, available: true, description } as const;
  if (posted.error) {
    const result = judge(
      m,
      status,
      undefined,
      { status: posted.error.stage === 'load' ? 'load-error' : 'run-error', reason: posted.error.message },
      undefined,
    );
    return { result, description, backend };
  }
  let outputs: Map<string, Tensor>;
  try {
    outputs = new Map(posted.outputs!.map((t) => [t.name, decodePostedTensor(t)]));
  } catch (e) {
    throw new HttpError(400, errorLine(e));
  }
  // Which EP ran which node, from onnxruntime's log in the page: classified here, against the graph
  // the server holds (shape subgraph vs fallback); like the adapter, the page's claim.
  const logged = posted.placementLog
    ? placementFromLog(posted.placementLog, m.model.proto.graph ?? undefined)
    : undefined;
  const placement = logged
    ? {
        ...logged,
        source: 'logged by the posting browser page (its onnxruntime-web console); not verified by the server',
      }
    : undefined;
  const judged = judge(
    m,
    status,
    { outputs, sessionCreateMs: posted.sessionCreateMs!, firstRunMs: posted.firstRunMs!, timesMs: posted.timesMs! },
    undefined,
    undefined,
    undefined,
    placement,
  );
  // An upload's file lives in the server's private folder only while serve runs: the record names the upload.
  const result = upload ? { ...judged, path: m.target.id } : judged;
  return { result, description, backend };
}

export function loopbackWarning(host: string): string | undefined {
  return isLoopback(host)
    ? undefined
    : `warning: serving on ${host}, not loopback: anyone who can reach this machine can read the models and post results`;
}
