/** JSON schema of an evidence record: what a verify (or bench) run saw, self-describing and portable. */
import { STATUSES } from '../models/statuses.js';
import { BACKEND_IDS } from '../backends/types.js';

export const EVIDENCE_SCHEMA_VERSION = 1;

const adapter = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { enum: ['cpu', 'software', 'hardware', 'unknown'] },
    vendor: { type: 'string' },
    architecture: { type: 'string' },
    device: { type: 'string' },
    description: { type: 'string' },
  },
};

const latency = {
  type: 'object',
  required: ['sessionCreateMs', 'firstRunMs'],
  properties: {
    sessionCreateMs: { type: 'number', minimum: 0 },
    firstRunMs: { type: 'number', minimum: 0 },
    stats: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['n', 'min', 'mean', 'p50', 'p90', 'p99', 'max'],
          properties: Object.fromEntries(
            ['n', 'min', 'mean', 'p50', 'p90', 'p99', 'max', 'stdev'].map((k) => [k, { type: 'number', minimum: 0 }]),
          ),
        },
      ],
    },
    peakRssBytes: { type: 'number', minimum: 0 },
  },
};

const comparison = {
  type: 'object',
  required: ['ok', 'outputs', 'missing'],
  properties: {
    ok: { type: 'boolean' },
    outputs: { type: 'array', items: { type: 'object', required: ['name', 'ok'] } },
    missing: { type: 'array', items: { type: 'string' } },
  },
};

/**
 * Longest model id (and suite skipped-folder id) a record holds. A suite case's id is its path below
 * the root, up to 32 folders deep of up to 255 bytes each, so the bound is above that: one long
 * case path must never make a whole run's record unwritable.
 */
export const MAX_ID_LENGTH = 16384;

export const evidenceSchema = {
  $id: 'https://onnx-workbench/evidence.schema.json',
  type: 'object',
  required: ['schemaVersion', 'id', 'kind', 'createdAt', 'tool', 'machine', 'backends', 'results'],
  properties: {
    schemaVersion: { const: EVIDENCE_SCHEMA_VERSION },
    id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$' },
    kind: { enum: ['verify', 'bench', 'browser', 'path'] },
    createdAt: { type: 'string', format: 'date-time' },
    tool: {
      type: 'object',
      required: ['name', 'version'],
      properties: { name: { type: 'string' }, version: { type: 'string' } },
    },
    machine: {
      type: 'object',
      required: ['hostname', 'platform', 'arch'],
      properties: {
        hostname: { type: 'string' },
        platform: { type: 'string' },
        arch: { type: 'string' },
        cpuModel: { type: 'string' },
        cpuCount: { type: 'number' },
      },
    },
    userAgent: { type: 'string', maxLength: 1000 },
    /** The run was interrupted (Ctrl-C): the record holds the results finished before that. */
    partial: { type: 'boolean' },
    /** A suite run's folders that look like cases but could not run, with the reason. */
    skipped: {
      type: 'array',
      maxItems: 100000,
      items: {
        type: 'object',
        required: ['id', 'reason'],
        properties: {
          id: { type: 'string', maxLength: MAX_ID_LENGTH },
          reason: { type: 'string', maxLength: MAX_ID_LENGTH },
        },
      },
    },
    backends: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['id', 'available'],
        properties: {
          id: { enum: [...BACKEND_IDS] },
          available: { type: 'boolean' },
          reason: { type: 'string' },
          fix: { type: 'string' },
          description: {
            type: 'object',
            required: ['backend', 'runtime', 'runtimeVersion', 'executionProvider', 'adapter'],
            properties: {
              backend: { enum: [...BACKEND_IDS] },
              runtime: { type: 'string' },
              runtimeVersion: { type: 'string' },
              executionProvider: { type: 'string' },
              adapter,
              userAgent: { type: 'string' },
            },
          },
        },
      },
    },
    results: {
      type: 'array',
      maxItems: 100000,
      items: {
        type: 'object',
        required: [
          'model',
          'sha256',
          'producerName',
          'backend',
          'adapter',
          'status',
          'meetsExpectation',
          'referenceKind',
        ],
        properties: {
          model: { type: 'string', maxLength: MAX_ID_LENGTH },
          path: { type: 'string' },
          // Empty only for an input-error whose model file could not be read at all.
          sha256: { type: 'string', pattern: '^([0-9a-f]{64})?$' },
          producerName: { type: 'string' },
          producerVersion: { type: 'string' },
          framework: { type: 'string' },
          backend: { enum: [...BACKEND_IDS] },
          adapter,
          status: { enum: STATUSES },
          expectedStatus: { enum: STATUSES },
          expectedReason: { type: 'string' },
          meetsExpectation: { type: 'boolean' },
          reason: { type: 'string' },
          referenceKind: { enum: ['exporter', 'onnxruntime', 'onnx-reference', 'none', 'user', 'cpu-backend'] },
          referenceSource: { type: 'string' },
          tolerance: {
            type: 'object',
            required: ['atol', 'rtol'],
            properties: { atol: { type: 'number', minimum: 0 }, rtol: { type: 'number', minimum: 0 } },
          },
          comparison,
          againstCpu: comparison,
          latency,
          mainPeakRssBytes: { type: 'number', minimum: 0 },
          dataSets: { type: 'integer', minimum: 0 },
          toleranceRule: { type: 'string' },
          suite: { type: 'string' },
          ops: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;
