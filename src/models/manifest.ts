/**
 * The manifest kept beside every bundled model (`models/<framework>/<name>/manifest.json`):
 * provenance, the reference data and how to feed the model, tolerances and the expected outcome.
 */
import { Ajv, type JSONSchemaType, type ValidateFunction } from 'ajv';
import { InputError, errorLine } from '../errors.js';
import { safeReadText } from '../util/safeRead.js';

// Statuses live in their own module: summaries and views import them without this module's schema code (ajv).
export { STATUSES, type Status } from './statuses.js';
import { STATUSES, type Status } from './statuses.js';

/** Where the expected outputs came from. */
export type ReferenceKind = 'exporter' | 'onnxruntime' | 'onnx-reference' | 'none';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface SourceRef {
  repository: string;
  commit: string;
  path: string;
}

export interface ModelManifest {
  /** Folder path below models/, e.g. `cntk/mnist-8`. */
  id: string;
  /** Exporting framework, lower case: cntk, caffe2, pytorch, tensorflow, mxnet, ... */
  framework: string;
  /** How it was exported, e.g. `torch.onnx.export (PyTorch 0.3)`. */
  exporter: string;
  /** The producer_name the file must carry. */
  expectedProducer: string;
  /** Model file name inside the folder. */
  file: string;
  sha256: string;
  source: SourceRef;
  /** Provenance of the reference data when it came from elsewhere. */
  dataSource?: SourceRef;
  /** What is known of the export itself: exporter version and a date (`unknown` where nobody knows). */
  provenance?: ExportProvenance;
  licence: string;
  reference: {
    kind: ReferenceKind;
    /** `test_data_set` folder(s) or an `.npz` file, relative to the model folder. */
    format: 'test_data_set' | 'npz' | 'none';
    path?: string;
    /** graph input/output name -> npz key, where they differ. */
    inputs?: Record<string, string>;
    outputs?: Record<string, string>;
    note?: string;
  };
  /** How to make inputs the reference data does not hold. */
  inputRecipe?: { kind: 'arange' } | { kind: 'random'; seed: number };
  tolerance: Tolerance;
  /** Per-backend overrides (WebGPU accumulates differently). */
  backendTolerance?: Record<string, Tolerance>;
  expected: Expectation;
  /**
   * Per-backend expectations where a backend differs from the default, keyed by backend id or by
   * `backend:adapterKind` (e.g. `webgpu:software`), the more specific key winning.
   */
  backendExpected?: Record<string, Expectation>;
  notes?: string;
}

export interface Expectation {
  status: Status;
  reason?: string;
}

export interface ExportProvenance {
  /** Version of the exporting framework or tool, or `unknown` (e.g. MXNet writes none into the file). */
  exporterVersion?: string;
  /** ISO date the export was made, where a record of it exists (e.g. a provenance.json). */
  exported?: string;
  /** ISO date of the source commit that holds the file: the export is at least that old. */
  committed?: string;
  committedNote?: string;
}

const sourceSchema = {
  type: 'object',
  properties: { repository: { type: 'string' }, commit: { type: 'string' }, path: { type: 'string' } },
  required: ['repository', 'commit', 'path'],
  additionalProperties: false,
} as const;
const toleranceSchema = {
  type: 'object',
  properties: { atol: { type: 'number', minimum: 0 }, rtol: { type: 'number', minimum: 0 } },
  required: ['atol', 'rtol'],
  additionalProperties: false,
} as const;
const expectationSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: STATUSES },
    reason: { type: 'string', nullable: true },
  },
  required: ['status'],
  additionalProperties: false,
} as const;
const nameMap = { type: 'object', additionalProperties: { type: 'string' }, required: [], nullable: true } as const;

export const manifestSchema: JSONSchemaType<ModelManifest> = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^(?!\\.\\.?(?:/|$))[A-Za-z0-9._-]+(?:/(?!\\.\\.?(?:/|$))[A-Za-z0-9._-]+)*$' },
    framework: { type: 'string', pattern: '^[a-z0-9-]+$' },
    exporter: { type: 'string' },
    expectedProducer: { type: 'string' },
    file: { type: 'string', pattern: '^[^/\\\\]+\\.onnx$' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    source: sourceSchema,
    dataSource: { ...sourceSchema, nullable: true },
    provenance: {
      type: 'object',
      nullable: true,
      required: [],
      additionalProperties: false,
      properties: {
        exporterVersion: { type: 'string', nullable: true },
        exported: { type: 'string', nullable: true, pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        committed: { type: 'string', nullable: true, pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        committedNote: { type: 'string', nullable: true },
      },
    },
    licence: { type: 'string' },
    reference: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['exporter', 'onnxruntime', 'onnx-reference', 'none'] },
        format: { type: 'string', enum: ['test_data_set', 'npz', 'none'] },
        path: { type: 'string', nullable: true },
        inputs: nameMap,
        outputs: nameMap,
        note: { type: 'string', nullable: true },
      },
      required: ['kind', 'format'],
      additionalProperties: false,
    },
    inputRecipe: {
      type: 'object',
      nullable: true,
      oneOf: [
        {
          type: 'object',
          properties: { kind: { type: 'string', const: 'arange' } },
          required: ['kind'],
          additionalProperties: false,
        },
        {
          type: 'object',
          properties: { kind: { type: 'string', const: 'random' }, seed: { type: 'integer' } },
          required: ['kind', 'seed'],
          additionalProperties: false,
        },
      ],
    } as never,
    tolerance: toleranceSchema,
    backendTolerance: { type: 'object', nullable: true, required: [], additionalProperties: toleranceSchema },
    expected: expectationSchema,
    backendExpected: { type: 'object', nullable: true, required: [], additionalProperties: expectationSchema },
    notes: { type: 'string', nullable: true },
  },
  required: [
    'id',
    'framework',
    'exporter',
    'expectedProducer',
    'file',
    'sha256',
    'source',
    'licence',
    'reference',
    'tolerance',
    'expected',
  ],
  additionalProperties: false,
};

// Compiled on first use: importing STATUSES (summaries, conformance) should not pay for the schema (0.5 s).
let validator: ValidateFunction<ModelManifest> | undefined;

export function parseManifest(value: unknown, what: string): ModelManifest {
  const validate = (validator ??= new Ajv({ allErrors: true }).compile(manifestSchema));
  if (!validate(value)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new InputError(`${what}: invalid model manifest: ${why}`);
  }
  return value;
}

export function readManifest(path: string): ModelManifest {
  const text = safeReadText(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: cannot read manifest (${errorLine(e)})`);
  }
  return parseManifest(raw, path);
}
