/**
 * JSON schemas for the scorecard's data files, compiled with ajv on first use (ajv itself is loaded
 * then too: loading and compiling cost about 0.3 s of CPU, which `inspect` does not spend when the
 * bundled files are the bytes the build checked, see `dataStamp.ts`). `describeErrors` turns ajv's
 * errors into one line. Cross-file and per-claim checks live in `data.ts`.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import {
  CATEGORIES,
  CRITERIA,
  FRAMEWORK_STATUSES,
  SUPPORT_LEVELS,
  type FrameworksFile,
  type RegistryFile,
} from './model.js';
import { MATCHES, SIGNAL_FIELDS, STRENGTHS } from '../onnx/fingerprint.js';

let ajv: AjvClass | undefined;
function compiler(): AjvClass {
  if (!ajv) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajv = new Ajv({ allErrors: true, strict: true });
  }
  return ajv;
}

/** A schema check compiled on its first call; `errors` are the last call's, as ajv's own are. */
export interface Validator<T> {
  (value: unknown): value is T;
  readonly errors: ErrorObject[] | null | undefined;
}

function lazyValidator<T>(schema: object): Validator<T> {
  let fn: ValidateFunction<T> | undefined;
  const check = (value: unknown): value is T => (fn ??= compiler().compile<T>(schema))(value);
  Object.defineProperty(check, 'errors', { get: () => fn?.errors });
  return check as Validator<T>;
}

/** One row of `scores-digitized.csv`, still as text. */
export interface RawScoreRow {
  framework: string;
  category: string;
  criterion: string;
  value: string;
  uncertainty: string;
  source_image: string;
}

/** A framework's id, shared by the article data and the ONNX registry (they are joined on it). */
const frameworkId = { type: 'string', pattern: '^[a-z][a-z0-9]*$' } as const;

export const CSV_COLUMNS = ['framework', 'category', 'criterion', 'value', 'uncertainty', 'source_image'] as const;

const NUMBER = '^(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?$';

export const scoreRowSchema = {
  type: 'object',
  properties: {
    framework: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' },
    category: { type: 'string', enum: [...CATEGORIES, 'overall'] },
    criterion: { type: 'string', enum: [...CRITERIA, '_category', '_overall'] },
    value: { type: 'string', pattern: `${NUMBER}|^NA$` },
    uncertainty: { type: 'string', pattern: `${NUMBER}|^$` },
    source_image: { type: 'string', minLength: 1 },
  },
  required: [...CSV_COLUMNS],
  additionalProperties: false,
} as const;

export const frameworksSchema = {
  type: 'object',
  properties: {
    schemaVersion: { const: 1 },
    article: {
      type: 'object',
      properties: {
        title: { type: 'string', minLength: 1 },
        author: { type: 'string', minLength: 1 },
        publisher: { type: 'string', minLength: 1 },
        published: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        url: { type: 'string', pattern: '^https?://\\S+$' },
        sourceFile: { type: 'string', pattern: '^https?://\\S+$' },
      },
      required: ['title', 'author', 'publisher', 'published', 'url', 'sourceFile'],
      additionalProperties: false,
    },
    frameworks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          id: frameworkId,
          name: { type: 'string', minLength: 1 },
          articleName: { type: 'string', minLength: 1 },
          articleLink: { type: 'string', pattern: '^https?://\\S+$' },
          primaryAssociation: { type: 'string', minLength: 1 },
          firstPublicRelease: {
            type: 'object',
            properties: {
              year: { type: 'integer', minimum: 1990, maximum: 2100 },
              atLeast: { type: 'boolean' },
            },
            required: ['year', 'atLeast'],
            additionalProperties: false,
          },
          comment: { type: 'string', minLength: 1 },
          articleTier: { enum: [1, 2, 3, null] },
        },
        required: [
          'id',
          'name',
          'articleName',
          'articleLink',
          'primaryAssociation',
          'firstPublicRelease',
          'comment',
          'articleTier',
        ],
        additionalProperties: false,
      },
    },
  },
  required: ['schemaVersion', 'article', 'frameworks'],
  additionalProperties: false,
} as const;

const url = { type: 'string', pattern: '^https?://\\S+$' } as const;
const urlList = { type: 'array', minItems: 1, items: url } as const;
const claim = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }] } as const;

/** Claim names a `sources` object may give URLs for. */
export const SIDE_CLAIMS = ['level', 'mechanism', 'since', 'maintainer', 'producerNames', 'note'] as const;
export const STATUS_CLAIMS = ['value', 'since', 'note'] as const;

const sideProperties = {
  level: { type: 'string', enum: [...SUPPORT_LEVELS] },
  mechanism: claim,
  since: claim,
  maintainer: claim,
  note: { type: 'string', minLength: 1 },
  sources: { type: 'object', propertyNames: { enum: [...SIDE_CLAIMS] }, additionalProperties: urlList },
} as const;

/** An exporter fingerprint: the signals a tool writes, each rule with the URLs they were read from. */
const fingerprintSchema = {
  type: 'object',
  properties: {
    framework: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    frameworkName: { type: 'string', minLength: 1 },
    tool: { type: 'string', minLength: 1 },
    version: { enum: ['producer_version', 'none'] },
    note: { type: 'string', minLength: 1 },
    signals: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          field: { enum: [...SIGNAL_FIELDS] },
          match: { enum: [...MATCHES] },
          value: { type: 'string' },
          strength: { enum: [...STRENGTHS] },
          source: { type: 'string', pattern: '^(?:https?://\\S+|observed: .+)$' },
        },
        required: ['field', 'match', 'strength'],
        additionalProperties: false,
      },
    },
    sources: { anyOf: [urlList, { const: 'unknown' }] },
  },
  required: ['framework', 'tool', 'version', 'signals', 'sources'],
  additionalProperties: false,
} as const;

export const registrySchema = {
  type: 'object',
  properties: {
    schemaVersion: { const: 1 },
    checked: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    fingerprints: { type: 'array', items: fingerprintSchema },
    frameworks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          id: frameworkId,
          export: {
            type: 'object',
            properties: {
              ...sideProperties,
              producerNames: {
                anyOf: [
                  { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
                  { const: 'unknown' },
                  { type: 'null' },
                ],
              },
            },
            required: ['level', 'mechanism', 'since', 'maintainer', 'producerNames'],
            additionalProperties: false,
          },
          import: {
            type: 'object',
            properties: sideProperties,
            required: ['level', 'mechanism', 'since', 'maintainer'],
            additionalProperties: false,
          },
          status: {
            type: 'object',
            properties: {
              value: { type: 'string', enum: [...FRAMEWORK_STATUSES] },
              since: claim,
              note: { type: 'string', minLength: 1 },
              sources: { type: 'object', propertyNames: { enum: [...STATUS_CLAIMS] }, additionalProperties: urlList },
            },
            required: ['value', 'since'],
            additionalProperties: false,
          },
        },
        required: ['id', 'export', 'import', 'status'],
        additionalProperties: false,
      },
    },
  },
  required: ['schemaVersion', 'checked', 'frameworks'],
  additionalProperties: false,
} as const;

export const validateScoreRow: Validator<RawScoreRow> = lazyValidator<RawScoreRow>(scoreRowSchema);
export const validateFrameworks: Validator<FrameworksFile> = lazyValidator<FrameworksFile>(frameworksSchema);
export const validateRegistry: Validator<RegistryFile> = lazyValidator<RegistryFile>(registrySchema);

/**
 * sha256 of the schemas the data files are checked against: a record that some bytes passed them
 * (`dataStamp.ts`) holds only while the schemas are these.
 */
export function schemasDigest(): string {
  return createHash('sha256')
    .update(JSON.stringify({ scoreRowSchema, frameworksSchema, registrySchema }))
    .digest('hex');
}

/** ajv's errors as one line: `/frameworks/3/export/level must be equal to one of the allowed values (built-in, ...)`. */
export function describeErrors(errors: ErrorObject[] | null | undefined, max = 4): string {
  const list = errors ?? [];
  const parts = list.slice(0, max).map((e) => {
    const where = e.instancePath || '/';
    const allowed =
      e.keyword === 'enum' && Array.isArray((e.params as { allowedValues?: unknown[] }).allowedValues)
        ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')})`
        : '';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
        : '';
    return `${where} ${e.message ?? 'is invalid'}${extra}${allowed}`;
  });
  if (list.length > max) parts.push(`and ${list.length - max} more`);
  return parts.join('; ');
}
