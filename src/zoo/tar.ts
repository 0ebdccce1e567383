/**
 * A small streaming reader for (gzipped) tar archives, and safe extraction of a zoo archive's
 * `test_data_set_*` folders. Reads ustar, pax (`path`, `size`) and GNU long-name entries. An
 * archive holding an absolute path, a `..` component, a link or a device is refused as a whole:
 * nothing from it is kept. Only regular files are written.
 */
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { InputError, errorLine } from '../errors.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** The raw typeflag character. */
  typeflag: string;
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

const BLOCK = 512;
const META_LIMIT = 1 << 20;

function cString(b: Buffer, start: number, len: number): string {
  const slice = b.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return (nul < 0 ? slice : slice.subarray(0, nul)).toString('utf8');
}

function numeric(b: Buffer, start: number, len: number): number {
  const f = b.subarray(start, start + len);
  if (f[0]! & 0x80) { // GNU base-256
    let v = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return v;
  }
  const s = cString(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new InputError(`not a tar archive (bad numeric field '${s.slice(0, 20)}')`);
  return parseInt(s, 8);
}

function typeOf(flag: string): TarEntryType {
  if (flag === '0' || flag === '\0' || flag === '' || flag === '7') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'hardlink';
  return 'other';
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(data.subarray(off, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length) throw new InputError('not a tar archive (bad pax header)');
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/** Incremental tar parser: feed it decompressed bytes with `push`, then call `finish`. */
export class TarParser {
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private sink: TarSink | null = null;
  private meta: { kind: 'pax' | 'gnu-name' | 'gnu-link' | 'ignore'; chunks: Buffer[]; size: number } | null = null;
  private pax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  private ended = false;
  private inData = false;

  constructor(private readonly onEntry: (entry: TarEntry) => TarSink | null) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.ended) {
      if (this.inData) {
        if (this.remaining > 0) {
          const n = Math.min(this.remaining, chunk.length - off);
          const piece = chunk.subarray(off, off + n);
          if (this.meta) {
            this.meta.size += n;
            if (this.meta.size > META_LIMIT) throw new InputError('not a tar archive (oversized metadata entry)');
            if (this.meta.kind !== 'ignore') this.meta.chunks.push(Buffer.from(piece));
          } else this.sink?.write(piece);
          this.remaining -= n;
          off += n;
        }
        if (this.remaining === 0 && this.padding > 0) {
          const n = Math.min(this.padding, chunk.length - off);
          this.padding -= n;
          off += n;
        }
        if (this.remaining === 0 && this.padding === 0) this.endEntry();
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - off);
      chunk.copy(this.header, this.headerFill, off, off + n);
      this.headerFill += n;
      off += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader(this.header);
      }
    }
  }

  /** Call at the end of input: throws if the archive stopped inside an entry. */
  finish(): void {
    if (this.ended) return;
    if (this.inData || this.headerFill !== 0) throw new InputError('truncated tar archive');
  }

  private endEntry(): void {
    this.inData = false;
    if (this.meta) {
      const data = Buffer.concat(this.meta.chunks);
      if (this.meta.kind === 'pax') Object.assign(this.pax, parsePax(data));
      else if (this.meta.kind === 'gnu-name') this.longName = cString(data, 0, data.length);
      else if (this.meta.kind === 'gnu-link') this.longLink = cString(data, 0, data.length);
      this.meta = null;
    } else {
      this.sink?.end();
      this.sink = null;
    }
  }

  private onHeader(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== numeric(h, 148, 8)) throw new InputError('not a tar archive (header checksum mismatch)');
    const typeflag = String.fromCharCode(h[156]!);
    const size = numeric(h, 124, 12);
    const start = (entrySize: number) => {
      this.remaining = entrySize;
      this.padding = (BLOCK - (entrySize % BLOCK)) % BLOCK;
      this.inData = true;
      if (entrySize === 0) this.endEntry();
    };
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      const kind = typeflag === 'x' ? 'pax' : typeflag === 'L' ? 'gnu-name' : typeflag === 'K' ? 'gnu-link' : 'ignore';
      this.meta = { kind, chunks: [], size: 0 };
      start(size);
      return;
    }
    const magic = h.subarray(257, 262).toString('ascii');
    const prefix = magic === 'ustar' ? cString(h, 345, 155) : '';
    const rawName = cString(h, 0, 100);
    const name = this.pax.path ?? this.longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const linkName = this.pax.linkpath ?? this.longLink ?? cString(h, 157, 100);
    const entrySize = this.pax.size !== undefined ? Number(this.pax.size) : size;
    if (!Number.isSafeInteger(entrySize) || entrySize < 0) throw new InputError('not a tar archive (bad entry size)');
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    const type = typeOf(typeflag);
    const entry: TarEntry = { name, type, typeflag, size: entrySize, ...(linkName ? { linkName } : {}) };
    this.sink = this.onEntry(entry);
    // Links, directories and devices carry no data in practice, but a size is honoured if present.
    start(entrySize);
  }
}

/** Stream a `.tar.gz` (or plain `.tar`) file through a parser. */
export async function readTarGz(path: string, onEntry: (entry: TarEntry) => TarSink | null): Promise<void> {
  const parser = new TarParser(onEntry);
  const source = createReadStream(path);
  const gz = path.endsWith('.tar') ? source : source.pipe(createGunzip());
  if (gz !== source) source.on('error', (e) => gz.destroy(e));
  try {
    for await (const chunk of gz) parser.push(chunk as Buffer);
    parser.finish();
  } catch (e) {
    gz.destroy();
    source.destroy();
    if (e instanceof UnsafeArchiveError) throw e;
    if (e instanceof InputError) throw new InputError(`${path}: ${e.message}`);
    throw new InputError(`${path}: cannot read the archive (${errorLine(e)})`);
  }
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

/**
 * Extract every `test_data_set_N/` folder found anywhere in the archive (the zoo nests them under a
 * model folder) into `destDir/test_data_set_N/`. Extraction goes to a staging folder first and is
 * moved into place only when the whole archive has been read and found safe. Returns the set names.
 */
export async function extractTestDataSets(archive: string, destDir: string): Promise<string[]> {
  mkdirSync(destDir, { recursive: true });
  const staging = mkdtempSync(join(destDir, '.extract-'));
  const root = resolve(staging) + sep;
  const sets = new Set<string>();
  const open = new Set<number>();
  try {
    await readTarGz(archive, (entry) => {
      const segments = safeSegments(entry.name);
      if (entry.type === 'symlink' || entry.type === 'hardlink') {
        throw new UnsafeArchiveError(`entry '${entry.name}' is a ${entry.type === 'symlink' ? 'symbolic' : 'hard'} link${entry.linkName ? ` to '${entry.linkName}'` : ''}`);
      }
      if (entry.type === 'other') throw new UnsafeArchiveError(`entry '${entry.name}' is not a regular file or folder (type '${entry.typeflag}')`);
      const at = segments.findIndex((s) => TEST_SET.test(s));
      if (at < 0 || entry.type !== 'file') return null;
      const rel = segments.slice(at);
      if (rel.length < 2 || rel[rel.length - 1]!.startsWith('._')) return null; // AppleDouble metadata
      const target = resolve(staging, ...rel);
      if (!target.startsWith(root)) throw new UnsafeArchiveError(`entry '${entry.name}' resolves outside the destination`);
      mkdirSync(resolve(target, '..'), { recursive: true });
      sets.add(rel[0]!);
      const fd = openSync(target, 'w', 0o644);
      open.add(fd);
      return {
        write: (chunk) => { for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off); },
        end: () => { open.delete(fd); closeSync(fd); },
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
    if (e instanceof UnsafeArchiveError) throw new UnsafeArchiveError(`${archive}: refused: ${e.message}; nothing extracted`);
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
