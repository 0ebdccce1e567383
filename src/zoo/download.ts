/**
 * Resume-safe, verified downloads. Bytes stream into `<dest>.part`; a later run continues a `.part`
 * with an HTTP Range request when the server answers 206. Only a file whose size and sha256 both
 * match is renamed to `<dest>`, so a file under the final name has always passed its check; a
 * `.part` that fails it is deleted.
 */
import { makeDirs } from '../util/makeDirs.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { InputError, errorLine } from '../errors.js';
import { bytes } from '../format/numbers.js';

export type FetchLike = typeof fetch;

export interface DownloadProgress {
  /** File name being written (the final name, without `.part`). */
  file: string;
  received: number;
  total: number;
  /** Bytes already in the `.part` when this transfer began. */
  resumedFrom: number;
  done: boolean;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  sha256: string;
  size: number;
  onProgress?: (p: DownloadProgress) => void;
  /** Informational lines (resuming, a server ignoring Range, ...). */
  onMessage?: (line: string) => void;
  fetch?: FetchLike;
  signal?: AbortSignal;
  /** No data (headers or body) for this long stops the transfer; default `defaultStallMs()`. */
  stallMs?: number;
}

/** `ONNX_WORKBENCH_STALL_SECONDS` (default 60) as milliseconds. */
export function defaultStallMs(): number {
  const env = Number(process.env.ONNX_WORKBENCH_STALL_SECONDS);
  return (Number.isFinite(env) && env > 0 ? env : 60) * 1000;
}

/**
 * An abort signal that fires when `kick()` has not been called for `ms` (a stalled transfer), or
 * when `outer` aborts. `stalled` says which one it was.
 */
function stallWatch(
  ms: number,
  outer: AbortSignal | undefined,
): { signal: AbortSignal; kick(): void; stop(): void; readonly stalled: boolean } {
  const ctl = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const kick = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ctl.abort(new Error(`no data for ${ms / 1000} s`));
    }, ms);
  };
  const onOuter = () => ctl.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted) ctl.abort(outer.reason);
  kick();
  return {
    signal: ctl.signal,
    kick,
    stop: () => {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
    get stalled() {
      return stalled;
    },
  };
}

export interface DownloadResult {
  path: string;
  /** cached: already there and verified; downloaded: from the start; resumed: continued a `.part`. */
  outcome: 'cached' | 'downloaded' | 'resumed';
  /** Bytes transferred over the network by this call. */
  transferred: number;
}

/** Thrown when bytes arrived but failed their check (the `.part` has been deleted). */
export class IntegrityError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function errorCodes(e: unknown, depth = 0): { codes: string[]; names: string[]; host?: string } {
  const out: { codes: string[]; names: string[]; host?: string } = { codes: [], names: [] };
  if (!e || typeof e !== 'object' || depth > 5) return out;
  const o = e as {
    code?: unknown;
    name?: unknown;
    cause?: unknown;
    errors?: unknown;
    hostname?: unknown;
    address?: unknown;
    port?: unknown;
  };
  if (typeof o.code === 'string') out.codes.push(o.code);
  if (typeof o.name === 'string') out.names.push(o.name);
  if (typeof o.hostname === 'string') out.host = o.hostname;
  else if (typeof o.address === 'string') out.host = `${o.address}${typeof o.port === 'number' ? `:${o.port}` : ''}`;
  const nested = [o.cause, ...(Array.isArray(o.errors) ? o.errors : [])];
  for (const n of nested) {
    const r = errorCodes(n, depth + 1);
    out.codes.push(...r.codes);
    out.names.push(...r.names);
    out.host ??= r.host;
  }
  return out;
}

/** Why a connection could not be made, as one line: `cannot download <url>: network unreachable (...; offline?)`. */
export function describeNetworkError(url: string, e: unknown): string {
  const { codes, names, host: errHost } = errorCodes(e);
  let host = errHost;
  try {
    host ??= new URL(url).host;
  } catch {
    /* keep undefined */
  }
  const has = (...c: string[]) => c.some((x) => codes.includes(x));
  const causeMessage = errorLine((e as { cause?: unknown })?.cause ?? '');
  if (causeMessage === 'bad port') {
    let port = '';
    try {
      port = new URL(url).port;
    } catch {
      /* keep empty */
    }
    return `cannot download ${url}: fetch refuses port ${port || '?'} (on its list of blocked ports)`;
  }
  let detail: string;
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL')) detail = `cannot resolve ${host ?? 'the host'}`;
  else if (has('ECONNREFUSED')) detail = `connection refused by ${host ?? 'the server'}`;
  else if (has('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT') || names.includes('TimeoutError'))
    detail = `no answer from ${host ?? 'the server'} (timed out)`;
  else if (has('ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN')) detail = `no route to ${host ?? 'the server'}`;
  else if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'))
    detail = `connection to ${host ?? 'the server'} reset`;
  else detail = errorLine((e as { cause?: unknown })?.cause ?? e);
  return `cannot download ${url}: network unreachable (${detail}; offline?)`;
}

const LFS_POINTER = 'version https://git-lfs.github.com/spec/';

function lfsHint(head: string): string {
  return head.startsWith(LFS_POINTER)
    ? ': the server sent a Git LFS pointer instead of the file (use a base URL that serves LFS content, e.g. https://media.githubusercontent.com/media/onnx/models/main)'
    : '';
}

async function drain(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    /* already closed */
  }
}

/**
 * Download `url` to `dest`, verifying size and sha256. Throws InputError (one line) when the network
 * is unreachable, the server answers with an error, or the bytes fail their check.
 */
export async function downloadVerified(o: DownloadOptions): Promise<DownloadResult> {
  const doFetch = o.fetch ?? fetch;
  const part = `${o.dest}.part`;
  const file = basename(o.dest);
  makeDirs(dirname(o.dest));

  if (existsSync(o.dest)) {
    if (statSync(o.dest).size === o.size && (await sha256File(o.dest)) === o.sha256) {
      return { path: o.dest, outcome: 'cached', transferred: 0 };
    }
    rmSync(o.dest, { force: true });
    o.onMessage?.(`${file}: the cached copy does not match its size or sha256; deleted, downloading again`);
  }

  let start = existsSync(part) ? statSync(part).size : 0;
  if (start > o.size) {
    rmSync(part, { force: true });
    o.onMessage?.(`${file}.part is larger than the expected ${o.size} bytes; deleted, starting again`);
    start = 0;
  }
  let outcome: DownloadResult['outcome'] = 'downloaded';
  let transferred = 0;

  if (start < o.size) {
    const stallMs = o.stallMs ?? defaultStallMs();
    const watch = stallWatch(stallMs, o.signal);
    const stalledLine = (at: number) =>
      `download of ${o.url} stalled: no data for ${stallMs / 1000} s at ${bytes(at)} of ${bytes(o.size)}; run the command again to resume`;
    try {
      let res: Response | undefined;
      for (let attempt = 0; attempt < 2 && !res; attempt++) {
        const headers: Record<string, string> = start > 0 ? { Range: `bytes=${start}-` } : {};
        let r: Response;
        try {
          watch.kick();
          r = await doFetch(o.url, { headers, redirect: 'follow', signal: watch.signal });
          watch.kick();
        } catch (e) {
          if (watch.stalled) throw new InputError(stalledLine(start));
          if (o.signal?.aborted) throw new InputError(`download of ${o.url} interrupted`);
          throw new InputError(describeNetworkError(o.url, e));
        }
        if (start > 0 && r.status === 206) {
          const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(r.headers.get('content-range') ?? '');
          if (m && Number(m[1]) === start) {
            outcome = 'resumed';
            o.onMessage?.(`${file}: resuming at ${bytes(start)} of ${bytes(o.size)}`);
            res = r;
          } else {
            await drain(r);
            o.onMessage?.(`${file}: the server answered the Range request with an unexpected range; starting again`);
            start = 0;
          }
        } else if (start > 0 && r.status === 416) {
          await drain(r);
          o.onMessage?.(`${file}: the server refused to resume (HTTP 416); starting again`);
          start = 0;
        } else if (r.ok) {
          if (start > 0)
            o.onMessage?.(
              `${file}: the server does not resume downloads (HTTP ${r.status} to a Range request); starting again`,
            );
          start = 0;
          res = r;
        } else {
          await drain(r);
          throw new InputError(`cannot download ${o.url}: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
        }
      }
      if (!res)
        throw new InputError(`cannot download ${o.url}: the server does not answer Range requests consistently`);
      if (!res.body) throw new InputError(`cannot download ${o.url}: empty response`);

      // A whole-file answer announcing the wrong length is refused before anything is written.
      const announced = Number(res.headers.get('content-length') ?? NaN);
      if (
        outcome === 'downloaded' &&
        Number.isFinite(announced) &&
        announced !== o.size &&
        !res.headers.get('content-encoding')
      ) {
        let head = '';
        if (announced < 4096) {
          try {
            head = await res.text();
          } catch {
            /* ignore */
          }
        } else await drain(res);
        throw new IntegrityError(
          `cannot download ${o.url}: the server sends ${announced} bytes, expected ${o.size}${lfsHint(head)}; nothing kept`,
        );
      }

      let received = start;
      const resumedFrom = start;
      let lastReport = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          watch.kick();
          received += chunk.length;
          transferred += chunk.length;
          if (received > o.size) {
            cb(new IntegrityError(`more than the expected ${o.size} bytes`));
            return;
          }
          const now = Date.now();
          if (o.onProgress && (now - lastReport >= 100 || received === o.size)) {
            lastReport = now;
            o.onProgress({ file, received, total: o.size, resumedFrom, done: false });
          }
          cb(null, chunk);
        },
      });
      try {
        await pipeline(
          Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
          counter,
          createWriteStream(part, { flags: outcome === 'resumed' ? 'a' : 'w' }),
          { signal: watch.signal },
        );
      } catch (e) {
        if (watch.stalled) throw new InputError(stalledLine(received));
        if (e instanceof IntegrityError) {
          rmSync(part, { force: true });
          throw new IntegrityError(`${file}: ${o.url} sent ${e.message}; deleted the partial download`);
        }
        const why = o.signal?.aborted ? 'interrupted' : errorLine((e as { cause?: unknown })?.cause ?? e);
        throw new InputError(
          `download of ${o.url} stopped at ${bytes(received)} of ${bytes(o.size)} (${why}); run the command again to resume`,
        );
      }
      o.onProgress?.({ file, received, total: o.size, resumedFrom, done: true });
    } finally {
      watch.stop();
    }
  }

  const got = statSync(part).size;
  if (got < o.size) {
    throw new InputError(
      `download of ${o.url} ended early at ${bytes(got)} of ${bytes(o.size)}; run the command again to resume`,
    );
  }
  const sha = await sha256File(part);
  if (sha !== o.sha256) {
    const head = got < 4096 ? readFileSync(part, 'utf8') : '';
    rmSync(part, { force: true });
    throw new IntegrityError(
      `${file}: sha256 ${sha.slice(0, 16)}… does not match the expected ${o.sha256.slice(0, 16)}… (from ${o.url})${lfsHint(head)}; deleted the download`,
    );
  }
  renameSync(part, o.dest);
  return { path: o.dest, outcome, transferred };
}
