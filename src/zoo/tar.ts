/**
 * Reading (gzipped) tar archives with node-tar's streaming parser, and safe extraction of a zoo
 * archive's `test_data_set_*` folders. node-tar handles the formats (ustar, pax, GNU long names),
 * gzip detection and checksums; this module decides what is safe: an archive holding an absolute
 * path, a `..` component, a link or a device is refused as a whole and nothing from it is kept.
 * Only regular files are written.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { InputError, errorLine } from '../errors.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** node-tar's name for the entry type (`File`, `SymbolicLink`, `CharacterDevice`, ...). */
  typeName: string;
  size: number;
  linkName?: string;
}

/** Receives an entry's data; return null from `onEntry` to skip it. */
export interface TarSink {
  write(chunk: Buffer): void;
  end(): void;
}

export class UnsafeArchiveError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

/** Pax and GNU long-name entries larger than this are not metadata anyone needs. */
const META_LIMIT = 1 << 20;

function typeOf(name: string): TarEntryType {
  if (name === 'File' || name === 'OldFile' || name === 'ContiguousFile') return 'file';
  if (name === 'Directory') return 'directory';
  if (name === 'SymbolicLink') return 'symlink';
  if (name === 'Link') return 'hardlink';
  return 'other';
}

/** One line for a read failure; node-tar's messages carry a code prefix (`TAR_BAD_ARCHIVE: ...`). */
function readFailure(e: unknown): string {
  const m = errorLine(e).replace(/^TAR_[A-Z_]+: /, '');
  const truncated = /^Truncated input \((.*)\)$/i.exec(m);
  if (truncated) return `truncated tar archive (${truncated[1]})`;
  if (/^Unrecognized archive format/i.test(m)) return 'not a tar or tar.gz archive';
  return `cannot read the archive (${m})`;
}

/**
 * Stream a `.tar.gz` (or plain `.tar`: node-tar detects the compression) through `onEntry`.
 * Strict: a checksum failure, a truncated archive or a corrupt gzip stream is an error, not a
 * warning. An error thrown by `onEntry` or a sink stops the read and is rethrown as it is.
 */
export async function readTarGz(path: string, onEntry: (entry: TarEntry) => TarSink | null): Promise<void> {
  let failure: unknown;
  const parser = new Parser({ strict: true, maxMetaEntrySize: META_LIMIT });
  const fail = (e: unknown) => {
    failure ??= e;
  };
  parser.on('entry', (entry: ReadEntry) => {
    let sink: TarSink | null = null;
    if (failure === undefined) {
      try {
        sink = onEntry({
          name: entry.path,
          type: typeOf(entry.type),
          typeName: entry.type,
          size: entry.size ?? 0,
          ...(entry.linkpath ? { linkName: entry.linkpath } : {}),
        });
      } catch (e) {
        fail(e);
      }
    }
    if (!sink) {
      entry.resume();
      return;
    }
    const s = sink;
    entry.on('data', (chunk: Buffer) => {
      if (failure === undefined) {
        try {
          s.write(chunk);
        } catch (e) {
          fail(e);
        }
      }
    });
    entry.on('end', () => {
      try {
        s.end();
      } catch (e) {
        fail(e);
      }
    });
  });
  const done = new Promise<void>((res) => {
    parser.on('error', (e: unknown) => {
      fail(e);
      res();
    });
    parser.on('close', () => res());
  });
  const source = createReadStream(path);
  try {
    for await (const chunk of source) {
      parser.write(chunk as Buffer);
      if (failure !== undefined) break;
    }
  } catch (e) {
    fail(e);
  } finally {
    source.destroy();
  }
  if (failure === undefined) {
    parser.end();
    await done;
  }
  if (failure === undefined) return;
  if (failure instanceof UnsafeArchiveError) throw failure;
  if (failure instanceof InputError) throw new InputError(`${path}: ${failure.message}`);
  throw new InputError(`${path}: ${readFailure(failure)}`);
}

/**
 * Split an entry name into path segments, refusing what could write outside the destination:
 * absolute paths (`/x`, `C:\x`, `\\host`), `..` components, NUL bytes.
 */
export function safeSegments(name: string): string[] {
  if (name.includes('\0')) throw new UnsafeArchiveError(`entry '${name}' has a NUL byte in its name`);
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    throw new UnsafeArchiveError(`entry '${name}' has an absolute path`);
  }
  const segments = name.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new UnsafeArchiveError(`entry '${name}' has a '..' component`);
  return segments;
}

const TEST_SET = /^test_data_set_\d+$/;
/** The files of a test set the workbench reads; anything else in the archive is skipped unread. */
const TEST_FILE = /^(input|output)_\d+\.pb$/;

export interface ExtractOptions {
  /**
   * Most bytes extracted in all, checked against each entry's declared size before it is written
   * (default `defaultExtractLimit()`).
   */
  maxBytes?: number;
}

/**
 * Extraction cap for an archive of `archiveBytes` (its size as the catalog declares it): 64 times
 * that, at least 256 MiB, at most `ONNX_WORKBENCH_MAX_EXTRACT_BYTES` (default 8 GiB).
 */
export function defaultExtractLimit(archiveBytes?: number): number {
  const env = Number(process.env.ONNX_WORKBENCH_MAX_EXTRACT_BYTES);
  const ceiling = Number.isSafeInteger(env) && env > 0 ? env : 8 * 1024 ** 3;
  if (archiveBytes === undefined) return ceiling;
  return Math.min(ceiling, Math.max(256 * 1024 ** 2, 64 * archiveBytes));
}

/**
 * Extract the `input_K.pb`/`output_K.pb` files of every `test_data_set_N/` folder found anywhere in
 * the archive (the zoo nests them under a model folder) into `destDir/test_data_set_N/`, within a
 * total size cap checked against the entries' declared sizes before anything is written. Extraction goes to a staging folder first and is
 * moved into place only when the whole archive has been read and found safe. Returns the set names.
 */
export async function extractTestDataSets(
  archive: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  const cap = options.maxBytes ?? defaultExtractLimit();
  let total = 0;
  mkdirSync(destDir, { recursive: true });
  const staging = mkdtempSync(join(destDir, '.extract-'));
  const root = resolve(staging) + sep;
  const sets = new Set<string>();
  const open = new Set<number>();
  try {
    await readTarGz(archive, (entry) => {
      const segments = safeSegments(entry.name);
      if (entry.type === 'symlink' || entry.type === 'hardlink') {
        throw new UnsafeArchiveError(
          `entry '${entry.name}' is a ${entry.type === 'symlink' ? 'symbolic' : 'hard'} link${entry.linkName ? ` to '${entry.linkName}'` : ''}`,
        );
      }
      if (entry.type === 'other')
        throw new UnsafeArchiveError(`entry '${entry.name}' is not a regular file or folder (${entry.typeName})`);
      const at = segments.findIndex((s) => TEST_SET.test(s));
      if (at < 0 || entry.type !== 'file') return null;
      const rel = segments.slice(at);
      // Only test_data_set_N/input_K.pb and output_K.pb are used: the rest is never written.
      if (rel.length !== 2 || !TEST_FILE.test(rel[1]!)) return null;
      total += entry.size;
      if (total > cap)
        throw new UnsafeArchiveError(
          `its test data declares more than ${cap} bytes (at '${entry.name}', ${entry.size} bytes); set ONNX_WORKBENCH_MAX_EXTRACT_BYTES to raise the cap`,
        );
      const target = resolve(staging, ...rel);
      if (!target.startsWith(root))
        throw new UnsafeArchiveError(`entry '${entry.name}' resolves outside the destination`);
      mkdirSync(resolve(target, '..'), { recursive: true });
      sets.add(rel[0]!);
      const fd = openSync(target, 'w', 0o644);
      open.add(fd);
      return {
        write: (chunk) => {
          for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
        },
        end: () => {
          open.delete(fd);
          closeSync(fd);
        },
      };
    });
    const names = [...sets].sort((a, b) => Number(a.split('_').pop()) - Number(b.split('_').pop()));
    for (const n of names) {
      const final = join(destDir, n);
      if (existsSync(final)) rmSync(final, { recursive: true, force: true });
      renameSync(join(staging, n), final);
    }
    return names;
  } catch (e) {
    if (e instanceof UnsafeArchiveError)
      throw new UnsafeArchiveError(`${archive}: refused: ${e.message}; nothing extracted`);
    throw e;
  } finally {
    for (const fd of open) closeSync(fd);
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Names of `test_data_set_N` folders in a directory, in numeric order. */
export function testDataSets(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && TEST_SET.test(d.name))
    .map((d) => d.name)
    .sort((a, b) => Number(a.split('_').pop()) - Number(b.split('_').pop()));
}
