/**
 * Positional reads of byte ranges from a file (a model's weights, an external data file), for
 * files of any size: `readFileSync` stops at 2 GiB and reads a whole file to use a few bytes of
 * it. Each read opens the file, checks on the open descriptor that it is a regular file holding the
 * range, and reads only the range; `hashRange` streams a range through sha256 in fixed chunks, so
 * its memory does not grow with the file. `fileIdentity` is what the session-from-path check
 * compares before and after a runtime reads a file itself.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { InputError, errorLine } from '../errors.js';

/** Bytes per positional read: large enough to reach disk speed, small enough to stay out of the peak. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** One `readSync` call reads at most this much (the kernel caps a read near 2 GiB). */
const MAX_READ = 1024 * 1024 * 1024;

/** Open a file for reading and check it is a regular file; returns the descriptor and its size. */
export function openRegular(path: string, what = path): { fd: number; size: number } {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once (and is then refused) instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${what}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${what}: is a directory, not a file`);
    throw new InputError(`${what}: cannot open (${errorLine(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${what}: not a regular file; refused`);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e instanceof InputError ? e : new InputError(`${what}: cannot read (${errorLine(e)})`);
  }
}

/** Fill `out` from `fd` at `position`; throws when the file ends first. */
export function readFully(fd: number, out: Uint8Array, position: number, what: string): void {
  let got = 0;
  while (got < out.length) {
    const n = readSync(fd, out, got, Math.min(out.length - got, MAX_READ), position + got);
    if (n === 0)
      throw new InputError(
        `${what}: the file ends after ${position + got} bytes, before the ${out.length} bytes at offset ${position} (truncated?)`,
      );
    got += n;
  }
}

/** Read `length` bytes at `offset` of a regular file (any file size; the range itself must fit in memory). */
export function readRange(path: string, offset: number, length: number, what = path): Uint8Array {
  const { fd, size } = openRegular(path, what);
  try {
    if (offset + length > size)
      throw new InputError(`${what}: range ${offset}+${length} runs past the end of the file (${size} bytes)`);
    const out = new Uint8Array(length);
    readFully(fd, out, offset, what);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** sha256 of `length` bytes at `offset` (default: the whole file), streamed in CHUNK_BYTES pieces. */
export function hashRange(path: string, offset = 0, length?: number, what = path): { sha256: string; size: number } {
  const { fd, size } = openRegular(path, what);
  try {
    const n = length ?? size - offset;
    if (offset + n > size)
      throw new InputError(`${what}: range ${offset}+${n} runs past the end of the file (${size} bytes)`);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(n, 1)));
    for (let done = 0; done < n;) {
      const want = Math.min(buf.length, n - done);
      const chunk = buf.subarray(0, want);
      readFully(fd, chunk, offset + done, what);
      hash.update(chunk);
      done += want;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * What identifies one version of a file without reading it: device, inode, size and the
 * modification and status-change times in nanoseconds. Any write changes mtime and ctime, and
 * ctime cannot be set back by a user, so two equal identities around a read mean nothing was
 * written in between (to the kernel's timestamp granularity).
 */
export interface FileIdentity {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
}

export function fileIdentity(path: string): FileIdentity {
  return identityOf(statSync(path, { bigint: true }));
}

/** The identity a (bigint) stat describes: what a server checks on a descriptor it opened. */
export function identityOf(st: BigIntStats): FileIdentity {
  return {
    dev: String(st.dev),
    ino: String(st.ino),
    size: Number(st.size),
    mtimeNs: String(st.mtimeNs),
    ctimeNs: String(st.ctimeNs),
  };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}
