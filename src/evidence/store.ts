/**
 * The evidence store: one schema-validated JSON file per run in an evidence directory. Files are
 * written to a temporary name (every byte, checked), fsynced and renamed, so a killed run or a full
 * disk leaves no partial record, and every record has a unique name, so concurrent runs never
 * overwrite each other. A folder is probed (create, write, fsync, remove) before a run, so a
 * read-only, missing or full folder is found before any model runs. Records from other machines
 * can be dropped into the directory and are read like local ones; reading refuses a folder that
 * does not exist (a misspelt --evidence-dir is not an empty evidence set).
 */
import { makeDirs } from '../util/makeDirs.js';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { InputError, WorkbenchError, errorLine } from '../errors.js';
import { safeReadText } from '../util/safeRead.js';
import { checkPlausibility, orderTime } from './plausibility.js';
import { evidenceSchema, EVIDENCE_SCHEMA_VERSION } from './schema.js';
import type { BackendStatus, ModelResult } from '../verify/verify.js';
import type { MachineInfo } from '../util/machine.js';
import { packageVersion } from '../util/version.js';

/** A suite run's folder that looks like a case but could not run, as `--json` and the record hold it. */
export interface SkippedFolder {
  id: string;
  reason: string;
}
/** The same, naming the suite root it was found under (the report, over several records). */
export type SuiteSkippedFolder = SkippedFolder & { suite: string };

export interface EvidenceRecord {
  schemaVersion: typeof EVIDENCE_SCHEMA_VERSION;
  id: string;
  kind: 'verify' | 'bench' | 'browser' | 'path';
  createdAt: string;
  tool: { name: string; version: string };
  machine: MachineInfo | (Partial<MachineInfo> & { hostname: string; platform: string; arch: string });
  userAgent?: string;
  /** The run was interrupted (Ctrl-C): the record holds the results finished before that. */
  partial?: boolean;
  /** A suite run's folders that look like cases but could not run, each with its reason (never dropped). */
  skipped?: SkippedFolder[];
  backends: BackendStatus[];
  results: ModelResult[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validate = ajv.compile(evidenceSchema);

export function validateEvidence(value: unknown, what = 'evidence record'): EvidenceRecord {
  if (!validate(value)) {
    const why = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new InputError(`${what}: does not match the evidence schema: ${why}`);
  }
  return value as unknown as EvidenceRecord;
}

export function defaultEvidenceDir(): string {
  return resolve(process.env.ONNX_WORKBENCH_EVIDENCE ?? 'evidence');
}

export function newRecordId(createdAt: string, host: string): string {
  const stamp = createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safeHost = host.replace(/[^A-Za-z0-9-]/g, '').slice(0, 40) || 'host';
  return `${stamp}-${safeHost}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function makeRecord(
  kind: EvidenceRecord['kind'],
  machine: EvidenceRecord['machine'],
  backends: BackendStatus[],
  results: ModelResult[],
  extra: Partial<EvidenceRecord> = {},
): EvidenceRecord {
  const createdAt = new Date().toISOString();
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    id: newRecordId(createdAt, machine.hostname),
    kind,
    createdAt,
    tool: { name: 'onnx-workbench', version: packageVersion() },
    machine,
    backends,
    results,
    ...extra,
  };
}

/** A record or probe could not be written: exit 2, the path and the real cause named. */
export class EvidenceWriteError extends WorkbenchError {
  constructor(
    message: string,
    readonly path: string,
    readonly code: string | undefined,
    readonly why = message,
  ) {
    super(message, 2);
    this.name = 'EvidenceWriteError';
  }
}

/** The cause of a file-system error in words (read-only file system, no space, ...). */
export function fsCause(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOENT':
      return 'no such file or directory (ENOENT)';
    case 'ENOTDIR':
      return 'a path component is not a directory (ENOTDIR)';
    case 'EEXIST':
      return 'exists and is not a directory (EEXIST)';
    case 'EIO':
      return 'input/output error (EIO)';
    case 'SHORT':
      return (e as Error).message;
    default:
      return errorLine(e);
  }
}

/** The file-system calls a write uses (tests inject failing ones). */
export interface WriteIo {
  openSync: typeof openSync;
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
  fsyncSync: typeof fsyncSync;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
  rmSync: typeof rmSync;
  mkdirSync: typeof mkdirSync;
}

export const nodeIo: WriteIo = {
  openSync,
  writeSync: (fd, b, o, l) => writeSync(fd, b, o, l),
  fsyncSync,
  closeSync,
  renameSync,
  rmSync,
  mkdirSync,
};

/** Write every byte of `data`: loop over short writes; a write that makes no progress is an error. */
function writeAll(io: WriteIo, fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length;) {
    const n = io.writeSync(fd, data, off, data.length - off);
    if (!(n > 0))
      throw Object.assign(new Error(`short write: ${off} of ${data.length} bytes written`), { code: 'SHORT' });
    off += n;
  }
}

/**
 * Write `data` to a new temporary file in `dir`, looping until every byte is written, fsync it and
 * rename it to `final`. On any error (a short write, ENOSPC, EIO, a failed fsync or rename) the
 * temporary file is removed, nothing is renamed, and an EvidenceWriteError names `final` and the cause.
 */
export function writeFileAtomic(
  dir: string,
  final: string,
  data: Uint8Array,
  io: WriteIo = nodeIo,
  what = 'evidence record',
): void {
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fail = (e: unknown): never => {
    throw new EvidenceWriteError(
      `cannot write the ${what} ${final}: ${fsCause(e)}; nothing was written`,
      final,
      (e as NodeJS.ErrnoException)?.code,
      fsCause(e),
    );
  };
  try {
    makeDirs(dir, (p) => io.mkdirSync(p));
  } catch (e) {
    throw new EvidenceWriteError(
      `cannot create the evidence folder ${dir}: ${fsCause(e)}`,
      dir,
      (e as NodeJS.ErrnoException)?.code,
      fsCause(e),
    );
  }
  let fd: number;
  try {
    fd = io.openSync(tmp, 'wx', 0o644);
  } catch (e) {
    return fail(e);
  }
  let open = true;
  try {
    writeAll(io, fd, data);
    io.fsyncSync(fd);
    open = false;
    io.closeSync(fd);
    io.renameSync(tmp, final);
  } catch (e) {
    if (open) {
      try {
        io.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      io.rmSync(tmp, { force: true });
    } catch {
      /* best effort: the name starts with '.', so readers skip it */
    }
    return fail(e);
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directory fsync is best effort */
  }
}

/** Validate and write a record atomically; returns its path. Throws EvidenceWriteError (exit 2) naming it. */
export function writeRecord(dir: string, record: EvidenceRecord, io: WriteIo = nodeIo): string {
  validateEvidence(record);
  const final = join(dir, `${record.id}.json`);
  writeFileAtomic(dir, final, Buffer.from(`${JSON.stringify(record, null, 1)}\n`, 'utf8'), io);
  return final;
}

/** Bytes the probe writes: a small record's worth, so a nearly full disk shows up before the run. */
const PROBE_BYTES = 16 * 1024;

/**
 * Before a run: make sure records can be written into `dir` (create it if missing, then create,
 * write, fsync and remove a probe file, named like a temporary file so readers skip it). Throws
 * EvidenceWriteError naming the folder and the cause (read-only file system, no space, ...).
 */
export function probeEvidenceDir(dir: string, io: WriteIo = nodeIo): void {
  const probe = join(dir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fail = (e: unknown): never => {
    throw new EvidenceWriteError(
      `evidence folder ${dir} is not writable: ${fsCause(e)}; nothing ran (use another --evidence-dir, or --no-evidence)`,
      dir,
      (e as NodeJS.ErrnoException)?.code,
      fsCause(e),
    );
  };
  try {
    makeDirs(dir, (p) => io.mkdirSync(p));
  } catch (e) {
    return fail(e);
  }
  let fd: number | undefined;
  try {
    fd = io.openSync(probe, 'wx', 0o644);
    writeAll(io, fd, new Uint8Array(PROBE_BYTES));
    io.fsyncSync(fd);
    const f = fd;
    fd = undefined;
    io.closeSync(f);
  } catch (e) {
    return fail(e);
  } finally {
    if (fd !== undefined) {
      try {
        io.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      io.rmSync(probe, { force: true });
    } catch {
      /* best effort */
    }
  }
}

export interface LoadedEvidence {
  /** Believable records, oldest first in write order (`orderTime`: never a record's own date alone). */
  records: EvidenceRecord[];
  /** Record id -> the file it was read from. */
  files: Map<string, string>;
  /** Files that could not be read, validated or believed: skipped, never fatal. */
  rejected: { file: string; reason: string }[];
  /** Records kept but worth a warning (a known model's name with another sha256, a date after the file's). */
  warnings: { file: string; reason: string }[];
}

export interface ReadEvidenceOptions {
  /** A folder that does not exist: refuse it (default; a misspelt --evidence-dir) or read it as empty. */
  missing?: 'refuse' | 'empty';
  /** Known models (id -> sha256) for the plausibility check. */
  knownModels?: ReadonlyMap<string, string>;
  /** Now, ms (tests). */
  now?: number;
}

const order = new WeakMap<EvidenceRecord, number>();

/** When a record was written, for ordering: its own date, capped by its file's ctime when read from a file. */
export function recordTime(record: EvidenceRecord): number {
  return order.get(record) ?? orderTime(record.createdAt);
}

export function readEvidence(dir: string, options: ReadEvidenceOptions = {}): LoadedEvidence {
  const records: { record: EvidenceRecord; time: number; file: string }[] = [];
  const rejected: { file: string; reason: string }[] = [];
  const warnings: { file: string; reason: string }[] = [];
  const paths = new Map<string, string>();
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: not a directory, not an evidence folder`);
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort();
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.missing === 'empty') return { records: [], files: paths, rejected, warnings };
    if (code === 'ENOENT')
      throw new InputError(
        `${dir}: no such evidence folder (check --evidence-dir / $ONNX_WORKBENCH_EVIDENCE; verify and bench create it)`,
      );
    throw new InputError(`${dir}: cannot read the evidence folder (${fsCause(e)})`);
  }
  const now = options.now ?? Date.now();
  for (const f of files) {
    const path = join(dir, f);
    try {
      const text = safeReadText(path);
      const fileTime = statSync(path).ctimeMs;
      const record = validateEvidence(JSON.parse(text), path);
      const p = checkPlausibility(record, {
        now,
        fileTime,
        ...(options.knownModels ? { knownModels: options.knownModels } : {}),
      });
      if (p.refuse.length) {
        rejected.push({ file: path, reason: `implausible record: ${p.refuse.join('; ')}` });
        continue;
      }
      for (const w of p.warn) warnings.push({ file: path, reason: w });
      if (paths.has(record.id)) {
        rejected.push({ file: path, reason: `record id ${record.id} already read from ${paths.get(record.id)}` });
        continue;
      }
      const time = orderTime(record.createdAt, fileTime);
      order.set(record, time);
      records.push({ record, time, file: f });
      paths.set(record.id, path);
    } catch (e) {
      rejected.push({ file: path, reason: errorLine(e) });
    }
  }
  records.sort((a, b) => a.time - b.time || a.file.localeCompare(b.file));
  return { records: records.map((r) => r.record), files: paths, rejected, warnings };
}

/** What a reading command prints about a folder's skipped and doubtful records (stderr). */
export function reportEvidenceProblems(
  loaded: LoadedEvidence,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): void {
  for (const r of loaded.rejected) write(`skipped ${r.file}: ${r.reason}`);
  for (const w of loaded.warnings) write(`warning: ${w.file}: ${w.reason}`);
}
