/**
 * Pulling zoo models into a local cache so they verify like bundled ones. A pulled model lives in
 * `<cacheDir>/<name>/`: `model.onnx`, its `test_data_set_N/` folders and a `manifest.json` in the
 * bundled models' schema (id `zoo/<name>`), written last: a folder without one is not pulled.
 */
import { makeDirs } from '../util/makeDirs.js';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  rmdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import { safeReadText } from '../util/safeRead.js';
import { parseManifest, readManifest, type ModelManifest } from '../models/manifest.js';
import type { Target } from '../models/catalog.js';
import { loadModel } from '../onnx/model.js';
import { summarize } from '../onnx/inspect.js';
import { DEFAULT_TOLERANCE } from '../verify/prepare.js';
import { downloadVerified, type DownloadProgress, type DownloadResult, type FetchLike } from './download.js';
import { defaultExtractLimit, extractTestDataSets, testDataSets } from './tar.js';
import { checkProducer, frameworkFromProducer, type ProducerCheck } from './producers.js';
import type { ZooEntry } from './catalog.js';

export const DEFAULT_ZOO_BASE_URL = 'https://github.com/onnx/models/raw/main';
export const ZOO_REPOSITORY = 'onnx/models';
export const ZOO_COMMIT = 'main';
export const ZOO_LICENCE = 'Apache-2.0';

/** `$ONNX_WORKBENCH_CACHE`, else `$XDG_CACHE_HOME/onnx-workbench/zoo`, else `~/.cache/onnx-workbench/zoo`. */
export function defaultCacheDir(): string {
  if (process.env.ONNX_WORKBENCH_CACHE) return resolve(process.env.ONNX_WORKBENCH_CACHE);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'onnx-workbench', 'zoo');
}

/** `$ONNX_WORKBENCH_ZOO_URL`, else the zoo repository's raw file URL on GitHub. */
export function defaultBaseUrl(): string {
  return process.env.ONNX_WORKBENCH_ZOO_URL || DEFAULT_ZOO_BASE_URL;
}

export function zooUrl(baseUrl: string, repoPath: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${repoPath.split('/').map(encodeURIComponent).join('/')}`;
}

export function entryDir(cacheDir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new InputError(`'${name}' is not a usable zoo model name`);
  return join(cacheDir, name);
}

const MODEL_FILE = 'model.onnx';

/** Pulled: manifest written, model present with the entry's size and sha256 on record, test set present. */
export function isPulled(cacheDir: string, entry: ZooEntry): boolean {
  const dir = entryDir(cacheDir, entry.name);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return false;
  try {
    const m = readManifest(manifestPath);
    const model = join(dir, m.file);
    return (
      m.sha256 === entry.onnx.sha256 &&
      existsSync(model) &&
      statSync(model).size === entry.onnx.size &&
      (!m.reference.path || existsSync(join(dir, m.reference.path)))
    );
  } catch {
    return false;
  }
}

/** The verification target of a pulled model (reads its manifest.json). */
export function zooTarget(cacheDir: string, name: string): Target {
  const dir = entryDir(cacheDir, name);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new InputError(`zoo model '${name}' is not pulled into ${cacheDir} (run: onnx-workbench zoo pull ${name})`);
  const manifest = readManifest(manifestPath);
  return { id: manifest.id, modelPath: join(dir, manifest.file), manifest, dir };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** One pull per model folder at a time: a lock file holding the puller's pid (stale locks are taken over). */
function acquireLock(dir: string): () => void {
  const lock = join(dir, '.pull.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = Number(safeReadText(lock, { maxBytes: 64 }).trim());
      } catch {
        /* not a lock we wrote: taken over below */
      }
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new InputError(
          `${dir}: another onnx-workbench (pid ${pid}) is pulling this model; wait for it, or delete ${lock} if it is gone`,
        );
      }
      rmSync(lock, { force: true });
    }
  }
  throw new InputError(`${dir}: cannot take the pull lock ${lock}`);
}

export interface PullOptions {
  cacheDir?: string;
  baseUrl?: string;
  /** Download again even when pulled. */
  force?: boolean;
  /** Keep the `.tar.gz` after extracting its test sets (default: delete it). */
  keepArchive?: boolean;
  fetch?: FetchLike;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress & { model: string }) => void;
  /** Informational and warning lines (already phrased for users, without a prefix). */
  onMessage?: (line: string) => void;
}

export interface PullResult {
  name: string;
  dir: string;
  modelPath: string;
  manifestPath: string;
  manifest: ModelManifest;
  /** Already pulled; nothing was downloaded. */
  alreadyPulled: boolean;
  downloads: { file: string; url: string; outcome: DownloadResult['outcome']; transferred: number }[];
  testSets: string[];
  /** The producer check made by this pull (absent when it was already pulled). */
  producer?: ProducerCheck & { producerName: string; producerVersion: string };
}

export interface ManifestFacts {
  producerName: string;
  producerVersion: string;
  check: ProducerCheck;
  testSets: string[];
  pulledAt: string;
}

/** The manifest of a pulled zoo model, in the bundled models' schema (validated). */
export function zooManifest(entry: ZooEntry, facts: ManifestFacts): ModelManifest {
  const framework = entry.framework ?? frameworkFromProducer(facts.producerName) ?? 'unknown';
  const producer = `${facts.producerName} ${facts.producerVersion}`.trim();
  const sets = facts.testSets;
  const notes = [
    `Pulled from the ONNX model zoo (${ZOO_REPOSITORY}@${ZOO_COMMIT}: ${entry.onnx.path}) by onnx-workbench zoo pull on ${facts.pulledAt.slice(0, 10)}.`,
    entry.framework
      ? `Framework '${entry.framework}' as the zoo's README gives it.`
      : `The hub index names no framework; '${framework}' is inferred from producer_name.`,
  ];
  if (facts.check.message)
    notes.push(
      `${facts.check.verdict === 'mismatch' ? 'Producer mismatch' : 'Producer unconfirmed'}: ${facts.check.message}.`,
    );
  const manifest: ModelManifest = {
    id: `zoo/${entry.name}`,
    framework,
    exporter: `${producer || `${framework} (no producer_name in the file)`}, ONNX model zoo file`,
    expectedProducer: facts.check.expectedProducer,
    file: MODEL_FILE,
    sha256: entry.onnx.sha256,
    source: { repository: ZOO_REPOSITORY, commit: ZOO_COMMIT, path: entry.onnx.path },
    ...(entry.tarGz && sets.length
      ? { dataSource: { repository: ZOO_REPOSITORY, commit: ZOO_COMMIT, path: entry.tarGz.path } }
      : {}),
    licence: ZOO_LICENCE,
    reference: sets.length
      ? {
          kind: 'exporter',
          format: 'test_data_set',
          path: sets[0]!,
          note: `${sets[0]} of ${sets.length} (${sets.join(', ')}) from the zoo's ${basename(entry.tarGz!.path)}: inputs and outputs stored with the export`,
        }
      : {
          kind: 'none',
          format: 'none',
          note: entry.tarGz
            ? 'the zoo archive holds no test_data_set folder'
            : 'the zoo lists no archive with test data for this model',
        },
    tolerance: { ...DEFAULT_TOLERANCE },
    expected: sets.length
      ? { status: 'pass' }
      : { status: 'no-reference', reason: 'no reference outputs from the zoo' },
    notes: notes.join(' '),
  };
  return parseManifest(manifest, `zoo/${entry.name} manifest`);
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Download (or resume), verify and unpack one zoo model; write its manifest. */
export async function pullEntry(entry: ZooEntry, o: PullOptions = {}): Promise<PullResult> {
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const baseUrl = o.baseUrl ?? defaultBaseUrl();
  const dir = entryDir(cacheDir, entry.name);
  const manifestPath = join(dir, 'manifest.json');
  const modelPath = join(dir, MODEL_FILE);

  if (!o.force && isPulled(cacheDir, entry)) {
    const manifest = readManifest(manifestPath);
    return {
      name: entry.name,
      dir,
      modelPath,
      manifestPath,
      manifest,
      alreadyPulled: true,
      downloads: [],
      testSets: testDataSets(dir),
    };
  }

  makeDirs(dir);
  const release = acquireLock(dir);
  try {
    rmSync(manifestPath, { force: true }); // not pulled until the new manifest is written
    const downloads: PullResult['downloads'] = [];
    const progress = o.onProgress ? (p: DownloadProgress) => o.onProgress!({ ...p, model: entry.name }) : undefined;
    const common = {
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(progress ? { onProgress: progress } : {}),
      ...(o.onMessage ? { onMessage: o.onMessage } : {}),
    };
    if (o.force) rmSync(modelPath, { force: true });
    const modelUrl = zooUrl(baseUrl, entry.onnx.path);
    const m = await downloadVerified({
      url: modelUrl,
      dest: modelPath,
      sha256: entry.onnx.sha256,
      size: entry.onnx.size,
      ...common,
    });
    downloads.push({ file: MODEL_FILE, url: modelUrl, outcome: m.outcome, transferred: m.transferred });

    let testSets: string[] = [];
    if (entry.tarGz) {
      const archive = join(dir, basename(entry.tarGz.path));
      const archiveUrl = zooUrl(baseUrl, entry.tarGz.path);
      const a = await downloadVerified({
        url: archiveUrl,
        dest: archive,
        sha256: entry.tarGz.sha256,
        size: entry.tarGz.size,
        ...common,
      });
      downloads.push({ file: basename(archive), url: archiveUrl, outcome: a.outcome, transferred: a.transferred });
      testSets = await extractTestDataSets(archive, dir, { maxBytes: defaultExtractLimit(entry.tarGz.size) });
      if (testSets.length === 0)
        o.onMessage?.(
          `${entry.name}: warning: ${basename(archive)} holds no test_data_set folder; the model will verify without a reference`,
        );
      if (!o.keepArchive) rmSync(archive, { force: true });
    }

    let producerName = '';
    let producerVersion = '';
    try {
      const summary = summarize(loadModel(modelPath));
      producerName = summary.producerName;
      producerVersion = summary.producerVersion;
    } catch (e) {
      o.onMessage?.(`${entry.name}: warning: cannot read producer_name (${errorLine(e)})`);
    }
    const check = checkProducer(entry.framework, producerName);
    if (check.message)
      o.onMessage?.(`${entry.name}: ${check.verdict === 'mismatch' ? 'warning' : 'note'}: ${check.message}`);
    const manifest = zooManifest(entry, {
      producerName,
      producerVersion,
      check,
      testSets,
      pulledAt: new Date().toISOString(),
    });
    writeJsonAtomic(manifestPath, manifest);
    return {
      name: entry.name,
      dir,
      modelPath,
      manifestPath,
      manifest,
      alreadyPulled: false,
      downloads,
      testSets,
      producer: { ...check, producerName, producerVersion },
    };
  } finally {
    release();
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      /* keep it */
    }
  }
}

/** Targets for `verify`, pulling what is missing first. */
export async function zooTargets(
  entries: ZooEntry[],
  o: PullOptions = {},
): Promise<{ targets: Target[]; pulls: PullResult[] }> {
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const pulls: PullResult[] = [];
  const targets: Target[] = [];
  for (const entry of entries) {
    if (!isPulled(cacheDir, entry)) pulls.push(await pullEntry(entry, { ...o, cacheDir }));
    targets.push(zooTarget(cacheDir, entry.name));
  }
  return { targets, pulls };
}
