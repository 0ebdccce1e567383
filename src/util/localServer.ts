/**
 * A small HTTP server on 127.0.0.1, used by the browser backends and by `serve`: it serves static
 * roots (a runner page, the onnxruntime-web `dist/` files, the shared page modules) and per-job
 * bytes (model, input tensors) from memory.
 *
 * Every response carries COOP `same-origin` and COEP `require-corp` so the page is
 * crossOriginIsolated (SharedArrayBuffer, hence WASM threads). Static files are only ever read
 * from the registered roots: request paths are decoded, normalized and checked against the root
 * (after resolving symlinks), and anything else is a 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, promises as fsp, type BigIntStats } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export interface StaticRootOptions {
  /** Only these file extensions are served from the root (e.g. ['.js', '.mjs', '.wasm']). */
  extensions?: readonly string[];
  /** Cache-Control for files of this root; default `no-store`. */
  cacheControl?: string;
  /** File served for the root itself and for paths ending in '/' (e.g. index.html). */
  index?: string;
  /** Only these relative paths are served from the root (e.g. ['tensor/dtype.js']). */
  only?: readonly string[];
}

interface StaticRoot {
  prefix: string;
  dir: string;
  realDir?: string;
  options: StaticRootOptions;
}

/** Headers every response gets: cross-origin isolation and no sniffing. */
function isolationHeaders(res: ServerResponse): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

export interface LocalServerOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; default 0 (an ephemeral port). */
  port?: number;
  /** Handles requests under /api/ (any method); the static roots stay GET/HEAD only. */
  api?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export class LocalServer {
  constructor(private readonly options: LocalServerOptions = {}) {}

  private server: Server | undefined;
  private port = 0;
  private readonly roots: StaticRoot[] = [];
  private readonly blobs = new Map<string, { bytes: Uint8Array; contentType: string }>();
  private readonly files = new Map<string, { path: string; contentType: string; check: FileCheck }>();

  /** Serve files under `dir` at URL paths starting with `prefix` (which must start and end with '/'). */
  addStaticRoot(prefix: string, dir: string, options: StaticRootOptions = {}): void {
    if (!prefix.startsWith('/') || !prefix.endsWith('/'))
      throw new Error(`static prefix must start and end with '/': ${prefix}`);
    this.roots.push({ prefix, dir: resolve(dir), options });
    // Longest prefix first, so '/ort/' wins over '/'.
    this.roots.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Serve only the listed files (relative paths under `dir`) at `prefix`. */
  addStaticFiles(prefix: string, dir: string, files: readonly string[]): void {
    this.addStaticRoot(prefix, dir, {
      extensions: [...new Set(files.map((f) => extname(f).toLowerCase()))],
      only: files,
    });
  }

  /**
   * Serve `bytes` from memory at a new unguessable path under `/jobs/`; returns the path.
   * The bytes are not copied: do not modify them until `removeBlob`.
   */
  addBlob(bytes: Uint8Array, name = 'data.bin'): string {
    const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_') || 'data.bin';
    const path = `/jobs/${randomBytes(16).toString('hex')}/${safeName}`;
    this.blobs.set(path, { bytes, contentType: CONTENT_TYPES[extname(safeName)] ?? 'application/octet-stream' });
    return path;
  }

  removeBlob(path: string): void {
    this.blobs.delete(path);
    this.files.delete(path);
  }

  /**
   * Serve one file from disk (a validated model or external data file, too large to hold) at a new
   * unguessable path under `/jobs/`; returns the path (`removeBlob` ends it). Nothing else of the
   * file's folder is reachable. Each request opens the file and serves it only when `check` accepts
   * what `fstat` says of the open descriptor (a regular file, the validated identity); otherwise 409.
   */
  addFile(path: string, name: string, check: FileCheck): string {
    const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_') || 'data.bin';
    const url = `/jobs/${randomBytes(16).toString('hex')}/${safeName}`;
    this.files.set(url, { path, contentType: 'application/octet-stream', check });
    return url;
  }

  get origin(): string {
    if (!this.server) throw new Error('local server is not started');
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost(host)}:${this.port}`;
  }

  get started(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<string> {
    if (this.server) return this.origin;
    for (const root of this.roots) {
      try {
        root.realDir = await fsp.realpath(root.dir);
      } catch {
        root.realDir = undefined; // a missing root serves nothing
      }
    }
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        } else {
          res.destroy();
        }
      });
    });
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolvePromise();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.origin;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.blobs.clear();
    this.files.clear();
    if (!server) return;
    await new Promise<void>((resolvePromise) => {
      server.close(() => resolvePromise());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    isolationHeaders(res);
    const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return notFound(res);
    }
    if (path.includes('\0') || path.includes('\\')) return notFound(res);
    // Only the page we opened talks to us: refuse other Host names (DNS rebinding).
    const host = this.options.host ?? '127.0.0.1';
    const allowed = LOOPBACK.has(host)
      ? [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`, `${urlHost(host)}:${this.port}`]
      : undefined;
    if (allowed && !allowed.includes(req.headers.host ?? '')) {
      req.resume();
      res.statusCode = 421;
      res.end();
      return;
    }
    if (this.options.api && path.startsWith('/api/')) return this.options.api(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.end();
      return;
    }

    const blob = this.blobs.get(path);
    if (blob) {
      res.statusCode = 200;
      res.setHeader('Content-Type', blob.contentType);
      res.setHeader('Content-Length', String(blob.bytes.byteLength));
      res.setHeader('Cache-Control', 'no-store');
      res.end(req.method === 'HEAD' ? undefined : blob.bytes);
      return;
    }

    const served = this.files.get(path);
    if (served) return serveFile(req, res, served);

    const root = this.roots.find((r) => path.startsWith(r.prefix));
    if (!root || !root.realDir) return notFound(res);
    let rel = path.slice(root.prefix.length);
    if (root.options.index && (rel === '' || rel.endsWith('/'))) rel += root.options.index;
    const file = await this.resolveInRoot(root, rel);
    if (!file) return notFound(res);
    res.statusCode = 200;
    res.setHeader('Content-Type', CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Cache-Control', root.options.cacheControl ?? 'no-store');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  /** The real path of a regular file inside the root for a relative URL path, or undefined. */
  private async resolveInRoot(root: StaticRoot, relative: string): Promise<{ path: string; size: number } | undefined> {
    const realDir = root.realDir;
    if (!realDir || relative === '' || relative.endsWith('/')) return undefined;
    const segments = relative.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
    if (root.options.only && !root.options.only.includes(relative)) return undefined;
    const ext = extname(relative).toLowerCase();
    if (root.options.extensions && !root.options.extensions.includes(ext)) return undefined;
    const candidate = resolve(realDir, ...segments);
    if (!candidate.startsWith(realDir + sep)) return undefined;
    try {
      const real = await fsp.realpath(candidate);
      if (!real.startsWith(realDir + sep)) return undefined; // a symlink pointing out of the root
      const st = await fsp.stat(real);
      if (!st.isFile()) return undefined;
      return { path: real, size: st.size };
    } catch {
      return undefined;
    }
  }
}

/** Accepts or refuses a served file by its `fstat` (bigint) on the open descriptor. */
export type FileCheck = (st: BigIntStats) => boolean;

/** Stream one registered file, after checking the open descriptor is still the file that was registered. */
async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  served: { path: string; contentType: string; check: FileCheck },
): Promise<void> {
  let handle: Awaited<ReturnType<typeof fsp.open>>;
  try {
    handle = await fsp.open(served.path, 'r');
  } catch {
    return notFound(res);
  }
  let st: BigIntStats;
  try {
    st = await handle.stat({ bigint: true });
  } catch {
    await handle.close();
    return notFound(res);
  }
  if (!st.isFile() || !served.check(st)) {
    await handle.close();
    res.statusCode = 409;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('the file changed after it was validated');
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', served.contentType);
  res.setHeader('Content-Length', String(st.size));
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'HEAD' || st.size === 0n) {
    await handle.close();
    res.end();
    return;
  }
  const stream = handle.createReadStream({ start: 0, end: Number(st.size) - 1, highWaterMark: 4 * 1024 * 1024 });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** A host as it appears in a URL: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function notFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('not found');
}
