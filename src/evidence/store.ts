/**
 * The evidence store: one schema-validated JSON file per run in an evidence directory. Files are
 * written to a temporary name, fsynced and renamed, so a killed run leaves no partial record, and
 * every record has a unique name, so concurrent runs never overwrite each other. Records from other
 * machines can be dropped into the directory and are read like local ones.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { InputError, errorLine } from '../errors.js';
import { evidenceSchema, EVIDENCE_SCHEMA_VERSION } from './schema.js';
import type { BackendStatus, ModelResult } from '../verify/verify.js';
import type { MachineInfo } from '../util/machine.js';
import { packageVersion } from '../util/version.js';

export interface EvidenceRecord {
  schemaVersion: typeof EVIDENCE_SCHEMA_VERSION;
  id: string;
  kind: 'verify' | 'bench' | 'browser';
  createdAt: string;
  tool: { name: string; version: string };
  machine: MachineInfo | (Partial<MachineInfo> & { hostname: string; platform: string; arch: string });
  userAgent?: string;
  backends: BackendStatus[];
  results: ModelResult[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validate = ajv.compile(evidenceSchema);

export function validateEvidence(value: unknown, what = 'evidence record'): EvidenceRecord {
  if (!validate(value)) {
    const why = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
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

export function makeRecord(kind: EvidenceRecord['kind'], machine: EvidenceRecord['machine'], backends: BackendStatus[], results: ModelResult[], extra: Partial<EvidenceRecord> = {}): EvidenceRecord {
  const createdAt = new Date().toISOString();
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION, id: newRecordId(createdAt, machine.hostname), kind, createdAt,
    tool: { name: 'onnx-workbench', version: packageVersion() }, machine, backends, results, ...extra,
  };
}

/** Validate and write a record atomically; returns its path. */
export function writeRecord(dir: string, record: EvidenceRecord): string {
  validateEvidence(record);
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `${record.id}.json`);
  const tmp = join(dir, `.${record.id}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, `${JSON.stringify(record, null, 1)}\n`);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, final);
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch { /* directory fsync is best effort */ }
  return final;
}

export interface LoadedEvidence {
  records: EvidenceRecord[];
  /** Record id -> the file it was read from. */
  files: Map<string, string>;
  /** Files that could not be read or validated: skipped, never fatal. */
  rejected: { file: string; reason: string }[];
}

export function readEvidence(dir: string): LoadedEvidence {
  const records: EvidenceRecord[] = [];
  const rejected: { file: string; reason: string }[] = [];
  const paths = new Map<string, string>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
  } catch {
    return { records, files: paths, rejected };
  }
  for (const f of files) {
    const path = join(dir, f);
    try {
      const record = validateEvidence(JSON.parse(readFileSync(path, 'utf8')), path);
      records.push(record);
      paths.set(record.id, path);
    } catch (e) {
      rejected.push({ file: path, reason: errorLine(e) });
    }
  }
  return { records, files: paths, rejected };
}
