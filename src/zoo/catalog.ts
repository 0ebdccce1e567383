/**
 * The ONNX model zoo as a source of models: the curated list shipped with the package
 * (`data/curated.json`, files of onnx/models with the framework that exported them) and, optionally,
 * the zoo's fuller hub index (`ONNX_HUB_MANIFEST.json`, what `onnx.hub` reads).
 */
import { didYouMean } from '../util/suggest.js';
import { safeReadText } from '../util/safeRead.js';
import { posix } from 'node:path';
import { Ajv, type JSONSchemaType } from 'ajv';
import { InputError, errorLine } from '../errors.js';
import curatedJson from './data/curated.json' with { type: 'json' };

export interface ZooFile {
  /** Path inside the zoo repository, e.g. `validated/vision/classification/mnist/model/mnist-8.onnx`. */
  path: string;
  sha256: string;
  size: number;
}

export interface ZooEntry {
  /** File name without extension, e.g. `mnist-8`: the name users type. */
  name: string;
  /** Exporting framework (lower case) as the zoo's README says; unknown for hub-index entries. */
  framework?: string;
  /** Opset, from the hub index or the zoo's `<name>-<opset>` naming. */
  opset?: number;
  onnx: ZooFile;
  /** The archive with the model and its `test_data_set_*` folders. */
  tarGz?: ZooFile;
  /** Where the entry came from. */
  origin: 'curated' | 'hub';
  /** The hub index's model name (e.g. `MNIST`) and tags. */
  model?: string;
  tags?: string[];
}

interface RawFile {
  path: string;
  sha256: string;
  size: number;
}
interface RawCurated {
  name: string;
  framework: string;
  onnx: RawFile;
  tar_gz?: RawFile;
  opset?: number;
}

const fileSchema = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1 },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    size: { type: 'integer', minimum: 1 },
  },
  required: ['path', 'sha256', 'size'],
  additionalProperties: false,
} as const;

const curatedSchema: JSONSchemaType<RawCurated[]> = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
      framework: { type: 'string', pattern: '^[a-z0-9-]+$' },
      onnx: fileSchema,
      tar_gz: { ...fileSchema, nullable: true },
      opset: { type: 'integer', minimum: 1, nullable: true },
    },
    required: ['name', 'framework', 'onnx'],
    additionalProperties: false,
  },
};

const ajv = new Ajv({ allErrors: true });
const validateCurated = ajv.compile(curatedSchema);

const safeRepoPath = (p: string): boolean =>
  !p.startsWith('/') && !p.includes('\\') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

/** The zoo names files `<model>-<opset>.onnx` (mnist-8, resnet18-v1-7, squeezenet1.0-3). */
export function opsetFromName(name: string): number | undefined {
  const m = /-(\d{1,2})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function parseCurated(value: unknown, what: string): ZooEntry[] {
  if (!validateCurated(value)) {
    const why = (validateCurated.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new InputError(`${what}: not a curated zoo list: ${why}`);
  }
  const seen = new Set<string>();
  return value.map((raw) => {
    if (seen.has(raw.name)) throw new InputError(`${what}: '${raw.name}' is listed twice`);
    seen.add(raw.name);
    for (const f of [raw.onnx, raw.tar_gz]) {
      if (f && !safeRepoPath(f.path)) throw new InputError(`${what}: '${raw.name}': unsafe path '${f.path}'`);
    }
    const opset = raw.opset ?? opsetFromName(raw.name);
    return {
      name: raw.name,
      framework: raw.framework,
      ...(opset !== undefined ? { opset } : {}),
      onnx: { ...raw.onnx },
      ...(raw.tar_gz ? { tarGz: { ...raw.tar_gz } } : {}),
      origin: 'curated' as const,
    };
  });
}

/** The curated list shipped with the package, or one read from `path`. */
export function loadCurated(path?: string): ZooEntry[] {
  if (!path) return parseCurated(curatedJson, 'the bundled curated zoo list');
  let raw: unknown;
  try {
    raw = JSON.parse(safeReadText(path));
  } catch (e) {
    throw new InputError(`${path}: cannot read the curated zoo list (${errorLine(e).replace(`${path}: `, '')})`);
  }
  return parseCurated(raw, path);
}

interface RawHubEntry {
  model: string;
  model_path: string;
  onnx_version?: string;
  opset_version?: number;
  metadata?: {
    model_sha?: string;
    model_bytes?: number;
    tags?: string[];
    model_with_data_path?: string;
    model_with_data_sha?: string;
    model_with_data_bytes?: number;
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSha = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const isSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/**
 * The zoo's `ONNX_HUB_MANIFEST.json`: an array of `{model, model_path, onnx_version, opset_version,
 * metadata: {model_sha, model_bytes, tags, io_ports, model_with_data_path, model_with_data_sha,
 * model_with_data_bytes}}`. Entries without a sha256 and size for the model cannot be verified after
 * download and are left out (`skipped` counts them).
 */
export function parseHubManifest(value: unknown, what: string): { entries: ZooEntry[]; skipped: number } {
  if (!Array.isArray(value))
    throw new InputError(`${what}: not an ONNX hub manifest (expected a JSON array of models)`);
  const entries: ZooEntry[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const item of value as unknown[]) {
    if (!isObject(item) || typeof item.model !== 'string' || typeof item.model_path !== 'string') {
      throw new InputError(`${what}: not an ONNX hub manifest (an entry lacks 'model' or 'model_path')`);
    }
    const raw = item as unknown as RawHubEntry;
    const meta = isObject(raw.metadata) ? raw.metadata : {};
    const name = posix.basename(raw.model_path).replace(/\.onnx$/i, '');
    if (
      !isSha(meta.model_sha) ||
      !isSize(meta.model_bytes) ||
      !safeRepoPath(raw.model_path) ||
      !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ||
      seen.has(name)
    ) {
      skipped++;
      continue;
    }
    seen.add(name);
    const withData =
      typeof meta.model_with_data_path === 'string' &&
      safeRepoPath(meta.model_with_data_path) &&
      isSha(meta.model_with_data_sha) &&
      isSize(meta.model_with_data_bytes)
        ? { path: meta.model_with_data_path, sha256: meta.model_with_data_sha, size: meta.model_with_data_bytes }
        : undefined;
    const opset = Number.isInteger(raw.opset_version) ? raw.opset_version : opsetFromName(name);
    entries.push({
      name,
      ...(opset !== undefined ? { opset } : {}),
      onnx: { path: raw.model_path, sha256: meta.model_sha, size: meta.model_bytes },
      ...(withData ? { tarGz: withData } : {}),
      origin: 'hub',
      model: raw.model,
      ...(Array.isArray(meta.tags) ? { tags: meta.tags.filter((t): t is string => typeof t === 'string') } : {}),
    });
  }
  return { entries, skipped };
}

/** Find entries by name (`mnist-8`, also `zoo/mnist-8`, case-insensitive as a fallback). */
export function findEntries(entries: ZooEntry[], names: string[]): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const given of names) {
    const name = given.replace(/^zoo\//, '');
    const hit =
      entries.find((e) => e.name === name) ?? entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!hit) {
      const near = didYouMean(
        name.replace(/-\d+$/, ''),
        entries.map((e) => e.name),
      ).trim();
      throw new InputError(
        `'${given}' is not in the zoo list${near ? ` (${near})` : ''} (see onnx-workbench zoo list)`,
      );
    }
    if (!out.includes(hit)) out.push(hit);
  }
  return out;
}
