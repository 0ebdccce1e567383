/**
 * The one way the workbench reads a file the user named (a model, reference data, an .npz, a .pb,
 * an evidence record, a manifest): open without blocking, check on the open descriptor that it is a
 * regular file under a size limit, then read exactly that many bytes. A FIFO, /dev/zero, a device
 * or a socket behind a path is refused at once with one line naming it, instead of hanging or
 * eating memory; a file swapped after the check cannot slip through (the checks and the read use
 * the same descriptor).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InputError, errorLine } from '../errors.js';

/** What is being read, for the limit and the message. */
export type ReadKind = 'model' | 'data' | 'json' | 'external data';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * Largest file read for each kind, bytes. A protobuf (model, .pb) cannot exceed 2 GiB; JSON records
 * and manifests are small. `ONNX_WORKBENCH_MAX_FILE_BYTES` overrides every limit.
 */
export function readLimit(kind: ReadKind): number {
  const env = Number(process.env.ONNX_WORKBENCH_MAX_FILE_BYTES);
  if (Number.isSafeInteger(env) && env > 0) return env;
  switch (kind) {
    case 'json':
      return 64 * MiB;
    default:
      return 2 * GiB - 1;
  }
}

/** What kind of file-system object a stat describes, in words. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface SafeReadOptions {
  kind?: ReadKind;
  /** Override the kind's limit. */
  maxBytes?: number;
  /** Read only this byte range of the file (external data); checked against the file's size. */
  range?: { offset: number; length: number };
}

const LIMIT_HINT = 'set ONNX_WORKBENCH_MAX_FILE_BYTES to raise it';

/** Read a user-given file, or throw one InputError line naming it. */
export function safeReadFile(path: string, options: SafeReadOptions = {}): Buffer {
  const kind = options.kind ?? 'data';
  const max = options.maxBytes ?? readLimit(kind);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${path}: is a directory, not a file`);
    if (code === 'EACCES' || code === 'EPERM') throw new InputError(`${path}: permission denied`);
    throw new InputError(`${path}: cannot read (${errorLine(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${path}: ${fileKind(st)}, not a regular file; refused`);
    const start = options.range?.offset ?? 0;
    const length = options.range ? options.range.length : st.size;
    if (start + length > st.size)
      throw new InputError(`${path}: range ${start}+${length} runs past the end of the file (${st.size} bytes)`);
    if (length > max)
      throw new InputError(
        `${path}: ${length} bytes, over the limit of ${max} for ${kind === 'json' ? 'a JSON file' : kind === 'model' ? 'a model' : kind} (${LIMIT_HINT})`,
      );
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, out, got, length - got, start + got);
      if (n === 0) break; // the file shrank under us
      got += n;
    }
    if (got < length)
      throw new InputError(`${path}: the file shrank while it was read (${got} of ${length} bytes); refused`);
    return out;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read (${errorLine(e)})`);
  } finally {
    closeSync(fd);
  }
}

/** A user-given text file (UTF-8), with the same checks. */
export function safeReadText(path: string, options: SafeReadOptions = {}): string {
  return safeReadFile(path, { kind: 'json', ...options }).toString('utf8');
}
